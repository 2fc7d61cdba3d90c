"""Procedural street scenes with a synthetic-to-real domain shift, written as GTA5 and Cityscapes.

The source domain imitates a game engine (vivid palette, sunny, sharp, many vehicles, tall
buildings); the target imitates Cityscapes (muted, overcast, blurred, noisy, more people and
vegetation, lower horizon, ego vehicle). Shapes and textures are shared, so adaptation is possible.
Every object is a polygon: labels are rasterised from exactly the polygons that the Cityscapes
``*_gtFine_polygons.json`` files hold, with PIL as ``cityscapesscripts`` does.
"""
import json
import os
import os.path as osp
import shutil
from dataclasses import dataclass, field
from multiprocessing import Pool
from typing import Dict, List, Sequence, Tuple

import cv2
import mmengine
import numpy as np
from PIL import Image, ImageDraw

# Bump when the generated content changes, so cached benchmarks are regenerated.
GENERATOR_VERSION = 1
META_FILE = 'toy_benchmark.json'
SOURCE_DIR = 'source'
TARGET_DIR = 'target'
TARGET_CITIES = {'train': 'toytown', 'val': 'toyville'}
# Cityscapes frame names are <city>_<sequence>_<frame>; leftImg8bit frames are number 19.
CITYSCAPES_FRAME = 19

Point = Tuple[float, float]
RGB = Tuple[float, float, float]

# (Cityscapes label id, train id, colour) of the labels drawn; cityscapesscripts/helpers/labels.py.
CITYSCAPES_LABELS: Dict[str, Tuple[int, int, Tuple[int, int, int]]] = {
    'unlabeled': (0, 255, (0, 0, 0)),
    'ego vehicle': (1, 255, (0, 0, 0)),
    'road': (7, 0, (128, 64, 128)),
    'sidewalk': (8, 1, (244, 35, 232)),
    'building': (11, 2, (70, 70, 70)),
    'wall': (12, 3, (102, 102, 156)),
    'fence': (13, 4, (190, 153, 153)),
    'pole': (17, 5, (153, 153, 153)),
    'traffic light': (19, 6, (250, 170, 30)),
    'traffic sign': (20, 7, (220, 220, 0)),
    'vegetation': (21, 8, (107, 142, 35)),
    'terrain': (22, 9, (152, 251, 152)),
    'sky': (23, 10, (70, 130, 180)),
    'person': (24, 11, (220, 20, 60)),
    'rider': (25, 12, (255, 0, 0)),
    'car': (26, 13, (0, 0, 142)),
    'truck': (27, 14, (0, 0, 70)),
    'bus': (28, 15, (0, 60, 100)),
    'train': (31, 16, (0, 80, 100)),
    'motorcycle': (32, 17, (0, 0, 230)),
    'bicycle': (33, 18, (119, 11, 32)),
}
TRAIN_ID_NAMES: Tuple[str, ...] = tuple(
    name for name, (_, train_id, _) in sorted(CITYSCAPES_LABELS.items(), key=lambda kv: kv[1][1])
    if train_id != 255)
NUM_CLASSES = len(TRAIN_ID_NAMES)

# Texture amplitude (fine, coarse noise, in grey levels) per label; shared by both domains.
TEXTURE_AMPLITUDES: Dict[str, Tuple[float, float]] = {
    'road': (7, 10), 'sidewalk': (8, 8), 'building': (6, 14), 'wall': (6, 10),
    'fence': (5, 6), 'pole': (3, 3), 'traffic light': (2, 2), 'traffic sign': (3, 3),
    'vegetation': (22, 18), 'terrain': (14, 16), 'sky': (2, 10), 'person': (6, 6),
    'rider': (6, 6), 'car': (4, 6), 'truck': (5, 7), 'bus': (4, 6), 'train': (5, 7),
    'motorcycle': (5, 5), 'bicycle': (5, 5), 'ego vehicle': (3, 6), 'unlabeled': (5, 5)}

# Colours of vehicles and clothes are drawn per object from these, in both domains.
VEHICLE_COLOURS: Tuple[RGB, ...] = (
    (200, 30, 30), (30, 60, 170), (235, 235, 235), (30, 30, 35), (150, 150, 160),
    (40, 120, 60), (220, 180, 40), (110, 20, 30), (90, 100, 120))
CLOTHES_COLOURS: Tuple[RGB, ...] = (
    (30, 30, 40), (60, 60, 120), (150, 40, 40), (200, 200, 190), (90, 70, 50),
    (40, 90, 60), (180, 130, 60), (120, 120, 125))


@dataclass(frozen=True)
class DomainStyle:
    """Layout statistics and appearance of one domain; ranges are (low, high) inclusive."""

    name: str
    horizon: Tuple[float, float]  # horizon row, as a fraction of the image height
    road_half_width: Tuple[float, float]  # at the bottom row, as a fraction of the image width
    sidewalk_width: Tuple[float, float]  # in road half-widths
    terrain_probability: float  # per side, a grass strip between sidewalk and facades
    building_probability: float  # per facade segment
    building_height: Tuple[float, float]  # in road half-widths
    num_cars: Tuple[int, int]
    num_trucks: Tuple[int, int]
    num_buses: Tuple[int, int]
    train_probability: float
    num_persons: Tuple[int, int]
    num_two_wheelers: Tuple[int, int]
    num_poles: Tuple[int, int]
    num_trees: Tuple[int, int]
    gap_probabilities: Dict[str, float]  # what stands between buildings: fence, wall, ...
    ego_vehicle_height: Tuple[float, float]  # fraction of image height, (0, 0) for none
    palette: Dict[str, RGB]
    colour_jitter: float  # per-object colour standard deviation
    vehicle_colour_weights: Tuple[float, ...]  # over VEHICLE_COLOURS
    gain: Tuple[float, float]  # global illumination
    tint: RGB
    gamma: Tuple[float, float]
    saturation: float
    contrast: float
    facade_shading: float  # sun-lit minus shadowed side brightness
    texture_gain: float
    blur_sigma: Tuple[float, float]
    noise_sigma: float
    vignetting: float


