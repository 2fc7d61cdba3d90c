"""Geometry of a preprocessed UDA batch: batch padding undone, source logits brought to the label
size, target samples grouped by the size their predictions are computed at.

The data preprocessor pads the images of a batch to a common size. A source image's logits are
cropped to the image's own region and upsampled to its label (which image-only scale jitter
leaves at the base size). Each target image runs through the network at its own (jittered)
size; its logits are upsampled to its *nominal* size, the pre-jitter size that
``ImageScaleJitter`` records as ``nominal_shape`` (official CLAN: the fixed ``interp_target``),
or to its own size when no nominal size was recorded.
"""
import math
from typing import Callable, Dict, List, NamedTuple, Sequence, Tuple

import torch
from torch import Tensor

from ...datasets.transforms.image_scale_jitter import NOMINAL_SHAPE_KEY

Size = Tuple[int, int]
Upsample = Callable[[Tensor, Sequence[int]], Tensor]


class SourceGeometry(NamedTuple):
    """Source labels (N, H, W) without padding, and each image's share (height, width) of the
    padded input (None when nothing was padded)."""
    labels: Tensor
    valid_fractions: List[Tuple[float, float]] | None


class TargetGeometry(NamedTuple):
    """How the target batch runs: ``crops`` = each image's own (h, w) when the batch was padded
    (one network forward per image) or None (one forward for the batch); ``output_sizes`` =
    per image, the size its predictions, M and the discriminator output are computed at."""
    crops: List[Size] | None
    output_sizes: List[Size]


class TargetGroup(NamedTuple):
    """Target images predicted at one output size: each classifier's upsampled logits, the
    batch indices of its images, and its share of the batch."""
    logits: List[Tensor]
    indices: List[int]
    share: float

    @property
    def size(self) -> Size:
        """The output size (H, W) of the group."""
        return tuple(self.logits[0].shape[-2:])


def _padding(sample) -> Sequence[int]:
    return sample.metainfo.get('padding_size', [0] * 4)


def source_geometry(source: dict) -> SourceGeometry:
    """Unpadded labels and valid input fractions of a preprocessed source batch."""
    samples = source['data_samples']
    labels = []
    for sample in samples:
        left, right, top, bottom = _padding(sample)
        label = sample.gt_sem_seg.data
        labels.append(label[..., top:label.shape[-2] - bottom, left:label.shape[-1] - right])
    label_shapes = sorted({tuple(label.shape) for label in labels})
    if len(label_shapes) != 1:
        raise ValueError(f'CLAN: source labels of one batch must share a size, got {label_shapes}')
    labels = torch.stack(labels)
    labels = labels.reshape(labels.shape[0], *labels.shape[-2:])
    if not any(any(_padding(s)) for s in samples):
        return SourceGeometry(labels, None)
    padded_h, padded_w = source['inputs'].shape[-2:]
    fractions = [(s.metainfo['img_shape'][0] / padded_h, s.metainfo['img_shape'][1] / padded_w)
                 for s in samples]
    return SourceGeometry(labels, fractions)


def source_logits_at_label_size(logits: Tensor, geometry: SourceGeometry,
                                upsample: Upsample) -> Tensor:
    """Logits of the padded source batch upsampled to the label size, each image's own region
    only."""
    size = geometry.labels.shape[-2:]
    if geometry.valid_fractions is None:
        return upsample(logits, size)
    return crop_and_upsample(logits, geometry.valid_fractions, size, upsample)


def crop_and_upsample(logits: Tensor, fractions: List[Tuple[float, float]], size: Sequence[int],
                      upsample: Upsample) -> Tensor:
    """Per image: keep the top-left share of ``logits`` covering the unpadded image, then
    upsample it to ``size``."""
    height, width = logits.shape[-2:]
    return torch.cat([
        upsample(logits[i:i + 1, :, :math.ceil(height * fh), :math.ceil(width * fw)], size)
        for i, (fh, fw) in enumerate(fractions)
    ])


def target_geometry(target: dict) -> TargetGeometry:
    """Forward crops and output sizes of a preprocessed target batch."""
    samples = target['data_samples']
    own_sizes = [tuple(s.metainfo['img_shape'][:2]) for s in samples]
    output_sizes = [tuple(s.metainfo.get(NOMINAL_SHAPE_KEY, own)[:2])
                    for s, own in zip(samples, own_sizes)]
    padded = any(any(_padding(s)) for s in samples)
    return TargetGeometry(own_sizes if padded else None, output_sizes)


def target_forward_inputs(inputs: Tensor, geometry: TargetGeometry) -> List[Tensor]:
    """The network inputs of a target batch: the batch itself, or each image's own region."""
    if geometry.crops is None:
        return [inputs]
    return [image[None, :, :height, :width]
            for image, (height, width) in zip(inputs, geometry.crops)]


def target_groups(forward_logits: List[List[Tensor]], geometry: TargetGeometry,
                  upsample: Upsample) -> List[TargetGroup]:
    """Per output size, the target images' classifier logits upsampled to it.

    ``forward_logits`` holds, per forward input of :func:`target_forward_inputs`, the list of
    each classifier's logits.
    """
    batch_size = len(geometry.output_sizes)
    forward_indices = ([list(range(batch_size))] if geometry.crops is None
                       else [[i] for i in range(batch_size)])
    chunks: Dict[Size, List[Tuple[List[int], List[Tensor]]]] = {}
    for indices, logits in zip(forward_indices, forward_logits):
        sizes = {geometry.output_sizes[i] for i in indices}
        parts = ([(indices, logits)] if len(sizes) == 1 else
                 [([i], [z[k:k + 1] for z in logits]) for k, i in enumerate(indices)])
        for part_indices, part_logits in parts:
            size = geometry.output_sizes[part_indices[0]]
            chunks.setdefault(size, []).append(
                (part_indices, [upsample(z, size) for z in part_logits]))
    groups = []
    for parts in chunks.values():
        indices = [i for part_indices, _ in parts for i in part_indices]
        logits = [torch.cat([part_logits[k] for _, part_logits in parts])
                  for k in range(len(parts[0][1]))]
        groups.append(TargetGroup(logits, indices, len(indices) / batch_size))
    return groups


def weighted_mean(values: List[Tensor], shares: List[float]) -> Tensor:
    """Mean of per-group values weighted by their share of the batch (one group: itself)."""
    if len(values) == 1:
        return values[0]
    return torch.stack([v * w for v, w in zip(values, shares)]).sum()
