"""Display maps of a CLAN training batch (images, labels, predictions, M, D) for debugging."""
from typing import Dict, List

import torch
import torch.nn.functional as F
from torch import Tensor

from ...utils import unwrap_model
from ..losses import at_least_fp32
from ..utils import display_images, fuse_logits
from .batch_geometry import (
    source_geometry,
    source_logits_at_label_size,
    target_forward_inputs,
    target_geometry,
    target_groups,
)
from .clan_step import discriminate, target_alignment_maps


def _copy_of_batch(batch: dict) -> dict:
    """A copy of a collated domain batch that the data preprocessor may pad in place."""
    return dict(inputs=list(batch['inputs']),
                data_samples=[sample.clone() for sample in batch['data_samples']])


@torch.no_grad()
def clan_debug_maps(model, data: dict) -> List[Dict[str, Tensor]]:
    """Per-sample display maps (CPU) of a ``dict(source=..., target=...)`` training batch
    (``target`` optional), in the model's current mode, at the sizes the training step uses;
    parameters, buffers, RNG and ``data`` unchanged.

    Keys: ``source_image``, ``target_image`` (H, W, 3 uint8 RGB); class-id maps
    ``source_label``, ``source_prediction``, ``target_prediction`` (fused) and
    ``target_prediction_classifier{k}``; with two classifiers ``alignment_map`` (M), with a
    discriminator ``discriminator_target_prob`` (its sigmoid: probability of "target").
    """
    if not isinstance(data, dict) or 'source' not in data:
        raise KeyError('CLAN.debug_maps expects data=dict(source=..., target=...), got '
                       f'{list(data) if isinstance(data, dict) else type(data).__name__}')
    saved_buffers = {name: buffer.clone() for name, buffer in model.named_buffers()}
    cuda_devices = [torch.cuda.current_device()] if (
        torch.cuda.is_available() and torch.cuda.is_initialized()) else []
    try:
        with torch.random.fork_rng(devices=cuda_devices):
            source = model.data_preprocessor(_copy_of_batch(data['source']), True)
            samples = _source_maps(model, source)
            if data.get('target') is not None:
                target = model.data_preprocessor(_copy_of_batch(data['target']), True)
                for sample, target_maps in zip(samples, _target_maps(model, target)):
                    sample.update(target_maps)
    finally:
        for name, buffer in model.named_buffers():
            buffer.copy_(saved_buffers[name])
    return samples


def _source_maps(model, source: dict) -> List[Dict[str, Tensor]]:
    """Display image, label and fused prediction (at label size) of each source sample."""
    head = unwrap_model(model.decode_head)
    geometry = source_geometry(source)
    logits = [source_logits_at_label_size(at_least_fp32(z), geometry, head.upsample)
              for z in model.decode_head(model.extract_feat(source['inputs']),
                                         return_classifier_logits=True)]
    predictions = fuse_logits(logits).argmax(dim=1).cpu()
    images = display_images(source['inputs'], source['data_samples'], model.data_preprocessor)
    return [dict(source_image=image, source_label=label.cpu(), source_prediction=prediction)
            for image, label, prediction in zip(images, geometry.labels, predictions)]


def _target_maps(model, target: dict) -> List[Dict[str, Tensor]]:
    """Display image, predictions, M and discriminator map of each target sample at the size
    the training step computes them at."""
    head = unwrap_model(model.decode_head)
    geometry = target_geometry(target)
    forward_logits = [model.decode_head(model.extract_feat(inputs), return_classifier_logits=True)
                      for inputs in target_forward_inputs(target['inputs'], geometry)]
    groups = target_groups(forward_logits, geometry,
                           lambda z, size: head.upsample(at_least_fp32(z), size))
    samples: List[Dict[str, Tensor]] = [{} for _ in geometry.output_sizes]
    for group, weight_map in zip(groups, target_alignment_maps(groups)):
        fused = fuse_logits(group.logits)
        maps = dict(target_prediction=fused.argmax(dim=1))
        for index, classifier_logits in enumerate(group.logits):
            maps[f'target_prediction_classifier{index + 1}'] = classifier_logits.argmax(dim=1)
        if weight_map is not None:
            maps['alignment_map'] = weight_map[:, 0]
        if model.with_discriminator:
            maps['discriminator_target_prob'] = torch.sigmoid(
                discriminate(model.discriminator, F.softmax(fused, dim=1), group.size))[:, 0]
        for position, sample_index in enumerate(group.indices):
            samples[sample_index].update({k: v[position].cpu() for k, v in maps.items()})
    images = display_images(target['inputs'], target['data_samples'], model.data_preprocessor)
    for sample, image in zip(samples, images):
        sample['target_image'] = image
    return samples
