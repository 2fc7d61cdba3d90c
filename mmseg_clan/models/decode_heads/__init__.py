from .aspp_v2_classifier import ASPPV2Classifier
from .clan_head import CLANHead
from .clan_head_mixin import CLANHeadMixin
from .dual_aspp_v2_head import DualASPPV2Head
from .dual_decode_head import DualDecodeHead

__all__ = ['ASPPV2Classifier', 'CLANHead', 'CLANHeadMixin', 'DualASPPV2Head', 'DualDecodeHead']