SOURCE_STYLE = DomainStyle(
    name='source',
    horizon=(0.34, 0.44),
    road_half_width=(0.45, 0.65),
    sidewalk_width=(0.2, 0.45),
    terrain_probability=0.2,
    building_probability=0.85,
    building_height=(0.8, 2.2),
    num_cars=(3, 9),
    num_trucks=(0, 2),
    num_buses=(0, 1),
    train_probability=0.02,
    num_persons=(0, 2),
    num_two_wheelers=(0, 1),
    num_poles=(2, 4),
    num_trees=(0, 2),
    gap_probabilities={'fence': 0.4, 'wall': 0.35, 'vegetation': 0.1, 'none': 0.15},
    ego_vehicle_height=(0.0, 0.0),
    palette={
        'road': (88, 86, 96), 'sidewalk': (175, 160, 140), 'building': (165, 120, 90),
        'wall': (185, 170, 140), 'fence': (130, 95, 60), 'pole': (95, 95, 100),
        'traffic light': (45, 45, 40), 'traffic sign': (200, 50, 40),
        'vegetation': (55, 140, 35), 'terrain': (150, 160, 60), 'sky': (100, 165, 240),
        'person': (0, 0, 0), 'rider': (0, 0, 0), 'car': (0, 0, 0),
        'truck': (0, 0, 0), 'bus': (220, 170, 30), 'train': (180, 40, 40),
        'motorcycle': (160, 20, 20), 'bicycle': (30, 120, 200)},
    colour_jitter=20.0,
    vehicle_colour_weights=(3, 3, 2, 1, 1, 2, 2, 1, 1),
    gain=(0.9, 1.2),
    tint=(1.06, 1.0, 0.88),
    gamma=(0.85, 1.05),
    saturation=1.3,
    contrast=1.15,
    facade_shading=0.35,
    texture_gain=1.0,
    blur_sigma=(0.0, 0.0),
    noise_sigma=1.0,
    vignetting=0.0)

TARGET_STYLE = DomainStyle(
    name='target',
    horizon=(0.42, 0.52),
    road_half_width=(0.4, 0.6),
    sidewalk_width=(0.3, 0.6),
    terrain_probability=0.55,
    building_probability=0.65,
    building_height=(1.0, 2.8),
    num_cars=(1, 5),
    num_trucks=(0, 1),
    num_buses=(0, 1),
    train_probability=0.05,
    num_persons=(2, 8),
    num_two_wheelers=(0, 3),
    num_poles=(3, 6),
    num_trees=(3, 7),
    gap_probabilities={'fence': 0.25, 'wall': 0.15, 'vegetation': 0.45, 'none': 0.15},
    ego_vehicle_height=(0.06, 0.12),
    palette={
        'road': (112, 100, 112), 'sidewalk': (150, 142, 150), 'building': (120, 118, 110),
        'wall': (150, 150, 140), 'fence': (115, 110, 95), 'pole': (110, 112, 110),
        'traffic light': (50, 55, 50), 'traffic sign': (190, 175, 60),
        'vegetation': (80, 105, 55), 'terrain': (125, 130, 85), 'sky': (195, 205, 215),
        'person': (0, 0, 0), 'rider': (0, 0, 0), 'car': (0, 0, 0),
        'truck': (0, 0, 0), 'bus': (210, 210, 200), 'train': (200, 200, 190),
        'motorcycle': (40, 40, 45), 'bicycle': (50, 50, 55), 'ego vehicle': (35, 38, 45)},
    colour_jitter=14.0,
    vehicle_colour_weights=(1, 2, 3, 4, 4, 1, 0.5, 1, 2),
    gain=(0.8, 1.1),
    tint=(0.94, 1.0, 1.0),
    gamma=(1.0, 1.25),
    saturation=0.65,
    contrast=0.85,
    facade_shading=0.08,
    texture_gain=0.7,
    blur_sigma=(0.5, 1.0),
    noise_sigma=4.0,
    vignetting=0.3)


@dataclass
class SceneObject:
    """A labelled polygon, its base colour and decals (polygons painted inside it)."""

    label: str
    polygon: List[Tuple[int, int]]
    colour: RGB
    shading: float = 0.0  # brightness change from the top to the bottom of the object
    decals: List[Tuple[List[Tuple[int, int]], RGB]] = field(default_factory=list)


def _clip_half_plane(points: List[Point], axis: int, bound: float,
                     keep_below: bool) -> List[Point]:
    """One Sutherland-Hodgman step: keep the part with ``p[axis]`` <= (or >=) ``bound``."""
    def inside(p: Point) -> bool:
        return p[axis] <= bound if keep_below else p[axis] >= bound

    clipped = []
    for i, current in enumerate(points):
        previous = points[i - 1]
        if inside(current) != inside(previous):
            t = (bound - previous[axis]) / (current[axis] - previous[axis])
            clipped.append(tuple(a + t * (b - a) for a, b in zip(previous, current)))
        if inside(current):
            clipped.append(current)
    return clipped


