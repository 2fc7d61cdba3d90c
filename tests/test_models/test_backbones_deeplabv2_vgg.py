import pytest
import torch
import torch.nn as nn
from mmseg.registry import MODELS

import mmseg_clan  # noqa: F401  (installs the mmcv.ops fallback before mmseg.models)

# torchvision vgg16().features conv indices; pool4 (23) and pool5 (30) are removed.
TORCHVISION_VGG16_CONVS = (0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28)


def test_layout_follows_torchvision_vgg16_without_pool4_pool5():
    backbone = MODELS.build(dict(type='DeepLabV2VGG'))
    conv_indices = [i for i, m in enumerate(backbone.features) if isinstance(m, nn.Conv2d)]
    expected = [i if i < 23 else i - 1 for i in TORCHVISION_VGG16_CONVS]
    assert conv_indices == expected
    pools = [m for m in backbone.features if isinstance(m, nn.MaxPool2d)]
    assert len(pools) == 3
    for index in (23, 25, 27):
        assert backbone.features[index].dilation == (2, 2)
    assert backbone.fc6.dilation == (4, 4) and backbone.fc6.kernel_size == (3, 3)
    assert backbone.fc7.dilation == (4, 4) and backbone.fc7.kernel_size == (3, 3)
    assert backbone.fc7.out_channels == 1024


@pytest.mark.parametrize('size', [(64, 96), (72, 128)])
def test_output_stride_8_and_1024_channels(size):
    backbone = MODELS.build(dict(type='DeepLabV2VGG'))
    with torch.no_grad():
        (feature, ) = backbone(torch.randn(1, 3, *size))
    assert feature.shape == (1, 1024, size[0] // 8, size[1] // 8)


def test_largefov_variant_dropout_only_in_train():
    backbone = MODELS.build(dict(
        type='DeepLabV2VGG', fc6_dilation=12, fc7_kernel_size=1, dropout_ratio=0.5))
    assert backbone.fc7.kernel_size == (1, 1) and backbone.fc6.padding == (12, 12)
    x = torch.randn(1, 3, 32, 32)
    backbone.eval()
    with torch.no_grad():
        assert torch.equal(backbone(x)[0], backbone(x)[0])
        backbone.train()
        torch.manual_seed(0)
        first = backbone(x)[0]
        torch.manual_seed(1)
        assert not torch.equal(first, backbone(x)[0])
