"""Hook that writes UDA debug panels and per-class alignment scalars during training."""
import math
from typing import Dict, List, Sequence

import cv2
import numpy as np
import torch
from mmengine.logging import print_log
from mmseg.registry import HOOKS
from torch import Tensor

from ...models.segmentors import step_debug_maps
from ...utils import unwrap_model
from .recorded_step_hook import RecordedStepHook

SCALAR_PREFIX = 'alignment/M_'
IMAGE_NAME = 'uda_debug'
SOURCE_ROW = ('source_image', 'source_label', 'source_prediction')
TARGET_ROW = ('target_image', 'target_prediction_classifier1', 'target_prediction_classifier2',
              'alignment_map', 'discriminator_target_prob')
IMAGE_KEYS = ('source_image', 'target_image')
HEAT_MAP_KEYS = ('alignment_map', 'discriminator_target_prob')


def colorize_labels(labels: Tensor, palette: Sequence[Sequence[int]]) -> np.ndarray:
    """(H, W) class ids -> (H, W, 3) uint8 RGB with ``palette``; ids outside it are black."""
    colors = np.asarray(palette, dtype=np.uint8).reshape(-1, 3)
    ids = labels.cpu().numpy().astype(np.int64)
    valid = (ids >= 0) & (ids < len(colors))
    image = np.zeros((*ids.shape, 3), dtype=np.uint8)
    image[valid] = colors[ids[valid]]
    return image


def heat_map(values: Tensor, vmax: float) -> np.ndarray:
    """(H, W) values in [0, vmax] -> (H, W, 3) uint8 RGB jet colours (above vmax: clipped)."""
    scaled = (values.float().cpu().numpy() / max(vmax, 1e-12)).clip(0.0, 1.0)
    return cv2.applyColorMap(np.round(scaled * 255).astype(np.uint8), cv2.COLORMAP_JET)[..., ::-1]


def per_class_mean(values: Tensor, class_map: Tensor, num_classes: int) -> Tensor:
    """Mean of ``values`` over the pixels of each class of ``class_map`` (same shape); NaN for
    classes without pixels."""
    ids, values = class_map.flatten().long(), values.flatten().float()
    inside = (ids >= 0) & (ids < num_classes)
    ids, values = ids[inside], values[inside]
    sums = torch.zeros(num_classes, dtype=values.dtype).index_add_(0, ids, values)
    counts = torch.bincount(ids, minlength=num_classes).to(values.dtype)
    return sums / counts


def compose_panel(samples: List[Dict[str, Tensor]], palette: Sequence[Sequence[int]],
                  alignment_map_max: float | None = None) -> np.ndarray:
    """RGB panel: per sample a source row (image, label, prediction) above a target row (image,
    each classifier's prediction, M, discriminator map), each tile at its row's image size.

    M is scaled to ``[0, alignment_map_max]`` (None: the panel's largest M); the discriminator's
    probability to [0, 1].
    """
    if alignment_map_max is None:
        alignment_map_max = max((float(s['alignment_map'].max()) for s in samples
                                 if 'alignment_map' in s), default=1.0)
    rows = []
    for sample in samples:
        for keys in (row for row in (SOURCE_ROW, TARGET_ROW) if row[0] in sample):
            height, width = sample[keys[0]].shape[:2]
            tiles = []
            for key in (k for k in keys if k in sample):
                if key in IMAGE_KEYS:
                    tile = sample[key].cpu().numpy()
                elif key in HEAT_MAP_KEYS:
                    tile = heat_map(sample[key],
                                    alignment_map_max if key == 'alignment_map' else 1.0)
                else:
                    tile = colorize_labels(sample[key], palette)
                tiles.append(cv2.resize(tile, (width, height), interpolation=cv2.INTER_NEAREST))
            rows.append(np.concatenate(tiles, axis=1))
    panel_width = max(row.shape[1] for row in rows)
    return np.concatenate([np.pad(row, ((0, 0), (0, panel_width - row.shape[1]), (0, 0)))
                           for row in rows], axis=0)


@HOOKS.register_module()
class UDAVisualizationHook(RecordedStepHook):
    """Every ``interval`` iterations, writes a debug panel of the iteration's UDA batch through
    the runner's visualizer backends and logs the per-class mean alignment map M on the target.

    Images go to ``visualizer.add_image('uda_debug', ...)``; scalars ``alignment/M_<class>``
    (mean M over target pixels predicted as the class; absent classes omitted) to
    ``visualizer.add_scalars``. The maps are the tensors the training step computed
    (``model.record_next_step()``, :func:`~mmseg_clan.models.segmentors.step_debug_maps`).
    """

    priority = 'LOW'

    def __init__(self,
                 interval: int = 2000,  # official snapshot cadence (SAVE_PRED_EVERY)
                 max_samples: int = 1,  # samples of the batch drawn in the panel
                 alignment_map_max: float | None = None,  # M colour scale; None: panel max
                 palette: Sequence[Sequence[int]] | None = None  # None: the dataset's
                 ) -> None:
        if interval < 1 or max_samples < 1:
            raise ValueError(f'UDAVisualizationHook: interval and max_samples must be >= 1, '
                             f'got interval={interval}, max_samples={max_samples}')
        self.interval = interval
        self.max_samples = max_samples
        self.alignment_map_max = alignment_map_max
        self.palette = palette
        self.classes: List[str] = []

    def before_train(self, runner) -> None:
        super().before_train(runner)
        metainfo = getattr(runner.train_dataloader.dataset, 'metainfo', None) or {}
        for key in ('classes', ) + (('palette', ) if self.palette is None else ()):
            if not metainfo.get(key):
                raise ValueError(f'UDAVisualizationHook: the training dataset '
                                 f'{type(runner.train_dataloader.dataset).__name__} has no '
                                 f"metainfo[{key!r}]" + (' (or pass palette=...)'
                                                         if key == 'palette' else ''))
        self.classes = list(metainfo['classes'])
        if self.palette is None:
            self.palette = metainfo['palette']
        if len(self.palette) < len(self.classes):
            raise ValueError(f'UDAVisualizationHook: the palette has {len(self.palette)} '
                             f'colours for {len(self.classes)} classes')

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        record = self.recorded_step(runner)
        if record is None:
            return
        samples = step_debug_maps(record, unwrap_model(runner.model).data_preprocessor)
        step = runner.iter + 1
        runner.visualizer.add_image(
            IMAGE_NAME, compose_panel(samples[:self.max_samples], self.palette,
                                      self.alignment_map_max), step=step)
        if 'alignment_map' not in samples[0]:
            return
        means = per_class_mean(torch.cat([s['alignment_map'].flatten() for s in samples]),
                               torch.cat([s['target_prediction'].flatten() for s in samples]),
                               len(self.classes)).tolist()
        scalars = {f'{SCALAR_PREFIX}{name.replace(" ", "_")}': mean
                   for name, mean in zip(self.classes, means) if not math.isnan(mean)}
        runner.visualizer.add_scalars(scalars, step=step)
        worst = sorted(scalars.items(), key=lambda item: -item[1])[:3]
        print_log(f'UDAVisualizationHook: iter {step}, least aligned target classes (mean M): '
                  + ', '.join(f'{k[len(SCALAR_PREFIX):]} {v:.4f}' for k, v in worst),
                  logger='current')

