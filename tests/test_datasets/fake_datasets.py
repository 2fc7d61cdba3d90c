"""Tiny GTA5, SYNTHIA and Cityscapes data roots in the exact on-disk formats of the real ones.

``size`` is (width, height). Labels are blocks of random ids from a seeded generator, so every
class present covers many pixels. ``convert=True`` also runs the repository's converter.
"""
import json
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from mmseg_clan.datasets.conversion import convert_cityscapes, convert_gta, convert_synthia

# Instance ids live in another channel of SYNTHIA labels; they are far outside the class range.
SYNTHIA_INSTANCE_OFFSET = 1000
# Cityscapes label names drawn as polygons (includes ignored ones and license plate, id -1).
CITYSCAPES_POLYGON_LABELS = ('road', 'sidewalk', 'building', 'pole', 'vegetation', 'sky',
                             'person', 'car', 'bicycle', 'ego vehicle', 'license plate')


def random_image(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """A random 8-bit 3-channel image of ``size`` (width, height)."""
    return rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)


def block_label(rng: np.random.Generator, size: tuple[int, int], ids: Sequence[int],
                blocks: tuple[int, int] = (4, 2)) -> np.ndarray:
    """An int64 label of ``size`` (width, height) made of ``blocks`` random-id rectangles."""
    grid = rng.choice(np.asarray(ids), size=(blocks[1], blocks[0]))
    rows = np.arange(size[1]) * blocks[1] // size[1]
    cols = np.arange(size[0]) * blocks[0] // size[0]
    return grid[rows[:, None], cols[None, :]].astype(np.int64)


def make_fake_gta(root: str | Path, n: int = 2, size: tuple[int, int] = (64, 32),
                  convert: bool = False, mismatched: Sequence[int] = (),
                  seed: int = 0) -> Path:
    """Write ``images/%05d.png`` and palette ``labels/%05d.png`` holding Cityscapes label ids.

    Samples listed in ``mismatched`` get a label 2 pixels wider and taller than the image.
    """
    root = Path(root)
    rng = np.random.default_rng(seed)
    (root / 'images').mkdir(parents=True, exist_ok=True)
    (root / 'labels').mkdir(parents=True, exist_ok=True)
    for i in range(n):
        name = f'{i + 1:05d}.png'
        cv2.imwrite(str(root / 'images' / name), random_image(rng, size))
        label_size = (size[0] + 2, size[1] + 2) if i in mismatched else size
        label = Image.fromarray(block_label(rng, label_size, range(34)).astype(np.uint8), 'P')
        label.putpalette(rng.integers(0, 256, 768, dtype=np.uint8).tolist())
        label.save(root / 'labels' / name)
    if convert:
        convert_gta(str(root))
    return root


def make_fake_synthia(root: str | Path, n: int = 2, size: tuple[int, int] = (64, 32),
                      convert: bool = False, seed: int = 0) -> Path:
    """Write ``RGB/%07d.png`` and 16-bit 3-channel ``GT/LABELS/%07d.png``.

    The class id (0..22) is the first channel in RGB order, instance ids the second; the third
    is zero.
    """
    root = Path(root)
    rng = np.random.default_rng(seed)
    (root / 'RGB').mkdir(parents=True, exist_ok=True)
    (root / 'GT' / 'LABELS').mkdir(parents=True, exist_ok=True)
    for i in range(n):
        name = f'{i:07d}.png'
        cv2.imwrite(str(root / 'RGB' / name), random_image(rng, size))
        classes = block_label(rng, size, range(23))
        instances = block_label(rng, size, range(SYNTHIA_INSTANCE_OFFSET,
                                                 SYNTHIA_INSTANCE_OFFSET + 50), (8, 4))
        rgb = np.stack([classes, instances, np.zeros_like(classes)], axis=-1).astype(np.uint16)
        cv2.imwrite(str(root / 'GT' / 'LABELS' / name), rgb[:, :, ::-1])  # OpenCV writes BGR
    if convert:
        convert_synthia(str(root))
    return root


def make_fake_cityscapes(root: str | Path, splits: Sequence[str] = ('train', 'val'), n: int = 2,
                         size: tuple[int, int] = (64, 32), convert: bool = False,
                         seed: int = 0) -> Path:
    """Write ``leftImg8bit/<split>/<city>/`` images and ``gtFine`` polygons, labelIds and color.

    The labelIds and color PNGs are rendered from the polygons by cityscapesscripts, as the
    released dataset was.
    """
    from cityscapesscripts.preparation.json2labelImg import json2labelImg

    root = Path(root)
    rng = np.random.default_rng(seed)
    for split in splits:
        city = f'fake{split}city'
        img_dir = root / 'leftImg8bit' / split / city
        gt_dir = root / 'gtFine' / split / city
        img_dir.mkdir(parents=True, exist_ok=True)
        gt_dir.mkdir(parents=True, exist_ok=True)
        for i in range(n):
            stem = f'{city}_000000_{i:06d}'
            cv2.imwrite(str(img_dir / f'{stem}_leftImg8bit.png'), random_image(rng, size))
            polygon_file = gt_dir / f'{stem}_gtFine_polygons.json'
            polygon_file.write_text(json.dumps(_random_polygons(rng, size)))
            json2labelImg(str(polygon_file), str(gt_dir / f'{stem}_gtFine_labelIds.png'), 'ids')
            json2labelImg(str(polygon_file), str(gt_dir / f'{stem}_gtFine_color.png'), 'color')
    if convert:
        convert_cityscapes(str(root))
    return root


def _random_polygons(rng: np.random.Generator, size: tuple[int, int]) -> dict:
    """A Cityscapes polygon annotation of random rectangles and triangles."""
    width, height = size
    objects = []
    for _ in range(8):
        x0, x1 = sorted(rng.integers(0, width, 2).tolist())
        y0, y1 = sorted(rng.integers(0, height, 2).tolist())
        polygon = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
        if rng.random() < 0.3:
            polygon = polygon[:3]
        objects.append(dict(label=str(rng.choice(CITYSCAPES_POLYGON_LABELS)), polygon=polygon,
                            deleted=0, verified=0, date='', user='', id=len(objects)))
    return dict(imgHeight=height, imgWidth=width, objects=objects)
