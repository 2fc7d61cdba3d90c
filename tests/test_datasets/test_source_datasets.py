"""GTADataset, SynthiaDataset and the official training/test pipelines on tiny real-format data."""
from pathlib import Path

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, TRANSFORMS

import mmseg_clan  # noqa: F401
from tests.test_datasets.fake_datasets import (
    make_fake_cityscapes,
    make_fake_gta,
    make_fake_synthia,
)

init_default_scope('mmseg')
CONFIGS = Path(__file__).parents[2] / 'configs' / '_base_' / 'datasets'


def test_gta_dataset_lists_converted_samples(tmp_path):
    root = make_fake_gta(tmp_path / 'gta', n=3, convert=True)
    dataset = DATASETS.build(dict(type='GTADataset', data_root=str(root), ann_file='train.txt'))
    assert len(dataset) == 3 and len(dataset.metainfo['classes']) == 19
    info = dataset.get_data_info(1)
    assert info['img_path'] == str(root / 'images' / '00002.png')
    assert info['seg_map_path'] == str(root / 'labels' / '00002_labelTrainIds.png')


def test_synthia_dataset_lists_converted_samples(tmp_path):
    root = make_fake_synthia(tmp_path / 'synthia', n=2, convert=True)
    dataset = DATASETS.build(dict(type='SynthiaDataset', data_root=str(root)))
    assert len(dataset) == 2
    assert dataset.get_data_info(0)['seg_map_path'] == str(
        root / 'GT' / 'LABELS' / '0000000_labelTrainIds.png')


def test_dataset_errors_name_the_problem(tmp_path):
    with pytest.raises(FileNotFoundError, match='image folder not found: .*nowhere/images'):
        DATASETS.build(dict(type='GTADataset', data_root=str(tmp_path / 'nowhere')))
    root = make_fake_gta(tmp_path / 'gta', n=2)
    with pytest.raises(FileNotFoundError, match='labels/00001_labelTrainIds.png'):
        DATASETS.build(dict(type='GTADataset', data_root=str(root)))
    with pytest.raises(FileNotFoundError, match='train.txt not found'):
        DATASETS.build(dict(type='GTADataset', data_root=str(root), ann_file='train.txt'))
    (root / 'train.txt').write_text('')
    with pytest.raises(ValueError, match='empty split'):
        DATASETS.build(dict(type='GTADataset', data_root=str(root), ann_file='train.txt'))


@pytest.mark.parametrize('pipeline', ['source_train_pipeline', 'target_train_pipeline',
                                      'test_pipeline'])
def test_shipped_resize_is_bicubic_for_images_nearest_for_labels(pipeline):
    cfg = Config.fromfile(str(CONFIGS / 'gta2cityscapes.py'))
    resize_cfg = next(step for step in cfg[pipeline] if step['type'] == 'Resize')
    resize = TRANSFORMS.build(resize_cfg)
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (36, 64, 3), dtype=np.uint8)
    seg = rng.integers(0, 19, (36, 64), dtype=np.uint8)
    out = resize(dict(img=img, gt_seg_map=seg, seg_fields=['gt_seg_map']))
    size = tuple(resize_cfg['scale'])
    np.testing.assert_array_equal(out['img'], cv2.resize(img, size,
                                                         interpolation=cv2.INTER_CUBIC))
    np.testing.assert_array_equal(out['gt_seg_map'], cv2.resize(
        seg, size, interpolation=cv2.INTER_NEAREST))


def test_image_scale_jitter_truncates_and_records_the_nominal_size():
    for factor, expected in ((0.8, (409, 819)), (1.1, (563, 1126)), (1.0, (512, 1024))):
        jitter = TRANSFORMS.build(dict(type='ImageScaleJitter', scale_factors=(factor, ),
                                       probs=(1.0, )))
        out = jitter(dict(img=np.zeros((512, 1024, 3), np.uint8)))
        assert out['img'].shape[:2] == expected == out['img_shape']
        assert out['nominal_shape'] == (512, 1024)


