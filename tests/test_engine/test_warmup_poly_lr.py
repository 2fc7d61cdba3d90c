"""WarmupPolyLR follows the official lr * it / warmup, then lr * (1 - it / T) ** 0.9."""
import pytest
import torch
from mmengine.registry import init_default_scope
from mmseg.registry import PARAM_SCHEDULERS

import mmseg_clan  # noqa: F401


def test_lr_follows_official_formula():
    init_default_scope('mmseg')
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([dict(params=[param]), dict(params=[], lr=0.1)], lr=0.01)
    sched = PARAM_SCHEDULERS.build(dict(type='WarmupPolyLR', warmup_iters=5, power=0.9,
                                        begin=0, end=20), default_args=dict(optimizer=opt))
    for it in range(20):
        factor = it / 5 if it < 5 else (1 - it / 20) ** 0.9
        assert opt.param_groups[0]['lr'] == pytest.approx(0.01 * factor, abs=1e-15)
        assert opt.param_groups[1]['lr'] == pytest.approx(0.1 * factor, abs=1e-15)
        opt.step()
        sched.step()


def test_rejects_bad_arguments():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.01)
    with pytest.raises(ValueError, match='warmup_iters'):
        PARAM_SCHEDULERS.build(dict(type='WarmupPolyLR', warmup_iters=30, end=20),
                               default_args=dict(optimizer=opt))
