"""IoU metric that also reports mIoU over class subsets from the same confusion counts."""
from collections.abc import Sequence

import numpy as np
import torch
from mmengine.logging import MMLogger, print_log
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS
from prettytable import PrettyTable


def class_iou(results: Sequence[tuple[torch.Tensor, ...]]) -> np.ndarray:
    """Per-class IoU from ``IoUMetric.intersect_and_union`` results (NaN for absent classes)."""
    intersect = sum(r[0] for r in results).double()
    union = sum(r[1] for r in results).double()
    return (intersect / union).numpy()


def subset_mean_iou(iou: np.ndarray, class_names: Sequence[str],
                    subset: Sequence[str]) -> float:
    """Mean IoU (ignoring NaN) over the classes named in ``subset``."""
    unknown = [c for c in subset if c not in class_names]
    if unknown:
        raise KeyError(f'class_subsets: unknown classes {unknown}; known: {list(class_names)}')
    return float(np.nanmean(iou[[list(class_names).index(c) for c in subset]]))


@METRICS.register_module()
class UDAIoUMetric(IoUMetric):
    """mmseg's IoUMetric (per-class table, aAcc, mIoU, mAcc) plus one mIoU per class subset.

    Args:
        class_subsets (dict, optional): name -> class names, e.g. ``dict(mIoU16=[...],
            mIoU13=[...])`` for SYNTHIA->Cityscapes; each adds a ``name`` metric in %.
        **kwargs: IoUMetric arguments.
    """

    def __init__(self, class_subsets: dict[str, Sequence[str]] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.class_subsets = dict(class_subsets or {})

    def compute_metrics(self, results: list) -> dict[str, float]:
        """Compute mmseg's metrics, then the subset mIoUs, and print them side by side."""
        metrics = super().compute_metrics(results)
        if self.format_only or not self.class_subsets:
            return metrics
        iou = class_iou(results)
        class_names = self.dataset_meta['classes']
        table = PrettyTable(['subset', 'classes', 'mIoU'])
        table.add_row(['all', len(class_names), metrics['mIoU']])
        for name, subset in self.class_subsets.items():
            metrics[name] = round(subset_mean_iou(iou, class_names, subset) * 100, 2)
            table.add_row([name, len(subset), metrics[name]])
        print_log('\n' + table.get_string(), logger=MMLogger.get_current_instance())
        return metrics