def clip_polygon(polygon: Sequence[Point], width: int,
                 height: int) -> List[Tuple[int, int]] | None:
    """Clip a polygon to the image and round it to pixels; None when nothing is left."""
    points = [tuple(map(float, p)) for p in polygon]
    for axis, bound, keep_below in ((0, 0.0, False), (0, width - 1.0, True),
                                    (1, 0.0, False), (1, height - 1.0, True)):
        points = _clip_half_plane(points, axis, bound, keep_below)
        if not points:
            return None
    rounded: List[Tuple[int, int]] = []
    for x, y in points:
        pixel = (int(round(x)), int(round(y)))
        if not rounded or rounded[-1] != pixel:
            rounded.append(pixel)
    if len(rounded) > 1 and rounded[0] == rounded[-1]:
        rounded.pop()
    if len(set(rounded)) < 3:
        return None
    return rounded


class _SceneBuilder:
    """Ground-plane geometry of one scene: rows, lateral offsets and object shapes."""

    def __init__(self, rng: np.random.Generator, width: int, height: int,
                 style: DomainStyle) -> None:
        self.rng, self.width, self.height, self.style = rng, width, height, style
        self.horizon = height * rng.uniform(*style.horizon)
        self.vanishing_x = width * rng.uniform(0.4, 0.6)
        self.unit = width * rng.uniform(*style.road_half_width)  # px per world unit at s = 1
        self.objects: List[SceneObject] = []
        self.sun_side = rng.choice([-1, 1])

    def row(self, depth: float) -> float:
        """Image row of the ground at depth scale ``depth`` (0 = horizon, 1 = bottom row)."""
        return self.horizon + depth * (self.height - 1 - self.horizon)

    def x(self, lateral: float, depth: float) -> float:
        """Image column of lateral offset ``lateral`` (road edges at +-1) at ``depth``."""
        return self.vanishing_x + lateral * self.unit * depth

    def colour(self, label: str, base: RGB | None = None) -> RGB:
        """Domain colour of ``label`` (or ``base``) with per-object jitter."""
        base = self.style.palette[label] if base is None else base
        brightness = self.rng.normal(0.0, self.style.colour_jitter)
        jitter = brightness + self.rng.normal(0.0, 0.35 * self.style.colour_jitter, 3)
        return tuple(float(v) for v in np.clip(np.asarray(base) + jitter, 0, 255))

    def add(self, label: str, polygon: Sequence[Point], colour: RGB, shading: float = 0.0,
            decals: Sequence[Tuple[Sequence[Point], RGB]] = ()) -> None:
        """Clip and append an object; objects entirely outside the image are dropped."""
        clipped = clip_polygon(polygon, self.width, self.height)
        if clipped is None:
            return
        kept = [(d, c) for d, c in ((clip_polygon(p, self.width, self.height), c)
                                    for p, c in decals) if d is not None]
        self.objects.append(SceneObject(label, clipped, colour, shading, kept))

    def strip(self, inner: float, outer: float, side: int) -> List[Point]:
        """Ground strip between two lateral offsets on one side, from horizon to bottom."""
        return [(self.x(side * inner, 0.0), self.horizon),
                (self.x(side * outer, 0.0), self.horizon),
                (self.x(side * outer, 1.0), self.row(1.0)),
                (self.x(side * inner, 1.0), self.row(1.0))]

    def box(self, lateral: float, depth: float, width: float, height: float) -> List[Point]:
        """Upright rectangle standing on the ground, sizes in world units."""
        cx, bottom = self.x(lateral, depth), self.row(depth)
        half, top = 0.5 * width * self.unit * depth, bottom - height * self.unit * depth
        return [(cx - half, top), (cx + half, top), (cx + half, bottom), (cx - half, bottom)]


def _blob(cx: float, cy: float, radius: float, rng: np.random.Generator,
          num_points: int = 14) -> List[Point]:
    """Irregular round polygon (tree crowns, heads)."""
    angles = np.linspace(0, 2 * np.pi, num_points, endpoint=False)
    radii = radius * rng.uniform(0.75, 1.15, num_points)
    return [(cx + r * np.cos(a), cy + r * np.sin(a)) for a, r in zip(angles, radii)]


