"""IoU metric that refuses unknown label ids and reports mIoU over class subsets, per-class IoU
as numbers and the label size it scored against."""
import logging
from collections import Counter
from collections.abc import Mapping, Sequence

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
                    subset: Sequence[str], absent_as_zero: bool = False) -> float:
    """Mean IoU over the classes named in ``subset``: over those present (IoU not NaN), or
    over all of them with absent classes counted as 0."""
    unknown = [c for c in subset if c not in class_names]
    if unknown:
        raise KeyError(f'class_subsets: unknown classes {unknown}; known: {list(class_names)}')
    values = iou[[list(class_names).index(c) for c in subset]]
    return float(np.nan_to_num(values).mean() if absent_as_zero else np.nanmean(values))


def class_iou_prefix(metric: str) -> str:
    """Prefix of the per-class keys that go with a mean-IoU metric: ``mIoU``/``mIoU_all`` ->
    ``IoU``, a subset's ``mIoU13``/``mIoU13_all`` -> ``IoU13``."""
    name = metric[:-len('_all')] if metric.endswith('_all') else metric
    return name[1:] if name.startswith('m') else name


def class_iou_from_metrics(metrics: Mapping[str, float], metric: str = 'mIoU') -> dict:
    """Per-class IoU (%) that UDAIoUMetric logged for ``metric``, as ``{class: IoU}`` in the
    logged order; empty when none was logged."""
    prefix = class_iou_prefix(metric) + '.'
    return {key[len(prefix):]: value for key, value in metrics.items() if key.startswith(prefix)}


