"""Writing the toy benchmark: pretraining corpus and source in the GTA5 layout, target in the
Cityscapes layout, with the class-shift design and a checksum of every file next to the data."""
import hashlib
import io
import json
import os
import os.path as osp
import shutil
from typing import List, Sequence, Tuple

import cv2
import mmengine
import numpy as np
from PIL import Image

from mmseg_clan.datasets.conversion.common import run_parallel, write_png_atomically
from mmseg_clan.utils.atomic_file import write_bytes_atomically

from .labels import NUM_CLASSES, TRAIN_ID_NAMES, label_id_palette, to_train_ids
from .render import cityscapes_polygons_json, label_id_map, render_image
from .scene import sample_scene
from .styles import (
    PRETRAIN_STYLE,
    SOURCE_STYLE,
    TARGET_CLASS_SHIFT,
    ClassShift,
    check_class_shift,
    target_style_with,
)

# Bump when the generated content changes, so cached benchmarks are regenerated.
GENERATOR_VERSION = 2
META_FILE = 'toy_benchmark.json'
SHIFT_FILE = 'class_shift.json'  # the per-class shift design of this data
PRETRAIN_DIR, SOURCE_DIR, TARGET_DIR = 'pretrain', 'source', 'target'
TARGET_CITIES = {'train': 'toytown', 'val': 'toyville'}
# Cityscapes frame names are <city>_<sequence>_<frame>; leftImg8bit frames are number 19.
CITYSCAPES_FRAME = 19
SPLITS = ('source', 'train', 'val', 'pretrain')  # the order is part of each sample's seed


def sample_files(split: str, index: int) -> List[str]:
    """Relative paths of the files one sample writes (image first)."""
    if split in ('source', 'pretrain'):
        folder = SOURCE_DIR if split == 'source' else PRETRAIN_DIR
        name = f'{index + 1:05d}.png'
        return [f'{folder}/images/{name}', f'{folder}/labels/{name}']
    city = TARGET_CITIES[split]
    stem = f'{city}_{index:06d}_{CITYSCAPES_FRAME:06d}'
    return [f'{TARGET_DIR}/leftImg8bit/{split}/{city}/{stem}_leftImg8bit.png',
            f'{TARGET_DIR}/gtFine/{split}/{city}/{stem}_gtFine_labelIds.png',
            f'{TARGET_DIR}/gtFine/{split}/{city}/{stem}_gtFine_polygons.json']


def _write_palette_png(path: str, label_ids: np.ndarray) -> None:
    """GTA5-style palette label PNG (indices = label ids), written atomically.

    cv2 (``write_png_atomically``) cannot write palette PNGs, hence PIL here.
    """
    labels = Image.fromarray(label_ids, 'L')
    labels.putpalette(label_id_palette())  # 'L' -> 'P', pixel values stay the label ids
    encoded = io.BytesIO()
    labels.save(encoded, format='PNG')
    write_bytes_atomically(path, encoded.getvalue())


