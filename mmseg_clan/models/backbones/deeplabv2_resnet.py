"""DeepLab-v2 ResNet backbone, as the official CLAN / AdaptSegNet code builds it."""
from typing import Sequence

import torch.nn as nn
from mmseg.models.backbones import ResNet
from mmseg.registry import MODELS

# The official model initialises every conv from N(0, 0.01) and every BN to weight 1, bias 0.
OFFICIAL_INIT_CFG = [
    dict(type='Normal', std=0.01, layer='Conv2d'),
    dict(type='Constant', val=1, bias=0, layer='_BatchNorm'),
]


@MODELS.register_module()
class DeepLabV2ResNet(ResNet):
    """Caffe-style dilated ResNet of DeepLab-v2 (output stride 8), faithful to the official CLAN.

    Differs from mmseg's ``ResNet`` only in the stem max-pool (``ceil_mode=True``), so a 720x1280
    input gives a 91x161 feature map; state-dict keys equal the official checkpoint's backbone keys.
    """

    def __init__(self,
                 depth: int = 101,
                 strides: Sequence[int] = (1, 2, 1, 1),  # official: layer2 stride 2 only
                 dilations: Sequence[int] = (1, 1, 2, 4),  # official: layer3 2, layer4 4
                 style: str = 'caffe',  # official: stride on the first 1x1 conv
                 contract_dilation: bool = False,  # official: every block fully dilated
                 norm_cfg: dict | None = None,  # None: official BN, affine frozen
                 norm_eval: bool = False,  # official: BN stays in train mode
                 stem_pool_ceil_mode: bool = True,  # official: MaxPool2d(3, 2, 1, ceil_mode=True)
                 zero_init_residual: bool = False,
                 init_cfg: dict | list | None = None,
                 **kwargs) -> None:
        if depth not in (50, 101):
            raise KeyError(f'DeepLabV2ResNet supports depth 50 or 101, got {depth}')
        if kwargs.get('deep_stem', False):
            raise ValueError('DeepLabV2ResNet has the 7x7 stem of DeepLab-v2; deep_stem '
                             'would change its state-dict keys, use ResNetV1c instead')
        if norm_cfg is None:
            norm_cfg = dict(type='BN', requires_grad=False)
        if init_cfg is None and kwargs.get('pretrained') is None:
            init_cfg = OFFICIAL_INIT_CFG
        super().__init__(
            depth=depth,
            strides=strides,
            dilations=dilations,
            style=style,
            contract_dilation=contract_dilation,
            norm_cfg=norm_cfg,
            norm_eval=norm_eval,
            zero_init_residual=zero_init_residual,
            init_cfg=init_cfg,
            **kwargs)
        self.maxpool = nn.MaxPool2d(
            kernel_size=3, stride=2, padding=1, ceil_mode=stem_pool_ceil_mode)
