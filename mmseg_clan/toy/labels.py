"""The Cityscapes labels the toy scenes draw, taken from the project's and mmseg's tables."""
from typing import Dict, List, Tuple

import numpy as np
from mmseg.datasets import CityscapesDataset

from mmseg_clan.datasets.label_maps import (
    CITYSCAPES_ID_TO_TRAIN_ID,
    NUM_CITYSCAPES_IDS,
    label_ids_to_train_ids,
)

TRAIN_ID_NAMES: Tuple[str, ...] = tuple(CityscapesDataset.METAINFO['classes'])
NUM_CLASSES = len(TRAIN_ID_NAMES)
# Void labels the scenes draw (cityscapesscripts.helpers.labels): black, ignored in training.
VOID_LABEL_IDS: Dict[str, int] = {'unlabeled': 0, 'ego vehicle': 1}
_TRAIN_ID_TO_LABEL_ID = {train_id: label_id for label_id, train_id in
                         CITYSCAPES_ID_TO_TRAIN_ID.items()}
# Cityscapes label id of every label name a scene can hold.
LABEL_IDS: Dict[str, int] = {
    **VOID_LABEL_IDS,
    **{name: _TRAIN_ID_TO_LABEL_ID[train_id] for train_id, name in enumerate(TRAIN_ID_NAMES)}}


def label_id_palette() -> List[int]:
    """Flat 256-entry PNG palette: the Cityscapes colour of each label id (GTA5 label files)."""
    palette = [0] * 768
    for train_id, colour in enumerate(CityscapesDataset.METAINFO['palette']):
        label_id = _TRAIN_ID_TO_LABEL_ID[train_id]
        palette[3 * label_id:3 * label_id + 3] = colour
    return palette


def to_train_ids(label_ids: np.ndarray) -> np.ndarray:
    """Cityscapes label-id image -> train-id image (255 = ignore)."""
    return label_ids_to_train_ids(label_ids, CITYSCAPES_ID_TO_TRAIN_ID, NUM_CITYSCAPES_IDS)
