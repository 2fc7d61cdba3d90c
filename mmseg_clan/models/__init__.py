from . import backbones, decode_heads, discriminators, losses, segmentors  # noqa: F401