def _quad_point(quad: Sequence[Point], u: float, v: float) -> Point:
    """Bilinear point of a quad (top-left, top-right, bottom-right, bottom-left)."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = quad
    top = (x0 + u * (x1 - x0), y0 + u * (y1 - y0))
    bottom = (x3 + u * (x2 - x3), y3 + u * (y2 - y3))
    return top[0] + v * (bottom[0] - top[0]), top[1] + v * (bottom[1] - top[1])


def _add_background(scene: _SceneBuilder, facade_offsets: Dict[int, float]) -> None:
    """Sky, ground, road with lane markings, sidewalks and grass strips."""
    w, h, rng = scene.width, scene.height, scene.rng
    scene.add('sky', [(0, 0), (w - 1, 0), (w - 1, h - 1), (0, h - 1)], scene.colour('sky'),
              shading=0.25)
    scene.add('sidewalk', [(0, scene.horizon), (w - 1, scene.horizon), (w - 1, h - 1),
                           (0, h - 1)], scene.colour('sidewalk'))
    dashes = []
    for start in np.arange(0.05, 1.0, 0.18):
        near = min(start + 0.07, 1.0)
        dashes.append(([(scene.x(-0.02, start), scene.row(start)),
                        (scene.x(0.02, start), scene.row(start)),
                        (scene.x(0.02, near), scene.row(near)),
                        (scene.x(-0.02, near), scene.row(near))], (225.0, 225.0, 215.0)))
    scene.add('road', scene.strip(-1.0, 1.0, 1), scene.colour('road'), shading=0.1, decals=dashes)
    for side in (-1, 1):
        sidewalk = rng.uniform(*scene.style.sidewalk_width)
        outer = 1.0 + sidewalk
        scene.add('sidewalk', scene.strip(1.0, outer, side), scene.colour('sidewalk'))
        if rng.random() < scene.style.terrain_probability:
            grass = rng.uniform(0.2, 0.6)
            scene.add('terrain', scene.strip(outer, outer + grass, side), scene.colour('terrain'))
            outer += grass
        facade_offsets[side] = outer


def _add_facades(scene: _SceneBuilder, facade_offsets: Dict[int, float]) -> None:
    """Buildings with windows along both sides; gaps get fences, walls or hedges."""
    rng, style = scene.rng, scene.style
    for side in (-1, 1):
        offset = facade_offsets[side]
        lit = 1.0 + (0.5 if side == scene.sun_side else -0.5) * style.facade_shading
        depth = rng.uniform(0.02, 0.05)
        while depth < 1.2:
            near = depth * rng.uniform(1.3, 1.9)
            if rng.random() < style.building_probability:
                height = rng.uniform(*style.building_height)
                quad = [(scene.x(side * offset, near),
                         scene.row(near) - height * scene.unit * near),
                        (scene.x(side * offset, depth),
                         scene.row(depth) - height * scene.unit * depth),
                        (scene.x(side * offset, depth), scene.row(depth)),
                        (scene.x(side * offset, near), scene.row(near))]
                colour = tuple(c * lit for c in scene.colour('building'))
                window = tuple(0.45 * c for c in colour)
                windows = []
                columns, rows = rng.integers(2, 6), max(2, int(round(3 * height)))
                for i in range(columns):
                    for j in range(rows):
                        u0, v0 = (i + 0.25) / columns, (j + 0.3) / (rows + 0.5)
                        u1, v1 = (i + 0.75) / columns, (j + 0.75) / (rows + 0.5)
                        windows.append(([_quad_point(quad, u0, v0), _quad_point(quad, u1, v0),
                                         _quad_point(quad, u1, v1), _quad_point(quad, u0, v1)],
                                        window))
                scene.add('building', quad, colour, shading=-0.1, decals=windows)
            else:
                kinds = sorted(style.gap_probabilities)
                kind = kinds[rng.choice(len(kinds),
                                        p=[style.gap_probabilities[k] for k in kinds])]
                if kind != 'none':
                    height = rng.uniform(*((0.3, 1.2) if kind == 'vegetation' else (0.08, 0.2)))
                    quad = [(scene.x(side * offset, near),
                             scene.row(near) - height * scene.unit * near),
                            (scene.x(side * offset, depth),
                             scene.row(depth) - height * scene.unit * depth),
                            (scene.x(side * offset, depth), scene.row(depth)),
                            (scene.x(side * offset, near), scene.row(near))]
                    colour = scene.colour(kind)
                    bars = []
                    if kind == 'fence':
                        dark = tuple(0.5 * c for c in colour)
                        for u in np.linspace(0.05, 0.95, 8):
                            bars.append(([_quad_point(quad, u, 0.0),
                                          _quad_point(quad, min(u + 0.04, 1.0), 0.0),
                                          _quad_point(quad, min(u + 0.04, 1.0), 1.0),
                                          _quad_point(quad, u, 1.0)], dark))
                    scene.add(kind, quad, colour, decals=bars)
            depth = near


def _vehicle(scene: _SceneBuilder, label: str, lateral: float, depth: float) -> None:
    """Car, truck, bus or train seen from behind, with windows, wheels and lights."""
    rng = scene.rng
    sizes = {'car': (0.26, 0.21), 'truck': (0.34, 0.45), 'bus': (0.36, 0.5), 'train': (0.42, 0.55)}
    width, height = sizes[label]
    width, height = width * rng.uniform(0.9, 1.1), height * rng.uniform(0.9, 1.1)
    (x0, top), (x1, _), _, (_, bottom) = scene.box(lateral, depth, width, height)
    if label in ('car', 'truck'):
        weights = np.asarray(scene.style.vehicle_colour_weights, dtype=float)
        base = VEHICLE_COLOURS[rng.choice(len(VEHICLE_COLOURS), p=weights / weights.sum())]
        colour = scene.colour(label, base)
    else:
        colour = scene.colour(label)
    w, h = x1 - x0, bottom - top
    if label == 'car':
        polygon = [(x0, bottom - 0.08 * h), (x0, top + 0.45 * h), (x0 + 0.18 * w, top),
                   (x1 - 0.18 * w, top), (x1, top + 0.45 * h), (x1, bottom - 0.08 * h),
                   (x1 - 0.05 * w, bottom), (x0 + 0.05 * w, bottom)]
        glass = [(x0 + 0.22 * w, top + 0.08 * h), (x1 - 0.22 * w, top + 0.08 * h),
                 (x1 - 0.1 * w, top + 0.42 * h), (x0 + 0.1 * w, top + 0.42 * h)]
    else:
        polygon = [(x0, top), (x1, top), (x1, bottom), (x0, bottom)]
        glass = [(x0 + 0.08 * w, top + 0.1 * h), (x1 - 0.08 * w, top + 0.1 * h),
                 (x1 - 0.08 * w, top + 0.35 * h), (x0 + 0.08 * w, top + 0.35 * h)]
    decals = [(glass, (40.0, 50.0, 60.0)),
              ([(x0, bottom - 0.14 * h), (x1, bottom - 0.14 * h), (x1, bottom),
                (x0, bottom)], (20.0, 20.0, 20.0)),
              ([(x0 + 0.05 * w, top + 0.55 * h), (x0 + 0.2 * w, top + 0.55 * h),
                (x0 + 0.2 * w, top + 0.65 * h), (x0 + 0.05 * w, top + 0.65 * h)],
               (230.0, 40.0, 30.0)),
              ([(x1 - 0.2 * w, top + 0.55 * h), (x1 - 0.05 * w, top + 0.55 * h),
                (x1 - 0.05 * w, top + 0.65 * h), (x1 - 0.2 * w, top + 0.65 * h)],
               (230.0, 40.0, 30.0))]
    scene.add(label, polygon, colour, shading=-0.2, decals=decals)


def _person_polygon(cx: float, bottom: float, height: float,
                    seated: bool = False) -> List[Point]:
    """Silhouette of a standing (or seated) person, ``height`` in pixels."""
    w = 0.28 * height
    legs = 0.0 if seated else 0.45 * height
    body_bottom = bottom - legs
    head = bottom - height
    return [(cx - 0.12 * w, head), (cx + 0.12 * w, head), (cx + 0.15 * w, head + 0.14 * height),
            (cx + 0.5 * w, head + 0.2 * height), (cx + 0.45 * w, body_bottom),
            (cx + 0.25 * w, body_bottom), (cx + 0.3 * w, bottom), (cx + 0.05 * w, bottom),
            (cx, body_bottom + 0.1 * legs), (cx - 0.05 * w, bottom), (cx - 0.3 * w, bottom),
            (cx - 0.25 * w, body_bottom), (cx - 0.45 * w, body_bottom),
            (cx - 0.5 * w, head + 0.2 * height), (cx - 0.15 * w, head + 0.14 * height)]


def _person(scene: _SceneBuilder, lateral: float, depth: float) -> None:
    """Pedestrian with clothes of a random colour and a head of skin colour."""
    rng = scene.rng
    height = rng.uniform(0.22, 0.28) * scene.unit * depth
    cx, bottom = scene.x(lateral, depth), scene.row(depth)
    clothes = scene.colour('person', CLOTHES_COLOURS[rng.integers(len(CLOTHES_COLOURS))])
    head = _blob(cx, bottom - 0.93 * height, 0.07 * height, rng, 8)
    scene.add('person', _person_polygon(cx, bottom, height), clothes,
              decals=[(head, (200.0, 160.0, 130.0))])


def _two_wheeler(scene: _SceneBuilder, lateral: float, depth: float) -> None:
    """Bicycle or motorcycle seen from the side, usually with a rider on it."""
    rng = scene.rng
    label = 'motorcycle' if rng.random() < 0.35 else 'bicycle'
    length = (0.3 if label == 'motorcycle' else 0.24) * scene.unit * depth
    wheel = (0.09 if label == 'motorcycle' else 0.1) * scene.unit * depth
    cx, bottom = scene.x(lateral, depth), scene.row(depth)
    x0, x1 = cx - 0.5 * length, cx + 0.5 * length
    frame = [(x0, bottom), (x0 + 0.3 * length, bottom - 0.4 * wheel),
             (x0 + 0.35 * length, bottom - 1.6 * wheel), (x1 - 0.3 * length, bottom - 1.6 * wheel),
             (x1 - 0.2 * length, bottom - 0.4 * wheel), (x1, bottom),
             (x1 - 0.5 * wheel, bottom - 0.5 * wheel), (x0 + 0.5 * wheel, bottom - 0.5 * wheel)]
    tyres = [(_blob(x, bottom - 0.5 * wheel, 0.5 * wheel, rng, 8), (15.0, 15.0, 15.0))
             for x in (x0 + 0.5 * wheel, x1 - 0.5 * wheel)]
    scene.add(label, frame, scene.colour(label), decals=tyres)
    if rng.random() < 0.85:
        height = rng.uniform(0.17, 0.21) * scene.unit * depth
        clothes = scene.colour('rider', CLOTHES_COLOURS[rng.integers(len(CLOTHES_COLOURS))])
        seat = bottom - 1.2 * wheel
        head = _blob(cx, seat - 0.9 * height, 0.09 * height, rng, 8)
        scene.add('rider', _person_polygon(cx, seat, height, seated=True), clothes,
                  decals=[(head, (200.0, 160.0, 130.0))])


def _pole(scene: _SceneBuilder, lateral: float, depth: float) -> None:
    """Pole with a traffic sign or a traffic light on top, or neither."""
    rng = scene.rng
    height = rng.uniform(0.45, 0.75)
    (x0, top), (x1, _), _, (_, bottom) = scene.box(lateral, depth, 0.02, height)
    if x1 - x0 < 1.0:
        x1 = x0 + 1.0
    scene.add('pole', [(x0, top), (x1, top), (x1, bottom), (x0, bottom)], scene.colour('pole'))
    cx, size = 0.5 * (x0 + x1), 0.07 * scene.unit * depth
    kind = rng.choice(['sign', 'light', 'none'], p=[0.5, 0.35, 0.15])
    if kind == 'sign':
        shape = rng.integers(3)
        if shape == 0:
            polygon = _blob(cx, top + size, size, rng, 10)
        elif shape == 1:
            polygon = [(cx, top), (cx + size, top + 1.7 * size), (cx - size, top + 1.7 * size)]
        else:
            polygon = [(cx - size, top), (cx + size, top), (cx + size, top + 1.4 * size),
                       (cx - size, top + 1.4 * size)]
        scene.add('traffic sign', polygon, scene.colour('traffic sign'))
    elif kind == 'light':
        polygon = [(cx - 0.45 * size, top), (cx + 0.45 * size, top),
                   (cx + 0.45 * size, top + 2.4 * size), (cx - 0.45 * size, top + 2.4 * size)]
        lamp = (0.8 * size) * np.array([0.35, 1.0, 1.65])
        on = rng.integers(3)
        decals = [(_blob(cx, top + 0.2 * size + y, 0.3 * size, rng, 6),
                   ((230.0, 40.0, 30.0), (240.0, 180.0, 40.0), (60.0, 220.0, 90.0))[i]
                   if i == on else (70.0, 70.0, 60.0)) for i, y in enumerate(lamp)]
        scene.add('traffic light', polygon, scene.colour('traffic light'), decals=decals)


def _tree(scene: _SceneBuilder, lateral: float, depth: float) -> None:
    """Tree: trunk and crown, both vegetation as in Cityscapes."""
    rng = scene.rng
    height = rng.uniform(0.35, 0.7)
    (x0, top), (x1, _), _, (_, bottom) = scene.box(lateral, depth, 0.03, height)
    if x1 - x0 < 1.0:
        x1 = x0 + 1.0
    trunk_colour = scene.colour('vegetation', (90, 70, 50))
    scene.add('vegetation', [(x0, top), (x1, top), (x1, bottom), (x0, bottom)], trunk_colour)
    radius = rng.uniform(0.12, 0.3) * scene.unit * depth
    scene.add('vegetation', _blob(0.5 * (x0 + x1), top, radius, rng), scene.colour('vegetation'))


def sample_scene(rng: np.random.Generator, width: int, height: int,
                 style: DomainStyle) -> List[SceneObject]:
    """Draw the objects of one street scene, in painting order (later over earlier)."""
    scene = _SceneBuilder(rng, width, height, style)
    facade_offsets: Dict[int, float] = {}
    _add_background(scene, facade_offsets)
    _add_facades(scene, facade_offsets)

    def sidewalk_lateral(margin: float = 0.1) -> float:
        side = rng.choice([-1, 1])
        return side * rng.uniform(1.0 + margin, max(facade_offsets[side] - margin, 1.0 + margin))

    placed = []  # (depth, drawer, lateral)
    for label, count in (('car', style.num_cars), ('truck', style.num_trucks),
                         ('bus', style.num_buses)):
        for _ in range(rng.integers(count[0], count[1] + 1)):
            lane = rng.uniform(-0.85, 0.85)
            placed.append((rng.uniform(0.08, 0.95), label, lane))
    if rng.random() < style.train_probability:
        placed.append((rng.uniform(0.1, 0.6), 'train', rng.uniform(-0.5, 0.5)))
    for _ in range(rng.integers(style.num_persons[0], style.num_persons[1] + 1)):
        lateral = sidewalk_lateral() if rng.random() < 0.85 else rng.uniform(-0.9, 0.9)
        placed.append((rng.uniform(0.1, 1.0), 'person', lateral))
    for _ in range(rng.integers(style.num_two_wheelers[0], style.num_two_wheelers[1] + 1)):
        lateral = rng.choice([-1, 1]) * rng.uniform(0.6, 0.95)
        placed.append((rng.uniform(0.1, 0.95), 'two_wheeler', lateral))
    for _ in range(rng.integers(style.num_poles[0], style.num_poles[1] + 1)):
        lateral = rng.choice([-1, 1]) * rng.uniform(1.05, 1.2)
        placed.append((rng.uniform(0.05, 1.0), 'pole', lateral))
    for _ in range(rng.integers(style.num_trees[0], style.num_trees[1] + 1)):
        placed.append((rng.uniform(0.05, 1.0), 'tree', sidewalk_lateral(0.05)))

    drawers = {'person': _person, 'two_wheeler': _two_wheeler, 'pole': _pole, 'tree': _tree}
    for depth, kind, lateral in sorted(placed, key=lambda item: item[0]):
        if kind in drawers:
            drawers[kind](scene, lateral, depth)
        else:
            _vehicle(scene, kind, lateral, depth)

    if style.ego_vehicle_height[1] > 0:
        hood = height * (1 - rng.uniform(*style.ego_vehicle_height))
        xs = np.linspace(0, width - 1, 9)
        curve = [(x, hood + 0.6 * (height - hood) * (2 * x / (width - 1) - 1) ** 2) for x in xs]
        scene.add('ego vehicle', curve + [(width - 1, height - 1), (0, height - 1)],
                  scene.colour('ego vehicle'), shading=0.3)
    return scene.objects


def rasterise_polygons(polygons: Sequence[Sequence[Tuple[int, int]]], values: Sequence[int],
                       width: int, height: int, mode: str = 'L',
                       background: int = 0) -> np.ndarray:
    """Paint polygons in order with PIL ImageDraw, as cityscapesscripts' json2labelImg does."""
    image = Image.new(mode, (width, height), background)
    drawer = ImageDraw.Draw(image)
    for polygon, value in zip(polygons, values):
        drawer.polygon([tuple(p) for p in polygon], fill=int(value))
    return np.asarray(image)


