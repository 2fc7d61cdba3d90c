"""Image-only random rescaling by a discrete set of factors (CLAN's scale jitter)."""
from collections.abc import Sequence

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmseg.registry import TRANSFORMS

# Meta key of the image size before jitter: the size CLAN's target predictions are made at.
NOMINAL_SHAPE_KEY = 'nominal_shape'


@TRANSFORMS.register_module()
class ImageScaleJitter(BaseTransform):
    """Rescale only ``img`` by a factor drawn from ``scale_factors``; labels keep their size.

    The new size is truncated, ``int(w * s), int(h * s)``, as the official code does. Updates
    ``img_shape`` and ``scale_factor`` and records the size before jitter as ``nominal_shape``
    (pack it with ``PackSegInputs(meta_keys=(..., 'nominal_shape'))``). Defaults: CLAN
    reference README (training pipeline).
    """

    def __init__(self,
                 scale_factors: Sequence[float] = (0.8, 1.0, 1.1),
                 probs: Sequence[float] = (0.3, 0.4, 0.3),
                 interpolation: str = 'bicubic') -> None:
        if len(scale_factors) != len(probs) or not scale_factors:
            raise ValueError('scale_factors and probs must be non-empty and of equal length, '
                             f'got {scale_factors} and {probs}')
        if min(scale_factors) <= 0 or min(probs) < 0 or not np.isclose(sum(probs), 1):
            raise ValueError(f'scale_factors must be positive and probs a distribution, '
                             f'got {scale_factors} and {probs}')
        self.scale_factors = tuple(scale_factors)
        self.probs = tuple(probs)
        self.interpolation = interpolation

    @cache_randomness
    def _draw_scale_factor(self) -> float:
        return float(np.random.choice(self.scale_factors, p=self.probs))

    def transform(self, results: dict) -> dict:
        """Rescale ``results['img']``."""
        factor = self._draw_scale_factor()
        height, width = results['img'].shape[:2]
        results.setdefault(NOMINAL_SHAPE_KEY, (height, width))
        new_size = (int(width * factor), int(height * factor))
        results['img'] = mmcv.imresize(results['img'], new_size, interpolation=self.interpolation)
        results['img_shape'] = results['img'].shape[:2]
        w_scale, h_scale = results.get('scale_factor', (1.0, 1.0))
        results['scale_factor'] = (w_scale * new_size[0] / width, h_scale * new_size[1] / height)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(scale_factors={self.scale_factors}, '
                f'probs={self.probs}, interpolation={self.interpolation!r})')
