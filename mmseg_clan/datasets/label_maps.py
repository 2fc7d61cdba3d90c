"""Label-id to Cityscapes train-id maps of the source and target datasets."""
from typing import Dict

import numpy as np

IGNORE_INDEX = 255

# Source: CLAN reference README ("Id -> train id"); GTA5 labels use Cityscapes label ids.
CITYSCAPES_ID_TO_TRAIN_ID: Dict[int, int] = {
    7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9, 23: 10, 24: 11,
    25: 12, 26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18}
# Cityscapes label ids are 0..33 (cityscapesscripts.helpers.labels; -1 is never written).
NUM_CITYSCAPES_IDS = 34

# Source: CLAN reference README, SYNTHIA RAND-CITYSCAPES class ids.
SYNTHIA_ID_TO_TRAIN_ID: Dict[int, int] = {
    3: 0, 4: 1, 2: 2, 21: 3, 5: 4, 7: 5, 15: 6, 9: 7, 6: 8, 16: 9, 1: 10, 10: 11, 17: 12,
    8: 13, 18: 14, 19: 15, 20: 16, 12: 17, 11: 18}
# SYNTHIA RAND-CITYSCAPES class ids are 0 (void) .. 22 (lanemarking).
NUM_SYNTHIA_IDS = 23


def label_ids_to_train_ids(label_ids: np.ndarray, id_to_train_id: Dict[int, int],
                           num_ids: int) -> np.ndarray:
    """Map a label-id image to uint8 train ids (255 = ignore).

    Raises ValueError listing the ids that are not valid label ids (outside 0..num_ids-1).
    """
    unknown = np.unique(label_ids[(label_ids < 0) | (label_ids >= num_ids)])
    if unknown.size:
        raise ValueError(f'label ids {unknown.tolist()[:10]} are outside the valid range '
                         f'0..{num_ids - 1}')
    lookup = np.full(num_ids, IGNORE_INDEX, dtype=np.uint8)
    for label_id, train_id in id_to_train_id.items():
        lookup[label_id] = train_id
    return lookup[label_ids]


def count_train_ids(train_ids: np.ndarray, num_classes: int = 19) -> Dict[int, int]:
    """Pixel count per train id present in a train-id image (ignore excluded)."""
    counts = np.bincount(train_ids.ravel(), minlength=256)[:num_classes]
    return {int(c): int(n) for c, n in enumerate(counts) if n > 0}


def describe_invalid_train_ids(train_ids: np.ndarray, num_classes: int = 19,
                               ignore_index: int = IGNORE_INDEX) -> str:
    """'' when a uint8 label holds only ids 0..num_classes-1 and ``ignore_index``, else what
    is wrong (the offending ids and their pixel count)."""
    counts = np.bincount(train_ids.ravel(), minlength=256)
    counts[:num_classes] = 0
    counts[ignore_index] = 0
    unknown = np.flatnonzero(counts)
    if not unknown.size:
        return ''
    return (f'ids {unknown.tolist()[:10]} ({int(counts.sum())} pixels) are neither class ids '
            f'0..{num_classes - 1} nor the ignore index {ignore_index}')
