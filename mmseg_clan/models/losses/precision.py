"""Precision helper: loss math runs in at least fp32, also under AMP."""
import torch
from torch import Tensor


def at_least_fp32(x: Tensor) -> Tensor:
    """``x`` as float32 if it is a lower-precision float, else unchanged (keeps float64)."""
    return x.float() if x.dtype in (torch.float16, torch.bfloat16) else x
