"""Cityscapes converter: ``*_gtFine_polygons.json`` to ``*_gtFine_labelTrainIds.png``."""
import os
import os.path as osp

import mmengine

from .common import ConversionSummary, FileResult, require_dir, run_parallel

POLYGONS_SUFFIX = '_gtFine_polygons.json'
TRAIN_IDS_SUFFIX = '_gtFine_labelTrainIds.png'


def convert_cityscapes(root: str, nproc: int = 1) -> ConversionSummary:
    """Render every polygon file under ``<root>/gtFine`` with cityscapesscripts' trainIds."""
    gt_root = osp.join(root, 'gtFine')
    require_dir(gt_root, 'Cityscapes gtFine')
    polygon_files = sorted(osp.join(gt_root, f) for f in mmengine.list_dir_or_file(
        gt_root, list_dir=False, suffix=POLYGONS_SUFFIX, recursive=True))
    if not polygon_files:
        raise ValueError(f'no *{POLYGONS_SUFFIX} files under {gt_root}')
    results = run_parallel(_convert_polygons, polygon_files, nproc)
    return ConversionSummary.from_results(results)


def _convert_polygons(polygon_file: str) -> FileResult:
    """Convert one polygon file; never raises, the result says what happened."""
    from cityscapesscripts.preparation.json2labelImg import json2labelImg

    out_path = polygon_file[:-len(POLYGONS_SUFFIX)] + TRAIN_IDS_SUFFIX
    if osp.isfile(out_path):
        return FileResult(polygon_file, 'skipped')
    tmp_path = f'{out_path[:-len(".png")]}.tmp{os.getpid()}.png'
    try:
        json2labelImg(polygon_file, tmp_path, 'trainIds')
    except (Exception, SystemExit) as e:  # cityscapesscripts calls sys.exit on bad labels
        if osp.exists(tmp_path):
            os.remove(tmp_path)
        return FileResult(polygon_file, 'bad', f'{polygon_file}: cannot convert ({e!r})')
    os.replace(tmp_path, out_path)
    return FileResult(polygon_file, 'converted')
