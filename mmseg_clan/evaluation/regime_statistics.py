"""Statistics of one CLAN step that tell its training regime: how far apart the two
classifiers are, how much they disagree on the target (M), and how the discriminator fares."""
import math
from typing import Dict, List, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor

PREFIX = 'regime/'
TARGET_DOMAIN_LABEL = 1.0  # official: target = 1 (D's target BCE)
DEFAULT_QUANTILES = (0.5, 0.9, 0.99)


def quantiles(values: Tensor, levels: Sequence[float]) -> List[float]:
    """Quantiles of all elements of ``values`` with linear interpolation (as ``torch.quantile``,
    without its input-size limit)."""
    ordered = values.detach().flatten().double().sort().values
    if ordered.numel() == 0:
        raise ValueError('quantiles: no values')
    result = []
    for level in levels:
        if not 0.0 <= level <= 1.0:
            raise ValueError(f'quantiles: level {level} is outside [0, 1]')
        position = level * (ordered.numel() - 1)
        low = math.floor(position)
        high = min(low + 1, ordered.numel() - 1)
        weight = position - low
        result.append(float(ordered[low] * (1 - weight) + ordered[high] * weight))
    return result


def alignment_map_statistics(maps: List[Tensor], eps: float, lambda_local: float,
                             levels: Sequence[float] = DEFAULT_QUANTILES) -> Dict[str, float]:
    """Mean and quantiles of M over all target pixels, and the mean adaptive weight
    ``eps + lambda_local * M`` (applied after the preheat)."""
    pixels = torch.cat([m.detach().flatten().double() for m in maps])
    mean = float(pixels.mean())
    stats = {f'{PREFIX}M_mean': mean}
    for level, value in zip(levels, quantiles(pixels, levels)):
        stats[f'{PREFIX}M_p{round(100 * level):d}'] = value
    stats[f'{PREFIX}adaptive_weight_mean'] = eps + lambda_local * mean
    return stats


def discriminator_statistics(bce_source: float, target_logits: List[Tensor],
                             group_sizes: List[int]) -> Dict[str, float]:
    """D's unweighted BCE on the source and on the target (groups weighted by their number of
    samples), and their mean over ln 2 (1: D at chance, 0: D always right)."""
    bce_target = sum(
        n * float(F.binary_cross_entropy_with_logits(
            d.double(), torch.full_like(d.double(), TARGET_DOMAIN_LABEL)))
        for n, d in zip(group_sizes, target_logits)) / sum(group_sizes)
    return {f'{PREFIX}disc_bce_source': bce_source, f'{PREFIX}disc_bce_target': bce_target,
            f'{PREFIX}disc_bce_over_ln2': (bce_source + bce_target) / 2 / math.log(2)}


def step_regime_statistics(outputs, eps: float, lambda_local: float,
                           levels: Sequence[float] = DEFAULT_QUANTILES) -> Dict[str, float]:
    """Regime scalars of one step's detached outputs (:class:`~mmseg_clan.models.segmentors.
    StepOutputs`): cos(W1, W2), M statistics, and D's BCEs, as far as the model has them."""
    stats: Dict[str, float] = {}
    if outputs.classifier_cosine is not None:
        stats[f'{PREFIX}cos_w1_w2'] = float(outputs.classifier_cosine)
    maps = [m for m in outputs.alignment_maps if m is not None]
    if maps:
        stats.update(alignment_map_statistics(maps, eps, lambda_local, levels))
    if outputs.discriminator_target_logits:
        stats.update(discriminator_statistics(
            float(outputs.log_vars['loss_d_source']), outputs.discriminator_target_logits,
            [len(indices) for indices in outputs.target_indices]))
    return stats
