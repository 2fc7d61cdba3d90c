"""Ground-plane geometry of a toy scene: polygons, clipping and the per-domain object shifts."""
import colorsys
from dataclasses import dataclass, field
from typing import List, Sequence, Tuple

import numpy as np

from .styles import BASE_PALETTE, RGB, SHIFT_COLOURS, DomainStyle

Point = Tuple[float, float]


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


def rotate_hue(colour: RGB, turns: float) -> RGB:
    """``colour`` with its hue rotated by ``turns`` (0..1), lightness and saturation kept."""
    if turns == 0.0:
        return colour
    hue, lightness, saturation = colorsys.rgb_to_hls(*(c / 255.0 for c in colour))
    return tuple(255.0 * c for c in colorsys.hls_to_rgb((hue + turns) % 1.0, lightness,
                                                         saturation))


def reshape_object(polygon: Sequence[Point], decals: Sequence[Tuple[Sequence[Point], RGB]],
                   scale_x: float, scale_y: float):
    """Scale an object and its decals about the bottom centre of its polygon."""
    xs, ys = [p[0] for p in polygon], [p[1] for p in polygon]
    cx, bottom = 0.5 * (min(xs) + max(xs)), max(ys)

    def move(points: Sequence[Point]) -> List[Point]:
        return [(cx + scale_x * (x - cx), bottom + scale_y * (y - bottom)) for x, y in points]

    return move(polygon), [(move(p), c) for p, c in decals]


class SceneBuilder:
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
        """Domain colour of ``label`` (or ``base``): hue, the class's colour shift, jitter."""
        base = BASE_PALETTE[label] if base is None else base
        colour = np.asarray(rotate_hue(base, self.style.hue_rotation), dtype=float)
        kind, severity = self.style.shift_of(label)
        if kind == 'colour':
            colour = (1.0 - severity) * colour + severity * np.asarray(SHIFT_COLOURS[label])
        brightness = self.rng.normal(0.0, self.style.colour_jitter)
        jitter = brightness + self.rng.normal(0.0, 0.35 * self.style.colour_jitter, 3)
        return tuple(float(v) for v in np.clip(colour + jitter, 0, 255))

    def add(self, label: str, polygon: Sequence[Point], colour: RGB, shading: float = 0.0,
            decals: Sequence[Tuple[Sequence[Point], RGB]] = ()) -> None:
        """Apply the class's shape or size shift, clip and append; drop what is outside."""
        kind, severity = self.style.shift_of(label)
        if kind == 'size':  # larger by 1 + severity
            polygon, decals = reshape_object(polygon, decals, 1 + severity, 1 + severity)
        elif kind == 'shape':  # wider and flatter, area kept
            polygon, decals = reshape_object(polygon, decals, 1 + severity, 1 / (1 + severity))
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


def blob(cx: float, cy: float, radius: float, rng: np.random.Generator,
         num_points: int = 14) -> List[Point]:
    """Irregular round polygon (tree crowns, heads)."""
    angles = np.linspace(0, 2 * np.pi, num_points, endpoint=False)
    radii = radius * rng.uniform(0.75, 1.15, num_points)
    return [(cx + r * np.cos(a), cy + r * np.sin(a)) for a, r in zip(angles, radii)]


def quad_point(quad: Sequence[Point], u: float, v: float) -> Point:
    """Bilinear point of a quad (top-left, top-right, bottom-right, bottom-left)."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = quad
    top = (x0 + u * (x1 - x0), y0 + u * (y1 - y0))
    bottom = (x3 + u * (x2 - x3), y3 + u * (y2 - y3))
    return top[0] + v * (bottom[0] - top[0]), top[1] + v * (bottom[1] - top[1])