@METRICS.register_module()
class UDAIoUMetric(IoUMetric):
    """mmseg's IoUMetric (per-class table, aAcc, mIoU, mAcc) plus explicit class counts.

    mmseg's ``mIoU`` averages the classes present (with pixels in the labels or predictions);
    ``mIoU_all`` averages all classes with absent ones counted as 0, and
    ``num_classes_present`` says how many ``mIoU`` covers. Each class subset adds ``name`` and
    ``name_all`` the same way. Per-class IoU (%, the values of mmseg's per-class table, NaN for
    absent classes) come as ``IoU.<class>`` keys, and for each subset ``mIoU<x>`` as
    ``IoU<x>.<class>`` keys over its classes (:func:`class_iou_prefix`). A label id that is
    neither a class nor ``ignore_index``, or a label whose size differs from the prediction's,
    is an error naming the image. Each evaluation logs the label sizes it scored against and
    warns when they are not ``full_label_size``.

    Args:
        class_subsets (dict, optional): name -> class names, e.g. ``dict(mIoU16=[...],
            mIoU13=[...])`` for SYNTHIA->Cityscapes; each adds metrics in %.
        full_label_size (tuple, optional): (width, height) of the dataset's full-resolution
            labels, e.g. (2048, 1024) for Cityscapes val; None: sizes are logged, not checked.
        **kwargs: IoUMetric arguments.
    """

    def __init__(self, class_subsets: dict[str, Sequence[str]] | None = None,
                 full_label_size: Sequence[int] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.class_subsets = dict(class_subsets or {})
        self.full_label_size = None if full_label_size is None else tuple(full_label_size)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Check every ground-truth label, then accumulate mmseg's counts and the label size."""
        if self.format_only:
            super().process(data_batch, data_samples)
            return
        for data_sample in data_samples:
            self._check_label(data_sample)
        first = len(self.results)
        super().process(data_batch, data_samples)
        for index, data_sample in enumerate(data_samples):
            height, width = data_sample['gt_sem_seg']['data'].shape[-2:]
            self.results[first + index] = (*self.results[first + index], (width, height))

    def _check_label(self, data_sample: dict) -> None:
        num_classes = len(self.dataset_meta['classes'])
        pred = data_sample['pred_sem_seg']['data'].squeeze()
        label = data_sample['gt_sem_seg']['data'].squeeze()
        name = data_sample.get('seg_map_path') or data_sample.get('img_path')
        if pred.shape != label.shape:
            raise ValueError(f'{name}: label size {tuple(label.shape)} differs from the '
                             f'prediction size {tuple(pred.shape)} (image '
                             f'{data_sample.get("img_path")})')
        if (label == self.ignore_index).all():
            raise ValueError(f'{name}: no valid pixel, every label pixel is the ignore index '
                             f'{self.ignore_index} (image {data_sample.get("img_path")}); the '
                             'mIoU would be NaN')
        unknown = (label != self.ignore_index) & ((label < 0) | (label >= num_classes))
        if unknown.any():
            ids = torch.unique(label[unknown]).tolist()
            raise ValueError(
                f'{name}: {int(unknown.sum())} label pixels hold ids {ids[:10]} that are neither '
                f'class ids 0..{num_classes - 1} nor the ignore index {self.ignore_index} '
                f'(image {data_sample.get("img_path")}); they would be dropped from the metric')

    def compute_metrics(self, results: list) -> dict[str, float]:
        """Compute mmseg's metrics, then the explicit ones and the per-class IoU, and print
        them side by side."""
        if self.format_only:
            return super().compute_metrics(results)
        self._log_label_sizes(Counter(r[4] for r in results))
        results = [r[:4] for r in results]
        metrics = super().compute_metrics(results)
        iou = class_iou(results)
        class_names = list(self.dataset_meta['classes'])
        table_iou = self._table_class_iou(results)
        metrics.update({f'IoU.{c}': table_iou[c] for c in class_names})
        metrics['num_classes_present'] = int((~np.isnan(iou)).sum())
        metrics['mIoU_all'] = round(float(np.nan_to_num(iou).mean()) * 100, 2)
        table = PrettyTable(['mIoU', 'classes', 'present', 'over present', 'over all (absent=0)'])
        table.add_row(['mIoU / mIoU_all', len(class_names), metrics['num_classes_present'],
                       metrics['mIoU'], metrics['mIoU_all']])
        for name, subset in self.class_subsets.items():
            metrics[name] = round(subset_mean_iou(iou, class_names, subset) * 100, 2)
            metrics[f'{name}_all'] = round(
                subset_mean_iou(iou, class_names, subset, absent_as_zero=True) * 100, 2)
            metrics.update({f'{class_iou_prefix(name)}.{c}': table_iou[c] for c in subset})
            present = int((~np.isnan(iou[[class_names.index(c) for c in subset]])).sum())
            table.add_row([f'{name} / {name}_all', len(subset), present, metrics[name],
                           metrics[f'{name}_all']])
        print_log('mIoU over the classes present (with pixels in labels or predictions) and over '
                  'all classes:\n' + table.get_string(), logger=MMLogger.get_current_instance())
        return metrics

    def _table_class_iou(self, results: list) -> dict[str, float]:
        """Per-class IoU (%) exactly as mmseg's per-class table prints them."""
        areas = [sum(r[i] for r in results) for i in range(4)]
        iou = self.total_area_to_metrics(*areas, ['mIoU'], self.nan_to_num, self.beta)['IoU']
        return {name: round(float(value), 2) for name, value in
                zip(self.dataset_meta['classes'], np.round(iou * 100, 2))}

    def _log_label_sizes(self, sizes: Counter) -> None:
        """Log the label sizes scored against; warn when any is not ``full_label_size``."""
        described = ', '.join(f'{w}x{h} ({n} images)' for (w, h), n in sorted(sizes.items()))
        logger = MMLogger.get_current_instance()
        print_log(f'scored against labels of {described}', logger=logger)
        if self.full_label_size is not None and set(sizes) != {self.full_label_size}:
            width, height = self.full_label_size
            print_log(f'labels of {described} are not the full {width}x{height} ones '
                      '(UDAIoUMetric.full_label_size): mIoU on resized labels is not comparable '
                      'with published results', logger=logger, level=logging.WARNING)
