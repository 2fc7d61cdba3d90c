"""Adversarial BCE-with-logits losses, optionally weighted by the alignment map."""

import torch.nn.functional as F
from torch import Tensor

from .precision import at_least_fp32


def adversarial_bce_loss(disc_logits: Tensor,
                         domain_label: float,
                         alignment_weight: Tensor | None = None,
                         eps: float = 0.4,
                         lambda_local: float = 40.0) -> Tensor:
    """Mean BCE-with-logits against ``domain_label``; if ``alignment_weight`` (M) is given,
    each pixel is weighted by ``eps + lambda_local * M`` (CLAN's adaptive adversarial loss)."""
    disc_logits = at_least_fp32(disc_logits)
    bce = F.binary_cross_entropy_with_logits(
        disc_logits, disc_logits.new_full(disc_logits.shape, domain_label), reduction='none')
    if alignment_weight is None:
        return bce.mean()
    if alignment_weight.shape != bce.shape:
        raise ValueError(f'adversarial_bce_loss: alignment weight {tuple(alignment_weight.shape)} '
                         f'must match discriminator output {tuple(bce.shape)}')
    return ((eps + lambda_local * at_least_fp32(alignment_weight)) * bce).mean()
