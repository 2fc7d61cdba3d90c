"""The custom-pair configs (configs/custom) on two generated datasets in mmseg's layout with 7
classes and an ignore index: one training iteration (with the UDA panel for CLAN), then a test
pass; the source-only and oracle bounds likewise."""
import importlib.util
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mmseg_clan  # noqa: F401
from tests.test_configs import tiny_run_config

REPO_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = REPO_ROOT / 'configs' / 'custom' / 'clan_r101_custom-pair.py'
BOUNDS = [REPO_ROOT / 'configs' / 'custom' / f'{name}_r101_custom-pair.py'
          for name in ('source-only', 'oracle')]
IGNORE_INDEX = 255
SIZE = (128, 64)  # (w, h)


def write_pair_split(root: Path, split: str, num_classes: int, seed: int, labels: bool) -> None:
    """Two images (and labels with every class plus an ignored band) under img_dir/ann_dir."""
    rng = np.random.default_rng(seed)
    (root / 'img_dir' / split).mkdir(parents=True)
    (root / 'ann_dir' / split).mkdir(parents=True)
    for index in range(2):
        image = rng.integers(0, 256, (SIZE[1], SIZE[0], 3), dtype=np.uint8)
        cv2.imwrite(str(root / 'img_dir' / split / f'tile{index}.png'), image)
        if labels:
            label = np.repeat(np.arange(SIZE[0]) * num_classes // SIZE[0], SIZE[1]).reshape(
                SIZE[0], SIZE[1]).T.astype(np.uint8)
            label[:4] = IGNORE_INDEX
            cv2.imwrite(str(root / 'ann_dir' / split / f'tile{index}.png'), label)


@pytest.fixture(scope='module')
def pair_roots(tmp_path_factory) -> tuple:
    classes = Config.fromfile(str(TEMPLATE)).classes
    root = tmp_path_factory.mktemp('pair')
    write_pair_split(root / 'source', 'train', len(classes), 0, labels=True)
    write_pair_split(root / 'target', 'train', len(classes), 1, labels=True)  # for the oracle
    write_pair_split(root / 'target', 'val', len(classes), 2, labels=True)
    return root / 'source', root / 'target'


def pair_config(pair_roots: tuple, work_dir: Path, config: Path = TEMPLATE) -> Config:
    source_root, target_root = pair_roots
    cfg = tiny_run_config(config, dict(cityscapes=str(target_root)), work_dir)
    # a visualizer instance of this name from an earlier test would keep writing to its own dir
    cfg.visualizer.name = f'visualizer_{work_dir.name}'
    if 'oracle' not in config.stem:  # the oracle trains on the target's labelled train split
        cfg.train_dataloader.dataset.source.data_root = str(source_root)
    return cfg


def test_template_trains_tests_and_draws_the_panel_with_its_own_classes(pair_roots, tmp_path):
    cfg = pair_config(pair_roots, tmp_path)
    source_pipeline = cfg.train_dataloader.dataset.source.pipeline
    source_pipeline[:] = [t for t in source_pipeline if t.type != 'ImageScaleJitter']
    width, height = next(t.scale for t in source_pipeline if t.type == 'Resize')
    classes = cfg.classes
    assert len(classes) == 7 and cfg.model.decode_head.num_classes == 7
    runner = Runner.from_cfg(cfg)
    assert runner.train_dataloader.dataset.metainfo['classes'] == tuple(classes)
    runner.train()

    panels = list(tmp_path.glob('*/vis_data/vis_image/uda_debug_1.png'))
    assert len(panels) == 1
    panel = cv2.imread(str(panels[0]))[..., ::-1]
    palette = {tuple(c) for c in cfg.palette}
    label_tile = panel[:height, width:2 * width]  # source row: image, label, prediction
    colours = {tuple(int(v) for v in c) for c in label_tile.reshape(-1, 3)}
    assert colours == palette | {(0, 0, 0)}  # every class of the generated label, ignore black
    records = [json.loads(line) for line in next(tmp_path.glob(
        '*/vis_data/scalars.json')).read_text().splitlines()]
    logged = {k[len('alignment/M_'):] for r in records for k in r if k.startswith('alignment/M_')}
    assert logged and logged <= set(classes)

    metrics = runner.test()
    assert metrics['num_classes_present'] <= 7
    assert 0.0 <= metrics['mIoU'] <= 100.0

    # the image demo on a checkpoint without meta: class names and palette from the config
    cfg.dump(str(tmp_path / 'pair.py'))
    torch.save({'state_dict': runner.model.state_dict()}, tmp_path / 'weights.pth')
    spec = importlib.util.spec_from_file_location('image_demo', REPO_ROOT / 'demo' /
                                                  'image_demo.py')
    image_demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(image_demo)
    model = image_demo.load_model(str(tmp_path / 'pair.py'), str(tmp_path / 'weights.pth'), 'cpu')
    assert tuple(model.dataset_meta['classes']) == tuple(classes)
    assert [list(c) for c in model.dataset_meta['palette']] == cfg.palette


def test_a_label_loader_left_at_19_classes_is_refused_before_training(pair_roots, tmp_path):
    cfg = pair_config(pair_roots, tmp_path)
    cfg.train_dataloader.dataset.source.pipeline[1].num_classes = 19  # forgotten num_classes
    with pytest.raises(ValueError, match=r'class counts differ: .*source.pipeline\[1\]'
                                         r'.num_classes=19'):
        Runner.from_cfg(cfg).train()


@pytest.mark.parametrize('config', BOUNDS, ids=lambda p: p.stem)
def test_bounds_train_on_their_domain_and_test(pair_roots, tmp_path, config):
    cfg = pair_config(pair_roots, tmp_path, config)
    source = cfg.train_dataloader.dataset.source
    expected_root = pair_roots[1] if 'oracle' in config.stem else pair_roots[0]
    assert Path(source.data_root) == expected_root
    assert cfg.train_dataloader.dataset.target is None and cfg.model.discriminator is None
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert 0.0 <= runner.test()['mIoU'] <= 100.0
