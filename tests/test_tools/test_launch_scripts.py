"""tools/slurm_train.sh, tools/slurm_test.sh and multi-node tools/dist_train.sh: the commands
they build, and ``--launcher slurm`` end to end in a one-task srun-like environment (a fake
``srun`` that sets the SLURM_* variables and runs the command, a fake ``scontrol``)."""
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from mmseg_clan.utils.distributed import slurm_process_env
from tests.test_datasets.fake_datasets import make_fake_cityscapes, make_fake_gta
from tests.test_engine.test_resume import write_config

REPO = Path(__file__).resolve().parents[2]
FAKE_SRUN = '''#!/usr/bin/env bash
# srun for one task: record the arguments, set what srun sets, run the command after the options
printf '%s\\n' "$@" > "$FAKE_BIN/srun.args"
while [ "$1" != python ]; do shift; done
SLURM_PROCID=0 SLURM_LOCALID=0 SLURM_NTASKS=1 SLURM_NODELIST='node[07-08]' exec "$@"
'''
FAKE_SCONTROL = '''#!/usr/bin/env bash
# scontrol show hostname NODELIST: this host stands for the first node
[ "$1 $2 $3" = "show hostname node[07-08]" ] && printf '127.0.0.1\\nnode08\\n'
'''
FAKE_PYTHON = '''#!/usr/bin/env bash
printf '%s\\n' "$@" > "$FAKE_BIN/python.args"
'''


def fake_bin(tmp_path: Path, **scripts: str) -> Path:
    folder = tmp_path / 'bin'
    folder.mkdir()
    for name, text in scripts.items():
        (folder / name).write_text(text)
        (folder / name).chmod(0o755)
    return folder


def run_script(script: str, args: list, folder: Path, env: dict | None = None):
    path = os.pathsep.join([str(folder), str(Path(sys.executable).parent), os.environ['PATH']])
    full_env = {**os.environ, 'PATH': path, 'FAKE_BIN': str(folder), 'OMP_NUM_THREADS': '1',
                **(env or {})}
    full_env.pop('MASTER_ADDR', None)
    return subprocess.run(['bash', str(REPO / 'tools' / script), *args], cwd=REPO, env=full_env,
                          capture_output=True, text=True, timeout=300)


def free_port() -> str:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


@pytest.mark.parametrize('script,needed', [('slurm_train.sh', 3), ('slurm_test.sh', 4)])
def test_slurm_scripts_print_usage_without_their_arguments(tmp_path, script, needed):
    folder = fake_bin(tmp_path, srun=FAKE_SRUN)
    result = run_script(script, ['partition', 'job'][:needed - 1], folder)
    assert result.returncode == 2
    assert f'usage: bash tools/{script} PARTITION JOB_NAME CONFIG' in result.stderr
    assert not (folder / 'srun.args').exists()


def test_dist_train_passes_the_multi_node_settings_to_torchrun(tmp_path):
    folder = fake_bin(tmp_path, python=FAKE_PYTHON)
    env = dict(NNODES='2', NODE_RANK='1', MASTER_ADDR='10.1.2.3', PORT='29611')
    path = os.pathsep.join([str(folder), os.environ['PATH']])
    result = subprocess.run(['bash', 'tools/dist_train.sh', 'configs/clan_gta2city.py', '4',
                             '--amp'], cwd=REPO, capture_output=True, text=True,
                            env={**os.environ, **env, 'PATH': path, 'FAKE_BIN': str(folder)})
    assert result.returncode == 0, result.stderr
    args = (folder / 'python.args').read_text().splitlines()
    assert args == ['-m', 'torch.distributed.run', '--nnodes=2', '--node_rank=1',
                    '--master_addr=10.1.2.3', '--nproc_per_node=4', '--master_port=29611',
                    'tools/train.py', 'configs/clan_gta2city.py', '--launcher', 'pytorch',
                    '--amp']


def test_slurm_process_env_follows_srun_and_names_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', os.pathsep.join([str(fake_bin(tmp_path, scontrol=FAKE_SCONTROL)),
                                                os.environ['PATH']]))
    env = slurm_process_env(dict(SLURM_PROCID='3', SLURM_NTASKS='8', SLURM_LOCALID='1',
                                 SLURM_NODELIST='node[07-08]'))
    assert env == dict(MASTER_ADDR='127.0.0.1', MASTER_PORT='29500', WORLD_SIZE='8', RANK='3',
                       LOCAL_RANK='1')
    with pytest.raises(KeyError, match='SLURM_NODELIST not set'):
        slurm_process_env(dict(SLURM_PROCID='0', SLURM_NTASKS='1'))


def test_slurm_train_and_test_run_with_the_slurm_launcher(tmp_path):
    gta = make_fake_gta(tmp_path / 'gta', n=2, convert=True)
    cityscapes = make_fake_cityscapes(tmp_path / 'cityscapes', n=2, convert=True)
    test_pipeline = [dict(type='LoadImageFromFile'), dict(type='CheckedLoadAnnotations'),
                     dict(type='PackSegInputs')]
    config = write_config(
        tmp_path / 'slurm.py', (gta, cityscapes), max_iters=3, checkpoint_interval=3,
        env_cfg=dict(dist_cfg=dict(backend='gloo')),
        test_dataloader=dict(
            batch_size=1, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=False),
            dataset=dict(type='CityscapesDataset', data_root=str(cityscapes),
                         data_prefix=dict(img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
                         pipeline=test_pipeline)),
        test_evaluator=dict(type='UDAIoUMetric', iou_metrics=['mIoU']),
        test_cfg=dict(type='TestLoop'))
    folder = fake_bin(tmp_path, srun=FAKE_SRUN, scontrol=FAKE_SCONTROL)
    env = dict(GPUS='1', GPUS_PER_NODE='8', CPUS_PER_TASK='2', MASTER_PORT=free_port(),
               SRUN_ARGS='--quotatype=auto --time=1:00:00')
    work_dir = tmp_path / 'work'
    result = run_script('slurm_train.sh', ['cpu', 'clan-toy', str(config), '--work-dir',
                                           str(work_dir)], folder, env)
    assert result.returncode == 0, result.stderr[-4000:]
    assert (folder / 'srun.args').read_text().splitlines() == [
        '-p', 'cpu', '--job-name=clan-toy', '--gres=gpu:1', '--ntasks=1', '--ntasks-per-node=1',
        '--cpus-per-task=2', '--kill-on-bad-exit=1', '--quotatype=auto', '--time=1:00:00',
        'python', '-u', str(REPO / 'tools' / 'train.py'), str(config), '--launcher', 'slurm',
        '--work-dir', str(work_dir)]
    assert 'Distributed launcher: slurm' in result.stdout + result.stderr
    checkpoint = torch.load(work_dir / 'iter_3.pth', map_location='cpu', weights_only=True)
    assert checkpoint['meta']['iter'] == 3

    result = run_script('slurm_test.sh', ['cpu', 'clan-test', str(config),
                                          str(work_dir / 'iter_3.pth'), '--work-dir',
                                          str(tmp_path / 'test')], folder, env)
    assert result.returncode == 0, result.stderr[-4000:]
    assert 'mIoU' in result.stdout + result.stderr
