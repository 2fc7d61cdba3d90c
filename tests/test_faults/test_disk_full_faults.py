"""A full disk during a checkpoint write: the partial file is removed, the error names the path
and the free space, and the previous checkpoint stays the resume point."""
import errno
import os
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MessageHub, MMLogger

from mmseg_clan.engine.hooks import SafeCheckpointHook
from mmseg_clan.utils.atomic_file import write_text_atomically


def a_runner(work: Path, disk_full: bool):
    """A runner whose save writes half a checkpoint and then fails with ENOSPC if ``disk_full``."""
    def save_checkpoint(out_dir, filename, *args, **kwargs):
        with open(os.path.join(out_dir, filename), 'wb') as f:
            f.write(b'PK\x03\x04 half a checkpoint')
            if disk_full:
                raise OSError(errno.ENOSPC, 'No space left on device')
            f.write(b' and the rest')
    return SimpleNamespace(
        model=torch.nn.Linear(2, 2), epoch=0, iter=3, work_dir=str(work),
        message_hub=MessageHub.get_instance(f'disk-full-{uuid.uuid4().hex}'),
        logger=MMLogger.get_current_instance(), save_checkpoint=save_checkpoint)


def saving_hook(work: Path) -> SafeCheckpointHook:
    hook = SafeCheckpointHook(interval=1, by_epoch=False, max_keep_ckpts=1)
    hook.before_train(a_runner(work, False))
    hook.keep_ckpt_ids.append(2)
    return hook


@pytest.mark.parametrize('disk_full', [True, False])
def test_full_disk_during_a_checkpoint_write(tmp_path, disk_full):
    (tmp_path / 'iter_2.pth').write_bytes(b'previous')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_2.pth'))
    hook, runner = saving_hook(tmp_path), a_runner(tmp_path, disk_full)
    if not disk_full:  # the failing case: the write completes and becomes the resume point
        hook._save_checkpoint_with_step(runner, 4, {})
        assert sorted(os.listdir(tmp_path)) == ['iter_4.pth', 'last_checkpoint']
        return
    with pytest.raises(OSError, match=(
            rf'cannot write {tmp_path / "iter_4.pth"} \(OSError: \[Errno 28\] No space left on '
            rf'device\); [\d.]+ MiB free in {tmp_path}; the partial file was removed')) as error:
        hook._save_checkpoint_with_step(runner, 4, {})
    assert error.value.errno == errno.ENOSPC
    assert sorted(os.listdir(tmp_path)) == ['iter_2.pth', 'last_checkpoint']
    assert (tmp_path / 'last_checkpoint').read_text() == str(tmp_path / 'iter_2.pth')


def test_full_disk_during_an_atomic_text_write(tmp_path, monkeypatch):
    (tmp_path / 'results.json').write_text('old')

    def full_fsync(fd):
        raise OSError(errno.ENOSPC, 'No space left on device')
    monkeypatch.setattr(os, 'fsync', full_fsync)
    with pytest.raises(OSError, match=f'cannot write {tmp_path / "results.json"} .*MiB free'):
        write_text_atomically(str(tmp_path / 'results.json'), 'new')
    assert os.listdir(tmp_path) == ['results.json']
    assert (tmp_path / 'results.json').read_text() == 'old'