def test_image_scale_jitter_draws_the_official_factors_and_keeps_labels():
    jitter = TRANSFORMS.build(dict(type='ImageScaleJitter'))
    seg = np.zeros((20, 40), np.uint8)
    heights = []
    np.random.seed(0)
    for _ in range(2000):
        out = jitter(dict(img=np.zeros((20, 40, 3), np.uint8), gt_seg_map=seg,
                          scale_factor=(2.0, 2.0)))
        assert out['gt_seg_map'] is seg and out['img_shape'] == out['img'].shape[:2]
        assert out['scale_factor'][0] == pytest.approx(2.0 * out['img'].shape[1] / 40)
        heights.append(out['img'].shape[0])
    values, counts = np.unique(heights, return_counts=True)
    assert values.tolist() == [16, 20, 22]  # 20 x {0.8, 1.0, 1.1}
    # binomial std for p=0.3..0.4 over 2000 draws is ~0.011; allow 4 std
    np.testing.assert_allclose(counts / 2000, [0.3, 0.4, 0.3], atol=0.045)
    with pytest.raises(ValueError, match='probs'):
        TRANSFORMS.build(dict(type='ImageScaleJitter', scale_factors=(1.0,), probs=(0.5,)))


@pytest.mark.parametrize('config', ['gta2cityscapes', 'synthia2cityscapes'])
def test_base_config_pipelines_produce_official_sizes(tmp_path, config):
    cfg = Config.fromfile(str(CONFIGS / f'{config}.py'))
    if config == 'gta2cityscapes':
        root, base = make_fake_gta(tmp_path / 'src', n=2, convert=True), (720, 1280)
    else:
        root, base = make_fake_synthia(tmp_path / 'src', n=2, convert=True), (760, 1280)
    source_cfg = cfg.train_dataloader.dataset.source
    source_cfg.data_root = str(root)
    source = DATASETS.build(source_cfg)
    np.random.seed(1)
    shapes = set()
    for _ in range(12):
        packed = source[0]
        assert packed['data_samples'].gt_sem_seg.data.shape[1:] == base
        assert packed['inputs'].dtype.is_floating_point is False
        shapes.add(tuple(packed['inputs'].shape[1:]))
    jittered = {(int(base[0] * f), int(base[1] * f)) for f in (0.8, 1.0, 1.1)}
    assert shapes <= jittered and len(shapes) > 1
    cityscapes = make_fake_cityscapes(tmp_path / 'cityscapes', splits=('train', 'val'), n=1,
                                      size=(128, 64), convert=True)
    target_cfg = cfg.train_dataloader.dataset.target
    target_cfg.data_root = str(cityscapes)
    target = DATASETS.build(target_cfg)
    shapes = set()
    for _ in range(12):
        sample = target[0]['data_samples']
        assert sample.nominal_shape == (512, 1024)  # official interp_target size
        shapes.add(tuple(sample.img_shape))
    assert shapes <= {(409, 819), (512, 1024), (563, 1126)} and len(shapes) > 1
    val_cfg = cfg.val_dataloader.dataset
    val_cfg.data_root = str(cityscapes)
    packed = DATASETS.build(val_cfg)[0]
    assert tuple(packed['inputs'].shape) == (3, 512, 1024)
    assert tuple(packed['data_samples'].gt_sem_seg.data.shape) == (1, 64, 128)


def test_checked_load_image_raises_or_skips_corrupted_files(tmp_path):
    root = make_fake_gta(tmp_path / 'gta', n=2, convert=True)
    corrupted = root / 'images' / '00001.png'
    corrupted.write_bytes(corrupted.read_bytes()[:60])
    load = TRANSFORMS.build(dict(type='CheckedLoadImageFromFile'))
    with pytest.raises(OSError, match=str(corrupted)):
        load(dict(img_path=str(corrupted)))
    pipeline = [dict(type='CheckedLoadImageFromFile', on_error='skip'),
                dict(type='LoadAnnotations'), dict(type='PackSegInputs')]
    dataset = DATASETS.build(dict(type='GTADataset', data_root=str(root), pipeline=pipeline))
    for _ in range(3):
        assert dataset[0]['data_samples'].img_path == str(root / 'images' / '00002.png')
    assert dataset.pipeline.transforms[0].num_skipped >= 3  # a refetch may redraw index 0
    with pytest.raises(ValueError, match='on_error'):
        TRANSFORMS.build(dict(type='CheckedLoadImageFromFile', on_error='ignore'))
