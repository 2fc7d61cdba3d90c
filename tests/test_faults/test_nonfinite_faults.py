"""A step that would produce non-finite weights is never applied, saved or named as the resume
point, and the error names the real cause: a non-finite learning rate, or parameters that an
update made non-finite."""
import copy
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MMLogger

from mmseg_clan.engine.hooks import SafeCheckpointHook
from mmseg_clan.models.segmentors import NonFiniteLossError
from tests.test_models.test_clan_train_step import _data, _setup


@pytest.mark.parametrize('policy', ['raise', 'skip'])
def test_nonfinite_learning_rate_is_named_before_the_update(policy):
    model, wrapper = _setup(nonfinite_policy=policy)
    model.set_train_progress(0, 10)
    wrapper['generator'].optimizer.param_groups[0]['lr'] = float('nan')
    before = copy.deepcopy(model.state_dict())
    with pytest.raises(NonFiniteLossError, match=(
            r'non-finite learning rate lr=nan \(SGD param group 0\) at iteration 0; the update '
            'is not applied')):
        model.train_step(_data(), wrapper)
    assert model.applied_updates == 0
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items()
               if 'running' not in k and 'num_batches' not in k)


def test_finite_learning_rate_updates():
    """The failing case: the same step with a finite lr is applied."""
    model, wrapper = _setup()
    model.set_train_progress(0, 10)
    model.train_step(_data(), wrapper)
    assert model.applied_updates == 1


def test_parameters_made_nonfinite_by_the_update_are_named(monkeypatch):
    model, wrapper = _setup()
    model.set_train_progress(3, 10)
    step = wrapper['generator'].optimizer.step

    def step_that_overflows(*args, **kwargs):
        step(*args, **kwargs)
        model.backbone.conv1.weight.data[0, 0, 0, 0] = float('inf')
    monkeypatch.setattr(wrapper['generator'].optimizer, 'step', step_that_overflows)
    with pytest.raises(NonFiniteLossError, match=(
            'parameters became non-finite after the optimiser update at iteration 3: '
            r'backbone.conv1.weight \(1 in all\); nothing of this step is saved')):
        model.train_step(_data(), wrapper)
    assert model.applied_updates == 0


def checkpoint_runner(model, tmp_path):
    return SimpleNamespace(model=model, epoch=0, iter=1, work_dir=str(tmp_path),
                           logger=MMLogger.get_current_instance())


def test_checkpoint_hook_never_saves_nonfinite_weights(tmp_path):
    model = torch.nn.Linear(2, 2)
    model.bias.data[1] = float('nan')
    hook = SafeCheckpointHook(interval=1, by_epoch=False)
    hook.out_dir = str(tmp_path)
    with pytest.raises(FloatingPointError, match=(
            r'iter_2.pth not saved: parameters bias \(1 in all\) are non-finite; the previous '
            'checkpoint stays the resume point')):
        hook._save_checkpoint(checkpoint_runner(model, tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_checkpoint_hook_passes_finite_weights():
    """The failing case: finite weights pass the check."""
    runner = checkpoint_runner(torch.nn.Linear(2, 2), None)
    SafeCheckpointHook(interval=1, by_epoch=False)._check_finite_weights(runner, 'iter_2.pth')
