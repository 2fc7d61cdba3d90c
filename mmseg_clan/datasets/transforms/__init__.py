from .checked_load_annotations import CheckedLoadAnnotations
from .checked_load_image import CheckedLoadImageFromFile
from .image_scale_jitter import ImageScaleJitter

__all__ = ['CheckedLoadAnnotations', 'CheckedLoadImageFromFile', 'ImageScaleJitter']
