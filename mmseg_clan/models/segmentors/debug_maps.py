"""Display maps of a recorded CLAN training step (images, labels, predictions, M, D)."""
from typing import Dict, List

import torch
from torch import Tensor

from ..utils import display_images, fuse_logits
from .step_record import StepRecord


def step_debug_maps(record: StepRecord, data_preprocessor) -> List[Dict[str, Tensor]]:
    """Per-sample display maps (CPU) of a recorded step: the tensors the step computed, at the
    sizes it computed them (no second forward).

    Keys: ``source_image``, ``target_image`` (H, W, 3 uint8 RGB); class-id maps
    ``source_label``, ``source_prediction``, ``target_prediction`` (fused) and
    ``target_prediction_classifier{k}``; with two classifiers ``alignment_map`` (M), with a
    discriminator ``discriminator_target_prob`` (its sigmoid: probability of "target").
    """
    source = record.source
    images = display_images(source['inputs'], source['data_samples'], data_preprocessor)
    predictions = record.outputs.source_probs.argmax(dim=1).cpu()
    samples = [dict(source_image=image, source_label=label.cpu(), source_prediction=prediction)
               for image, label, prediction in zip(images, record.source_labels, predictions)]
    if record.target is not None:
        for sample, maps in zip(samples, _target_maps(record, data_preprocessor)):
            sample.update(maps)
    return samples


def _target_maps(record: StepRecord, data_preprocessor) -> List[Dict[str, Tensor]]:
    """Display image, predictions, M and discriminator map of each target sample."""
    outputs, target = record.outputs, record.target
    samples: List[Dict[str, Tensor]] = [{} for _ in target['data_samples']]
    for indices, logits, weight_map, disc_logits in zip(
            outputs.target_indices, outputs.target_logits, outputs.alignment_maps,
            outputs.discriminator_target_logits):
        maps = dict(target_prediction=fuse_logits(logits).argmax(dim=1))
        for index, classifier_logits in enumerate(logits):
            maps[f'target_prediction_classifier{index + 1}'] = classifier_logits.argmax(dim=1)
        if weight_map is not None:
            maps['alignment_map'] = weight_map[:, 0]
        maps['discriminator_target_prob'] = torch.sigmoid(disc_logits)[:, 0]
        for position, sample_index in enumerate(indices):
            samples[sample_index].update({k: v[position].cpu() for k, v in maps.items()})
    images = display_images(target['inputs'], target['data_samples'], data_preprocessor)
    for sample, image in zip(samples, images):
        sample['target_image'] = image
    return samples
