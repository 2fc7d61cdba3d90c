"""Cityscapes converter: ``*_gtFine_polygons.json`` to ``*_gtFine_labelTrainIds.png``."""
import contextlib
import io
import json
import os.path as osp
import re
from functools import partial

import mmengine
import numpy as np

from .common import (
    ConversionSummary,
    FileResult,
    image_size,
    read_train_id_label,
    require_dir,
    run_parallel,
    write_png_atomically,
)
from .source import TMP_FILE

POLYGONS_SUFFIX = '_gtFine_polygons.json'
TRAIN_IDS_SUFFIX = '_gtFine_labelTrainIds.png'
IMAGE_SUFFIX = '_leftImg8bit.png'
# Files of the released gtFine (and cityscapesscripts' outputs) beside the polygons.
GT_FILE = re.compile(r'_gtFine_(polygons\.json|labelIds\.png|instanceIds\.png|color\.png|'
                     r'labelTrainIds\.png|instanceTrainIds\.png)$')


def convert_cityscapes(root: str, nproc: int = 1) -> ConversionSummary:
    """Render every polygon file under ``<root>/gtFine`` with cityscapesscripts' trainIds.

    Each polygon file's ``imgWidth``/``imgHeight`` must match its ``leftImg8bit`` image; an
    existing output counts as done only if it decodes, has that size and holds train ids.
    """
    gt_root, img_root = osp.join(root, 'gtFine'), osp.join(root, 'leftImg8bit')
    require_dir(gt_root, 'Cityscapes gtFine')
    require_dir(img_root, 'Cityscapes leftImg8bit')
    gt_files = sorted(mmengine.list_dir_or_file(gt_root, list_dir=False, recursive=True))
    polygon_files = [osp.join(gt_root, f) for f in gt_files if f.endswith(POLYGONS_SUFFIX)]
    if not polygon_files:
        converted = [f for f in gt_files if f.endswith(TRAIN_IDS_SUFFIX)]
        raise ValueError(
            f'no *{POLYGONS_SUFFIX} files under {gt_root}' + (
                f'; it holds {len(converted)} *{TRAIN_IDS_SUFFIX} files (e.g. '
                f'{osp.join(gt_root, converted[0])}) but the converter renders them from the '
                'polygons: unpack gtFine_trainvaltest.zip there, or use the existing labels '
                'as they are' if converted else '; unpack gtFine_trainvaltest.zip there'))
    results = run_parallel(partial(_convert_polygons, gt_root=gt_root, img_root=img_root),
                           polygon_files, nproc)
    summary = ConversionSummary.from_results(results)
    stems = {f[:-len(POLYGONS_SUFFIX)] for f in gt_files if f.endswith(POLYGONS_SUFFIX)}
    for file in gt_files:
        path = osp.join(gt_root, file)
        match = GT_FILE.search(file)
        if TMP_FILE.search(file):
            summary.stray[path] = f'{path}: temporary file of an interrupted run (safe to delete)'
        elif match is None:
            summary.stray[path] = f'{path}: not a Cityscapes gtFine file'
        elif file[:match.start()] not in stems:
            summary.stray[path] = f'{path}: no {POLYGONS_SUFFIX} beside it'
    return summary


def _convert_polygons(polygon_file: str, gt_root: str, img_root: str) -> FileResult:
    """Convert one polygon file; never raises, the result says what happened."""
    stem = polygon_file[:-len(POLYGONS_SUFFIX)]
    out_path = stem + TRAIN_IDS_SUFFIX
    img_path = osp.join(img_root, osp.relpath(stem, gt_root) + IMAGE_SUFFIX)
    if not osp.isfile(img_path):
        return FileResult(polygon_file, 'no_image',
                          f'{polygon_file}: no image {img_path}; not converted')
    try:
        size = image_size(img_path)
    except OSError as e:
        return FileResult(polygon_file, 'bad', str(e))
    redone = ''
    if osp.isfile(out_path):
        try:
            read_train_id_label(out_path, size)
            return FileResult(polygon_file, 'skipped')
        except ValueError as e:
            redone = f'{e}; converted again'
    try:
        train_ids = _render_train_ids(polygon_file, size, img_path)
        write_png_atomically(out_path, train_ids)
        if not np.array_equal(read_train_id_label(out_path, size), train_ids):
            raise ValueError(f'{out_path} reads back different from what was written')
    except (OSError, ValueError) as e:
        return FileResult(polygon_file, 'bad', f'{polygon_file}: {e}')
    return FileResult(polygon_file, 'converted', redone=redone)


def _render_train_ids(polygon_file: str, size: tuple[int, int], img_path: str) -> np.ndarray:
    """Check a polygon file against its image and cityscapesscripts' label names, then render
    it with cityscapesscripts; ValueError saying what is wrong."""
    from cityscapesscripts.helpers.annotation import Annotation
    from cityscapesscripts.helpers.labels import name2label
    from cityscapesscripts.preparation.json2labelImg import createLabelImage

    try:
        with open(polygon_file, encoding='utf-8') as f:
            content = json.load(f)
        json_size = (int(content['imgWidth']), int(content['imgHeight']))
        objects = content['objects']
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f'not a Cityscapes polygon file ({type(e).__name__}: {e})') from e
    if json_size != tuple(size):
        raise ValueError(f'imgWidth x imgHeight {json_size[0]}x{json_size[1]} differs from the '
                         f'image {img_path} size {size[0]}x{size[1]}')
    for i, obj in enumerate(objects):
        if not isinstance(obj, dict):
            raise ValueError(f'object {i} is not a JSON object')
        label = obj.get('label')
        if isinstance(label, str) and label not in name2label and label.endswith('group'):
            label = label[:-len('group')]  # as cityscapesscripts does (e.g. 'cargroup')
        if not obj.get('deleted') and label not in name2label:
            raise ValueError(f'object {i} has the unknown label name {obj.get("label")!r}; '
                             'known: the names of cityscapesscripts.helpers.labels')
    annotation = Annotation()
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            annotation.fromJsonFile(polygon_file)
            image = createLabelImage(annotation, 'trainIds')
    except (Exception, SystemExit) as e:  # cityscapesscripts prints, then calls sys.exit
        details = printed.getvalue().strip().splitlines()
        raise ValueError(f'cityscapesscripts cannot render it ({details[0] if details else e!r})'
                         ) from e
    return np.asarray(image, dtype=np.uint8)
