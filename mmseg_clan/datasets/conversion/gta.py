"""GTA5 converter: Cityscapes label-id PNGs to ``labels/*_labelTrainIds.png``."""
import numpy as np
from PIL import Image

from ..label_maps import CITYSCAPES_ID_TO_TRAIN_ID, NUM_CITYSCAPES_IDS
from .common import ConversionSummary
from .source import convert_source_dataset


def read_gta_label_ids(path: str) -> np.ndarray:
    """Read a GTA5 label PNG (palette or grey) as an integer label-id image."""
    with Image.open(path) as label:
        if label.mode not in ('P', 'L'):
            raise ValueError(f'expected a palette or grey label PNG, got mode {label.mode}')
        return np.asarray(label, dtype=np.int64)


def convert_gta(root: str, nproc: int = 1, size_mismatch: str = 'resize') -> ConversionSummary:
    """Convert GTA5 ``<root>/labels/*.png`` to train ids; write class stats and sample list."""
    return convert_source_dataset(root, 'images', 'labels', read_gta_label_ids,
                                  CITYSCAPES_ID_TO_TRAIN_ID, NUM_CITYSCAPES_IDS, nproc,
                                  size_mismatch)
