"""A BaseSegDataset that fails loudly on missing folders, empty splits and missing labels."""
import os.path as osp

from mmseg.datasets import BaseSegDataset


class CheckedSegDataset(BaseSegDataset):
    """BaseSegDataset whose listing raises a clear error naming the missing path or empty split."""

    def load_data_list(self) -> list[dict]:
        """List the samples, then check that every listed label file exists."""
        name = type(self).__name__
        img_dir = self.data_prefix.get('img_path', '')
        seg_dir = self.data_prefix.get('seg_map_path')
        for what, folder in (('image', img_dir), ('label', seg_dir)):
            if folder is not None and not osp.isdir(folder):
                raise FileNotFoundError(f'{name}: {what} folder not found: {folder}')
        if self.ann_file and not osp.isfile(self.ann_file):
            raise FileNotFoundError(
                f'{name}: sample list {self.ann_file} not found; it is written by the '
                'converter in tools/dataset_converters/')
        data_list = super().load_data_list()
        if not data_list:
            raise ValueError(f'{name}: empty split: no *{self.img_suffix} samples in {img_dir}'
                             + (f' listed by {self.ann_file}' if self.ann_file else ''))
        missing = [d['seg_map_path'] for d in data_list
                   if 'seg_map_path' in d and not osp.isfile(d['seg_map_path'])]
        if missing:
            raise FileNotFoundError(
                f'{name}: {len(missing)} label files missing, e.g. {missing[0]}; convert the '
                'labels with tools/dataset_converters/ first')
        return data_list

