from .checked_pretrained_init import CheckedPretrainedInit
from .display import display_images
from .logit_fusion import fuse_logits

__all__ = ['CheckedPretrainedInit', 'display_images', 'fuse_logits']
