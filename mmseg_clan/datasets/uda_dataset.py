"""Paired source/target dataset for unsupervised domain adaptation."""
import copy
import os.path as osp
from collections import defaultdict

import mmengine
import numpy as np
from mmengine.dataset import BaseDataset
from mmseg.registry import DATASETS

from .rare_class_sampling import RareClassSampler


@DATASETS.register_module()
class UDADataset:
    """Yields ``dict(source=..., target=...)``, each packed by its own dataset's pipeline;
    with ``target=None`` (source-only training) ``dict(source=...)`` alone, no target is read.

    The length is the source length. The v-th time this process serves index ``i``, the target
    index (and, with rare-class sampling, the source index) is drawn from
    ``np.random.default_rng([seed, i, v])``: reproducible for a fixed seed, sampler order and
    worker count, and different across items and visits. ``seed=None`` draws the seed from
    numpy's global generator, which the runner's ``randomness.seed`` sets.

    Args:
        source (dict | BaseDataset): labelled source dataset (its ``metainfo`` is exposed).
        target (dict | BaseDataset, optional): unlabelled target dataset; None for
            source-only training (the model must then need no target batch).
        seed (int, optional): seed of the per-item draws.
        rare_class_sampling (dict, optional): ``dict(stats_file='sample_class_stats.json',
            temperature=0.01, min_pixels=3000)``; draws source samples by DAFormer's rare-class
            sampling instead of using index ``i``. A relative ``stats_file`` is taken from the
            source ``data_root``. Off (None) by default, as in CLAN.
        lazy_init (bool): defer building the sample lists to ``full_init``.
    """

    def __init__(self, source: dict | BaseDataset, target: dict | BaseDataset | None,
                 seed: int | None = None, rare_class_sampling: dict | None = None,
                 lazy_init: bool = False) -> None:
        if source is None:
            raise ValueError('UDADataset: source is None; it needs a labelled source dataset')
        # Built lazily so that full_init can report an empty dataset clearly.
        self.source = DATASETS.build({**source, 'lazy_init': True}) if isinstance(
            source, dict) else source
        self.target = DATASETS.build({**target, 'lazy_init': True}) if isinstance(
            target, dict) else target
        self.seed = int(np.random.randint(2**31)) if seed is None else seed
        self.rare_class_sampling = rare_class_sampling
        self.rare_class_sampler: RareClassSampler | None = None
        self._visits: defaultdict[int, int] = defaultdict(int)
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        """Meta information (classes, palette) of the source dataset."""
        return copy.deepcopy(self.source.metainfo)

    def full_init(self) -> None:
        """Build the sample lists (source, and target unless None) and check none is empty."""
        if self._fully_initialized:
            return
        roles = [('source', self.source)] + ([] if self.target is None else
                                             [('target', self.target)])
        for role, dataset in roles:
            empty = ValueError(f'UDADataset: the {role} dataset {type(dataset).__name__} '
                               f'(data_root={getattr(dataset, "data_root", None)}) is empty')
            try:
                dataset.full_init()
            except ValueError:  # mmengine fails to serialise an empty list obscurely
                if not dataset.load_data_list():
                    raise empty from None
                raise
            if len(dataset) == 0:
                raise empty
        if self.rare_class_sampling is not None:
            self.rare_class_sampler = self._build_rare_class_sampler(**self.rare_class_sampling)
        self._fully_initialized = True

    def _build_rare_class_sampler(self, stats_file: str = 'sample_class_stats.json',
                                  temperature: float = 0.01,  # DAFormer's rcs_class_temp
                                  min_pixels: int = 3000  # DAFormer's rcs_min_pixels
                                  ) -> RareClassSampler:
        stats_path = osp.join(self.source.data_root or '', stats_file)
        if not osp.isfile(stats_path):
            raise FileNotFoundError(f'UDADataset: rare-class statistics {stats_path} not found; '
                                    'they are written by tools/dataset_converters/')
        img_suffix = self.source.img_suffix
        names = [osp.basename(self.source.get_data_info(i)['img_path'])[:-len(img_suffix)]
                 for i in range(len(self.source))]
        try:
            return RareClassSampler(mmengine.load(stats_path), names, temperature, min_pixels)
        except ValueError as e:
            raise ValueError(f'UDADataset: {stats_path}: {e}') from e

    def __len__(self) -> int:
        self.full_init()
        return len(self.source)

    def __getitem__(self, idx: int) -> dict:
        self.full_init()
        visit = self._visits[idx]
        self._visits[idx] += 1
        rng = np.random.default_rng([self.seed, idx, visit])
        source_idx = idx if self.rare_class_sampler is None else self.rare_class_sampler.sample(rng)
        if self.target is None:
            return dict(source=self.source[source_idx])
        target_idx = int(rng.integers(len(self.target)))
        return dict(source=self.source[source_idx], target=self.target[target_idx])
