"""CLAN decode head: one or two DeepLab-v2 ASPP classifiers on the same feature."""
from typing import List, Sequence, Tuple

from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from mmseg.utils import ConfigType
from torch import Tensor

from .aspp_v2_classifier import ASPPV2Classifier
from .clan_head_mixin import CLANHeadMixin


@MODELS.register_module()
class DualASPPV2Head(CLANHeadMixin, BaseDecodeHead):
    """``classifier1`` (and ``classifier2``) as the official ``layer5``/``layer6``.

    ``forward`` returns the summed logits (CLAN inference); ``forward_classifiers`` returns
    each classifier's logits for training. ``num_classifiers=1`` gives the AdaptSegNet head.
    """

    def __init__(self,
                 in_channels: int = 2048,
                 num_classes: int = 19,
                 dilations: Sequence[int] = (6, 12, 18, 24),  # official DeepLab-v2 rates
                 num_classifiers: int = 2,  # 2 for CLAN, 1 for source-only/AdaptSegNet
                 init_std: float = 0.01,  # official classifier weight init N(0, 0.01)
                 in_index: int = -1,
                 loss_decode: ConfigType | None = None,  # None: official focal loss, gamma 2
                 align_corners: bool = True,  # official nn.Upsample(align_corners=True)
                 **kwargs) -> None:
        if loss_decode is None:
            loss_decode = dict(type='SoftmaxFocalLoss', gamma=2.0)
        if num_classifiers not in (1, 2):
            raise ValueError(f'DualASPPV2Head: num_classifiers must be 1 or 2, '
                             f'got {num_classifiers}')
        kwargs.setdefault('init_cfg', None)
        super().__init__(
            in_channels,
            in_channels,
            num_classes=num_classes,
            dropout_ratio=0.0,
            in_index=in_index,
            loss_decode=loss_decode,
            align_corners=align_corners,
            **kwargs)
        del self.conv_seg
        self.num_classifiers = num_classifiers
        self.classifier1 = ASPPV2Classifier(in_channels, self.out_channels, dilations, init_std)
        if num_classifiers == 2:
            self.classifier2 = ASPPV2Classifier(in_channels, self.out_channels, dilations,
                                                init_std)

    @property
    def classifiers(self) -> List[ASPPV2Classifier]:
        """The classifiers in order."""
        return [getattr(self, f'classifier{i + 1}') for i in range(self.num_classifiers)]

    def discrepancy_parameters(self) -> Tuple[List[Tensor], List[Tensor]]:
        """The parameters of C1 and C2 compared by the weight-discrepancy loss (official: all
        weights and biases of each classifier)."""
        if self.num_classifiers != 2:
            raise ValueError('DualASPPV2Head: the weight-discrepancy loss needs two classifiers')
        return list(self.classifier1.parameters()), list(self.classifier2.parameters())

    def forward_classifiers(self, inputs: List[Tensor]) -> List[Tensor]:
        """Logits of each classifier at feature resolution."""
        x = self._transform_inputs(inputs)
        return [classifier(x) for classifier in self.classifiers]
