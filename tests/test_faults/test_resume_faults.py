"""--resume stays in its work dir: it resumes only from the work dir's own checkpoints (unless
--resume PATH names another), never deletes outside them, resumes a moved or copied work dir
from its own newest checkpoint, and says what an odd ``last_checkpoint`` names."""
import os
import shutil
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from mmengine.logging import MessageHub, MMLogger

from mmseg_clan.engine.hooks import SafeCheckpointHook
from mmseg_clan.utils import prepare_checkpoint_start
from tests.test_faults.test_checkpoint_faults import resume_cfg, save_checkpoint


def run_dir(path: Path, *iterations: int) -> Path:
    path.mkdir(parents=True)
    for iteration in iterations:
        save_checkpoint(path / f'iter_{iteration}.pth', iteration)
    (path / 'last_checkpoint').write_text(str(path / f'iter_{max(iterations)}.pth'))
    return path


def test_last_checkpoint_of_another_run_is_not_resumed_from(tmp_path, log_output):
    other = run_dir(tmp_path / 'other', 8)
    work = run_dir(tmp_path / 'work', 2, 4)
    (work / 'last_checkpoint').write_text(str(other / 'iter_8.pth'))
    cfg = resume_cfg(work)
    assert prepare_checkpoint_start(cfg) == str(work / 'iter_4.pth') == cfg.load_from
    assert (f'{work / "last_checkpoint"} names {other / "iter_8.pth"}, outside the work dir '
            f'(another run\'s checkpoint, or the work dir was moved or copied; --resume '
            f'{other / "iter_8.pth"} resumes from it explicitly); resuming from '
            f'{work / "iter_4.pth"}') in log_output()


@pytest.mark.parametrize('how', ['moved', 'copied'])
def test_moved_or_copied_work_dir_resumes_from_its_own_newest(tmp_path, how, log_output):
    old = run_dir(tmp_path / 'old', 2, 4)
    new = tmp_path / 'new'
    (shutil.move if how == 'moved' else shutil.copytree)(old, new)
    assert (new / 'last_checkpoint').read_text() == str(old / 'iter_4.pth')
    assert prepare_checkpoint_start(resume_cfg(new)) == str(new / 'iter_4.pth')


def test_explicit_resume_path_may_name_another_run(tmp_path):
    other = run_dir(tmp_path / 'other', 8)
    cfg = resume_cfg(run_dir(tmp_path / 'work', 2))
    cfg.load_from = str(other / 'iter_8.pth')
    assert prepare_checkpoint_start(cfg) == str(other / 'iter_8.pth')


@pytest.mark.parametrize('named,message', [
    ('{work}', 'names the folder {work}, not a checkpoint file'),
    ('iter_2.pth', "names the relative path 'iter_2.pth', not the absolute path of a checkpoint"),
    ('/dev/null', 'names /dev/null, which is not a regular file (a device or a pipe?)')])
def test_odd_last_checkpoint_says_what_it_names(tmp_path, log_output, named, message):
    work = run_dir(tmp_path / 'work', 2)
    (work / 'last_checkpoint').write_text(named.format(work=work))
    assert prepare_checkpoint_start(resume_cfg(work)) == str(work / 'iter_2.pth')
    assert message.format(work=work) in log_output()
    (work / 'iter_2.pth').unlink()
    with pytest.raises(FileNotFoundError, match=message.format(work=work).replace('(', r'\(')
                       .replace(')', r'\)').replace('?', r'\?')):
        prepare_checkpoint_start(resume_cfg(work))


def a_runner(work: Path, saved_as: Path):
    """What SafeCheckpointHook.before_train reads of a runner that resumed ``saved_as``."""
    hub = MessageHub.get_instance(f'resume-faults-{uuid.uuid4().hex}')
    hub.update_info('last_ckpt', str(saved_as))
    hub.update_info('keep_ckpt_ids', [2, 4])
    hub.update_info('best_ckpt', str(saved_as.parent / 'best_mIoU_iter_4.pth'))
    return SimpleNamespace(work_dir=str(work), message_hub=hub,
                           logger=MMLogger.get_current_instance())


def hook() -> SafeCheckpointHook:
    return SafeCheckpointHook(interval=2, by_epoch=False, max_keep_ckpts=1, save_best='mIoU',
                              rule='greater')


def test_records_of_another_folder_delete_nothing_here(tmp_path):
    other = run_dir(tmp_path / 'other', 2, 4)
    save_checkpoint(other / 'best_mIoU_iter_4.pth', 4)
    work = run_dir(tmp_path / 'work', 2, 3)
    checkpoint_hook, runner = hook(), a_runner(work, other / 'iter_4.pth')
    checkpoint_hook.before_train(runner)
    assert sorted(os.listdir(work)) == ['iter_2.pth', 'iter_3.pth', 'last_checkpoint']
    assert 'keep_ckpt_ids' not in runner.message_hub.runtime_info
    assert checkpoint_hook.best_ckpt_path is None
    checkpoint_hook._remove(runner, str(other / 'best_mIoU_iter_4.pth'))
    assert (other / 'best_mIoU_iter_4.pth').exists() and (other / 'iter_2.pth').exists()


def test_records_of_the_work_dir_itself_do_delete_its_outdated_checkpoints(tmp_path):
    """The failing case: the same records from the work dir's own checkpoint delete iter_2 and
    iter_3 (max_keep_ckpts=1)."""
    work = run_dir(tmp_path / 'work', 2, 3, 4)
    hook().before_train(a_runner(work, work / 'iter_4.pth'))
    assert sorted(os.listdir(work)) == ['iter_4.pth', 'last_checkpoint']


def test_a_folder_or_device_given_as_checkpoint_is_named_as_such(tmp_path):
    from mmseg_clan.utils import read_checkpoint
    with pytest.raises(IsADirectoryError, match=f'checkpoint {tmp_path} is a folder, not a '
                                                'checkpoint file'):
        read_checkpoint(str(tmp_path))
    with pytest.raises(OSError, match='checkpoint /dev/null is not a regular file'):
        read_checkpoint('/dev/null')
    with pytest.raises(FileNotFoundError, match=f'checkpoint {tmp_path / "x.pth"} does not exist'):
        read_checkpoint(str(tmp_path / 'x.pth'))


def test_a_work_dir_that_is_a_file_is_named_as_such(tmp_path):
    from mmseg_clan.cli.tool_config import load_tool_config
    from tests.test_faults.test_checkpoint_faults import TOY_CLAN
    (tmp_path / 'work').write_text('')
    with pytest.raises(NotADirectoryError, match=f'work dir {tmp_path / "work"} is a file, not a '
                                                 'folder'):
        load_tool_config(str(TOY_CLAN), 'none', None, str(tmp_path / 'work'))
    assert load_tool_config(str(TOY_CLAN), 'none', None, str(tmp_path)).work_dir == str(tmp_path)
