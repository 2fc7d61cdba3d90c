"""Softmax focal segmentation loss as used by the official CLAN code."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor

from .precision import at_least_fp32


def softmax_focal_loss(logits: Tensor,
                       labels: Tensor,
                       gamma: float = 2.0,
                       ignore_index: int = 255,
                       prob_clamp: float = 1e-9) -> Tensor:
    """Mean of -(1 - p_y)^gamma * log(p_y) over pixels whose label is not ``ignore_index``.

    ``p`` is the softmax over dim 1 clamped to [prob_clamp, 1 - prob_clamp]; at least fp32.
    """
    if logits.shape[0] != labels.shape[0] or logits.shape[2:] != labels.shape[-2:]:
        raise ValueError(f'softmax_focal_loss: logits {tuple(logits.shape)} and labels '
                         f'{tuple(labels.shape)} must share batch and spatial size')
    labels = labels.reshape(labels.shape[0], 1, *labels.shape[-2:]).long()
    valid = labels != ignore_index
    safe_labels = torch.where(valid, labels, torch.zeros_like(labels))
    probs = F.softmax(at_least_fp32(logits), dim=1).clamp(prob_clamp, 1.0 - prob_clamp)
    p_y = probs.gather(1, safe_labels)
    pixel_loss = -(1.0 - p_y).pow(gamma) * torch.log(p_y)
    weight = valid.to(pixel_loss.dtype)
    # No valid pixel gives 0 / 0 = nan, exactly like the official mean over an empty selection.
    return (pixel_loss * weight).sum() / weight.sum()


@MODELS.register_module()
class SoftmaxFocalLoss(nn.Module):
    """Decode-head loss wrapping :func:`softmax_focal_loss`; ``gamma=0`` gives plain CE."""

    def __init__(self,
                 gamma: float = 2.0,  # official CLAN focal loss exponent
                 prob_clamp: float = 1e-9,  # official probability clamp
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_seg') -> None:
        super().__init__()
        self.gamma = gamma
        self.prob_clamp = prob_clamp
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, cls_score: Tensor, label: Tensor, ignore_index: int = 255,
                **kwargs) -> Tensor:
        """Weighted focal loss of ``cls_score`` (N, C, H, W) against ``label`` (N, H, W)."""
        return self.loss_weight * softmax_focal_loss(
            cls_score, label, self.gamma, ignore_index, self.prob_clamp)

    @property
    def loss_name(self) -> str:
        """Key of this loss in the log dict."""
        return self._loss_name
