"""Fault injection on configs and ``--cfg-options``: typo'd keys, unknown paths, stripped spaces,
val/test overrides that miss the test loader, and source-only training without target reads.

Each case asserts the exact outcome: an error naming the key with the nearest valid one, a
warning naming both, or the value that reaches the config.
"""
import argparse
import glob
import os.path as osp
from pathlib import Path

import pytest
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmseg.registry import DATASETS

import mmseg_clan  # noqa: F401
from mmseg_clan.cli.config_checks import warn_top_level_typos
from mmseg_clan.cli.tool_config import ConfigOptionsAction, describe_dataset, load_tool_config
from tests.test_datasets.fake_datasets import make_fake_cityscapes, make_fake_gta

init_default_scope('mmseg')
REPO = Path(__file__).parents[2]
TOY = str(REPO / 'configs' / 'toy' / 'clan_r18-narrow_toy.py')
TOY_SOURCE_ONLY = str(REPO / 'configs' / 'toy' / 'source-only_r18-narrow_toy.py')


def refusal(options: dict, config: str = TOY) -> str:
    """The message of the KeyError ``load_tool_config`` raises for ``options``."""
    with pytest.raises(KeyError) as error:
        load_tool_config(config, 'none', options, None)
    return error.value.args[0]


def parse_options(action: type, *options: str) -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=action)
    return parser.parse_args(['--cfg-options', *options]).cfg_options


def test_typo_top_level_keys_warn_with_the_runner_key(tmp_path):
    config = tmp_path / 'typo.py'
    config.write_text(f'_base_ = [{TOY!r}]\ntrain_dataloder = dict(batch_size=4)\n'
                      'default_hook = dict(logger=dict(interval=1))\nmy_max_iters = 3\n'
                      'val_pipeline = []\n')
    messages = warn_top_level_typos(Config.fromfile(str(config)))
    assert messages == [
        f"config {config}: top-level key 'train_dataloder' is not read by the runner or the "
        "tools; did you mean 'train_dataloader'?",
        f"config {config}: top-level key 'default_hook' is not read by the runner or the "
        "tools; did you mean 'default_hooks'?"]


