from .aspp_v2_classifier import ASPPV2Classifier
from .dual_aspp_v2_head import DualASPPV2Head

__all__ = ['ASPPV2Classifier', 'DualASPPV2Head']
