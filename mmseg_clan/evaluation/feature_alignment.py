"""Per-class feature alignment between two domains (the CLAN paper's Figure 4 analysis).

Labels are assigned to feature cells by majority vote; per class and domain the features give a
centroid and a within-class spread (RMS distance to the centroid); the alignment score of a class
is the distance between its two centroids over the pooled spread (lower = better aligned).
"""
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor


def cell_majority_labels(label: Tensor, feature_size: tuple[int, int], num_classes: int,
                         min_purity: float = 0.75, ignore_index: int = 255) -> Tensor:
    """(H, W) pixel label -> (h, w) label of the feature cells: each cell's majority class if it
    holds at least ``min_purity`` of the cell's valid pixels, else ``ignore_index``.

    Pixel (y, x) falls in cell (floor(y h / H), floor(x w / W)); cells without valid pixels are
    ``ignore_index``. Ids other than ``0..num_classes-1`` and ``ignore_index`` raise.
    """
    if label.dim() != 2:
        raise ValueError(
            f'cell_majority_labels: expected an (H, W) label, got {tuple(label.shape)}')
    if not 0.0 < min_purity <= 1.0:
        raise ValueError(f'cell_majority_labels: min_purity must be in (0, 1], got {min_purity}')
    height, width = label.shape
    cell_h, cell_w = feature_size
    label = label.long()
    unknown = label[(label != ignore_index) & ((label < 0) | (label >= num_classes))]
    if unknown.numel():
        raise ValueError(f'cell_majority_labels: label ids {sorted(set(unknown.tolist()))} are '
                         f'neither classes 0..{num_classes - 1} nor ignore_index {ignore_index}')
    rows = torch.arange(height, device=label.device) * cell_h // height
    cols = torch.arange(width, device=label.device) * cell_w // width
    cells = rows[:, None] * cell_w + cols[None, :]
    valid = label != ignore_index
    counts = torch.bincount(cells[valid] * num_classes + label[valid],
                            minlength=cell_h * cell_w * num_classes)
    counts = counts.view(cell_h * cell_w, num_classes)
    best_count, best_class = counts.max(dim=1)
    pure = best_count.double() >= min_purity * counts.sum(dim=1).double()
    cell_labels = torch.where(pure & (best_count > 0), best_class,
                              torch.full_like(best_class, ignore_index))
    return cell_labels.view(cell_h, cell_w)


@dataclass(frozen=True)
class ClassFeatureStats:
    """Per-class cell count, centroid and sum of squared distances to it, in float64.

    ``a + b`` pools two sets of cells exactly (Chan et al.'s pairwise update).
    """

    counts: Tensor  # (K,) int64 cells per class
    means: Tensor  # (K, C) centroids; zero rows for classes without cells
    sq_dist_sums: Tensor  # (K,) sum over the class's cells of ||f - centroid||^2

    @classmethod
    def zeros(cls, num_classes: int, channels: int) -> 'ClassFeatureStats':
        """Statistics of no cells."""
        return cls(torch.zeros(num_classes, dtype=torch.int64),
                   torch.zeros(num_classes, channels, dtype=torch.float64),
                   torch.zeros(num_classes, dtype=torch.float64))

    def __add__(self, other: 'ClassFeatureStats') -> 'ClassFeatureStats':
        counts = self.counts + other.counts
        n_a, n_b = self.counts.double(), other.counts.double()
        total = counts.double().clamp(min=1)
        delta = other.means - self.means
        means = self.means + delta * (n_b / total)[:, None]
        sq_dist_sums = (self.sq_dist_sums + other.sq_dist_sums +
                        delta.pow(2).sum(dim=1) * n_a * n_b / total)
        return ClassFeatureStats(counts, means, sq_dist_sums)

    def centroids(self) -> Tensor:
        """(K, C) class centroids; NaN rows for classes without cells."""
        empty = (self.counts == 0)[:, None]
        return self.means.masked_fill(empty, float('nan'))

    def spreads(self) -> Tensor:
        """(K,) RMS distance of each class's features to its centroid; NaN without cells."""
        counts = self.counts.double()
        return (self.sq_dist_sums / counts).sqrt().masked_fill(self.counts == 0, float('nan'))


def class_feature_stats(features: Tensor, cell_labels: Tensor, num_classes: int,
                        ignore_index: int = 255) -> ClassFeatureStats:
    """Statistics of one (C, h, w) feature map over the classes of its (h, w) cell labels."""
    if features.dim() != 3 or features.shape[1:] != cell_labels.shape:
        raise ValueError(f'class_feature_stats: features (C, h, w) {tuple(features.shape)} and '
                         f'cell labels (h, w) {tuple(cell_labels.shape)} do not match')
    feats = features.detach().flatten(1).t().double().cpu()
    labels = cell_labels.flatten().long().cpu()
    keep = labels != ignore_index
    feats, labels = feats[keep], labels[keep]
    counts = torch.bincount(labels, minlength=num_classes)
    sums = torch.zeros(num_classes, feats.shape[1], dtype=torch.float64).index_add_(0, labels,
                                                                                   feats)
    means = sums / counts.double().clamp(min=1)[:, None]
    sq_dist = (feats - means[labels]).pow(2).sum(dim=1)
    sq_dist_sums = torch.zeros(num_classes, dtype=torch.float64).index_add_(0, labels, sq_dist)
    return ClassFeatureStats(counts, means, sq_dist_sums)


def alignment_scores(source: ClassFeatureStats, target: ClassFeatureStats,
                     min_cells: int = 20) -> dict[str, Tensor]:
    """Per-class ``score`` = ||mu_s - mu_t|| / sqrt((sigma_s^2 + sigma_t^2) / 2), the centroids'
    ``cosine`` similarity and ``distance``, the ``*_spread``s and ``*_cells``; a class with fewer
    than ``min_cells`` cells in either domain is absent (``present`` False): NaN measures.

    Zero spread in both domains gives score 0 for equal centroids and inf otherwise.
    """
    present = (source.counts >= min_cells) & (target.counts >= min_cells)
    mu_s, mu_t = source.centroids(), target.centroids()
    sigma_s, sigma_t = source.spreads(), target.spreads()
    distance = (mu_s - mu_t).norm(dim=1)
    pooled = ((sigma_s.pow(2) + sigma_t.pow(2)) / 2).sqrt()
    score = torch.where(pooled > 0, distance / pooled,
                        torch.where(distance > 0, float('inf'), 0.0).double())
    cosine = F.cosine_similarity(mu_s, mu_t, dim=1)
    measures = dict(score=score, cosine=cosine, distance=distance, source_spread=sigma_s,
                    target_spread=sigma_t)
    result = {key: value.masked_fill(~present, float('nan')) for key, value in measures.items()}
    result.update(present=present, source_cells=source.counts.clone(),
                  target_cells=target.counts.clone())
    return result
