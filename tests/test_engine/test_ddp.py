"""Two-process gloo training through tools/train.py --launcher pytorch: ranks stay in sync."""
import sys
from pathlib import Path

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

import mmseg_clan  # noqa: F401
from tests.test_engine.test_resume import make_data, train, write_config


@HOOKS.register_module()
class DumpRankStateHook(Hook):
    """Test hook: after training, each rank saves its model state dict to ``rank<r>.pth``."""

    priority = 'LOWEST'

    def after_train(self, runner) -> None:
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        torch.save(model.state_dict(), Path(runner.work_dir) / f'rank{get_rank()}.pth')


def test_two_process_gloo_training_keeps_parameters_identical(tmp_path):
    config = write_config(
        tmp_path / 'ddp.py', make_data(tmp_path), max_iters=3, checkpoint_interval=3,
        custom_imports=dict(imports=['mmseg_clan', 'tests.test_engine.test_ddp'],
                            allow_failed_imports=False),
        custom_hooks=[dict(type='CLANProgressHook'), dict(type='DumpRankStateHook')],
        env_cfg=dict(dist_cfg=dict(backend='gloo')))
    launcher = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '2',
                '--master_port', '29517']
    result = train(config, tmp_path / 'work', '--launcher', 'pytorch', launcher=launcher)
    assert result.returncode == 0, result.stderr[-4000:]
    states = [torch.load(tmp_path / 'work' / f'rank{r}.pth', weights_only=True) for r in (0, 1)]
    model = dict(torch.load(tmp_path / 'work' / 'iter_3.pth', weights_only=False)['state_dict'])
    buffers = [k for k in states[0] if 'running_' in k or 'num_batches' in k]
    assert buffers
    for key in states[0]:
        if key in buffers:  # BN statistics are per rank (no SyncBN), as batch-1 training needs
            continue
        assert torch.equal(states[0][key], states[1][key]), key
        assert torch.equal(states[0][key], model[key]), key
    # each rank saw its own data: the running statistics differ between the ranks
    assert not all(torch.equal(states[0][k], states[1][k]) for k in buffers)
