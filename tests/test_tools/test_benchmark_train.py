"""tools/benchmark_train.py times the real CLAN step and reports one JSON line."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

import mmseg_clan  # noqa: F401
from tests.test_models.test_clan_builders import optim_wrapper_cfg, tiny_clan_cfg
from tests.tool_modules import load_tool

REPO = Path(__file__).parents[2]
TOOL = REPO / 'tools' / 'benchmark_train.py'
benchmark_train = load_tool('benchmark_train.py')


@pytest.fixture(scope='module')
def tiny_config(tmp_path_factory):
    path = tmp_path_factory.mktemp('cfg') / 'tiny_clan.py'
    Config(dict(model=tiny_clan_cfg(), optim_wrapper=optim_wrapper_cfg(repeated=True),
                train_cfg=dict(type='IterBasedTrainLoop', max_iters=100000))).dump(path)
    return path


def _run_tool(*args):
    result = subprocess.run([sys.executable, str(TOOL), *map(str, args)], cwd=REPO,
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert len(lines) == 1, f'expected one JSON line on stdout, got {lines}'
    return json.loads(lines[0])


def test_reports_one_json_line_with_timing_memory_and_versions(tiny_config):
    report = _run_tool(tiny_config, '--device', 'cpu', '--source-size', 40, 56,
                       '--target-size', 32, 48, '--iters', 3, '--warmup', 1, '--channels-last')
    assert report['tool'] == 'benchmark_train'
    assert report['device'] == 'cpu' and report['device_name']
    assert report['precision'] == 'fp32' and report['channels_last'] is True
    assert report['source_size'] == [40, 56] and report['target_size'] == [32, 48]
    assert report['train_iter'] == 5001  # past the official 5000-iteration preheat
    assert report['s_per_iter'] > 0 and report['s_per_iter_median'] > 0
    assert report['iters_per_s'] == pytest.approx(1.0 / report['s_per_iter'])
    assert report['peak_memory_kind'] == 'cpu_max_rss' and report['peak_memory_mib'] > 0
    assert report['versions']['torch'] == torch.__version__


def test_timed_step_trains_both_networks(tiny_config):
    cfg = Config.fromfile(tiny_config)
    model, optim_wrapper = benchmark_train.build_model_and_optimizers(cfg, torch.device('cpu'))
    model.set_train_progress(5001, 100000)
    before = {k: v.clone() for k, v in model.state_dict().items() if k.endswith('weight')}
    generator = torch.Generator().manual_seed(0)
    data = dict(source=benchmark_train.random_domain_batch(1, (40, 56), 19, generator),
                target=benchmark_train.random_domain_batch(1, (32, 48), 19, generator,
                                                           with_labels=False))
    log_vars = model.train_step(data, optim_wrapper)
    assert {'loss_seg', 'loss_adv', 'loss_weight', 'loss_d_source', 'loss_d_target'} <= set(
        log_vars)
    after = model.state_dict()
    for prefix in ('backbone.conv1', 'decode_head.classifier1', 'discriminator.conv1'):
        assert any(not torch.equal(before[k], after[k]) for k in before if k.startswith(prefix))


@pytest.mark.parametrize('precision', ['tf32', 'amp-bf16', 'amp-fp16'])
def test_cuda_only_precision_on_cpu_is_a_clear_error(tiny_config, precision):
    with pytest.raises(ValueError, match=f'{precision}.*needs a CUDA device'):
        benchmark_train.main([str(tiny_config), '--device', 'cpu', '--precision', precision])


def test_cuda_graphs_on_cpu_is_a_clear_error(tiny_config):
    with pytest.raises(ValueError, match='--cuda-graphs needs a CUDA device'):
        benchmark_train.main([str(tiny_config), '--device', 'cpu', '--cuda-graphs'])
