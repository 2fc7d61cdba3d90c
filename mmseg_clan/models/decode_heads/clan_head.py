"""The contract between the CLAN training step and its decode head."""
from typing import Dict, List, Protocol, Sequence, Tuple, runtime_checkable

from torch import Tensor


@runtime_checkable
class CLANHead(Protocol):
    """A decode head with one or two classifiers that the CLAN step can train
    (:class:`~.clan_head_mixin.CLANHeadMixin` implements all but ``discrepancy_parameters``)."""

    num_classifiers: int

    def forward(self, inputs: List[Tensor],
                return_classifier_logits: bool = False) -> Tensor | List[Tensor]:
        """Summed logits, or each classifier's logits with ``return_classifier_logits``."""

    def classifier_losses(self, seg_logits: List[Tensor], seg_labels: Tensor) -> Dict[str, Tensor]:
        """Losses of per-classifier logits against the labels, summed over classifiers."""

    def upsample(self, logits: Tensor, size: Sequence[int]) -> Tensor:
        """Logits resized to ``size`` as the head resizes them."""

    def discrepancy_parameters(self) -> Tuple[List[Tensor], List[Tensor]]:
        """The two classifiers' parameters the weight-discrepancy loss compares."""
