"""Domain styles of the toy scenes and the per-class shift between source and target.

All domains share one base appearance per class (colour, texture, shape). The source shows it
unchanged; the target applies ``TARGET_CLASS_SHIFT`` (per class: a kind and a severity in [0, 1],
0 = looks the same in both domains), a mild global camera shift and other class frequencies. The
pretraining corpus (the stand-in for ImageNet) has its own hue-rotated colours, layout and
cameras, and no class shift.
"""
from dataclasses import dataclass, field, replace
from typing import Dict, Tuple

import numpy as np

from .labels import TRAIN_ID_NAMES

RGB = Tuple[float, float, float]
ClassShift = Dict[str, Tuple[str, float]]  # class name -> (kind, severity)

SHIFT_KINDS = ('none', 'colour', 'texture', 'shape', 'size')
# Classes drawn as separate objects: only these can change shape or size.
THING_CLASSES = ('pole', 'traffic light', 'traffic sign', 'person', 'rider', 'car', 'truck',
                 'bus', 'train', 'motorcycle', 'bicycle')

# The design, fixed before any adaptation run (docs/toy_benchmark.md): 11 classes aligned, 8
# shifted, severities spread over (0, 1] and over all four kinds.
TARGET_CLASS_SHIFT: ClassShift = {
    'road': ('none', 0.0), 'sidewalk': ('colour', 0.5), 'building': ('texture', 0.8),
    'wall': ('colour', 0.3), 'fence': ('none', 0.0), 'pole': ('none', 0.0),
    'traffic light': ('none', 0.0), 'traffic sign': ('colour', 0.9),
    'vegetation': ('colour', 1.0), 'terrain': ('texture', 0.6), 'sky': ('colour', 0.7),
    'person': ('size', 0.6), 'rider': ('none', 0.0), 'car': ('colour', 0.8),
    'truck': ('shape', 0.7), 'bus': ('none', 0.0), 'train': ('none', 0.0),
    'motorcycle': ('none', 0.0), 'bicycle': ('none', 0.0)}

# Base colour of each label in every domain; (0, 0, 0) = drawn per object from the lists below.
BASE_PALETTE: Dict[str, RGB] = {
    'road': (100, 95, 105), 'sidewalk': (170, 155, 140), 'building': (150, 115, 90),
    'wall': (180, 170, 140), 'fence': (130, 95, 60), 'pole': (95, 95, 100),
    'traffic light': (45, 45, 40), 'traffic sign': (200, 50, 40), 'vegetation': (60, 135, 40),
    'terrain': (150, 160, 70), 'sky': (110, 165, 235), 'person': (0, 0, 0),
    'rider': (0, 0, 0), 'car': (0, 0, 0), 'truck': (0, 0, 0), 'bus': (220, 170, 30),
    'train': (180, 40, 40), 'motorcycle': (160, 20, 20), 'bicycle': (30, 120, 200),
    'ego vehicle': (35, 38, 45)}
# Where a 'colour' shift of severity s moves a class: (1 - s) * colour + s * this.
SHIFT_COLOURS: Dict[str, RGB] = {
    'road': (150, 120, 80), 'sidewalk': (110, 140, 190), 'building': (90, 120, 150),
    'wall': (120, 65, 55), 'fence': (60, 110, 150), 'pole': (200, 190, 60),
    'traffic light': (200, 200, 190), 'traffic sign': (40, 80, 200),
    'vegetation': (195, 110, 30), 'terrain': (120, 90, 60), 'sky': (200, 205, 210),
    'person': (220, 200, 60), 'rider': (220, 200, 60), 'car': (60, 160, 170),
    'truck': (200, 60, 160), 'bus': (60, 60, 200), 'train': (60, 200, 120),
    'motorcycle': (60, 200, 60), 'bicycle': (220, 120, 40)}
# Texture amplitude (fine, coarse noise, in grey levels) per label, in every domain.
TEXTURE_AMPLITUDES: Dict[str, Tuple[float, float]] = {
    'road': (7, 10), 'sidewalk': (8, 8), 'building': (6, 14), 'wall': (6, 10),
    'fence': (5, 6), 'pole': (3, 3), 'traffic light': (2, 2), 'traffic sign': (3, 3),
    'vegetation': (22, 18), 'terrain': (14, 16), 'sky': (2, 10), 'person': (6, 6),
    'rider': (6, 6), 'car': (4, 6), 'truck': (5, 7), 'bus': (4, 6), 'train': (5, 7),
    'motorcycle': (5, 5), 'bicycle': (5, 5), 'ego vehicle': (3, 6), 'unlabeled': (5, 5)}
# Colours of vehicles and clothes are drawn per object from these, in every domain.
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
    hue_rotation: float = 0.0  # of every colour, in turns (pretraining corpus only)
    colour_jitter: float = 16.0  # per-object colour standard deviation
    vehicle_colour_weights: Tuple[float, ...] = (1,) * len(VEHICLE_COLOURS)
    gain: Tuple[float, float] = (0.9, 1.1)  # global illumination
    tint: RGB = (1.0, 1.0, 1.0)
    gamma: Tuple[float, float] = (0.95, 1.05)
    saturation: float = 1.0
    contrast: float = 1.0
    facade_shading: float = 0.3  # sun-lit minus shadowed side brightness
    blur_sigma: Tuple[float, float] = (0.0, 0.0)
    noise_sigma: float = 2.0
    vignetting: float = 0.0
    class_shift: ClassShift = field(default_factory=dict)  # classes not named: unshifted

    def shift_of(self, label: str) -> Tuple[str, float]:
        """(kind, severity) of ``label`` in this domain; ('none', 0.0) when unshifted."""
        return self.class_shift.get(label, ('none', 0.0))


