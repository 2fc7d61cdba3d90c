"""What the CLAN training step needs of a decode head with one or two classifiers."""
from typing import Dict, List, Sequence

import torch
import torch.nn as nn
from mmseg.models.utils import resize
from mmseg.utils import SampleList
from torch import Tensor

from ..utils import fuse_logits


class CLANHeadMixin:
    """Per-classifier logits, summed inference logits and summed per-classifier losses.

    The head defines ``forward_classifiers(inputs) -> list of logits`` and the attributes
    ``loss_decode``, ``ignore_index`` and ``align_corners``.
    """

    def forward(self, inputs: List[Tensor],
                return_classifier_logits: bool = False) -> Tensor | List[Tensor]:
        """Summed logits of the classifiers, or the list of each classifier's logits (a forward
        keyword so DDP-wrapped heads can be trained)."""
        logits = self.forward_classifiers(inputs)
        if return_classifier_logits:
            return logits
        return fuse_logits(logits)

    def loss(self, inputs: List[Tensor], batch_data_samples: SampleList, train_cfg) -> dict:
        """Segmentation loss of every classifier, for use by a plain EncoderDecoder."""
        return self.loss_by_feat(self.forward_classifiers(inputs), batch_data_samples)

    def loss_by_feat(self, seg_logits: List[Tensor], batch_data_samples: SampleList) -> dict:
        """Sum over classifiers of each ``loss_decode`` term on logits upsampled to label size."""
        labels = torch.stack([sample.gt_sem_seg.data for sample in batch_data_samples])
        return self.classifier_losses(seg_logits, labels)

    def classifier_losses(self, seg_logits: List[Tensor], seg_labels: Tensor) -> Dict[str, Tensor]:
        """Losses of per-classifier logits against ``seg_labels`` (N, 1, H, W) or (N, H, W)."""
        seg_labels = seg_labels.reshape(seg_labels.shape[0], *seg_labels.shape[-2:])
        upsampled = [self.upsample(logits, seg_labels.shape[-2:]) for logits in seg_logits]
        loss_modules = (self.loss_decode
                        if isinstance(self.loss_decode, nn.ModuleList) else [self.loss_decode])
        losses: Dict[str, Tensor] = {}
        for loss_module in loss_modules:
            term = torch.stack([
                loss_module(logits, seg_labels, ignore_index=self.ignore_index)
                for logits in upsampled
            ]).sum()
            name = loss_module.loss_name
            losses[name] = losses[name] + term if name in losses else term
        return losses

    def upsample(self, logits: Tensor, size: Sequence[int]) -> Tensor:
        """Bilinear resize with the head's ``align_corners``."""
        return resize(logits, size=tuple(size), mode='bilinear',
                      align_corners=self.align_corners, warning=False)
