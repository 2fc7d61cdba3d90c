"""SYNTHIA RAND-CITYSCAPES converter: 16-bit ``GT/LABELS/*.png`` to train-id PNGs."""
import cv2
import numpy as np

from ..label_maps import NUM_SYNTHIA_IDS, SYNTHIA_ID_TO_TRAIN_ID
from .common import ConversionSummary
from .source import convert_source_dataset


def read_synthia_label_ids(path: str) -> np.ndarray:
    """Read the class ids of a SYNTHIA label: its first channel in RGB order."""
    label = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if label is None:
        raise OSError('unreadable label PNG')
    if label.dtype != np.uint16 or label.ndim != 3 or label.shape[2] < 3:
        raise ValueError(f'expected a 16-bit PNG with at least 3 channels, got dtype '
                         f'{label.dtype} and shape {label.shape}')
    # OpenCV returns BGR(A), so the first RGB channel is channel 2.
    class_ids = label[:, :, 2].astype(np.int64)
    if not class_ids.any():
        for channel, name in ((1, 'second (G)'), (0, 'third (B)')):
            other = label[:, :, channel]
            if other.any() and other.max() < NUM_SYNTHIA_IDS:
                raise ValueError(
                    'class ids are all 0 (void) in the first (R) channel, while the '
                    f'{name} channel holds plausible class ids '
                    f'{np.unique(other).tolist()[:10]}: the channels look swapped; SYNTHIA '
                    'labels hold the class id in the first channel in RGB order')
    return class_ids


def convert_synthia(root: str, nproc: int = 1,
                    size_mismatch: str = 'resize') -> ConversionSummary:
    """Convert SYNTHIA ``<root>/GT/LABELS/*.png`` to train ids; write class stats and list."""
    return convert_source_dataset(root, 'RGB', 'GT/LABELS', read_synthia_label_ids,
                                  SYNTHIA_ID_TO_TRAIN_ID, NUM_SYNTHIA_IDS, nproc, size_mismatch)
