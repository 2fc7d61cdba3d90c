from .adversarial_loss import adversarial_bce_loss
from .alignment_map import alignment_map
from .focal_loss import SoftmaxFocalLoss, softmax_focal_loss
from .precision import at_least_fp32
from .weight_discrepancy import weight_discrepancy_loss

__all__ = [
    'SoftmaxFocalLoss', 'adversarial_bce_loss', 'alignment_map', 'at_least_fp32',
    'softmax_focal_loss', 'weight_discrepancy_loss'
]
