"""Local alignment map M = 1 - cos(p1, p2) of the two classifiers' predictions."""
from torch import Tensor

from .precision import at_least_fp32


def alignment_map(probs1: Tensor, probs2: Tensor) -> Tensor:
    """Per-pixel 1 - cosine similarity over the class dim of (N, C, H, W) maps -> (N, 1, H, W)."""
    probs1, probs2 = at_least_fp32(probs1), at_least_fp32(probs2)
    dot = (probs1 * probs2).sum(dim=1, keepdim=True)
    norms = probs1.norm(p=2, dim=1, keepdim=True) * probs2.norm(p=2, dim=1, keepdim=True)
    return 1.0 - dot / norms
