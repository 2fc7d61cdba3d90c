"""SYNTHIA RAND-CITYSCAPES as a source dataset in the 19 Cityscapes train-id classes."""
from mmseg.registry import DATASETS

from .converted_source_dataset import ConvertedSourceDataset


@DATASETS.register_module()
class SynthiaDataset(ConvertedSourceDataset):
    """SYNTHIA: ``RGB/*.png`` with ``GT/LABELS/*_labelTrainIds.png`` from its converter."""

    DEFAULT_DATA_PREFIX = dict(img_path='RGB', seg_map_path='GT/LABELS')
