from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmseg_clan  # noqa: F401  (installs the mmcv.ops fallback before mmseg.models)
from mmseg_clan.models.utils import converts_channels, display_images

MODEL_CONFIGS = Path(__file__).parents[2] / 'configs' / '_base_' / 'models'


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')  # as default_runtime.py sets it for real runs


# 64x96 input: ResNet stem with ceil-mode pool -> 9x13; VGG three floor pools -> 8x12.
@pytest.mark.parametrize('name,backbone_type,logits_size', [
    ('clan_deeplabv2_r101.py', 'DeepLabV2ResNet', (9, 13)),
    ('clan_deeplabv2_vgg16.py', 'DeepLabV2VGG', (8, 12)),
])
def test_base_model_config_builds_and_predicts(name, backbone_type, logits_size):
    cfg = Config.fromfile(MODEL_CONFIGS / name)
    assert cfg.model.backbone.init_cfg.type == 'Pretrained'
    cfg.model.backbone.init_cfg = None  # the converted checkpoint is not available in tests
    model = MODELS.build(cfg.model)
    assert type(model.backbone).__name__ == backbone_type
    assert model.discriminator is not None
    model.eval()
    with torch.no_grad():
        logits = model(torch.randn(1, 3, 64, 96), mode='tensor')
    assert logits.shape == (1, 19, *logits_size)


def test_r101_config_is_the_faithful_backbone():
    cfg = Config.fromfile(MODEL_CONFIGS / 'clan_deeplabv2_r101.py')
    model = MODELS.build({**cfg.model, 'backbone': {**cfg.model.backbone, 'init_cfg': None}})
    assert model.backbone.maxpool.ceil_mode
    assert all(not p.requires_grad for n, p in model.backbone.named_parameters() if '.bn' in n
               or n.startswith('bn1'))
    assert model.data_preprocessor.mean.flatten().tolist() == pytest.approx(
        [104.00698793, 116.66876762, 122.67891434])
    assert not converts_channels(model.data_preprocessor)


@pytest.mark.parametrize('bgr_to_rgb', [False, True])
def test_display_images_undo_the_preprocessor_on_either_mmseg_line(bgr_to_rgb):
    from mmseg.models import SegDataPreProcessor  # after mmseg_clan: the mmcv.ops fallback
    from mmseg.structures import SegDataSample
    preprocessor = SegDataPreProcessor(mean=[10.0, 20.0, 30.0], std=[2.0, 2.0, 2.0],
                                       bgr_to_rgb=bgr_to_rgb)
    assert converts_channels(preprocessor) == bgr_to_rgb
    bgr = torch.randint(0, 256, (3, 4, 5), dtype=torch.uint8)  # as mmseg loads images
    sample = SegDataSample(metainfo=dict(img_shape=(4, 5)))
    inputs = preprocessor(dict(inputs=[bgr], data_samples=[sample]))['inputs']
    (image, ) = display_images(inputs, [sample], preprocessor)
    assert torch.equal(image, bgr.flip(0).permute(1, 2, 0))  # RGB for display
