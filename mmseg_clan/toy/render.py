"""Rendering of a toy scene: label ids as cityscapesscripts rasterises them, and the image."""
from typing import Sequence

import cv2
import numpy as np
from PIL import Image, ImageDraw

from .geometry import SceneObject
from .labels import LABEL_IDS
from .styles import TEXTURE_AMPLITUDES, DomainStyle

STRIPE_PERIOD = 4.0  # px, of the diagonal stripes a 'texture' shift adds
STRIPE_AMPLITUDE = 40.0  # grey levels at severity 1


def rasterise_polygons(polygons: Sequence[Sequence[tuple]], values: Sequence[int],
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
                              [LABEL_IDS[o.label] for o in objects], width, height)


def _paint_decals(image: np.ndarray, owner: np.ndarray, objects: Sequence[SceneObject]) -> None:
    """Paint every object's decals, only where the object itself is visible."""
    height, width = owner.shape
    polygons, owners, colours = [], [], [(0.0, 0.0, 0.0)]
    for index, obj in enumerate(objects, start=1):
        for polygon, colour in obj.decals:
            polygons.append(polygon)
            owners.append(index)
            colours.append(colour)
    if not polygons:
        return
    decal_index = rasterise_polygons(polygons, range(1, len(polygons) + 1), width, height,
                                     mode='I').astype(np.int64)
    decal_owner = np.asarray([0] + owners)[decal_index]
    on_owner = (decal_index > 0) & (decal_owner == owner)
    image[on_owner] = np.asarray(colours)[decal_index[on_owner]]


def render_image(objects: Sequence[SceneObject], width: int, height: int, style: DomainStyle,
                 rng: np.random.Generator) -> np.ndarray:
    """RGB uint8 image of a scene: colours, shading, texture (and its shift), then the camera."""
    owner = rasterise_polygons([o.polygon for o in objects], range(1, len(objects) + 1),
                               width, height, mode='I').astype(np.int64)
    colours = np.zeros((len(objects) + 1, 3))
    colours[1:] = [o.colour for o in objects]
    image = colours[owner]
    _paint_decals(image, owner, objects)

    rows = np.arange(height, dtype=float)[:, None]
    tops, spans, shading = (np.zeros(len(objects) + 1), np.ones(len(objects) + 1),
                            np.zeros(len(objects) + 1))
    amplitudes, stripes = np.zeros((len(objects) + 1, 2)), np.zeros(len(objects) + 1)
    for index, obj in enumerate(objects, start=1):
        ys = [p[1] for p in obj.polygon]
        tops[index], spans[index] = min(ys), max(max(ys) - min(ys), 1)
        shading[index] = obj.shading
        kind, severity = style.shift_of(obj.label)
        gain = 1.0 + 2.0 * severity if kind == 'texture' else 1.0
        amplitudes[index] = np.asarray(TEXTURE_AMPLITUDES[obj.label]) * gain
        stripes[index] = STRIPE_AMPLITUDE * severity if kind == 'texture' else 0.0
    relative_row = (rows - tops[owner]) / spans[owner]
    image *= (1.0 + shading[owner] * (relative_row - 0.5))[..., None]

    fine = rng.normal(0.0, 1.0, (height, width))
    coarse = cv2.resize(rng.normal(0.0, 1.0, (max(height // 8, 2), max(width // 8, 2))),
                        (width, height), interpolation=cv2.INTER_CUBIC)
    ys, xs = np.mgrid[0:height, 0:width]
    stripe = np.sin(2 * np.pi * (xs + ys) / STRIPE_PERIOD)
    texture = (amplitudes[owner, 0] * fine + amplitudes[owner, 1] * coarse
               + stripes[owner] * stripe)
    image += texture[..., None] * rng.uniform(0.9, 1.1, 3)

    image = _apply_camera(image, style, rng)
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


def _apply_camera(image: np.ndarray, style: DomainStyle, rng: np.random.Generator) -> np.ndarray:
    """Illumination, tint, gamma, saturation, contrast, blur, vignetting and sensor noise."""
    height, width = image.shape[:2]
    tint = np.asarray(style.tint) * rng.uniform(0.97, 1.03, 3)
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
