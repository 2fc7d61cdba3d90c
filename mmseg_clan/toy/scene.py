"""Street-scene layouts of the toy domains: which labelled polygons a scene holds, in order.

Every object is a polygon: labels are rasterised from exactly the polygons that the Cityscapes
``*_gtFine_polygons.json`` files hold. Shapes are shared by all domains; a domain's class shift
(size, shape) is applied by ``SceneBuilder.add``.
"""
from typing import Dict, List, Tuple

import numpy as np

from .geometry import Point, SceneBuilder, SceneObject, blob, quad_point
from .styles import CLOTHES_COLOURS, VEHICLE_COLOURS, DomainStyle


def _add_background(scene: SceneBuilder, facade_offsets: Dict[int, float]) -> None:
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


def _add_facades(scene: SceneBuilder, facade_offsets: Dict[int, float]) -> None:
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
                        windows.append(([quad_point(quad, u0, v0), quad_point(quad, u1, v0),
                                         quad_point(quad, u1, v1), quad_point(quad, u0, v1)],
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
                            bars.append(([quad_point(quad, u, 0.0),
                                          quad_point(quad, min(u + 0.04, 1.0), 0.0),
                                          quad_point(quad, min(u + 0.04, 1.0), 1.0),
                                          quad_point(quad, u, 1.0)], dark))
                    scene.add(kind, quad, colour, decals=bars)
            depth = near


def _vehicle(scene: SceneBuilder, label: str, lateral: float, depth: float) -> None:
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


def _person(scene: SceneBuilder, lateral: float, depth: float) -> None:
    """Pedestrian with clothes of a random colour and a head of skin colour."""
    rng = scene.rng
    height = rng.uniform(0.32, 0.4) * scene.unit * depth
    cx, bottom = scene.x(lateral, depth), scene.row(depth)
    clothes = scene.colour('person', CLOTHES_COLOURS[rng.integers(len(CLOTHES_COLOURS))])
    head = blob(cx, bottom - 0.93 * height, 0.07 * height, rng, 8)
    scene.add('person', _person_polygon(cx, bottom, height), clothes,
              decals=[(head, (200.0, 160.0, 130.0))])


def _two_wheeler(scene: SceneBuilder, lateral: float, depth: float) -> None:
    """Bicycle or motorcycle seen from the side, usually with a rider on it."""
    rng = scene.rng
    label = 'motorcycle' if rng.random() < 0.35 else 'bicycle'
    length = (0.4 if label == 'motorcycle' else 0.32) * scene.unit * depth
    wheel = (0.12 if label == 'motorcycle' else 0.13) * scene.unit * depth
    cx, bottom = scene.x(lateral, depth), scene.row(depth)
    x0, x1 = cx - 0.5 * length, cx + 0.5 * length
    frame = [(x0, bottom), (x0 + 0.3 * length, bottom - 0.4 * wheel),
             (x0 + 0.35 * length, bottom - 1.6 * wheel), (x1 - 0.3 * length, bottom - 1.6 * wheel),
             (x1 - 0.2 * length, bottom - 0.4 * wheel), (x1, bottom),
             (x1 - 0.5 * wheel, bottom - 0.5 * wheel), (x0 + 0.5 * wheel, bottom - 0.5 * wheel)]
    tyres = [(blob(x, bottom - 0.5 * wheel, 0.5 * wheel, rng, 8), (15.0, 15.0, 15.0))
             for x in (x0 + 0.5 * wheel, x1 - 0.5 * wheel)]
    scene.add(label, frame, scene.colour(label), decals=tyres)
    if rng.random() < 0.85:
        height = rng.uniform(0.24, 0.3) * scene.unit * depth
        clothes = scene.colour('rider', CLOTHES_COLOURS[rng.integers(len(CLOTHES_COLOURS))])
        seat = bottom - 1.2 * wheel
        head = blob(cx, seat - 0.9 * height, 0.09 * height, rng, 8)
        scene.add('rider', _person_polygon(cx, seat, height, seated=True), clothes,
                  decals=[(head, (200.0, 160.0, 130.0))])


def _thin_box(scene: SceneBuilder, lateral: float, depth: float, width: float,
              height: float) -> Tuple[float, float, float, float]:
    """Left, right, top and bottom of an upright box at least one pixel wide (pole, trunk)."""
    (x0, top), (x1, _), _, (_, bottom) = scene.box(lateral, depth, width, height)
    return x0, max(x1, x0 + 1.0), top, bottom


def _pole(scene: SceneBuilder, lateral: float, depth: float) -> None:
    """Pole with a traffic sign or a traffic light on top, or neither."""
    rng = scene.rng
    height = rng.uniform(0.45, 0.75)
    x0, x1, top, bottom = _thin_box(scene, lateral, depth, 0.045, height)
    scene.add('pole', [(x0, top), (x1, top), (x1, bottom), (x0, bottom)], scene.colour('pole'))
    cx, size = 0.5 * (x0 + x1), 0.1 * scene.unit * depth
    kind = rng.choice(['sign', 'light', 'none'], p=[0.5, 0.35, 0.15])
    if kind == 'sign':
        shape = rng.integers(3)
        if shape == 0:
            polygon = blob(cx, top + size, size, rng, 10)
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
        decals = [(blob(cx, top + 0.2 * size + y, 0.3 * size, rng, 6),
                   ((230.0, 40.0, 30.0), (240.0, 180.0, 40.0), (60.0, 220.0, 90.0))[i]
                   if i == on else (70.0, 70.0, 60.0)) for i, y in enumerate(lamp)]
        scene.add('traffic light', polygon, scene.colour('traffic light'), decals=decals)


def _tree(scene: SceneBuilder, lateral: float, depth: float) -> None:
    """Tree: trunk and crown, both vegetation as in Cityscapes."""
    rng = scene.rng
    height = rng.uniform(0.35, 0.7)
    x0, x1, top, bottom = _thin_box(scene, lateral, depth, 0.05, height)
    trunk_colour = scene.colour('vegetation', (90, 70, 50))
    scene.add('vegetation', [(x0, top), (x1, top), (x1, bottom), (x0, bottom)], trunk_colour)
    radius = rng.uniform(0.12, 0.3) * scene.unit * depth
    scene.add('vegetation', blob(0.5 * (x0 + x1), top, radius, rng), scene.colour('vegetation'))


def sample_scene(rng: np.random.Generator, width: int, height: int,
                 style: DomainStyle) -> List[SceneObject]:
    """Draw the objects of one street scene, in painting order (later over earlier)."""
    scene = SceneBuilder(rng, width, height, style)
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
        placed.append((rng.uniform(0.25, 1.0), 'person', lateral))
    for _ in range(rng.integers(style.num_two_wheelers[0], style.num_two_wheelers[1] + 1)):
        lateral = rng.choice([-1, 1]) * rng.uniform(0.6, 0.95)
        placed.append((rng.uniform(0.1, 0.95), 'two_wheeler', lateral))
    for _ in range(rng.integers(style.num_poles[0], style.num_poles[1] + 1)):
        lateral = rng.choice([-1, 1]) * rng.uniform(1.05, 1.2)
        placed.append((rng.uniform(0.2, 1.0), 'pole', lateral))
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
