"""Resume through tools/train.py: SIGKILL mid-run, restart with --resume, same parameters.

Also holds the tiny training-config helpers that the other tools/train.py tests share.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

import mmseg_clan  # noqa: F401
from tests.test_datasets.fake_datasets import make_fake_cityscapes, make_fake_gta
from tests.test_models.test_clan_builders import optim_wrapper_cfg, tiny_clan_cfg

REPO = Path(__file__).parents[2]
TRAIN = REPO / 'tools' / 'train.py'
PAUSE_FILE_ENV = 'MMSEG_CLAN_TEST_PAUSE_FILE'


@HOOKS.register_module()
class PauseAtIterHook(Hook):
    """Test hook: after iteration ``iteration`` touches $MMSEG_CLAN_TEST_PAUSE_FILE and
    sleeps, so the test can SIGKILL the run at a known point."""

    priority = 'LOWEST'

    def __init__(self, iteration: int) -> None:
        self.iteration = iteration

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if runner.iter + 1 == self.iteration and os.environ.get(PAUSE_FILE_ENV):
            Path(os.environ[PAUSE_FILE_ENV]).touch()
            time.sleep(600)


def make_data(root: Path, n: int = 4) -> tuple[Path, Path]:
    """Tiny converted GTA5 and Cityscapes roots (64x32 images)."""
    return (make_fake_gta(root / 'gta', n=n, convert=True),
            make_fake_cityscapes(root / 'cityscapes', splits=('train', ), n=n))


def write_config(path: Path, roots: tuple[Path, Path], max_iters: int = 6,
                 checkpoint_interval: int = 3, batch_size: int = 1, **overrides) -> Path:
    """A tiny CLAN run (ResNet-18 model, official pipelines on small images) on ``roots``."""
    gta, cityscapes = roots
    jitter = dict(type='ImageScaleJitter', scale_factors=(0.8, 1.0, 1.1), probs=(0.3, 0.4, 0.3))
    source_pipeline = [dict(type='CheckedLoadImageFromFile'), dict(type='LoadAnnotations'),
                       dict(type='Resize', scale=(96, 56), keep_ratio=False,
                            interpolation='bicubic'),
                       jitter, dict(type='RandomFlip', prob=0.5), dict(type='PackSegInputs')]
    target_pipeline = [dict(type='CheckedLoadImageFromFile'),
                       dict(type='Resize', scale=(80, 48), keep_ratio=False,
                            interpolation='bicubic'),
                       jitter, dict(type='RandomFlip', prob=0.5), dict(type='PackSegInputs')]
    scheduler = [dict(type='WarmupPolyLR', warmup_iters=2, power=0.9, begin=0, end=max_iters,
                      by_epoch=False)]
    cfg = Config.fromfile(str(REPO / 'configs' / '_base_' / 'default_runtime.py'))
    cfg.merge_from_dict(dict(
        custom_imports=dict(imports=['mmseg_clan', 'tests.test_engine.test_resume'],
                            allow_failed_imports=False),
        model=tiny_clan_cfg(preheat_iters=2),
        train_dataloader=dict(
            batch_size=batch_size, num_workers=0,
            sampler=dict(type='InfiniteSampler', shuffle=True),
            dataset=dict(
                type='UDADataset',
                source=dict(type='GTADataset', data_root=str(gta), ann_file='train.txt',
                            pipeline=source_pipeline),
                target=dict(type='CityscapesDataset', data_root=str(cityscapes),
                            data_prefix=dict(img_path='leftImg8bit/train',
                                             seg_map_path='gtFine/train'),
                            pipeline=target_pipeline))),
        optim_wrapper=optim_wrapper_cfg(lr_scale=100.0),
        param_scheduler=dict(generator=scheduler, discriminator=scheduler),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=max_iters),
        default_hooks=dict(
            timer=dict(type='IterTimerHook'),
            logger=dict(type='LoggerHook', interval=1, log_metric_by_epoch=False),
            param_scheduler=dict(type='ParamSchedulerHook'),
            checkpoint=dict(type='CheckpointHook', by_epoch=False,
                            interval=checkpoint_interval),
            sampler_seed=dict(type='DistSamplerSeedHook')),
        custom_hooks=[dict(type='CLANProgressHook'), dict(type='RandomStateHook'),
                      dict(type='TrainingGuardHook')],
        env_cfg=dict(cudnn_benchmark=False),
        randomness=dict(seed=0),
        log_level='INFO'))
    cfg.merge_from_dict(overrides)
    cfg.dump(str(path))
    return path


def train(config: Path, work_dir: Path, *args: str, wait: bool = True,
          env: dict | None = None, launcher: list[str] | None = None):
    """Run tools/train.py in a subprocess (repository root as cwd and on the path)."""
    full_env = {**os.environ, 'PYTHONPATH': str(REPO), 'OMP_NUM_THREADS': '1', **(env or {})}
    command = (launcher or [sys.executable]) + [str(TRAIN), str(config), '--work-dir',
                                                  str(work_dir), *args]
    if not wait:
        return subprocess.Popen(command, cwd=REPO, env=full_env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, cwd=REPO, env=full_env, capture_output=True, text=True,
                          timeout=300)


def state_dict(checkpoint: Path) -> dict:
    return torch.load(checkpoint, map_location='cpu', weights_only=False)['state_dict']


def test_sigkill_then_resume_matches_uninterrupted_run(tmp_path):
    roots = make_data(tmp_path)
    full = train(write_config(tmp_path / 'full.py', roots), tmp_path / 'full')
    assert full.returncode == 0, full.stderr[-3000:]

    config = write_config(tmp_path / 'killed.py', roots,
                          custom_hooks=[dict(type='CLANProgressHook'),
                                        dict(type='RandomStateHook'),
                                        dict(type='PauseAtIterHook', iteration=5)])
    pause = tmp_path / 'paused'
    process = train(config, tmp_path / 'killed', wait=False, env={PAUSE_FILE_ENV: str(pause)})
    deadline = time.time() + 240
    while not pause.exists():
        assert process.poll() is None, process.stderr.read()[-3000:]
        assert time.time() < deadline, 'the run never reached iteration 5'
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    work_dir = tmp_path / 'killed'
    assert (work_dir / 'iter_3.pth').exists() and not (work_dir / 'iter_6.pth').exists()

    # the restarted process starts unseeded (as with randomness.seed=None): its global random
    # state and the dataset's sampling seed differ until the checkpoint's are restored
    resumed = train(config, work_dir, '--resume', '--cfg-options', 'randomness.seed=None')
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert 'resumed epoch: 0, iter: 3' in resumed.stdout + resumed.stderr

    expected, actual = state_dict(tmp_path / 'full' / 'iter_6.pth'), state_dict(
        work_dir / 'iter_6.pth')
    start = state_dict(work_dir / 'iter_3.pth')
    assert expected.keys() == actual.keys()
    for key in expected:
        assert torch.equal(expected[key], actual[key]), key
    assert not torch.equal(start['discriminator.conv1.weight'],
                           actual['discriminator.conv1.weight'])
    full_ckpt = torch.load(tmp_path / 'full' / 'iter_6.pth', weights_only=False)
    resumed_ckpt = torch.load(work_dir / 'iter_6.pth', weights_only=False)
    for name in ('generator', 'discriminator'):
        for a, b in zip(full_ckpt['optimizer'][name]['state'].values(),
                        resumed_ckpt['optimizer'][name]['state'].values()):
            assert all(torch.equal(a[k], b[k]) for k in a if torch.is_tensor(a[k])), name