def test_shipped_configs_have_no_typo_warnings():
    """Helper variables (max_iters, toy_root, *_pipeline, ...) and val_cfg/test_cfg pass."""
    configs = [c for c in glob.glob(str(REPO / 'configs' / '**' / '*.py'), recursive=True)
               if '_base_' not in c]
    assert len(configs) >= 12
    for config in configs[:: max(1, len(configs) // 8)]:
        assert warn_top_level_typos(Config.fromfile(config)) == [], config


def test_unknown_cfg_options_paths_are_refused_with_the_nearest_key():
    assert refusal({'foo.bar': 1}) == (
        '--cfg-options foo.bar: no such top-level key, and the runner reads none by this name')
    assert refusal({'train_dataloder.batch_size': 2}) == (
        '--cfg-options train_dataloder.batch_size: no such top-level key, and the runner reads '
        "none by this name; did you mean 'train_dataloader'?")
    assert refusal({'model.chanels_last': True}) == (
        "--cfg-options model.chanels_last: CLAN (type='CLAN') takes no argument "
        "'chanels_last'; did you mean 'model.channels_last'?")
    assert refusal({'train_dataloader.batch_sise': 2}) == (
        '--cfg-options train_dataloader.batch_sise: torch DataLoader takes no such argument; '
        "did you mean 'train_dataloader.batch_size'?")
    assert refusal({'param_scheduler.generator.3.end': 1}) == (
        "--cfg-options param_scheduler.generator.3.end: param_scheduler.generator is a list of "
        "1; '3' is not an index of it")
    assert refusal({'model.backbone.depth.x': 1}) == (
        "--cfg-options model.backbone.depth.x: model.backbone.depth is 18, not a dict, so it has "
        "no key 'x'")


def test_typo_hook_argument_is_refused_before_training(tmp_path):
    hook = Config.fromfile(TOY).default_hooks.checkpoint.type  # a CheckpointHook
    assert refusal({'default_hooks.checkpoint.intervall': 1}) == (
        f"--cfg-options default_hooks.checkpoint.intervall: {hook} (type={hook!r}) takes no "
        "argument 'intervall'; did you mean 'default_hooks.checkpoint.interval'?")
    config = tmp_path / 'hook_typo.py'
    config.write_text(f'_base_ = [{TOY!r}]\ndefault_hooks = dict(checkpoint=dict(intervall=1))\n')
    message = refusal({}, str(config))
    assert message.startswith(f'config {config}: default_hooks.checkpoint (')
    assert message.endswith("takes no argument 'intervall'; did you mean 'interval'?")


def test_new_keys_their_readers_take_and_list_indices_are_accepted():
    cfg = load_tool_config(TOY, 'none', {
        'model.channels_last': True, 'model.compile_cfg': None,
        'param_scheduler.generator.0.end': 10,
        'train_dataloader.dataset.source.pipeline.0.on_error': 'skip',
        'default_hooks.checkpoint.interval': 3, 'train_dataloader.drop_last': True,
        'optim_wrapper.generator.type': 'AmpOptimWrapper',
        'optim_wrapper.generator.loss_scale': 'dynamic', 'randomness.seed': None,
        'compile': True, 'default_hooks.checkpoint._delete_': False}, None)
    assert cfg.model.channels_last is True and cfg.param_scheduler.generator[0].end == 10
    assert cfg.train_dataloader.dataset.source.pipeline[0].on_error == 'skip'
    assert cfg.optim_wrapper.generator.loss_scale == 'dynamic'
    # the same wrapper key without the AmpOptimWrapper type is refused
    assert refusal({'optim_wrapper.generator.loss_scale': 'dynamic'}) == (
        "--cfg-options optim_wrapper.generator.loss_scale: OptimWrapper (type='OptimWrapper') "
        "takes no argument 'loss_scale'")


def test_values_with_spaces_survive_cfg_options():
    options = ('work_dir=tb quick', 'a=[x y, 2]', 'b=(1, c d)', 'c=p,q', "d='r s'", 'e=None')
    parsed = parse_options(ConfigOptionsAction, *options)
    assert parsed == {'work_dir': 'tb quick', 'a': ['x y', 2], 'b': (1, 'c d'), 'c': ['p', 'q'],
                      'd': 'r s', 'e': None}
    assert parse_options(DictAction, *options)['work_dir'] == 'tbquick'  # mmengine's defect
    root = '/data/tb quick/target'
    cfg = load_tool_config(TOY, 'none', parse_options(
        ConfigOptionsAction, f'val_dataloader.dataset.data_root={root}',
        f'test_dataloader.dataset.data_root={root}'), None)
    assert cfg.test_dataloader.dataset.data_root == root


def test_val_only_override_of_equal_loaders_reaches_the_test_loader(tmp_path):
    cfg = load_tool_config(TOY, 'none', {'val_dataloader.dataset.data_root': '/new'}, None)
    assert cfg.test_dataloader.dataset.data_root == '/new'
    assert cfg.val_dataloader.dataset.data_root == '/new'
    cfg = load_tool_config(TOY, 'none', {'test_dataloader.dataset.data_root': '/new',
                                         'val_dataloader.dataset.data_root': '/other'}, None)
    assert (cfg.test_dataloader.dataset.data_root, cfg.val_dataloader.dataset.data_root) == (
        '/new', '/other')  # both given: each keeps its own
    config = tmp_path / 'apart.py'  # loaders that differ in the file are left apart
    config.write_text(f'_base_ = [{TOY!r}]\ntest_dataloader = dict(batch_size=2)\n')
    cfg = load_tool_config(str(config), 'none', {'val_dataloader.dataset.data_root': '/v'}, None)
    assert cfg.test_dataloader.dataset.data_root != '/v'


def test_test_dataset_description(tmp_path):
    root = make_fake_cityscapes(tmp_path / 'city', splits=('val', ), n=3, convert=True)
    cfg = Config.fromfile(TOY).test_dataloader.dataset
    cfg.data_root = str(root)
    assert describe_dataset(DATASETS.build(cfg)) == (
        f"CityscapesDataset: data_root={str(root)!r}, images in "
        f"{osp.join(str(root), 'leftImg8bit/val')!r}, 3 images")


def test_source_only_training_reads_no_target(tmp_path):
    gta = make_fake_gta(tmp_path / 'gta', n=2, convert=True)
    target = tmp_path / 'target'  # one undecodable target image: reading it is an error
    (target / 'leftImg8bit' / 'train' / 'c').mkdir(parents=True)
    (target / 'leftImg8bit' / 'train' / 'c' / 'c_000000_000000_leftImg8bit.png').write_text('x')
    options = {'train_dataloader.dataset.source.data_root': str(gta),
               'train_dataloader.dataset.target.data_root': str(target),
               'train_dataloader.num_workers': 0, 'train_dataloader.persistent_workers': False,
               'train_cfg.max_iters': 1, 'default_hooks.checkpoint.interval': 1,
               'default_hooks.logger.interval': 1, 'model.backbone.init_cfg': None}
    with_target = load_tool_config(TOY_SOURCE_ONLY.replace('source-only', 'clan'), 'none',
                                   options, str(tmp_path / 'a'))
    with pytest.raises(Exception, match='c_000000_000000_leftImg8bit.png'):
        DATASETS.build(with_target.train_dataloader.dataset)[0]
    del options['train_dataloader.dataset.target.data_root']
    cfg = load_tool_config(TOY_SOURCE_ONLY, 'none', options, str(tmp_path / 'work'))
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    assert dataset.target is None and set(dataset[0]) == {'source'}
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 1
    log = Path(glob.glob(str(tmp_path / 'work' / '*' / '*.log'))[0]).read_text()
    assert 'is skipped since its requires_grad=False' not in log
    frozen = [line for line in log.splitlines()
              if 'WARNING' in line and 'requires_grad=False' in line]
    count = sum(not p.requires_grad for p in runner.model.parameters())
    assert count > 0 and len(frozen) == 1
    assert f'{count} parameters with requires_grad=False' in frozen[0]
