"""CLAN's two classifiers as two independent copies of any mmseg decode head."""
import copy
from typing import List, Sequence, Tuple

import torch
from mmengine.model import BaseModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptMultiConfig
from torch import Tensor

from .clan_head_mixin import CLANHeadMixin

# named sets of parameters compared by the weight-discrepancy loss, as prefixes in each copy
DISCREPANCY_PRESETS = {
    'classifier': ('conv_seg', ),  # the paper's C1/C2: each copy's final 1x1 classifier
    'head': ('', ),  # every parameter of each copy
}


def _matches(name: str, prefix: str) -> bool:
    return prefix == '' or name == prefix or name.startswith(prefix.rstrip('.') + '.')


@MODELS.register_module()
class DualDecodeHead(CLANHeadMixin, BaseModule):
    """``head1`` (and ``head2``): copies of the decode head config ``head`` sharing nothing.

    ``forward`` sums their logits (CLAN inference); ``forward(x, return_classifier_logits=True)``
    gives each copy's logits for training. ``num_classifiers=1`` gives the source-only and
    AdaptSegNet head. ``discrepancy_params`` chooses the parameters of each copy that the
    weight-discrepancy loss compares: ``'classifier'`` (``conv_seg`` weight and bias, default),
    ``'head'`` (all) or a list of parameter-name prefixes. Dropout, ``align_corners``,
    ``loss_decode``, ``ignore_index`` and the input selection come from ``head``.
    """

    def __init__(self,
                 head: ConfigType,
                 num_classifiers: int = 2,  # 2 for CLAN, 1 for source-only/AdaptSegNet
                 discrepancy_params: str | Sequence[str] = 'classifier',
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg)
        if num_classifiers not in (1, 2):
            raise ValueError(f'DualDecodeHead: num_classifiers must be 1 or 2, '
                             f'got {num_classifiers}')
        self.num_classifiers = num_classifiers
        for index in range(num_classifiers):
            built = MODELS.build(copy.deepcopy(head))
            if not isinstance(built, BaseDecodeHead):
                raise TypeError(f'DualDecodeHead: head must be an mmseg decode head '
                                f'(BaseDecodeHead), got {type(built).__name__}')
            if built.sampler is not None:
                raise ValueError('DualDecodeHead: head.sampler is not supported (CLAN computes '
                                 'the segmentation loss of each copy on all labelled pixels)')
            setattr(self, f'head{index + 1}', built)
        if isinstance(discrepancy_params, str):
            if discrepancy_params not in DISCREPANCY_PRESETS:
                raise ValueError(f'DualDecodeHead: discrepancy_params must be one of '
                                 f'{sorted(DISCREPANCY_PRESETS)} or a list of parameter-name '
                                 f'prefixes, got {discrepancy_params!r}')
            discrepancy_params = DISCREPANCY_PRESETS[discrepancy_params]
        self.discrepancy_prefixes = tuple(discrepancy_params)
        names = [name for name, _ in self.head1.named_parameters()]
        unmatched = [p for p in self.discrepancy_prefixes
                     if not any(_matches(name, p) for name in names)]
        if unmatched or not self.discrepancy_prefixes:
            raise ValueError(f'DualDecodeHead: discrepancy_params {unmatched or "[]"} match no '
                             f'parameter of {type(self.head1).__name__} (its parameters: '
                             f'{names})')

    @property
    def heads(self) -> List[BaseDecodeHead]:
        """The copies in order."""
        return [getattr(self, f'head{i + 1}') for i in range(self.num_classifiers)]

    # attributes mmseg's EncoderDecoder and the CLAN step read, from the inner head config
    num_classes = property(lambda self: self.head1.num_classes)
    out_channels = property(lambda self: self.head1.out_channels)
    align_corners = property(lambda self: self.head1.align_corners)
    ignore_index = property(lambda self: self.head1.ignore_index)
    threshold = property(lambda self: self.head1.threshold)
    loss_decode = property(lambda self: self.head1.loss_decode)

    def discrepancy_parameters(self) -> Tuple[List[Tensor], List[Tensor]]:
        """The chosen parameters of C1 and C2, in the same order, for the weight-discrepancy
        loss."""
        if self.num_classifiers != 2:
            raise ValueError('DualDecodeHead: the weight-discrepancy loss needs two classifiers')
        return tuple([p for name, p in head.named_parameters()
                      if any(_matches(name, prefix) for prefix in self.discrepancy_prefixes)]
                     for head in self.heads)

    def init_weights(self) -> None:
        """Initialise each copy (mmseg: its own random draws) and check that the compared
        parameters of the two copies differ, so that their predictions can disagree."""
        super().init_weights()
        if self.num_classifiers == 2 and all(
                torch.equal(p1, p2) for p1, p2 in zip(*self.discrepancy_parameters())):
            raise ValueError('DualDecodeHead: the two heads are identical after init_weights '
                             '(e.g. both loaded from one checkpoint); CLAN needs classifiers '
                             'that can disagree')

    def forward_classifiers(self, inputs: List[Tensor]) -> List[Tensor]:
        """Logits of each copy at its output resolution."""
        return [head(inputs) for head in self.heads]

    def predict(self, inputs: List[Tensor], batch_img_metas: List[dict], test_cfg) -> Tensor:
        """Summed logits resized to the input as mmseg's decode heads do."""
        return self.head1.predict_by_feat(self.forward(inputs), batch_img_metas)


__all__ = ['DualDecodeHead', 'DISCREPANCY_PRESETS']
