from .checked_load_image import CheckedLoadImageFromFile
from .image_scale_jitter import ImageScaleJitter

__all__ = ['CheckedLoadImageFromFile', 'ImageScaleJitter']
