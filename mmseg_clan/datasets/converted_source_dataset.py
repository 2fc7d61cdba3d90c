"""Base class of the synthetic source datasets read from their converter's train-id labels."""
from mmseg.datasets import CityscapesDataset

from .checked_seg_dataset import CheckedSegDataset


class ConvertedSourceDataset(CheckedSegDataset):
    """A synthetic source dataset in the 19 Cityscapes train-id classes, read from the
    ``*_labelTrainIds.png`` files its converter writes beside the original labels."""

    METAINFO = CityscapesDataset.METAINFO
    DEFAULT_DATA_PREFIX: dict = {}

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '_labelTrainIds.png',
                 data_prefix: dict | None = None,
                 **kwargs) -> None:
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
            data_prefix=dict(self.DEFAULT_DATA_PREFIX) if data_prefix is None else data_prefix,
            **kwargs)
