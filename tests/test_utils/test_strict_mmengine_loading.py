"""mmengine's own checkpoint loading (load_from, init_cfg Pretrained, load_checkpoint) refuses a
malicious checkpoint on both lines, though onedl-mmengine's loader falls back to unsafe loading."""
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.model import BaseModule
from mmengine.runner import CheckpointLoader, load_checkpoint
from mmengine.runner import checkpoint as mmengine_checkpoint

import mmseg_clan  # noqa: F401  (makes mmengine's loading strict)
from mmseg_clan.utils.strict_mmengine_loading import FALLBACK_LOADER, strict_torch_load
from tests.test_utils.test_checkpoint import TinyModel, write_checkpoint_with_pickle

REPO_ROOT = Path(__file__).resolve().parents[2]


class MakeDir:
    """A pickle that creates a folder when unpickled: the folder tells whether code ran."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)

    def __reduce__(self):
        return (os.mkdir, (self.path, ))


@pytest.fixture
def malicious(tmp_path) -> tuple:
    marker = tmp_path / 'code_ran'
    path = tmp_path / 'evil.pth'
    write_checkpoint_with_pickle(path, {'state_dict': {}, 'meta': MakeDir(marker)})
    return path, marker


def test_mmengine_loaders_refuse_a_malicious_checkpoint(malicious):
    path, marker = malicious
    for load in (lambda: load_checkpoint(TinyModel(), str(path)),
                 lambda: CheckpointLoader.load_checkpoint(str(path), map_location='cpu'),
                 lambda: mmengine_checkpoint._load_checkpoint(str(path))):
        with pytest.raises(pickle.UnpicklingError, match='mkdir'):
            load()
    assert not marker.exists()


def test_pretrained_init_refuses_a_malicious_checkpoint(malicious):
    path, marker = malicious

    class Net(BaseModule):

        def __init__(self):
            super().__init__(init_cfg=dict(type='Pretrained', checkpoint=str(path)))
            self.linear = torch.nn.Linear(2, 1)

    # refused by the strict loader, or by the checked Pretrained init reading it safely first
    with pytest.raises((pickle.UnpicklingError, RuntimeError), match='unsafe|Weights only'):
        Net().init_weights()
    assert not marker.exists()


def test_strict_loader_loads_weights_and_refuses_unsafe_requests(tmp_path):
    path = tmp_path / 'ok.pth'
    torch.save({'state_dict': TinyModel().state_dict()}, path)
    assert set(strict_torch_load(str(path))['state_dict']) == {'linear.weight', 'linear.bias'}
    with pytest.raises(pickle.UnpicklingError, match='weights_only=False'):
        strict_torch_load(str(path), weights_only=False)


def test_onedl_mmengine_alone_would_run_the_payload(malicious):
    """Why the replacement exists: without mmseg_clan, onedl-mmengine's loader runs it."""
    if not hasattr(mmengine_checkpoint, FALLBACK_LOADER):
        pytest.skip('upstream mmengine loads with torch.load directly (safe on torch >= 2.6)')
    assert getattr(mmengine_checkpoint, FALLBACK_LOADER) is strict_torch_load
    path, marker = malicious
    code = ('from mmengine.runner import CheckpointLoader\n'
            f'CheckpointLoader.load_checkpoint({str(path)!r})')
    subprocess.run([sys.executable, '-c', code], cwd=REPO_ROOT, capture_output=True, timeout=120)
    assert marker.is_dir()
