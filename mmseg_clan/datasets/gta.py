"""GTA5 as a source dataset in the 19 Cityscapes train-id classes."""
from mmseg.registry import DATASETS

from .converted_source_dataset import ConvertedSourceDataset


@DATASETS.register_module()
class GTADataset(ConvertedSourceDataset):
    """GTA5: ``images/*.png`` with ``labels/*_labelTrainIds.png`` from the GTA5 converter."""

    DEFAULT_DATA_PREFIX = dict(img_path='images', seg_map_path='labels')
