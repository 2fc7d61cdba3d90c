"""UDADataset through an mmengine DataLoader, and rare-class sampling."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import InfiniteSampler, pseudo_collate
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS
from mmseg.structures import SegDataSample
from torch.utils.data import DataLoader

import mmseg_clan  # noqa: F401
from mmseg_clan.datasets import RareClassSampler, rare_class_probabilities
from tests.test_datasets.fake_datasets import make_fake_cityscapes, make_fake_gta

init_default_scope('mmseg')
CONFIGS = Path(__file__).parents[2] / 'configs' / '_base_' / 'datasets'
PIPELINE = [dict(type='CheckedLoadImageFromFile'), dict(type='LoadAnnotations'),
            dict(type='PackSegInputs')]


@pytest.fixture(scope='module')
def roots(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('uda')
    return (make_fake_gta(tmp / 'gta', n=4, convert=True),
            make_fake_cityscapes(tmp / 'cityscapes', splits=('train',), n=6))


def uda_cfg(roots, **kwargs):
    gta, cityscapes = roots
    return dict(
        type='UDADataset',
        source=dict(type='GTADataset', data_root=str(gta), ann_file='train.txt',
                    pipeline=PIPELINE),
        target=dict(type='CityscapesDataset', data_root=str(cityscapes),
                    data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
                    pipeline=[dict(type='CheckedLoadImageFromFile'), dict(type='PackSegInputs')]),
        **kwargs)


def test_base_config_dataloader_yields_architecture_batches(roots):
    gta, cityscapes = roots
    cfg = Config.fromfile(str(CONFIGS / 'gta2cityscapes.py')).train_dataloader
    assert cfg.batch_size == 1 and cfg.sampler.type == 'InfiniteSampler'
    cfg.dataset.source.data_root = str(gta)
    cfg.dataset.target.data_root = str(cityscapes)
    dataset = DATASETS.build(cfg.dataset)
    assert len(dataset) == 4
    assert dataset.metainfo['classes'] == dataset.source.metainfo['classes']
    assert len(dataset.metainfo['palette']) == 19
    loader = DataLoader(dataset, batch_size=2, sampler=InfiniteSampler(dataset, seed=0),
                        collate_fn=pseudo_collate, num_workers=0)
    batch = next(iter(loader))
    assert set(batch) == {'source', 'target'}
    for domain, size in (('source', 720), ('target', 512)):
        inputs, samples = batch[domain]['inputs'], batch[domain]['data_samples']
        assert len(inputs) == len(samples) == 2
        assert all(isinstance(s, SegDataSample) for s in samples)
        assert all(x.dtype == torch.uint8 and x.shape[0] == 3 for x in inputs)
        assert all(x.shape[1] in (int(size * f) for f in (0.8, 1.0, 1.1)) for x in inputs)
    assert all('gt_sem_seg' in s for s in batch['source']['data_samples'])
    assert all('leftImg8bit/train' in s.img_path for s in batch['target']['data_samples'])


def target_paths(dataset, indices):
    return [dataset[i]['target']['data_samples'].img_path for i in indices]


def test_target_draws_are_seeded_and_vary(roots):
    first = DATASETS.build(uda_cfg(roots, seed=3))
    again = DATASETS.build(uda_cfg(roots, seed=3))
    other = DATASETS.build(uda_cfg(roots, seed=4))
    indices = [0, 1, 2, 3] * 3
    paths = target_paths(first, indices)
    assert paths == target_paths(again, indices)
    assert paths != target_paths(other, indices)
    assert len(set(paths)) > 1  # differs across items and visits
    assert [first[i]['source']['data_samples'].img_path for i in range(4)] == [
        str(roots[0] / 'images' / f'{i:05d}.png') for i in range(1, 5)]


def test_empty_target_raises(roots, tmp_path):
    (tmp_path / 'leftImg8bit' / 'train').mkdir(parents=True)
    cfg = uda_cfg(roots)
    cfg['target']['data_root'] = str(tmp_path)
    with pytest.raises(ValueError, match='target dataset CityscapesDataset .* is empty'):
        DATASETS.build(cfg)


def test_rare_class_probabilities_follow_temperature_softmax():
    counts = np.array([900.0, 90.0, 10.0])
    probabilities = rare_class_probabilities(counts, temperature=0.1)
    logits = np.array([0.1, 0.91, 0.99]) / 0.1  # (1 - frequency) / T
    np.testing.assert_allclose(probabilities, np.exp(logits) / np.exp(logits).sum())
    assert probabilities.argmax() == 2


def test_rare_class_sampler_prefers_samples_with_rare_classes():
    stats = {'a': {'0': 10000, '13': 5000}, 'b': {'0': 9000}, 'c': {'0': 8000, '18': 3000},
             'd': {'0': 100, '18': 100}}
    sampler = RareClassSampler(stats, ['a', 'b', 'c', 'd'], temperature=0.01, min_pixels=3000)
    assert sampler.classes.tolist() == [0, 13, 18]  # 'd' holds too few pixels of class 18
    rng = np.random.default_rng(0)
    draws = np.bincount([sampler.sample(rng) for _ in range(1000)], minlength=4)
    assert draws[3] == 0 and draws[2] > draws[1] and draws[2] > 500
    with pytest.raises(ValueError, match="'e'"):
        RareClassSampler(stats, ['a', 'e'], temperature=0.01, min_pixels=3000)


def test_uda_dataset_rare_class_sampling_reads_stats_from_source_root(roots):
    gta = roots[0]
    assert set(json.loads((gta / 'sample_class_stats.json').read_text())) == {
        '00001', '00002', '00003', '00004'}
    stats = {name: {'0': 100000} for name in ('00001', '00002', '00003', '00004')}
    stats['00003']['18'] = 50  # the only sample with the rare class
    (gta / 'rcs_test_stats.json').write_text(json.dumps(stats))
    dataset = DATASETS.build(uda_cfg(roots, seed=0, rare_class_sampling=dict(
        stats_file='rcs_test_stats.json', temperature=0.01, min_pixels=10)))
    sources = [Path(dataset[i % 4]['source']['data_samples'].img_path).stem for i in range(20)]
    assert sources.count('00003') >= 18
    missing = uda_cfg(roots, rare_class_sampling=dict(stats_file='nope.json'))
    with pytest.raises(FileNotFoundError, match='nope.json'):
        DATASETS.build(missing)
