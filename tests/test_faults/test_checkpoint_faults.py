"""Fault injection on checkpoints: kills during saves, --resume in odd work dirs, wrong,
truncated and text checkpoints given to the tools. Each case asserts the exact outcome: an
error naming the file, a warning, or a finished run.
"""
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

import mmseg_clan  # noqa: F401
from mmseg_clan.utils import prepare_checkpoint_start
from mmseg_clan.utils.checkpoint import load_checked_checkpoint
from tests.test_engine.test_resume import REPO, make_data, state_dict, train, write_config

TOY_CLAN = REPO / 'configs' / 'toy' / 'clan_r18-narrow_toy.py'
TOY_SOURCE_ONLY = REPO / 'configs' / 'toy' / 'source-only_r18-narrow_toy.py'
MAX_ITERS = 6
PADDING_BYTES = 24 << 20  # makes each save take long enough to be killed during the write


@HOOKS.register_module()
class PadCheckpointHook(Hook):
    """Test hook: adds ``megabytes`` of zeros to every checkpoint, so writes take a while."""

    def __init__(self, num_bytes: int) -> None:
        self.num_bytes = num_bytes

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['padding'] = torch.zeros(self.num_bytes // 4)


def resume_cfg(work_dir: Path) -> Config:
    return Config(dict(work_dir=str(work_dir), resume=True, load_from=None,
                       randomness=dict(seed=None)))


def save_checkpoint(path: Path, iteration: int) -> Path:
    torch.save({'meta': {'iter': iteration, 'epoch': 0, 'seed': 7},
                'state_dict': {'w': torch.zeros(1)}, 'optimizer': {}}, path)
    return path


def truncate(path: Path) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return path


def run_tool(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, 'PYTHONPATH': str(REPO), 'OMP_NUM_THREADS': '1'}
    return subprocess.run([sys.executable, *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)


# --resume -----------------------------------------------------------------------------------

def test_resume_in_an_empty_work_dir_says_it_trains_from_scratch(tmp_path, log_output):
    assert prepare_checkpoint_start(resume_cfg(tmp_path)) is None
    assert (f'--resume: nothing to resume, the work dir {tmp_path} holds no checkpoint (no '
            'last_checkpoint, no iter_*.pth); training starts from scratch') in log_output()


def test_resume_in_a_mistyped_work_dir_names_it(tmp_path, log_output):
    missing = tmp_path / 'work_dirs' / 'clan_gta2ctiy'
    assert prepare_checkpoint_start(resume_cfg(missing)) is None
    assert (f'the work dir {missing} does not exist (no last_checkpoint, no iter_*.pth); '
            'training starts from scratch') in log_output()


def test_resume_names_the_checkpoint_and_its_iteration(tmp_path, log_output):
    checkpoint = save_checkpoint(tmp_path / 'iter_4.pth', 4)
    (tmp_path / 'last_checkpoint').write_text(str(checkpoint))
    cfg = resume_cfg(tmp_path)
    assert prepare_checkpoint_start(cfg) == str(checkpoint)
    assert cfg.load_from == str(checkpoint) and cfg.randomness.seed == 7
    assert f'resuming from {checkpoint} (saved at iteration 4, epoch 0)' in log_output()


def test_dangling_last_checkpoint_resumes_from_the_newest_readable_one(tmp_path, log_output):
    save_checkpoint(tmp_path / 'iter_2.pth', 2)
    older = save_checkpoint(tmp_path / 'iter_4.pth', 4)
    truncated = truncate(save_checkpoint(tmp_path / 'iter_6.pth', 6))
    save_checkpoint(tmp_path / 'best_mIoU_iter_8.pth', 8)  # no optimiser: never resumed from
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_8.pth'))
    cfg = resume_cfg(tmp_path)
    assert prepare_checkpoint_start(cfg) == str(older) == cfg.load_from
    out = log_output()
    assert f'--resume: skipped {truncated}: checkpoint {truncated} cannot be read' in out
    assert (f'--resume: {tmp_path / "last_checkpoint"} names {tmp_path / "iter_8.pth"}, which '
            f'does not exist; resuming from {older}, the newest readable checkpoint') in out


def test_dangling_last_checkpoint_without_other_checkpoints_is_an_error(tmp_path):
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_8.pth'))
    with pytest.raises(FileNotFoundError, match=(
            f'names {tmp_path / "iter_8.pth"}, which does not exist, and {tmp_path} holds no '
            'other readable checkpoint')):
        prepare_checkpoint_start(resume_cfg(tmp_path))


def test_truncated_last_checkpoint_is_refused_by_name(tmp_path):
    save_checkpoint(tmp_path / 'iter_2.pth', 2)
    truncated = truncate(save_checkpoint(tmp_path / 'iter_4.pth', 4))
    (tmp_path / 'last_checkpoint').write_text(str(truncated))
    with pytest.raises(RuntimeError, match=f'checkpoint {truncated} cannot be read'):
        prepare_checkpoint_start(resume_cfg(tmp_path))


# checked loading ----------------------------------------------------------------------------

def test_checked_loading_loads_fitting_weights_and_names_a_misfit(tmp_path):
    model, other = torch.nn.Linear(2, 3), torch.nn.Linear(2, 3)
    torch.save({'state_dict': other.state_dict()}, tmp_path / 'fits.pth')
    load_checked_checkpoint(model, str(tmp_path / 'fits.pth'))
    assert torch.equal(model.weight, other.weight)
    torch.save({'state_dict': torch.nn.Linear(2, 4).state_dict()}, tmp_path / 'wide.pth')
    with pytest.raises(ValueError, match=(
            f'checkpoint {tmp_path / "wide.pth"} does not match the model Linear'
            r'(.|\n)*shape mismatch: bias: checkpoint \(4,\) vs expected \(3,\)')):
        load_checked_checkpoint(model, str(tmp_path / 'wide.pth'))


@pytest.fixture(scope='module')
def wrong_checkpoints(tmp_path_factory) -> dict:
    """A source-only toy checkpoint, one holding only foo.weight, a text and a truncated file."""
    from mmseg.apis import init_model
    root = tmp_path_factory.mktemp('wrong_checkpoints')
    source_only = init_model(str(TOY_SOURCE_ONLY), None, device='cpu')
    torch.save({'state_dict': source_only.state_dict(), 'meta': {}}, root / 'source_only.pth')
    torch.save({'state_dict': {'foo.weight': torch.zeros(2)}}, root / 'foo.pth')
    (root / 'notes.pth').write_text('hello, this is not a checkpoint\n')
    truncate(save_checkpoint(root / 'truncated.pth', 4))
    image = root / 'image.png'
    import cv2
    import numpy as np
    cv2.imwrite(str(image), np.zeros((64, 128, 3), np.uint8))
    return {name: root / f'{name}.pth' for name in ('source_only', 'foo', 'notes', 'truncated')
            } | {'image': image}


@pytest.mark.parametrize('name,message', [
    ('source_only', 'does not match the model CLAN (another architecture or config?):\nmissing '
                    'in checkpoint: decode_head.classifier2.conv2d_list.0.bias'),
    ('foo', 'does not match the model CLAN (another architecture or config?):\nmissing in '
            'checkpoint: backbone.'),
    ('notes', 'cannot be read (truncated, corrupted, unsafe or not a PyTorch file?)')])
def test_demo_refuses_wrong_checkpoints_by_name(wrong_checkpoints, tmp_path, name, message):
    checkpoint = wrong_checkpoints[name]
    result = run_tool('demo/image_demo.py', str(wrong_checkpoints['image']), str(TOY_CLAN),
                      str(checkpoint), '--out-dir', str(tmp_path / 'out'))
    assert result.returncode != 0
    assert f'checkpoint {checkpoint} {message}' in result.stderr
    assert not (tmp_path / 'out').exists()


def test_test_tool_names_a_truncated_checkpoint(wrong_checkpoints, tmp_path):
    checkpoint = wrong_checkpoints['truncated']
    result = run_tool('tools/test.py', str(TOY_CLAN), str(checkpoint), '--work-dir',
                      str(tmp_path))
    assert result.returncode != 0
    assert (f'RuntimeError: checkpoint {checkpoint} cannot be read (truncated, corrupted, '
            'unsafe or not a PyTorch file?)') in result.stderr


# training -----------------------------------------------------------------------------------

@pytest.fixture(scope='module')
def roots(tmp_path_factory):
    return make_data(tmp_path_factory.mktemp('data'))


def test_load_from_a_checkpoint_of_another_model_is_refused(roots, tmp_path, wrong_checkpoints):
    result = train(write_config(tmp_path / 'cfg.py', roots, max_iters=3,
                                load_from=str(wrong_checkpoints['foo'])), tmp_path / 'work')
    assert result.returncode != 0
    assert f'loading weights from {wrong_checkpoints["foo"]}' in result.stdout
    assert ('TrainingGuardHook: the checkpoint does not match the model CLAN (another '
            'architecture or config?)') in result.stderr
    assert 'unexpected in checkpoint: foo.weight' in result.stderr


def test_a_run_with_every_step_skipped_saves_no_checkpoint(roots, tmp_path):
    model = dict(nonfinite_policy='skip', data_preprocessor=dict(std=[0.0, 0.0, 0.0]))
    config = write_config(tmp_path / 'cfg.py', roots, max_iters=3, checkpoint_interval=1,
                          model=model, default_hooks=dict(
                              checkpoint=dict(type='SafeCheckpointHook')))
    result = train(config, tmp_path / 'work')
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(p.name for p in (tmp_path / 'work').glob('*.pth')) == []
    for step in (1, 2, 3):
        assert (f'SafeCheckpointHook: iter_{step}.pth not saved: the model has applied no '
                'optimiser update in this run') in result.stdout


def wait_and_kill(process: subprocess.Popen, work_dir: Path, mode: str, delay: float,
                  log: Path) -> bool:
    """SIGKILL ``process`` while a checkpoint is being written ('writing'), right after one
    was renamed into place ('renamed') or ``delay`` seconds after its first training iteration
    ('random'; the run may finish before). Returns whether a half-written file was left."""
    seen = set(os.listdir(work_dir)) if work_dir.exists() else set()
    training_since = None
    while process.poll() is None:
        names = set(os.listdir(work_dir)) if work_dir.exists() else set()
        new = names - seen
        if training_since is None and 'Iter(train)' in log.read_text():
            training_since = time.time()
        if (mode == 'writing' and any(n.endswith('.pth.writing') for n in new)) or (
                mode == 'renamed' and any(n.endswith('.pth') for n in new)) or (
                mode == 'random' and training_since and time.time() - training_since > delay):
            process.send_signal(signal.SIGKILL)
            break
        seen |= {n for n in new if not n.endswith('.writing')}
        time.sleep(0.001)
    process.wait()
    finished = mode == 'random' and process.returncode == 0
    assert finished or process.returncode == -signal.SIGKILL, log.read_text()[-3000:]
    return any(n.endswith('.pth.writing') for n in os.listdir(work_dir))


def assert_consistent(work_dir: Path) -> None:
    """Every file under a checkpoint name is complete, and last_checkpoint names one."""
    for path in work_dir.glob('iter_*.pth'):
        assert torch.load(path, map_location='cpu', weights_only=False)['meta']['iter'] == int(
            path.stem.split('_')[1]), path
    last = work_dir / 'last_checkpoint'
    if last.exists():
        assert Path(last.read_text()).is_file(), last.read_text()


def test_repeated_kills_during_checkpointing_end_in_a_finished_run(roots, tmp_path):
    hooks = dict(checkpoint=dict(type='SafeCheckpointHook', max_keep_ckpts=1))
    custom = [dict(type='CLANProgressHook'), dict(type='RandomStateHook'),
              dict(type='TrainingGuardHook')]
    imports = dict(imports=['mmseg_clan', 'tests.test_faults.test_checkpoint_faults'],
                   allow_failed_imports=False)
    full = train(write_config(tmp_path / 'full.py', roots, max_iters=MAX_ITERS,
                              checkpoint_interval=MAX_ITERS), tmp_path / 'full')
    assert full.returncode == 0, full.stderr[-3000:]
    config = write_config(tmp_path / 'killed.py', roots, max_iters=MAX_ITERS,
                          checkpoint_interval=1, default_hooks=hooks, custom_imports=imports,
                          custom_hooks=custom + [dict(type='PadCheckpointHook',
                                                      num_bytes=PADDING_BYTES)])
    work_dir, rng, half_written = tmp_path / 'killed', random.Random(0), []
    env = {**os.environ, 'PYTHONPATH': str(REPO), 'OMP_NUM_THREADS': '1',
           'PYTHONUNBUFFERED': '1'}
    for attempt, mode in enumerate(['writing', 'renamed', 'random', 'writing']):
        log = tmp_path / f'attempt_{attempt}.log'
        with open(log, 'w') as out:
            process = subprocess.Popen(
                [sys.executable, 'tools/train.py', str(config), '--work-dir', str(work_dir)] +
                (['--resume'] if attempt else []), cwd=REPO, env=env, stdout=out,
                stderr=subprocess.STDOUT)
            half_written.append(wait_and_kill(process, work_dir, mode, rng.uniform(0, 0.6),
                                              log))
        assert_consistent(work_dir)
    assert any(half_written), 'no kill happened while a checkpoint was being written'

    resumed = train(config, work_dir, '--resume')
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f'resuming from {work_dir / "iter_"}' in resumed.stdout
    assert sorted(p.name for p in work_dir.glob('*.pth*')) == [f'iter_{MAX_ITERS}.pth']
    assert (work_dir / 'last_checkpoint').read_text() == str(work_dir / f'iter_{MAX_ITERS}.pth')
    expected = state_dict(tmp_path / 'full' / f'iter_{MAX_ITERS}.pth')
    actual = state_dict(work_dir / f'iter_{MAX_ITERS}.pth')
    assert expected.keys() == actual.keys()
    for key in expected:
        assert torch.equal(expected[key], actual[key]), key
