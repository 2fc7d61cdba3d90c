from .feature_alignment import (
                                ClassFeatureStats,
                                alignment_scores,
                                cell_majority_labels,
                                class_feature_stats,
)
from .metrics import (
    UDAIoUMetric,
    class_iou,
    class_iou_from_metrics,
    class_iou_prefix,
    subset_mean_iou,
)

__all__ = [
    'ClassFeatureStats', 'UDAIoUMetric', 'alignment_scores', 'cell_majority_labels',
    'class_feature_stats', 'class_iou', 'class_iou_from_metrics', 'class_iou_prefix',
    'subset_mean_iou'
]
