from .display import display_images
from .logit_fusion import fuse_logits

__all__ = ['display_images', 'fuse_logits']
