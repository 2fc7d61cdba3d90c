"""Several real CLAN iterations through an mmengine Runner on tiny random data."""
import copy

import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.hooks import Hook
from mmengine.runner import Runner
from torch.utils.data import DataLoader, Dataset

import mmseg_clan  # noqa: F401
from tests.test_models.test_clan_builders import fake_domain_batch, optim_wrapper_cfg, tiny_clan_cfg

MAX_ITERS = 6
WARMUP_ITERS = 2


class _UDAItems(Dataset):
    """Items shaped like UDADataset's: dict(source=packed, target=packed)."""

    def __len__(self):
        return 8

    def __getitem__(self, idx):
        source = fake_domain_batch(1, (40, 56), (32, 48), seed=idx)
        target = fake_domain_batch(1, (32, 64), seed=100 + idx)
        return {domain: dict(inputs=batch['inputs'][0], data_samples=batch['data_samples'][0])
                for domain, batch in (('source', source), ('target', target))}


class _Recorder(Hook):
    priority = 'LOWEST'

    def __init__(self):
        self.lrs, self.progress, self.outputs, self.states = [], [], [], []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        wrappers = runner.optim_wrapper
        self.lrs.append({name: [(g['initial_lr'], g['lr'])
                                for g in wrappers[name].optimizer.param_groups]
                         for name in ('generator', 'discriminator')})
        self.progress.append((runner.model.train_iter, runner.model.max_iters))
        self.states.append(copy.deepcopy(runner.model.state_dict()))

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.outputs.append(outputs)


def _factor(it):
    return it / WARMUP_ITERS if it < WARMUP_ITERS else (1 - it / MAX_ITERS) ** 0.9


@pytest.mark.parametrize('repeated', [False, True])
def test_runner_trains_both_networks_with_official_schedule(tmp_path, repeated):
    torch.manual_seed(0)
    recorder = _Recorder()
    scheduler = [dict(type='WarmupPolyLR', warmup_iters=WARMUP_ITERS, power=0.9, begin=0,
                      end=MAX_ITERS, by_epoch=False)]
    runner = Runner(
        model=tiny_clan_cfg(),
        work_dir=str(tmp_path),
        train_dataloader=DataLoader(_UDAItems(), batch_size=2, shuffle=False,
                                    collate_fn=pseudo_collate),
        train_cfg=dict(type='IterBasedTrainLoop', max_iters=MAX_ITERS),
        optim_wrapper=optim_wrapper_cfg(repeated=repeated),
        param_scheduler=dict(generator=scheduler, discriminator=scheduler),
        custom_hooks=[dict(type='CLANProgressHook'), recorder],
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=MAX_ITERS,
                                           by_epoch=False),
                           logger=dict(type='LoggerHook', interval=1)),
        default_scope='mmseg',
        log_level='WARNING')
    runner.train()

    assert recorder.progress == [(it, MAX_ITERS) for it in range(MAX_ITERS)]
    for it, lrs in enumerate(recorder.lrs):
        assert {base for base, _ in lrs['discriminator']} == {1e-4}
        assert sorted({base for base, _ in lrs['generator']}) == pytest.approx([2.5e-4, 2.5e-3])
        for base, lr in lrs['generator'] + lrs['discriminator']:
            assert lr == pytest.approx(base * _factor(it), abs=1e-15), it
    for out in recorder.outputs:
        assert out['loss_seg'].isfinite() and out['loss_d_target'].isfinite()
        assert out['nonfinite_skips'] == 0
    first, final = recorder.states[1], runner.model.state_dict()  # it 0 has lr 0
    changed = {k for k in first if not torch.equal(first[k], final[k])}
    assert 'discriminator.conv1.weight' in changed
    assert 'decode_head.classifier1.conv2d_list.0.weight' in changed
    assert 'backbone.layer1.0.conv1.weight' in changed
    frozen_bn = {k for k in first if k.startswith('backbone.') and 'bn' in k and
                 k.endswith(('weight', 'bias'))}
    assert frozen_bn and not frozen_bn & changed
    if not repeated:  # resuming continues damping/preheat progress from the saved iteration
        resumed = _Recorder()
        Runner(model=tiny_clan_cfg(), work_dir=str(tmp_path),
               train_dataloader=DataLoader(_UDAItems(), batch_size=2,
                                           collate_fn=pseudo_collate),
               train_cfg=dict(type='IterBasedTrainLoop', max_iters=MAX_ITERS + 2),
               optim_wrapper=optim_wrapper_cfg(),
               param_scheduler=dict(generator=scheduler, discriminator=scheduler),
               custom_hooks=[dict(type='CLANProgressHook'), resumed],
               load_from=str(tmp_path / f'iter_{MAX_ITERS}.pth'), resume=True,
               default_scope='mmseg', log_level='WARNING').train()
        assert resumed.progress == [(MAX_ITERS, MAX_ITERS + 2), (MAX_ITERS + 1, MAX_ITERS + 2)]
    else:
        groups = runner.optim_wrapper['generator'].optimizer.param_groups
        assert {g['repeats'] for g in groups} == {1, 3, 4}