SOURCE_STYLE = DomainStyle(
    name='source', horizon=(0.34, 0.44), road_half_width=(0.45, 0.65),
    sidewalk_width=(0.2, 0.45), terrain_probability=0.2, building_probability=0.85,
    building_height=(0.8, 2.2), num_cars=(3, 8), num_trucks=(0, 2), num_buses=(0, 1),
    train_probability=0.03, num_persons=(1, 3), num_two_wheelers=(0, 2), num_poles=(2, 4),
    num_trees=(0, 2), gap_probabilities={'fence': 0.4, 'wall': 0.35, 'vegetation': 0.1,
                                          'none': 0.15},
    ego_vehicle_height=(0.0, 0.0), vehicle_colour_weights=(3, 3, 2, 1, 1, 2, 2, 1, 1))

# Mild global shift: a little darker, cooler, softer and noisier than the source.
TARGET_STYLE = DomainStyle(
    name='target', horizon=(0.4, 0.5), road_half_width=(0.4, 0.6), sidewalk_width=(0.3, 0.6),
    terrain_probability=0.5, building_probability=0.7, building_height=(1.0, 2.6),
    num_cars=(1, 4), num_trucks=(0, 1), num_buses=(0, 1), train_probability=0.05,
    num_persons=(3, 8), num_two_wheelers=(0, 3), num_poles=(3, 6), num_trees=(2, 5),
    gap_probabilities={'fence': 0.25, 'wall': 0.15, 'vegetation': 0.45, 'none': 0.15},
    ego_vehicle_height=(0.06, 0.12), vehicle_colour_weights=(1, 2, 3, 4, 4, 1, 0.5, 1, 2),
    gain=(0.87, 1.07), tint=(0.98, 1.0, 1.02), gamma=(0.98, 1.08), saturation=0.92,
    facade_shading=0.2, blur_sigma=(0.3, 0.6), noise_sigma=3.0, vignetting=0.1,
    class_shift=TARGET_CLASS_SHIFT)

# The pretraining corpus: neither domain. Colours hue-rotated by a third of a turn, its own
# layout statistics and a wide range of cameras.
PRETRAIN_STYLE = DomainStyle(
    name='pretrain', horizon=(0.3, 0.55), road_half_width=(0.35, 0.7),
    sidewalk_width=(0.2, 0.6), terrain_probability=0.35, building_probability=0.75,
    building_height=(0.6, 2.8), num_cars=(1, 6), num_trucks=(0, 2), num_buses=(0, 1),
    train_probability=0.1, num_persons=(1, 6), num_two_wheelers=(0, 3), num_poles=(2, 5),
    num_trees=(1, 4), gap_probabilities={'fence': 0.3, 'wall': 0.3, 'vegetation': 0.25,
                                          'none': 0.15},
    ego_vehicle_height=(0.0, 0.0), hue_rotation=1 / 3, colour_jitter=24.0,
    gain=(0.75, 1.25), gamma=(0.85, 1.2), blur_sigma=(0.0, 0.7), noise_sigma=3.0)

DOMAIN_STYLES = {style.name: style for style in (SOURCE_STYLE, TARGET_STYLE, PRETRAIN_STYLE)}


def check_class_shift(shift: ClassShift) -> ClassShift:
    """Validate a per-class shift: every class named once, known kinds, severity in [0, 1]."""
    if set(shift) != set(TRAIN_ID_NAMES):
        raise ValueError(f'class shift: expected the 19 classes {list(TRAIN_ID_NAMES)}, got '
                         f'missing {sorted(set(TRAIN_ID_NAMES) - set(shift))}, unknown '
                         f'{sorted(set(shift) - set(TRAIN_ID_NAMES))}')
    for name, (kind, severity) in shift.items():
        if kind not in SHIFT_KINDS or not 0.0 <= severity <= 1.0:
            raise ValueError(f'class shift of {name!r}: expected a kind in {SHIFT_KINDS} and a '
                             f'severity in [0, 1], got ({kind!r}, {severity})')
        if kind in ('shape', 'size') and name not in THING_CLASSES:
            raise ValueError(f'class shift of {name!r}: {kind!r} applies only to {THING_CLASSES}')
        if (kind == 'none') != (severity == 0.0):
            raise ValueError(f'class shift of {name!r}: kind "none" goes with severity 0 and '
                             f'only with it, got ({kind!r}, {severity})')
    return {name: (kind, float(severity)) for name, (kind, severity) in shift.items()}


def random_class_shift(seed: int, aligned_fraction: float = 0.45) -> ClassShift:
    """A shift the benchmark was not designed on: random kinds and severities in [0.2, 1]."""
    rng = np.random.default_rng([seed, 12])
    shift: ClassShift = {}
    for name in TRAIN_ID_NAMES:
        if rng.random() < aligned_fraction:
            shift[name] = ('none', 0.0)
            continue
        kinds = SHIFT_KINDS[1:] if name in THING_CLASSES else ('colour', 'texture')
        shift[name] = (str(rng.choice(kinds)), round(float(rng.uniform(0.2, 1.0)), 2))
    return shift


def target_style_with(shift: ClassShift) -> DomainStyle:
    """The target style with another per-class shift."""
    return replace(TARGET_STYLE, class_shift=check_class_shift(shift))
