"""Regime statistics of a step's outputs against independent numpy computations."""
import math

import numpy as np
import pytest
import torch

from mmseg_clan.evaluation.regime_statistics import (
    alignment_map_statistics,
    discriminator_statistics,
    quantiles,
)


def test_quantiles_equal_numpy_linear_quantiles():
    values = torch.rand(3, 1, 17, 23, generator=torch.Generator().manual_seed(0))
    levels = (0.0, 0.5, 0.9, 0.99, 1.0)
    np.testing.assert_allclose(quantiles(values, levels),
                               np.quantile(values.numpy().ravel(), levels), rtol=1e-12)
    with pytest.raises(ValueError, match='outside'):
        quantiles(values, (1.5, ))
    with pytest.raises(ValueError, match='no values'):
        quantiles(torch.empty(0), (0.5, ))


def test_alignment_map_statistics_pool_the_pixels_of_every_group():
    maps = [torch.full((1, 1, 2, 2), 0.1), torch.zeros(2, 1, 3, 2)]  # 4 + 12 pixels
    stats = alignment_map_statistics(maps, eps=0.4, lambda_local=40.0)
    assert stats['regime/M_mean'] == pytest.approx(0.4 / 16)
    assert stats['regime/M_p50'] == 0.0
    assert stats['regime/M_p99'] == pytest.approx(0.1)
    assert stats['regime/adaptive_weight_mean'] == pytest.approx(0.4 + 40.0 * 0.4 / 16)


def test_discriminator_statistics_weight_groups_by_their_samples():
    logits = [torch.zeros(1, 1, 4, 4), torch.full((3, 1, 2, 2), 2.0)]
    stats = discriminator_statistics(0.3, logits, [1, 3])
    expected_target = (math.log(2) + 3 * math.log1p(math.exp(-2.0))) / 4
    assert stats['regime/disc_bce_target'] == pytest.approx(expected_target)
    assert stats['regime/disc_bce_over_ln2'] == pytest.approx(
        (0.3 + expected_target) / 2 / math.log(2))
