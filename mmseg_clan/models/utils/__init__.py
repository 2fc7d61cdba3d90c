from .checked_pretrained_init import CheckedPretrainedInit
from .display import converts_channels, display_images
from .logit_fusion import fuse_logits

__all__ = ['CheckedPretrainedInit', 'converts_channels', 'display_images', 'fuse_logits']