def label_id_map(objects: Sequence[SceneObject], width: int, height: int) -> np.ndarray:
    """Cityscapes label-id image (uint8) of a scene; unpainted pixels are 'unlabeled' (0)."""
    return rasterise_polygons([o.polygon for o in objects],
                              [CITYSCAPES_LABELS[o.label][0] for o in objects], width, height)


def render_image(objects: Sequence[SceneObject], width: int, height: int, style: DomainStyle,
                 rng: np.random.Generator) -> np.ndarray:
    """RGB uint8 image of a scene: object colours, shading, texture, then camera effects."""
    owner = rasterise_polygons([o.polygon for o in objects], range(1, len(objects) + 1),
                               width, height, mode='I').astype(np.int64)
    colours = np.zeros((len(objects) + 1, 3))
    colours[1:] = [o.colour for o in objects]
    image = colours[owner]

    decal_polygons, decal_owners, decal_colours = [], [], [(0.0, 0.0, 0.0)]
    for index, obj in enumerate(objects, start=1):
        for polygon, colour in obj.decals:
            decal_polygons.append(polygon)
            decal_owners.append(index)
            decal_colours.append(colour)
    if decal_polygons:
        decal_index = rasterise_polygons(decal_polygons, range(1, len(decal_polygons) + 1),
                                         width, height, mode='I').astype(np.int64)
        decal_owner = np.asarray([0] + decal_owners)[decal_index]
        on_owner = (decal_index > 0) & (decal_owner == owner)
        image[on_owner] = np.asarray(decal_colours)[decal_index[on_owner]]

    rows = np.arange(height, dtype=float)[:, None]
    tops = np.zeros(len(objects) + 1)
    spans = np.ones(len(objects) + 1)
    shading = np.zeros(len(objects) + 1)
    for index, obj in enumerate(objects, start=1):
        ys = [p[1] for p in obj.polygon]
        tops[index], spans[index] = min(ys), max(max(ys) - min(ys), 1)
        shading[index] = obj.shading
    relative_row = (rows - tops[owner]) / spans[owner]
    image *= (1.0 + shading[owner] * (relative_row - 0.5))[..., None]

    amplitudes = np.zeros((len(objects) + 1, 2))
    amplitudes[1:] = [TEXTURE_AMPLITUDES[o.label] for o in objects]
    amplitudes *= style.texture_gain
    fine = rng.normal(0.0, 1.0, (height, width))
    coarse = cv2.resize(rng.normal(0.0, 1.0, (max(height // 8, 2), max(width // 8, 2))),
                        (width, height), interpolation=cv2.INTER_CUBIC)
    texture = amplitudes[owner, 0] * fine + amplitudes[owner, 1] * coarse
    image += texture[..., None] * rng.uniform(0.9, 1.1, 3)

    image = _apply_camera(image, style, rng)
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


def _apply_camera(image: np.ndarray, style: DomainStyle, rng: np.random.Generator) -> np.ndarray:
    """Illumination, tint, gamma, saturation, contrast, blur, vignetting and sensor noise."""
    height, width = image.shape[:2]
    tint = np.asarray(style.tint) * rng.uniform(0.95, 1.05, 3)
    image = np.clip(image * rng.uniform(*style.gain) * tint, 0, 255)
    image = 255.0 * (image / 255.0) ** rng.uniform(*style.gamma)
    grey = image.mean(axis=2, keepdims=True)
    image = grey + style.saturation * (image - grey)
    image = image.mean() + style.contrast * (image - image.mean())
    sigma = rng.uniform(*style.blur_sigma)
    if sigma > 0:
        image = cv2.GaussianBlur(image, (0, 0), sigma)
    if style.vignetting > 0:
        ys, xs = np.mgrid[0:height, 0:width]
        radius = ((xs / (width - 1) - 0.5) ** 2 + (ys / (height - 1) - 0.5) ** 2) / 0.5
        image = image * (1.0 - style.vignetting * radius)[..., None]
    return image + rng.normal(0.0, style.noise_sigma, image.shape)


def cityscapes_polygons_json(objects: Sequence[SceneObject], width: int, height: int) -> dict:
    """Cityscapes ``*_gtFine_polygons.json`` content of a scene, objects in painting order."""
    return {'imgHeight': height, 'imgWidth': width,
            'objects': [{'label': o.label, 'polygon': [list(p) for p in o.polygon]}
                        for o in objects]}


def cityscapes_palette() -> List[int]:
    """Flat 256-entry PNG palette: Cityscapes colour of each label id (GTA5 label files)."""
    palette = [0] * 768
    for label_id, _, colour in CITYSCAPES_LABELS.values():
        palette[3 * label_id:3 * label_id + 3] = colour
    return palette


def class_statistics(label_ids: np.ndarray, image: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Pixel count (19,) and summed RGB (19, 3) per train id of one labelled image."""
    lookup = np.full(256, 255, dtype=np.int64)
    for label_id, train_id, _ in CITYSCAPES_LABELS.values():
        lookup[label_id] = train_id
    train_ids = lookup[label_ids].ravel()
    valid = train_ids != 255
    counts = np.bincount(train_ids[valid], minlength=NUM_CLASSES)
    sums = np.stack([np.bincount(train_ids[valid], weights=image.reshape(-1, 3)[valid, c],
                                 minlength=NUM_CLASSES) for c in range(3)], axis=1)
    return counts, sums


def _write_png(path: str, image: Image.Image) -> None:
    """Save a PNG through a temporary name, so no partial file is left behind."""
    tmp_path = f'{path[:-len(".png")]}.tmp.png'
    image.save(tmp_path)
    os.replace(tmp_path, path)


def generate_sample(task: Tuple[str, str, int, int, int, int]) -> Tuple[np.ndarray, np.ndarray]:
    """Write one sample; ``task`` = (root, split, index, width, height, seed).

    ``split`` is 'source', 'train' or 'val'. Returns its class statistics.
    """
    root, split, index, width, height, seed = task
    stream = ('source', 'train', 'val').index(split)
    rng = np.random.default_rng([seed, stream, index])
    style = SOURCE_STYLE if split == 'source' else TARGET_STYLE
    objects = sample_scene(rng, width, height, style)
    label_ids = label_id_map(objects, width, height)
    image = render_image(objects, width, height, style, rng)
    if split == 'source':
        name = f'{index + 1:05d}.png'
        _write_png(osp.join(root, SOURCE_DIR, 'images', name), Image.fromarray(image, 'RGB'))
        labels = Image.fromarray(label_ids, 'L')
        labels.putpalette(cityscapes_palette())  # 'L' -> 'P', pixel values stay the label ids
        _write_png(osp.join(root, SOURCE_DIR, 'labels', name), labels)
    else:
        city = TARGET_CITIES[split]
        stem = f'{city}_{index:06d}_{CITYSCAPES_FRAME:06d}'
        image_dir = osp.join(root, TARGET_DIR, 'leftImg8bit', split, city)
        label_dir = osp.join(root, TARGET_DIR, 'gtFine', split, city)
        _write_png(osp.join(image_dir, f'{stem}_leftImg8bit.png'), Image.fromarray(image, 'RGB'))
        _write_png(osp.join(label_dir, f'{stem}_gtFine_labelIds.png'),
                   Image.fromarray(label_ids, 'L'))
        with open(osp.join(label_dir, f'{stem}_gtFine_polygons.json'), 'w') as f:
            json.dump(cityscapes_polygons_json(objects, width, height), f, indent=4)
    return class_statistics(label_ids, image)


def _summarise(results: Sequence[Tuple[np.ndarray, np.ndarray]]) -> dict:
    """Per-class pixel fractions and mean RGB colours over a set of samples."""
    counts = sum((r[0] for r in results), np.zeros(NUM_CLASSES))
    sums = sum((r[1] for r in results), np.zeros((NUM_CLASSES, 3)))
    fractions = counts / max(counts.sum(), 1)
    means = sums / np.maximum(counts, 1)[:, None]
    return {'class_fraction': {n: round(float(f), 6) for n, f in zip(TRAIN_ID_NAMES, fractions)},
            'class_mean_rgb': {n: [round(float(v), 3) for v in m]
                               for n, m, c in zip(TRAIN_ID_NAMES, means, counts) if c > 0}}


def generate_toy_benchmark(root: str, num_source: int = 400, num_target_train: int = 400,
                           num_target_val: int = 100, source_size: Tuple[int, int] = (256, 128),
                           target_size: Tuple[int, int] = (256, 128), seed: int = 0,
                           nproc: int = 1, show_progress: bool = False) -> dict:
    """Write the toy benchmark under ``root`` (reused when complete with the same parameters).

    Sizes are (width, height). Returns the parameters, paths, per-domain class statistics and
    whether existing data was reused.
    """
    params = {'generator_version': GENERATOR_VERSION, 'num_source': int(num_source),
              'num_target_train': int(num_target_train), 'num_target_val': int(num_target_val),
              'source_size': [int(v) for v in source_size],
              'target_size': [int(v) for v in target_size], 'seed': int(seed)}
    for key in ('num_source', 'num_target_train', 'num_target_val'):
        if params[key] < 0:
            raise ValueError(f'{key} must be >= 0, got {params[key]}')
    for key in ('source_size', 'target_size'):
        if len(params[key]) != 2 or min(params[key]) < 16:
            raise ValueError(f'{key} must be (width, height) with both >= 16, got {params[key]}')
    meta_path = osp.join(root, META_FILE)
    paths = {'source': osp.join(root, SOURCE_DIR), 'target': osp.join(root, TARGET_DIR)}
    if osp.isfile(meta_path):
        meta = mmengine.load(meta_path)
        if meta.get('complete') and meta.get('params') == params:
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
    for sub in ('images', 'labels'):
        os.makedirs(osp.join(paths['source'], sub), exist_ok=True)
    for split, city in TARGET_CITIES.items():
        for sub in ('leftImg8bit', 'gtFine'):
            os.makedirs(osp.join(paths['target'], sub, split, city), exist_ok=True)

    tasks = [(root, 'source', i, *params['source_size'], params['seed'])
             for i in range(params['num_source'])]
    tasks += [(root, split, i, *params['target_size'], params['seed'])
              for split, count in (('train', params['num_target_train']),
                                   ('val', params['num_target_val'])) for i in range(count)]
    if show_progress and nproc > 1:
        results = mmengine.track_parallel_progress(generate_sample, tasks, nproc)
    elif show_progress:
        results = mmengine.track_progress(generate_sample, tasks)
    elif nproc > 1:
        with Pool(nproc) as pool:
            results = pool.map(generate_sample, tasks)
    else:
        results = [generate_sample(task) for task in tasks]

    num_source = params['num_source']
    meta = {'complete': True, 'params': params,
            'stats': {'source': _summarise(results[:num_source]),
                      'target': _summarise(results[num_source:])}}
    mmengine.dump(meta, meta_path, indent=2)
    return {**meta, 'paths': paths, 'reused': False}
