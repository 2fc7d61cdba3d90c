import json

import pytest
import torch
import torch.nn as nn
from mmseg.registry import MODELS

import mmseg_clan  # noqa: F401  (installs the mmcv.ops fallback before mmseg.models)
from tests.reference_data import reference_file


def official_backbone_shapes() -> dict:
    with open(reference_file('clan_official_state_dict_keys.json')) as f:
        shapes = json.load(f)
    return {k: v for k, v in shapes.items() if not k.startswith(('layer5.', 'layer6.'))}


def feature_size(backbone: nn.Module, height: int, width: int) -> tuple:
    with torch.no_grad():
        return tuple(backbone(torch.zeros(1, 3, height, width))[-1].shape[2:])


def test_state_dict_keys_and_shapes_equal_official_checkpoint():
    backbone = MODELS.build(dict(type='DeepLabV2ResNet', depth=101))
    state_dict = backbone.state_dict()
    expected = official_backbone_shapes()
    assert list(state_dict) == list(expected)
    for key, shape in expected.items():
        assert list(state_dict[key].shape) == shape, key


@pytest.mark.parametrize('size,expected', [((720, 1280), (91, 161)), ((512, 1024), (65, 129))])
def test_feature_size_matches_official(size, expected):
    # Reduced width keeps the forward fast; spatial arithmetic does not depend on width.
    backbone = MODELS.build(
        dict(type='DeepLabV2ResNet', depth=101, stem_channels=8, base_channels=8))
    assert feature_size(backbone, *size) == expected
    mmseg_default = MODELS.build(dict(
        type='ResNet', depth=101, stem_channels=8, base_channels=8, strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4), style='caffe'))
    assert feature_size(mmseg_default, *size) != expected


def test_full_width_resnet101_output_and_ceil_mode():
    backbone = MODELS.build(dict(type='DeepLabV2ResNet', depth=101))
    with torch.no_grad():
        outs = backbone(torch.randn(1, 3, 64, 96))
    # 64x96 -> conv1 32x48 -> ceil-mode pool 17x25 (floor would give 16x24) -> stride 2: 9x13
    assert [tuple(o.shape) for o in outs] == [
        (1, 256, 17, 25), (1, 512, 9, 13), (1, 1024, 9, 13), (1, 2048, 9, 13)]


def test_caffe_style_strides_and_full_dilations():
    backbone = MODELS.build(dict(type='DeepLabV2ResNet', depth=101))
    assert backbone.maxpool.ceil_mode
    assert backbone.layer2[0].conv1.stride == (2, 2)
    assert backbone.layer2[0].conv2.stride == (1, 1)
    assert backbone.layer2[0].downsample[0].stride == (2, 2)
    for name, dilation in (('layer1', 1), ('layer2', 1), ('layer3', 2), ('layer4', 4)):
        for block in getattr(backbone, name):
            assert block.conv2.dilation == (dilation, dilation)
            assert block.conv2.padding == (dilation, dilation)
            assert block.conv1.stride == (1, 1) or block is backbone.layer2[0]
    for module in backbone.modules():
        if isinstance(module, nn.Conv2d):
            assert module.bias is None


def test_batchnorm_affine_frozen_but_in_train_mode():
    backbone = MODELS.build(
        dict(type='DeepLabV2ResNet', depth=50, stem_channels=8, base_channels=8))
    backbone.train()
    norms = [m for m in backbone.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(norms) == 1 + 3 * 16 + 4
    for norm in norms:
        assert norm.training
        assert norm.affine and not norm.weight.requires_grad and not norm.bias.requires_grad
        assert norm.eps == 1e-5 and norm.momentum == 0.1  # PyTorch defaults, as the official
    conv_params = [p for n, p in backbone.named_parameters() if 'conv' in n]
    assert conv_params and all(p.requires_grad for p in conv_params)
    before = backbone.layer4[2].bn3.running_mean.clone()
    backbone(torch.randn(1, 3, 32, 32))
    assert not torch.equal(before, backbone.layer4[2].bn3.running_mean)


def test_depth_50_block_counts_and_invalid_depth():
    backbone = MODELS.build(dict(type='DeepLabV2ResNet', depth=50))
    assert [len(getattr(backbone, f'layer{i}')) for i in range(1, 5)] == [3, 4, 6, 3]
    with pytest.raises(KeyError, match='depth 50 or 101'):
        MODELS.build(dict(type='DeepLabV2ResNet', depth=18))


def test_default_init_is_official_normal_conv_and_unit_bn():
    torch.manual_seed(0)
    backbone = MODELS.build(dict(type='DeepLabV2ResNet', depth=50))
    backbone.init_weights()
    weight = backbone.layer3[0].conv2.weight
    assert abs(weight.std().item() - 0.01) < 1e-3
    assert torch.all(backbone.layer1[0].bn3.weight == 1)
    assert torch.all(backbone.layer1[0].bn3.bias == 0)
