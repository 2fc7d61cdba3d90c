"""Label loading that validates the file instead of silently converting it."""
import mmcv
import mmengine.fileio as fileio
import numpy as np
from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import TRANSFORMS

from ..label_maps import describe_invalid_train_ids


@TRANSFORMS.register_module()
class CheckedLoadAnnotations(LoadAnnotations):
    """mmseg's LoadAnnotations that raises, naming the file, on a label it cannot use as is.

    The label must decode to an 8-bit single-channel image (no modulo-256 of 16-bit PNGs, no
    RGB labels), hold only the ids ``0..num_classes-1`` and ``ignore_index`` (after the
    dataset's ``reduce_zero_label`` and ``label_map``) with at least one class pixel, and have
    the size of the original image (``ori_shape``, when an image was loaded before it).

    Args:
        num_classes (int): number of classes of the dataset (checked against the model by
            TrainingGuardHook); 19 Cityscapes train ids (mmseg's
            CityscapesDataset classes) in every shipped config.
        ignore_index (int): the ignore id; 255 as in mmseg and the CLAN reference.
        **kwargs: LoadAnnotations arguments.
    """

    def __init__(self, num_classes: int = 19, ignore_index: int = 255, **kwargs) -> None:
        super().__init__(**kwargs)
        if num_classes < 1 or not 0 <= ignore_index <= 255:
            raise ValueError(f'num_classes must be >= 1 and ignore_index in 0..255, got '
                             f'{num_classes} and {ignore_index}')
        self.num_classes = num_classes
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        """Load and check the label of a dataset sample; an image given alone, as mmseg's
        inference APIs pass it (no ``seg_map_path`` nor ``seg_fields``), has none to load."""
        if 'seg_map_path' not in results and 'seg_fields' not in results:
            return results
        return super().transform(results)

    def _load_seg_map(self, results: dict) -> None:
        """Load, check and map ``results['seg_map_path']`` into ``results['gt_seg_map']``."""
        path = results['seg_map_path']
        label = self._read_label(path)
        if 'ori_shape' in results and label.shape != tuple(results['ori_shape'][:2]):
            height, width = results['ori_shape'][:2]
            raise ValueError(
                f'label {path}: size {label.shape[1]}x{label.shape[0]} differs from its image '
                f'{results.get("img_path")} size {width}x{height} (a label must have the size of '
                'its original image)')
        if self.reduce_zero_label is None:
            self.reduce_zero_label = results['reduce_zero_label']
        if self.reduce_zero_label != results['reduce_zero_label']:
            raise ValueError(f'CheckedLoadAnnotations: reduce_zero_label={self.reduce_zero_label} '
                             f'but the dataset has {results["reduce_zero_label"]}')
        if self.reduce_zero_label:
            label = np.where(label == 0, 255, label - 1).astype(np.uint8)
            label[label == 254] = 255
        if results.get('label_map') is not None:
            original = label.copy()
            for old_id, new_id in results['label_map'].items():
                label[original == old_id] = new_id
        problem = describe_invalid_train_ids(label, self.num_classes, self.ignore_index)
        if problem:
            raise ValueError(f'label {path}: {problem}')
        if (label == self.ignore_index).all():
            raise ValueError(f'label {path}: no valid pixel, every pixel is the ignore index '
                             f'{self.ignore_index} (a NaN loss in training, no mIoU in '
                             'evaluation); wrong label_map or unconverted labels?')
        results['gt_seg_map'] = label
        results['seg_fields'].append('gt_seg_map')

    def _read_label(self, path: str) -> np.ndarray:
        try:
            label = mmcv.imfrombytes(fileio.get(path, backend_args=self.backend_args),
                                     flag='unchanged', backend=self.imdecode_backend)
        except Exception as e:
            raise OSError(f'cannot read label {path}: {e}') from e
        if label is None:
            raise OSError(f'cannot read label {path}: not a decodable image')
        if label.ndim == 3 and label.shape[2] == 1:
            label = label[:, :, 0]
        if label.dtype != np.uint8 or label.ndim != 2:
            channels = 1 if label.ndim == 2 else label.shape[2]
            raise ValueError(
                f'label {path}: expected an 8-bit single-channel image of class ids, got '
                f'{label.dtype} with {channels} channel(s) (shape {label.shape}); convert the '
                'labels with tools/dataset_converters/')
        return label

    def __repr__(self) -> str:
        return (f'{super().__repr__()[:-1]}, num_classes={self.num_classes}, '
                f'ignore_index={self.ignore_index})')
