"""SYNTHIA RAND-CITYSCAPES as a source dataset in the 19 Cityscapes train-id classes."""
from mmseg.datasets import CityscapesDataset
from mmseg.registry import DATASETS

from .checked_seg_dataset import CheckedSegDataset


@DATASETS.register_module()
class SynthiaDataset(CheckedSegDataset):
    """SYNTHIA: ``RGB/*.png`` with ``GT/LABELS/*_labelTrainIds.png`` from its converter."""

    METAINFO = CityscapesDataset.METAINFO

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '_labelTrainIds.png',
                 data_prefix: dict | None = None,
                 **kwargs) -> None:
        if data_prefix is None:
            data_prefix = dict(img_path='RGB', seg_map_path='GT/LABELS')
        super().__init__(
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, data_prefix=data_prefix,
            **kwargs)
