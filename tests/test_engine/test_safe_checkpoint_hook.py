"""SafeCheckpointHook: the order of its file operations, best checkpoints, no-update runs.

A registered file backend (mmengine's public extension point) records every checkpoint write
and delete together with the checkpoints on disk at that moment.
"""
import itertools
import os
import os.path as osp
from pathlib import Path

import pytest
import torch
from mmengine.evaluator import BaseMetric, Evaluator
from mmengine.fileio import LocalBackend, register_backend
from mmengine.hooks import CheckpointHook
from mmengine.runner import Runner

import mmseg_clan  # noqa: F401
from mmseg_clan.engine.hooks import SafeCheckpointHook
from mmseg_clan.utils import read_checkpoint
from tests.test_utils.test_checkpoint import TinyDataset, TinyModel

BACKEND_ARGS = dict(backend='recording_local')
RUNS = itertools.count()  # a unique experiment name (and logger) per runner


def on_disk(folder: str) -> list:
    """The checkpoint files of ``folder`` and, as 'last_checkpoint->NAME', what it names."""
    names = sorted(name for name in os.listdir(folder) if '.pth' in name)
    last = osp.join(folder, 'last_checkpoint')
    if osp.isfile(last):
        with open(last) as f:
            names.append('last_checkpoint->' + osp.basename(f.read()))
    return names


@register_backend('recording_local')
class RecordingBackend(LocalBackend):
    """LocalBackend that records each write and delete with the files then on disk."""

    events: list = []

    def put(self, obj: bytes, filepath) -> None:
        self.events.append(('write', osp.basename(filepath), on_disk(osp.dirname(filepath))))
        super().put(obj, filepath)

    def remove(self, filepath) -> None:
        self.events.append(('delete', osp.basename(filepath), on_disk(osp.dirname(filepath))))
        super().remove(filepath)


class IncreasingScore(BaseMetric):
    """A metric that improves at every evaluation, so each one gives a new best checkpoint."""

    def __init__(self) -> None:
        super().__init__(prefix='tiny')
        self.evaluations = 0

    def process(self, data_batch, data_samples) -> None:
        self.results.append(0)

    def compute_metrics(self, results) -> dict:
        self.evaluations += 1
        return dict(score=float(self.evaluations))


class NoUpdateModel(TinyModel):
    """Reports, as CLAN does when every step was skipped, that it applied no update."""

    applied_updates = 0

    def train_step(self, data, optim_wrapper) -> dict:
        return dict(loss=torch.zeros(()))


class CountingModel(TinyModel):
    """Counts the optimiser steps it applies, as CLAN does."""

    applied_updates = 0

    def train_step(self, data, optim_wrapper) -> dict:
        self.applied_updates += 1
        return super().train_step(data, optim_wrapper)


