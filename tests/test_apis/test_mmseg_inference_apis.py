"""mmseg's own inference APIs on a shipped config and a trained checkpoint agree with tools/test.py.

The config is scaled down and trained one iteration on tiny generated data as in
tests/test_configs.py; the checkpoint is the runner's own.
"""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from PIL import Image

import mmseg_clan  # noqa: F401  (must precede mmseg.apis: installs the mmcv.ops fallback)

# isort: split
from mmseg.apis import MMSegInferencer, inference_model, init_model

from tests.test_configs import CONFIGS, REPO_ROOT, shrink_pipeline, tiny_run_config
from tests.test_datasets.fake_datasets import make_fake_cityscapes, make_fake_gta

# the official DeepLab-v2 run, and SegFormer MiT-B5 with two all-stage decoders (SyncBN)
SHIPPED = ['clan_gta2city.py', 'backbones/clan_mitb5_gta2city.py']


@pytest.fixture(scope='module', params=SHIPPED)
def trained(request, tmp_path_factory) -> dict:
    """A tiny run of a shipped config: its config file, checkpoint and test images."""
    config = REPO_ROOT / 'configs' / request.param
    root = tmp_path_factory.mktemp('apis')
    data_roots = dict(
        gta=str(make_fake_gta(root / 'gta', n=2, size=(96, 54), convert=True)),
        cityscapes=str(make_fake_cityscapes(root / 'cityscapes', n=2, size=(128, 64),
                                            convert=True)))
    cfg = tiny_run_config(config, data_roots, root / 'work')
    shrink_pipeline(cfg.test_pipeline)  # inference_model reads the top-level test_pipeline
    runner = Runner.from_cfg(cfg)
    runner.train()
    runner.save_checkpoint(str(root), 'tiny.pth')
    config_file = root / f'tiny_{config.name}'
    cfg.dump(str(config_file))
    images = sorted((Path(data_roots['cityscapes']) / 'leftImg8bit' / 'val').rglob('*.png'))
    assert len(images) == 2
    return dict(config=config_file, checkpoint=root / 'tiny.pth', images=[str(p) for p in images])


def test_test_tool_inferencer_and_inference_model_agree(trained, tmp_path):
    out, show_dir, infer_dir = tmp_path / 'out', tmp_path / 'show', tmp_path / 'infer'
    # a process of its own, as users run it (mmengine's visualizer is a per-process singleton)
    result = subprocess.run([
        sys.executable, 'tools/test.py', str(trained['config']), str(trained['checkpoint']),
        '--out', str(out),
        '--show-dir', str(show_dir), '--work-dir', str(tmp_path / 'work'),
        # mmseg's SegVisualizationHook draws every 50th test image unless told otherwise
        '--cfg-options', 'default_hooks.visualization.interval=1'],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    tool_predictions = {Path(p).stem: np.asarray(Image.open(p)) for p in sorted(out.glob('*.png'))}
    assert sorted(tool_predictions) == sorted(Path(p).stem for p in trained['images'])
    assert len(list(show_dir.rglob('*.png'))) == len(trained['images'])

    inferencer = MMSegInferencer(model=str(trained['config']), weights=str(trained['checkpoint']),
                                 device='cpu')
    predictions = inferencer(trained['images'], out_dir=str(infer_dir))['predictions']
    model = init_model(str(trained['config']), str(trained['checkpoint']), device='cpu')
    for image, prediction in zip(trained['images'], predictions):
        expected = tool_predictions[Path(image).stem]
        assert expected.shape == Image.open(image).size[::-1]
        np.testing.assert_array_equal(prediction, expected)
        direct = inference_model(model, image).pred_sem_seg.data[0]
        np.testing.assert_array_equal(direct.numpy(), expected)
    assert len(list((infer_dir / 'vis').glob('*.png'))) == len(trained['images'])
    assert len(list((infer_dir / 'pred').glob('*.png'))) == len(trained['images'])


def test_inference_apis_fail_loudly_on_a_missing_image(trained, tmp_path):
    model = init_model(str(trained['config']), str(trained['checkpoint']), device='cpu')
    missing = str(tmp_path / 'missing.png')
    with pytest.raises(OSError, match='missing.png'):
        inference_model(model, missing)


def inferencer_pipeline(cfg: Config) -> Compose:
    """The test pipeline as MMSegInferencer adapts it (mmseg/apis/mmseg_inferencer.py)."""
    pipeline = [t for t in cfg.test_dataloader.dataset.pipeline
                if t['type'] not in ('LoadAnnotations', 'LoadDepthAnnotation')]
    loaders = [i for i, t in enumerate(pipeline) if t['type'] == 'LoadImageFromFile']
    if not loaders:
        raise ValueError('LoadImageFromFile is not found in the test pipeline')
    pipeline[loaders[0]] = dict(pipeline[loaders[0]], type='InferencerLoader')
    return Compose(pipeline)


@pytest.mark.parametrize('config_path', CONFIGS, ids=lambda p: p.stem)
def test_every_config_test_pipeline_takes_a_bare_image(config_path, tmp_path):
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(config_path))
    image = tmp_path / 'street.png'
    Image.fromarray(np.zeros((40, 80, 3), np.uint8)).save(image)
    # as MMSegInferencer feeds it, and as inference_model does (mmseg/apis/utils.py)
    for packed in (inferencer_pipeline(cfg)(str(image)),
                   Compose(cfg.test_pipeline)(dict(img_path=str(image)))):
        assert packed['inputs'].shape[0] == 3
        assert packed['data_samples'].ori_shape == (40, 80)
        assert 'gt_sem_seg' not in packed['data_samples']
