"""CLANProgressHook passes the runner's iteration to the (possibly wrapped) model."""
from types import SimpleNamespace

import pytest
import torch.nn as nn
from mmengine.registry import MODEL_WRAPPERS

import mmseg_clan  # noqa: F401
from mmseg_clan.engine.hooks import CLANProgressHook


class _Model(nn.Module):

    def set_train_progress(self, train_iter, max_iters):
        self.progress = (train_iter, max_iters)


@MODEL_WRAPPERS.register_module(force=True)
class _TestOnlyWrapper(nn.Module):

    def __init__(self, module):
        super().__init__()
        self.module = module


@pytest.mark.parametrize('wrapped', [False, True])
def test_sets_progress_before_each_iteration(wrapped):
    model = _Model()
    runner = SimpleNamespace(model=_TestOnlyWrapper(model) if wrapped else model, iter=41,
                             max_iters=100)
    CLANProgressHook().before_train_iter(runner, batch_idx=0)
    assert model.progress == (41, 100)


def test_model_without_progress_is_a_clear_error():
    runner = SimpleNamespace(model=nn.Linear(1, 1), iter=0, max_iters=1)
    with pytest.raises(TypeError, match='set_train_progress'):
        CLANProgressHook().before_train_iter(runner, batch_idx=0)
