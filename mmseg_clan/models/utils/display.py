"""Model inputs back as displayable images."""
from typing import List, Sequence

import torch
from torch import Tensor


def converts_channels(data_preprocessor) -> bool:
    """Whether ``data_preprocessor`` swaps BGR/RGB: ``channel_conversion`` in mmseg 1.2.2's
    SegDataPreProcessor, ``_channel_conversion`` in onedl-mmsegmentation's (mmengine's
    ImgDataPreprocessor)."""
    for name in ('channel_conversion', '_channel_conversion'):
        if hasattr(data_preprocessor, name):
            return bool(getattr(data_preprocessor, name))
    return False


def display_images(inputs: Tensor, data_samples: Sequence, data_preprocessor) -> List[Tensor]:
    """Preprocessed ``inputs`` (N, 3, H, W) back as (H, W, 3) uint8 RGB, normalisation and
    batch padding undone (each image cropped to its sample's ``img_shape``)."""
    images = inputs.float()
    if getattr(data_preprocessor, '_enable_normalize', False):
        images = images * data_preprocessor.std + data_preprocessor.mean
    if not converts_channels(data_preprocessor):
        images = images.flip(1)  # mmseg loads BGR; without bgr_to_rgb the model saw BGR
    shapes = [sample.metainfo['img_shape'][:2] for sample in data_samples]
    return [image[:, :height, :width].round().clamp(0, 255).to(torch.uint8).permute(1, 2, 0).cpu()
            for image, (height, width) in zip(images, shapes)]
