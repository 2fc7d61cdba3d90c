from .metrics import UDAIoUMetric, class_iou, subset_mean_iou

__all__ = ['UDAIoUMetric', 'class_iou', 'subset_mean_iou']