def run(work_dir: Path, hook: CheckpointHook, max_iters: int = 3, model=None,
        validate: bool = False) -> Runner:
    """Train a tiny model for ``max_iters`` iterations with ``hook`` saving checkpoints."""
    RecordingBackend.events.clear()
    val = dict(val_dataloader=dict(dataset=TinyDataset(), batch_size=4,
                                   sampler=dict(type='DefaultSampler', shuffle=False),
                                   collate_fn=dict(type='pseudo_collate')),
               val_evaluator=Evaluator(IncreasingScore()), val_cfg=dict()) if validate else {}
    runner = Runner(
        model=model or TinyModel(), work_dir=str(work_dir),
        train_dataloader=dict(dataset=TinyDataset(), batch_size=2,
                              sampler=dict(type='InfiniteSampler', shuffle=False),
                              collate_fn=dict(type='pseudo_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=False, max_iters=max_iters, val_interval=1),
        default_hooks=dict(checkpoint=hook), log_level='WARNING',
        experiment_name=f'safe_checkpoint_{next(RUNS)}', **val)
    runner.train()
    return runner


def violations(events: list) -> list:
    """Writes not made to a temporary file, and deletes while no other complete checkpoint of
    the same kind exists or while last_checkpoint names the deleted file."""
    found = []
    for action, name, files in events:
        if action == 'write' and not name.endswith('.writing'):
            found.append(f'{name} written in place')
        if action == 'delete':
            kind = name.startswith('best_')
            others = [f for f in files if f != name and '->' not in f and f.endswith('.pth')
                      and f.startswith('best_') == kind]
            if not others:
                found.append(f'{name} deleted before its successor was complete')
            if f'last_checkpoint->{name}' in files:
                found.append(f'{name} deleted while last_checkpoint names it')
    return found


@pytest.mark.parametrize('hook_type', [SafeCheckpointHook, CheckpointHook])
def test_write_rename_last_checkpoint_then_delete(tmp_path, hook_type):
    run(tmp_path, hook_type(interval=1, by_epoch=False, max_keep_ckpts=1,
                            backend_args=BACKEND_ARGS))
    events = RecordingBackend.events
    if hook_type is CheckpointHook:  # mmengine's hook deletes first and writes in place
        assert violations(events) == ['iter_1.pth written in place',
                                      'iter_1.pth deleted before its successor was complete',
                                      'iter_1.pth deleted while last_checkpoint names it',
                                      'iter_2.pth written in place',
                                      'iter_2.pth deleted before its successor was complete',
                                      'iter_2.pth deleted while last_checkpoint names it',
                                      'iter_3.pth written in place']
        return
    assert events == [
        ('write', 'iter_1.pth.writing', []),
        ('write', 'iter_2.pth.writing', ['iter_1.pth', 'last_checkpoint->iter_1.pth']),
        ('delete', 'iter_1.pth', ['iter_1.pth', 'iter_2.pth', 'last_checkpoint->iter_2.pth']),
        ('write', 'iter_3.pth.writing', ['iter_2.pth', 'last_checkpoint->iter_2.pth']),
        ('delete', 'iter_2.pth', ['iter_2.pth', 'iter_3.pth', 'last_checkpoint->iter_3.pth'])]
    assert on_disk(str(tmp_path)) == ['iter_3.pth', 'last_checkpoint->iter_3.pth']
    assert read_checkpoint(str(tmp_path / 'iter_3.pth'))['meta']['iter'] == 3


@pytest.mark.parametrize('hook_type', [SafeCheckpointHook, CheckpointHook])
def test_previous_best_is_deleted_after_the_new_best_is_complete(tmp_path, hook_type):
    run(tmp_path, hook_type(interval=1, by_epoch=False, max_keep_ckpts=1, save_best='tiny/score',
                            rule='greater', backend_args=BACKEND_ARGS), max_iters=2, validate=True)
    best_deletes = [e for e in RecordingBackend.events if e[1].startswith('best_')
                    and e[0] == 'delete']
    assert [e[1] for e in best_deletes] == ['best_tiny_score_iter_1.pth']
    best_violations = [v for v in violations(RecordingBackend.events) if 'best' in v]
    if hook_type is CheckpointHook:
        assert best_violations == ['best_tiny_score_iter_1.pth written in place',
                                   'best_tiny_score_iter_1.pth deleted before its successor was '
                                   'complete', 'best_tiny_score_iter_2.pth written in place']
        return
    assert best_violations == []
    assert on_disk(str(tmp_path)) == ['best_tiny_score_iter_2.pth', 'iter_2.pth',
                                      'last_checkpoint->iter_2.pth']
    hub = read_checkpoint(str(tmp_path / 'iter_2.pth'))['message_hub']['runtime_info']
    assert osp.basename(hub['best_ckpt']) == 'best_tiny_score_iter_2.pth'
    assert hub['best_score'] == 2.0


def test_no_checkpoint_from_a_model_that_applied_no_update(tmp_path):
    runner = run(tmp_path, SafeCheckpointHook(interval=1, by_epoch=False),
                 model=NoUpdateModel())
    assert on_disk(str(tmp_path)) == []
    log = Path(runner.log_dir, f'{runner.timestamp}.log').read_text()
    for name in ('iter_1.pth', 'iter_2.pth', 'iter_3.pth'):
        assert (f'SafeCheckpointHook: {name} not saved: the model has applied no optimiser '
                'update in this run (applied_updates=0') in log


def test_a_model_that_applied_updates_saves_as_usual(tmp_path):
    run(tmp_path, SafeCheckpointHook(interval=2, by_epoch=False), model=CountingModel())
    assert on_disk(str(tmp_path)) == ['iter_2.pth', 'iter_3.pth', 'last_checkpoint->iter_3.pth']


def test_interrupted_writes_and_untracked_outdated_checkpoints_are_removed(tmp_path):
    run(tmp_path, SafeCheckpointHook(interval=1, by_epoch=False, max_keep_ckpts=1), max_iters=2)
    # as a kill leaves them: an old checkpoint not yet deleted and a half-written one
    torch.save({'meta': {'iter': 1}}, tmp_path / 'iter_1.pth')
    (tmp_path / 'iter_3.pth.writing').write_bytes(b'partial')
    resumed = Runner(
        model=TinyModel(), work_dir=str(tmp_path),
        train_dataloader=dict(dataset=TinyDataset(), batch_size=2,
                              sampler=dict(type='InfiniteSampler', shuffle=False),
                              collate_fn=dict(type='pseudo_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        train_cfg=dict(by_epoch=False, max_iters=3),
        default_hooks=dict(checkpoint=SafeCheckpointHook(interval=1, by_epoch=False,
                                                         max_keep_ckpts=1)),
        resume=True, log_level='WARNING', experiment_name=f'safe_checkpoint_{next(RUNS)}')
    resumed.train()
    assert on_disk(str(tmp_path)) == ['iter_3.pth', 'last_checkpoint->iter_3.pth']
    log = Path(resumed.log_dir, f'{resumed.timestamp}.log').read_text()
    assert (f'SafeCheckpointHook: removed {tmp_path / "iter_3.pth.writing"}, the incomplete '
            'file of an interrupted save') in log