def class_statistics(label_ids: np.ndarray, image: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Pixel count (19,) and summed RGB (19, 3) per train id of one labelled image."""
    train_ids = to_train_ids(label_ids).ravel().astype(np.int64)
    valid = train_ids != 255
    counts = np.bincount(train_ids[valid], minlength=NUM_CLASSES)
    sums = np.stack([np.bincount(train_ids[valid], weights=image.reshape(-1, 3)[valid, c],
                                 minlength=NUM_CLASSES) for c in range(3)], axis=1)
    return counts, sums


def generate_sample(task: tuple) -> Tuple[np.ndarray, np.ndarray]:
    """Write one sample; ``task`` = (root, split, index, width, height, seed, class shift).

    ``split`` is 'source', 'train', 'val' or 'pretrain'. Returns its class statistics.
    """
    root, split, index, width, height, seed, shift = task
    rng = np.random.default_rng([seed, SPLITS.index(split), index])
    style = {'source': SOURCE_STYLE, 'pretrain': PRETRAIN_STYLE}.get(split)
    style = style or target_style_with(shift)
    objects = sample_scene(rng, width, height, style)
    label_ids = label_id_map(objects, width, height)
    image = render_image(objects, width, height, style, rng)
    paths = [osp.join(root, p) for p in sample_files(split, index)]
    write_png_atomically(paths[0], cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    if split in ('source', 'pretrain'):
        _write_palette_png(paths[1], label_ids)
    else:
        write_png_atomically(paths[1], label_ids)
        with open(paths[2], 'w') as f:
            json.dump(cityscapes_polygons_json(objects, width, height), f, indent=4)
    return class_statistics(label_ids, image)


def data_checksum(root: str, files: Sequence[str]) -> str:
    """sha256 over the relative paths and contents of ``files`` under ``root``."""
    digest = hashlib.sha256()
    for relative in sorted(files):
        path = osp.join(root, relative)
        if not osp.isfile(path):
            raise FileNotFoundError(f'toy benchmark file missing: {path}')
        with open(path, 'rb') as f:
            digest.update(f'{relative}\n'.encode() + hashlib.sha256(f.read()).digest())
    return digest.hexdigest()


def _summarise(results: Sequence[Tuple[np.ndarray, np.ndarray]]) -> dict:
    """Per-class pixel fractions and mean RGB colours over a set of samples."""
    counts = sum((r[0] for r in results), np.zeros(NUM_CLASSES))
    sums = sum((r[1] for r in results), np.zeros((NUM_CLASSES, 3)))
    fractions = counts / max(counts.sum(), 1)
    means = sums / np.maximum(counts, 1)[:, None]
    return {'class_fraction': {n: round(float(f), 6) for n, f in zip(TRAIN_ID_NAMES, fractions)},
            'class_mean_rgb': {n: [round(float(v), 3) for v in m]
                               for n, m, c in zip(TRAIN_ID_NAMES, means, counts) if c > 0}}


def _check_params(params: dict) -> None:
    """Raise ValueError naming the first bad parameter."""
    for key in ('num_pretrain', 'num_source', 'num_target_train', 'num_target_val'):
        if params[key] < 0:
            raise ValueError(f'{key} must be >= 0, got {params[key]}')
    for key in ('source_size', 'target_size'):
        if len(params[key]) != 2 or min(params[key]) < 16:
            raise ValueError(f'{key} must be (width, height) with both >= 16, got {params[key]}')


def generate_toy_benchmark(root: str, num_source: int = 400, num_target_train: int = 400,
                           num_target_val: int = 100, num_pretrain: int = 0,
                           source_size: Tuple[int, int] = (192, 96),
                           target_size: Tuple[int, int] = (192, 96), seed: int = 0,
                           class_shift: ClassShift | None = None, nproc: int = 1) -> dict:
    """Write the toy benchmark under ``root`` (reused when complete with the same parameters).

    Sizes are (width, height); the pretraining corpus has the source size. Returns the
    parameters, paths, checksum, per-domain class statistics and whether data was reused.
    """
    shift = check_class_shift(TARGET_CLASS_SHIFT if class_shift is None else class_shift)
    params = {'generator_version': GENERATOR_VERSION, 'num_pretrain': int(num_pretrain),
              'num_source': int(num_source), 'num_target_train': int(num_target_train),
              'num_target_val': int(num_target_val),
              'source_size': [int(v) for v in source_size],
              'target_size': [int(v) for v in target_size], 'seed': int(seed),
              'class_shift': {name: list(value) for name, value in shift.items()}}
    _check_params(params)
    counts = {'source': params['num_source'], 'train': params['num_target_train'],
              'val': params['num_target_val'], 'pretrain': params['num_pretrain']}
    tasks = [(root, split, i, *params['target_size' if split in TARGET_CITIES else
                                      'source_size'], params['seed'], shift)
             for split in SPLITS for i in range(counts[split])]
    files = [f for task in tasks for f in sample_files(task[1], task[2])]
    meta_path = osp.join(root, META_FILE)
    paths = {'pretrain': osp.join(root, PRETRAIN_DIR), 'source': osp.join(root, SOURCE_DIR),
             'target': osp.join(root, TARGET_DIR)}
    if osp.isfile(meta_path):
        meta = mmengine.load(meta_path)
        if meta.get('complete') and meta.get('params') == params:
            if data_checksum(root, files) != meta['checksum']:
                raise ValueError(f'{root}: files differ from the checksum in {meta_path}; '
                                 'delete the folder to regenerate')
            return {**meta, 'paths': paths, 'reused': True}
        for path in paths.values():
            shutil.rmtree(path, ignore_errors=True)
    else:
        for path in paths.values():
            if osp.isdir(path) and os.listdir(path):
                raise FileExistsError(
                    f'{path} exists and is not empty, but {meta_path} (written by this generator) '
                    'is missing: refusing to overwrite data that this generator did not write')
    os.makedirs(root, exist_ok=True)
    mmengine.dump({'complete': False, 'params': params}, meta_path, indent=2)
    for folder in {osp.dirname(osp.join(root, f)) for f in files}:
        os.makedirs(folder, exist_ok=True)
    results = run_parallel(generate_sample, tasks, nproc) if tasks else []

    by_split = {split: [r for t, r in zip(tasks, results) if t[1] in members]
                for split, members in (('pretrain', ('pretrain',)), ('source', ('source',)),
                                       ('target', ('train', 'val')))}
    meta = {'complete': True, 'params': params, 'checksum': data_checksum(root, files),
            'stats': {split: _summarise(r) for split, r in by_split.items()}}
    mmengine.dump({name: {'kind': kind, 'severity': severity}
                   for name, (kind, severity) in shift.items()},
                  osp.join(root, SHIFT_FILE), indent=2)
    mmengine.dump(meta, meta_path, indent=2)
    return {**meta, 'paths': paths, 'reused': False}
