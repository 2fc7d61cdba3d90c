from . import backbones, decode_heads, discriminators, losses, segmentors, utils  # noqa: F401
