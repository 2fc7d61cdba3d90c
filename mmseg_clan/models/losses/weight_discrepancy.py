"""Weight-discrepancy loss that pushes the two classifiers apart."""
from typing import Iterable

import torch
from torch import Tensor

from .precision import at_least_fp32


def weight_discrepancy_loss(params1: Iterable[Tensor], params2: Iterable[Tensor]) -> Tensor:
    """Return cos(W1, W2) + 1, W_k being all parameters (weights and biases) of head k flattened."""
    w1 = at_least_fp32(torch.cat([p.reshape(-1) for p in params1]))
    w2 = at_least_fp32(torch.cat([p.reshape(-1) for p in params2]))
    if w1.numel() != w2.numel():
        raise ValueError(f'weight_discrepancy_loss: heads have {w1.numel()} and {w2.numel()} '
                         'parameters; they must be the same architecture')
    return torch.dot(w1, w2) / (torch.linalg.vector_norm(w1) * torch.linalg.vector_norm(w2)) + 1.0
