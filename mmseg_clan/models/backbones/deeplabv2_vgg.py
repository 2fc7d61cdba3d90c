"""DeepLab-v2 VGG-16 backbone, the second backbone of the CLAN paper (AdaptSegNet's layout)."""
from typing import Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.registry import MODELS

# VGG-16 conv widths per stage (torchvision / Caffe configuration "D").
VGG16_STAGES = ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512))


@MODELS.register_module()
class DeepLabV2VGG(BaseModule):
    """Dilated VGG-16 with output stride 8, as AdaptSegNet / CLAN's ``DeeplabVGG`` builds it.

    ``features`` is torchvision's ``vgg16().features`` with pool4 and pool5 removed (indices
    0-22 unchanged, conv5_x at 23/25/27 with dilation 2), followed by ``fc6`` (3x3, dilation 4)
    and ``fc7`` (3x3, dilation 4), each 1024 channels + ReLU. DeepLab-LargeFOV's variant (fc6
    dilation 12, fc7 1x1, dropout 0.5) is ``fc6_dilation=12, fc7_kernel_size=1,
    dropout_ratio=0.5``. Returns a one-element tuple with the fc7 feature map.
    """

    def __init__(self,
                 in_channels: int = 3,
                 fc_channels: int = 1024,  # AdaptSegNet DeeplabVGG: fc6/fc7 1024 channels
                 conv5_dilation: int = 2,  # AdaptSegNet: conv5_x dilation 2 (pool4 removed)
                 fc6_dilation: int = 4,  # AdaptSegNet: fc6 3x3, dilation 4
                 fc7_kernel_size: int = 3,  # AdaptSegNet: fc7 3x3 (DeepLab-LargeFOV: 1x1)
                 fc7_dilation: int = 4,  # AdaptSegNet: fc7 dilation 4
                 dropout_ratio: float = 0.0,  # AdaptSegNet: no dropout (LargeFOV: 0.5)
                 init_cfg: dict | list | None = None) -> None:
        super().__init__(init_cfg)
        layers = []
        channels = in_channels
        for stage_index, widths in enumerate(VGG16_STAGES):
            dilation = conv5_dilation if stage_index == 4 else 1
            for width in widths:
                layers.append(nn.Conv2d(
                    channels, width, kernel_size=3, padding=dilation, dilation=dilation))
                layers.append(nn.ReLU(inplace=True))
                channels = width
            if stage_index < 3:
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        self.features = nn.Sequential(*layers)
        self.fc6 = nn.Conv2d(
            channels, fc_channels, kernel_size=3, padding=fc6_dilation, dilation=fc6_dilation)
        self.fc7 = nn.Conv2d(
            fc_channels, fc_channels, kernel_size=fc7_kernel_size,
            padding=fc7_dilation * (fc7_kernel_size - 1) // 2, dilation=fc7_dilation)
        self.relu = nn.ReLU(inplace=True)
        self.dropout = nn.Dropout2d(dropout_ratio) if dropout_ratio > 0 else nn.Identity()

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        """Return the fc7 feature map (stride 8) as a one-element tuple."""
        x = self.features(x)
        x = self.dropout(self.relu(self.fc6(x)))
        x = self.dropout(self.relu(self.fc7(x)))
        return (x, )
