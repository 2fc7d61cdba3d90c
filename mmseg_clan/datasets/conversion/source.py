"""Conversion of a flat source dataset (GTA5, SYNTHIA) to train-id labels and class stats."""
import os.path as osp
import re
from functools import partial
from typing import Callable, Dict

import cv2
import mmengine
import numpy as np

from ..label_maps import count_train_ids, label_ids_to_train_ids
from .common import (
    SIZE_MISMATCH_POLICIES,
    ConversionSummary,
    FileResult,
    escaped,
    has_utf8_name,
    image_size,
    read_train_id_label,
    require_dir,
    run_parallel,
    write_png_atomically,
)
from .index_files import check_index_files, write_source_index

TRAIN_ID_SUFFIX = '_labelTrainIds.png'
# Temporary files of write_bytes_atomically left by a killed run: NAME.tmp<pid>.png
TMP_FILE = re.compile(r'\.tmp\d+\.[a-z]+$')


def convert_source_dataset(root: str, img_dir: str, label_dir: str,
                           read_label_ids: Callable[[str], np.ndarray],
                           id_to_train_id: Dict[int, int], num_ids: int, nproc: int = 1,
                           size_mismatch: str = 'resize') -> ConversionSummary:
    """Convert every ``<img_dir>/*.png`` sample's label to ``<label_dir>/*_labelTrainIds.png``.

    Also writes the class statistics and the usable-sample list in ``root``. An existing
    output counts as done only if it decodes, has the image's size and holds train ids.
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
    warnings = check_index_files(root)
    worker = partial(_convert_sample, img_root=img_root, label_root=label_root,
                     read_label_ids=read_label_ids, id_to_train_id=id_to_train_id,
                     num_ids=num_ids, size_mismatch=size_mismatch)
    odd_names = [FileResult(escaped(name), 'bad', (
        f'{escaped(osp.join(img_root, name))}.png: the file name is not valid UTF-8 (shown '
        'escaped); rename it to list the sample')) for name in names if not has_utf8_name(name)]
    results = run_parallel(worker, [name for name in names if has_utf8_name(name)],
                           nproc) + odd_names
    write_source_index(root, results)
    summary = ConversionSummary.from_results(results)
    summary.warnings = warnings
    _report_unmatched_files(summary, img_root, label_root, set(names))
    return summary


def _convert_sample(name: str, img_root: str, label_root: str,
                    read_label_ids: Callable[[str], np.ndarray], id_to_train_id: Dict[int, int],
                    num_ids: int, size_mismatch: str) -> FileResult:
    """Convert one sample; never raises, the result says what happened."""
    img_path = osp.join(img_root, f'{name}.png')
    label_path = osp.join(label_root, f'{name}.png')
    out_path = osp.join(label_root, f'{name}{TRAIN_ID_SUFFIX}')
    try:
        width, height = image_size(img_path)
    except OSError as e:
        return FileResult(name, 'bad', str(e))
    redone = ''
    if osp.isfile(out_path):
        try:
            done = read_train_id_label(out_path, (width, height))
            return FileResult(name, 'skipped', class_counts=count_train_ids(done))
        except ValueError as e:
            redone = f'{e}; converted again'
    if not osp.isfile(label_path):
        return FileResult(name, 'bad', f'{label_path}: label file missing for {img_path}')
    try:
        train_ids = label_ids_to_train_ids(read_label_ids(label_path), id_to_train_id, num_ids)
    except Exception as e:
        return FileResult(name, 'bad', f'{label_path}: {e}')
    resized = False
    message = ''
    if train_ids.shape != (height, width):
        message = (f'{label_path}: label size {train_ids.shape[1]}x{train_ids.shape[0]} '
                   f'differs from image {img_path} size {width}x{height}')
        if size_mismatch == 'exclude':
            return FileResult(name, 'excluded', message)
        if size_mismatch == 'error':
            return FileResult(name, 'bad', message)
        train_ids = cv2.resize(train_ids, (width, height), interpolation=cv2.INTER_NEAREST)
        resized = True
    try:
        write_png_atomically(out_path, train_ids)
        if not np.array_equal(read_train_id_label(out_path, (width, height)), train_ids):
            raise ValueError(f'{out_path} reads back different from what was written')
    except (OSError, ValueError) as e:
        return FileResult(name, 'bad', f'{label_path}: written output failed its check: {e}')
    return FileResult(name, 'converted', message, count_train_ids(train_ids), resized, redone)


def _report_unmatched_files(summary: ConversionSummary, img_root: str, label_root: str,
                            names: set) -> None:
    """Count labels without an image and files that are neither inputs nor outputs."""
    for file in mmengine.list_dir_or_file(img_root, list_dir=False):
        if not file.endswith('.png'):
            summary.stray[osp.join(img_root, file)] = f'{osp.join(img_root, file)}: not a PNG'
    for file in mmengine.list_dir_or_file(label_root, list_dir=False):
        path = osp.join(label_root, file)
        stem = file[:-len(TRAIN_ID_SUFFIX)] if file.endswith(TRAIN_ID_SUFFIX) else file[:-4]
        if TMP_FILE.search(file):
            summary.stray[path] = f'{path}: temporary file of an interrupted run (safe to delete)'
        elif not file.endswith('.png'):
            summary.stray[path] = f'{path}: not a PNG'
        elif stem not in names:
            summary.no_image[path] = (f'{path}: no image {osp.join(img_root, stem + ".png")}; '
                                      'not converted, not listed')
