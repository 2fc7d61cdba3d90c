"""Fully convolutional output-space discriminator (AdaptSegNet / CLAN)."""
import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class FCDiscriminator(BaseModule):
    """Five 4x4 stride-2 convs num_classes -> ndf -> 2ndf -> 4ndf -> 8ndf -> 1; returns logits."""

    def __init__(self,
                 num_classes: int = 19,
                 ndf: int = 64,  # official base width
                 negative_slope: float = 0.2,  # official LeakyReLU slope
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.num_classes = num_classes
        self.conv1 = nn.Conv2d(num_classes, ndf, 4, stride=2, padding=1)
        self.conv2 = nn.Conv2d(ndf, ndf * 2, 4, stride=2, padding=1)
        self.conv3 = nn.Conv2d(ndf * 2, ndf * 4, 4, stride=2, padding=1)
        self.conv4 = nn.Conv2d(ndf * 4, ndf * 8, 4, stride=2, padding=1)
        self.classifier = nn.Conv2d(ndf * 8, 1, 4, stride=2, padding=1)
        self.leaky_relu = nn.LeakyReLU(negative_slope)

    def forward(self, x: Tensor) -> Tensor:
        """Domain logits (N, 1, H/32, W/32) of class-probability maps ``x`` (N, C, H, W)."""
        if x.shape[1] != self.num_classes:
            raise ValueError(f'FCDiscriminator: expected {self.num_classes} input channels, '
                             f'got {x.shape[1]}')
        for conv in (self.conv1, self.conv2, self.conv3, self.conv4):
            x = self.leaky_relu(conv(x))
        return self.classifier(x)
