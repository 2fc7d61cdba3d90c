"""CLAN's fusion of its classifiers' predictions."""
from typing import Sequence

from torch import Tensor


def fuse_logits(logits: Sequence[Tensor]) -> Tensor:
    """Sum of the classifiers' logits (official CLAN inference); one classifier: itself."""
    fused = logits[0]
    for more in logits[1:]:
        fused = fused + more
    return fused
