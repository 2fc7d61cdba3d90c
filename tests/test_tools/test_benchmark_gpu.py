"""tools/benchmark_gpu.sh on CPU at tiny sizes: one JSON line per setting, failures reported."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mmengine.config import Config

from tests.test_models.test_clan_builders import optim_wrapper_cfg, tiny_clan_cfg

REPO = Path(__file__).parents[2]
SCRIPT = REPO / 'tools' / 'benchmark_gpu.sh'
SETTINGS = [
    'control_tf32', 'train_tf32', 'train_bf16', 'control_bf16', 'train_fp16',
    'train_tf32_channels_last', 'train_bf16_channels_last', 'infer_b1', 'infer_b8',
    'train_tf32_channels_last_compile', 'train_bf16_channels_last_compile',
    'train_bf16_channels_last_cuda_graphs', 'infer_b8_cuda_graphs'
]
NEEDS_CUDA = {'train_bf16', 'control_bf16', 'train_fp16', 'train_bf16_channels_last',
              'train_bf16_channels_last_compile', 'train_bf16_channels_last_cuda_graphs',
              'infer_b8_cuda_graphs'}
EXPECTED_TOOL = dict(train='benchmark_train', infer='benchmark_infer')


@pytest.fixture(scope='module')
def configs(tmp_path_factory):
    folder = tmp_path_factory.mktemp('cfg')
    Config(dict(model=tiny_clan_cfg(), optim_wrapper=optim_wrapper_cfg(repeated=True),
                train_cfg=dict(type='IterBasedTrainLoop', max_iters=100000))).dump(
                    folder / 'tiny_clan.py')
    return folder


def run_script(configs, tmp_path, **env) -> list:
    environment = dict(
        os.environ, BENCH_PYTHON=sys.executable, BENCH_WHEELS='', BENCH_DEVICE='cpu',
        BENCH_FLOAT='fp32', BENCH_CONFIG=str(configs / 'tiny_clan.py'),
        BENCH_CONTROL_CONFIG=str(configs / 'missing_control.py'), BENCH_SOURCE_SIZE='40 56',
        BENCH_TARGET_SIZE='32 48', BENCH_INFER_INPUT='32 48',
        BENCH_INFER_OUTPUT='64 96', BENCH_INFER_IMAGES='2', BENCH_ITERS='1', BENCH_WARMUP='1',
        BENCH_INFER_ITERS='1', BENCH_LOG_DIR=str(tmp_path), OMP_NUM_THREADS='1')
    environment.update(env)
    environment.pop('OUT', None)
    result = subprocess.run(['bash', str(SCRIPT)], cwd=tmp_path, env=environment,
                            capture_output=True, text=True, timeout=170)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    saved = [json.loads(line) for line in (tmp_path / 'benchmark_gpu.jsonl').read_text()
             .splitlines()]
    assert saved == lines
    return lines


def test_one_json_line_per_setting_on_cpu(configs, tmp_path):
    # the control's config is missing: an error line, and the run goes on; compiling cannot
    # finish in 1 s: a setting's own budget stops it (the control runs in test_benchmark_control)
    lines = run_script(configs, tmp_path, BENCH_BUDGET_COMPILE_S='1')
    assert lines[0]['setting'] == 'setup' and lines[0]['status'] == 'ok'
    assert lines[-1]['setting'] == 'summary'
    by_name = {line['setting']: line for line in lines[1:-1]}
    assert [line['setting'] for line in lines[1:-1]] == SETTINGS
    for name, line in by_name.items():
        if name in NEEDS_CUDA:
            assert line['status'] == 'skipped' and 'needs CUDA' in line['reason'], line
        elif name.endswith('_compile'):
            assert line['status'] == 'timeout' and line['budget_s'] == 1, line
        elif name == 'control_tf32':
            assert line['status'] == 'error' and line['rc'] != 0, line
            assert 'missing_control.py' in line['error']
        else:
            assert line['status'] == 'ok', line
            assert line['tool'] == EXPECTED_TOOL[name.split('_')[0]]
            assert line['device'] == 'cpu' and line['precision'] == 'fp32'
    train = by_name['train_tf32']
    assert train['source_size'] == [40, 56] and train['target_size'] == [32, 48]
    assert train['s_per_iter'] > 0 and train['channels_last'] is False
    assert by_name['train_tf32_channels_last']['channels_last'] is True
    assert by_name['infer_b1']['batch_size'] == 1 and by_name['infer_b8']['batch_size'] == 8
    assert by_name['infer_b8']['identical_predictions'] is True
    assert '=== train_tf32' in (tmp_path / 'benchmark_gpu.log').read_text()
