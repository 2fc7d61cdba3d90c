"""Conversion of a flat source dataset (GTA5, SYNTHIA) to train-id labels and class stats."""
import os.path as osp
from functools import partial
from typing import Callable, Dict

import cv2
import mmengine
import numpy as np
from PIL import Image

from ..label_maps import count_train_ids, label_ids_to_train_ids
from .common import (
    SIZE_MISMATCH_POLICIES,
    ConversionSummary,
    FileResult,
    load_stats,
    require_dir,
    run_parallel,
    write_png_atomically,
    write_source_index,
)

TRAIN_ID_SUFFIX = '_labelTrainIds.png'


def convert_source_dataset(root: str, img_dir: str, label_dir: str,
                           read_label_ids: Callable[[str], np.ndarray],
                           id_to_train_id: Dict[int, int], num_ids: int, nproc: int = 1,
                           size_mismatch: str = 'resize') -> ConversionSummary:
    """Convert every ``<img_dir>/*.png`` sample's label to ``<label_dir>/*_labelTrainIds.png``.

    Also writes the class statistics and the usable-sample list in ``root``.
    """
    if size_mismatch not in SIZE_MISMATCH_POLICIES:
        raise ValueError(f'size_mismatch must be one of {SIZE_MISMATCH_POLICIES}, '
                         f'got {size_mismatch!r}')
    img_root, label_root = osp.join(root, img_dir), osp.join(root, label_dir)
    require_dir(img_root, 'image')
    require_dir(label_root, 'label')
    names = sorted(f[:-len('.png')] for f in mmengine.list_dir_or_file(
        img_root, list_dir=False, suffix='.png'))
    if not names:
        raise ValueError(f'no *.png images in {img_root}')
    stats = load_stats(root)
    worker = partial(_convert_sample, img_root=img_root, label_root=label_root,
                     read_label_ids=read_label_ids, id_to_train_id=id_to_train_id,
                     num_ids=num_ids, size_mismatch=size_mismatch, stats=stats)
    results = run_parallel(worker, names, nproc)
    write_source_index(root, results)
    return ConversionSummary.from_results(results)


def _convert_sample(name: str, img_root: str, label_root: str,
                    read_label_ids: Callable[[str], np.ndarray], id_to_train_id: Dict[int, int],
                    num_ids: int, size_mismatch: str,
                    stats: Dict[str, Dict[str, int]]) -> FileResult:
    """Convert one sample; never raises, the result says what happened."""
    img_path = osp.join(img_root, f'{name}.png')
    label_path = osp.join(label_root, f'{name}.png')
    out_path = osp.join(label_root, f'{name}{TRAIN_ID_SUFFIX}')
    if osp.isfile(out_path):
        counts = _known_counts(stats.get(name)) or count_train_ids(_read_train_ids(out_path))
        return FileResult(name, 'skipped', class_counts=counts)
    try:
        with Image.open(img_path) as img:
            img.load()
            width, height = img.size
    except Exception as e:
        return FileResult(name, 'bad', f'{img_path}: unreadable image ({e})')
    if not osp.isfile(label_path):
        return FileResult(name, 'bad', f'{label_path}: label file missing for {img_path}')
    try:
        train_ids = label_ids_to_train_ids(read_label_ids(label_path), id_to_train_id, num_ids)
    except Exception as e:
        return FileResult(name, 'bad', f'{label_path}: {e}')
    resized = False
    if train_ids.shape != (height, width):
        message = (f'{label_path}: label size {train_ids.shape[1]}x{train_ids.shape[0]} '
                   f'differs from image {img_path} size {width}x{height}')
        if size_mismatch == 'exclude':
            return FileResult(name, 'excluded', message)
        if size_mismatch == 'error':
            return FileResult(name, 'bad', message)
        train_ids = cv2.resize(train_ids, (width, height), interpolation=cv2.INTER_NEAREST)
        resized = True
    write_png_atomically(out_path, train_ids)
    return FileResult(name, 'converted', message if resized else '',
                      count_train_ids(train_ids), resized)


def _known_counts(entry: Dict[str, int] | None) -> Dict[int, int] | None:
    return None if entry is None else {int(c): n for c, n in entry.items()}


def _read_train_ids(path: str) -> np.ndarray:
    train_ids = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if train_ids is None:
        raise OSError(f'unreadable converted label {path}; delete it and convert again')
    return train_ids
