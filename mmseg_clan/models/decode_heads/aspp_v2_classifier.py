"""DeepLab-v2 ASPP classifier: parallel dilated 3x3 convs whose outputs are summed."""
from typing import Sequence

import torch.nn as nn
from torch import Tensor


class ASPPV2Classifier(nn.Module):
    """Sum of 3x3 convs (in_channels -> num_classes, bias) with dilation = padding = d.

    Weights are drawn from N(0, 0.01), biases keep PyTorch's default init (official CLAN).
    """

    def __init__(self, in_channels: int, num_classes: int,
                 dilations: Sequence[int] = (6, 12, 18, 24), init_std: float = 0.01) -> None:
        super().__init__()
        self.conv2d_list = nn.ModuleList(
            nn.Conv2d(in_channels, num_classes, 3, padding=d, dilation=d, bias=True)
            for d in dilations)
        for conv in self.conv2d_list:
            nn.init.normal_(conv.weight, 0.0, init_std)

    def forward(self, x: Tensor) -> Tensor:
        """Class logits at the resolution of ``x``."""
        out = self.conv2d_list[0](x)
        for conv in self.conv2d_list[1:]:
            out = out + conv(x)
        return out
