"""Per-class feature alignment math against hand-computed values."""
import math

import pytest
import torch

from mmseg_clan.evaluation import (
    ClassFeatureStats,
    alignment_scores,
    cell_majority_labels,
    class_feature_stats,
)

IGNORE = 255


def test_cell_majority_labels_keeps_pure_cells_only():
    label = torch.tensor([[0, 0, 1, 1],
                          [0, 1, 2, 2],
                          [255, 255, 255, 255],
                          [255, 3, 255, 255]])
    cells = cell_majority_labels(label, (2, 2), num_classes=4, min_purity=0.75)
    # (0,0): 3 of 4 are class 0; (0,1): 2 vs 2, below 0.75; (1,0): the one valid pixel is 3;
    # (1,1): no valid pixel
    assert cells.tolist() == [[0, IGNORE], [3, IGNORE]]
    assert cell_majority_labels(label, (2, 2), 4, min_purity=0.8).tolist() == [
        [IGNORE, IGNORE], [3, IGNORE]]


def test_cell_majority_labels_maps_pixels_proportionally():
    label = torch.tensor([[1, 1, 1, 2, 2]])  # 5 columns onto 2 cells: columns 0-2 and 3-4
    assert cell_majority_labels(label, (1, 2), num_classes=3).tolist() == [[1, 2]]
    assert cell_majority_labels(label, (1, 1), num_classes=3, min_purity=0.6).tolist() == [[1]]
    assert cell_majority_labels(label, (1, 1), num_classes=3).tolist() == [[IGNORE]]


def test_cell_majority_labels_rejects_unknown_ids():
    with pytest.raises(ValueError, match=r'label ids \[7\]'):
        cell_majority_labels(torch.tensor([[0, 7]]), (1, 1), num_classes=3)


def square_features() -> tuple[torch.Tensor, torch.Tensor]:
    """Class 0 at the corners of a 2x2 square centred on (1, 1), class 1 once at (5, 5), an
    ignored cell far away: (C=2, h=1, w=6) features and (1, 6) cell labels."""
    points = [(0, 0), (2, 0), (0, 2), (2, 2), (5, 5), (100, 100)]
    features = torch.tensor(points, dtype=torch.float32).t().reshape(2, 1, 6)
    return features, torch.tensor([[0, 0, 0, 0, 1, IGNORE]])


def test_class_feature_stats_centroids_and_spreads():
    stats = class_feature_stats(*square_features(), num_classes=3)
    assert stats.counts.tolist() == [4, 1, 0]
    centroids = stats.centroids()
    assert centroids[:2].tolist() == [[1.0, 1.0], [5.0, 5.0]]
    assert torch.isnan(centroids[2]).all()
    spreads = stats.spreads()
    assert spreads[0].item() == pytest.approx(math.sqrt(2))  # every corner is sqrt(2) away
    assert spreads[1].item() == 0.0 and math.isnan(spreads[2].item())


def test_adding_stats_pools_the_cells_exactly():
    features, labels = square_features()
    whole = class_feature_stats(features, labels, 3)
    pooled = (class_feature_stats(features[:, :, :3], labels[:, :3], 3) +
              class_feature_stats(features[:, :, 3:], labels[:, 3:], 3))
    assert pooled.counts.tolist() == whole.counts.tolist()
    assert torch.allclose(pooled.centroids()[:2], whole.centroids()[:2])
    assert torch.allclose(pooled.sq_dist_sums, whole.sq_dist_sums)
    assert pooled.sq_dist_sums[0].item() == pytest.approx(8.0)
    empty = ClassFeatureStats.zeros(3, 2)
    assert torch.equal((empty + whole).sq_dist_sums, whole.sq_dist_sums)


def test_identical_domains_score_zero():
    stats = class_feature_stats(*square_features(), num_classes=3)
    scores = alignment_scores(stats, stats, min_cells=4)
    assert scores['score'][0].item() == 0.0
    assert scores['cosine'][0].item() == pytest.approx(1.0)
    assert scores['present'].tolist() == [True, False, False]


def test_shifted_domain_scores_distance_over_pooled_spread():
    features, labels = square_features()
    source = class_feature_stats(features, labels, 3)
    shifted = features + torch.tensor([3.0, 4.0])[:, None, None]  # a shift of length 5
    scores = alignment_scores(source, class_feature_stats(shifted, labels, 3), min_cells=4)
    assert scores['distance'][0].item() == pytest.approx(5.0)
    assert scores['score'][0].item() == pytest.approx(5.0 / math.sqrt(2))
    # centroids (1, 1) and (4, 5)
    assert scores['cosine'][0].item() == pytest.approx(9.0 / (math.sqrt(2) * math.sqrt(41)))
    # twice the spread around the same centroid: pooled sqrt((2 + 8) / 2), distance 0
    wide = (features - 1.0) * 2.0 + 1.0
    scores = alignment_scores(source, class_feature_stats(wide, labels, 3), min_cells=4)
    assert scores['target_spread'][0].item() == pytest.approx(2 * math.sqrt(2))
    assert scores['score'][0].item() == pytest.approx(0.0, abs=1e-12)
    moved = wide + torch.tensor([math.sqrt(5), 0.0])[:, None, None]
    scores = alignment_scores(source, class_feature_stats(moved, labels, 3), min_cells=4)
    assert scores['score'][0].item() == pytest.approx(1.0)


def test_classes_below_min_cells_in_either_domain_are_absent():
    features, labels = square_features()
    source = class_feature_stats(features, labels, 3)
    target = class_feature_stats(features[:, :, :2], labels[:, :2], 3)  # 2 cells of class 0
    scores = alignment_scores(source, target, min_cells=3)
    assert scores['present'].tolist() == [False, False, False]
    assert all(torch.isnan(scores[key]).all() for key in ('score', 'cosine', 'distance'))
    assert scores['source_cells'].tolist() == [4, 1, 0]
    assert scores['target_cells'].tolist() == [2, 0, 0]
    assert alignment_scores(source, target, min_cells=2)['present'].tolist() == [True, False,
                                                                                 False]


def test_zero_spread_in_both_domains():
    features = torch.ones(2, 1, 3)
    labels = torch.zeros(1, 3, dtype=torch.long)
    same = class_feature_stats(features, labels, 1)
    other = class_feature_stats(features * 2, labels, 1)
    assert alignment_scores(same, same, min_cells=1)['score'].item() == 0.0
    assert alignment_scores(same, other, min_cells=1)['score'].item() == math.inf
