from . import transforms  # noqa: F401
from .checked_seg_dataset import CheckedSegDataset
from .gta import GTADataset
from .rare_class_sampling import RareClassSampler, rare_class_probabilities
from .synthia import SynthiaDataset
from .uda_dataset import UDADataset

__all__ = [
    'CheckedSegDataset', 'GTADataset', 'RareClassSampler', 'SynthiaDataset', 'UDADataset',
    'rare_class_probabilities'
]
