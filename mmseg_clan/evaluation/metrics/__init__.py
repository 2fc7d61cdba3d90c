from .uda_iou_metric import (
    UDAIoUMetric,
    class_iou,
    class_iou_from_metrics,
    class_iou_prefix,
    subset_mean_iou,
)

__all__ = [
    'UDAIoUMetric', 'class_iou', 'class_iou_from_metrics', 'class_iou_prefix', 'subset_mean_iou'
]
