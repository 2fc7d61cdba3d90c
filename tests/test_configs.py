"""Every shipped config builds and runs one real train iteration and one test pass on tiny data.

Pretrained init is switched off (nothing downloads here) and image sizes are scaled down; the
same configs with init enabled are what users run.
"""
import ast
import copy
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mmseg_clan  # noqa: F401
from tests.test_datasets.fake_datasets import make_fake_cityscapes, make_fake_gta, make_fake_synthia

REPO_ROOT = Path(__file__).resolve().parents[1]
# configs/custom holds templates for a user's own datasets: tests/test_custom_domain_pair.py
CONFIGS = sorted(p for p in (REPO_ROOT / 'configs').rglob('*.py')
                 if '_base_' not in p.parts and 'custom' not in p.parts)
SHRINK = 8  # image sizes of the configs are divided by this
SOURCE_ROOTS = {'GTADataset': 'gta', 'SynthiaDataset': 'synthia'}


@pytest.fixture(scope='module')
def data_roots(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp('data')
    return dict(
        gta=str(make_fake_gta(root / 'gta', n=2, size=(96, 54), convert=True)),
        synthia=str(make_fake_synthia(root / 'synthia', n=2, size=(96, 57), convert=True)),
        cityscapes=str(make_fake_cityscapes(root / 'cityscapes', n=2, size=(128, 64),
                                            convert=True)))


MIN_SCALE = (128, 64)  # (w, h): the discriminator's five stride-2 convs need this much input


def shrink_pipeline(pipeline: list) -> None:
    """Scale every resize/crop size of a pipeline down by SHRINK (not below MIN_SCALE), in place."""
    for transform in pipeline:
        if transform.get('type') in ('Resize', 'RandomResize') and 'scale' in transform:
            transform['scale'] = tuple(
                max(low, s // SHRINK) for s, low in zip(transform['scale'], MIN_SCALE))
        if transform.get('type') == 'RandomCrop':
            transform['crop_size'] = tuple(max(64, s // SHRINK) for s in transform['crop_size'])


def point_dataset_at(dataset: dict, data_roots: dict) -> None:
    root_key = SOURCE_ROOTS.get(dataset['type'], 'cityscapes')
    dataset['data_root'] = data_roots[root_key]
    shrink_pipeline(dataset['pipeline'])


def disable_pretrained(model: dict) -> None:
    for key in ('backbone', 'decode_head', 'discriminator'):
        if model.get(key) is not None:
            model[key]['init_cfg'] = None
    model['pretrained'] = None


def tiny_run_config(config_path: Path, data_roots: dict, work_dir: Path) -> Config:
    cfg = Config.fromfile(str(config_path))
    disable_pretrained(cfg.model)
    train_dataset = cfg.train_dataloader.dataset
    for domain in ('source', 'target'):
        if train_dataset[domain] is not None:  # source-only configs read no target
            point_dataset_at(train_dataset[domain], data_roots)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if cfg.get(loader) is not None:  # configs without validation have no val_dataloader
            cfg[loader].update(num_workers=0, persistent_workers=False)
    cfg.test_dataloader = copy.deepcopy(cfg.test_dataloader)
    point_dataset_at(cfg.test_dataloader.dataset, data_roots)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None  # runner.test() evaluates
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=1)
    for schedulers in cfg.param_scheduler.values():
        for scheduler in schedulers:
            scheduler.update(end=2, warmup_iters=0)
    cfg.default_hooks.checkpoint.update(interval=100, save_best=None, save_last=False)
    for hook in cfg.get('custom_hooks', []):
        if hook['type'] == 'UDAVisualizationHook':
            hook['interval'] = 1  # debug maps and panel computed in the one training iteration
    cfg.work_dir = str(work_dir)
    return cfg


def _bases(config_path: Path) -> list:
    """The files that ``config_path``'s ``_base_`` names (resolved against its folder)."""
    for node in ast.parse(config_path.read_text()).body:
        if isinstance(node, ast.Assign) and any(
                getattr(t, 'id', None) == '_base_' for t in node.targets):
            names = ast.literal_eval(node.value)
            return [(config_path.parent / name).resolve()
                    for name in ([names] if isinstance(names, str) else names)]
    return []


def test_every_base_file_is_used_by_a_config():
    used, queue = set(), [p.resolve() for p in CONFIGS]
    while queue:
        for base in _bases(queue.pop()):
            if base not in used:
                used.add(base)
                queue.append(base)
    bases = {p.resolve() for p in (REPO_ROOT / 'configs' / '_base_').rglob('*.py')}
    assert sorted(str(p.relative_to(REPO_ROOT)) for p in bases - used) == []
    assert _bases(REPO_ROOT / 'configs' / 'clan_gta2city.py')  # the parser finds _base_ lists


def test_configs_are_found():
    names = {p.relative_to(REPO_ROOT / 'configs').as_posix() for p in CONFIGS}
    assert {'clan_gta2city.py', 'clan_synthia2city.py'} <= names
    assert len(names) >= 12


@pytest.mark.parametrize('config_path', CONFIGS, ids=lambda p: p.stem)
def test_config_trains_one_iteration_and_tests(config_path, data_roots, tmp_path):
    cfg = tiny_run_config(config_path, data_roots, tmp_path)
    runner = Runner.from_cfg(cfg)
    before = {name: p.detach().clone() for name, p in runner.model.named_parameters()
              if p.requires_grad}
    runner.train()
    losses = {name.split('/', 1)[1]: buffer.current()
              for name, buffer in runner.message_hub.log_scalars.items()
              if name.startswith('train/loss')}
    loss_decode = runner.model.decode_head.loss_decode
    seg_loss_names = {m.loss_name for m in (loss_decode if isinstance(
        loss_decode, torch.nn.ModuleList) else [loss_decode])}
    assert seg_loss_names <= set(losses), (seg_loss_names, losses)
    assert ('loss_weight' in losses) == cfg.model.get('use_weight_loss', True)
    assert all(torch.isfinite(torch.tensor(v)) for v in losses.values()), losses
    changed = [name for name, p in runner.model.named_parameters() if name in before
               and not torch.equal(before[name], p.detach())]
    assert any(name.startswith('decode_head') for name in changed)
    head = runner.model.decode_head
    if type(head).__name__ == 'DualDecodeHead':  # every copy's classifier is trained
        for index in range(1, head.num_classifiers + 1):
            assert f'decode_head.head{index}.conv_seg.weight' in changed
    metrics = runner.test()
    assert 0.0 <= metrics['mIoU'] <= 100.0


def test_segformer_config_follows_the_transformer_uda_recipe():
    cfg = Config.fromfile(str(REPO_ROOT / 'configs' / 'backbones' / 'clan_mitb5_gta2city.py'))
    head = cfg.model.decode_head
    assert head.type == 'DualDecodeHead' and head.head.type == 'SegformerHead'
    assert head.head.in_index == [0, 1, 2, 3] and cfg.model.backbone.out_indices == (0, 1, 2, 3)
    generator = cfg.optim_wrapper.generator
    assert (generator.optimizer.type, generator.optimizer.lr) == ('AdamW', 6e-5)
    assert generator.paramwise_cfg.custom_keys.decode_head.lr_mult == 10.0
    assert cfg.param_scheduler.generator[0].power == 1.0
    assert cfg.train_dataloader.batch_size == 2
    crops = [t.crop_size for domain in ('source', 'target')
             for t in cfg.train_dataloader.dataset[domain].pipeline if t.type == 'RandomCrop']
    assert crops == [(512, 512), (512, 512)]
