"""demo/image_demo.py segments a folder of images and writes one overlay per image."""
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

import mmseg_clan  # noqa: F401

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG = REPO_ROOT / 'configs' / 'toy' / 'clan_r18-narrow_toy.py'


def run_demo(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, 'demo/image_demo.py', *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory) -> Path:
    from mmseg.apis import init_model
    model = init_model(str(CONFIG), None, device='cpu')
    path = tmp_path_factory.mktemp('ckpt') / 'clan_toy.pth'
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return path


def test_folder_gives_one_overlay_per_image(tmp_path, checkpoint):
    images = tmp_path / 'images'
    images.mkdir()
    rng = np.random.default_rng(0)
    for name in ('a.png', 'b.jpg'):
        cv2.imwrite(str(images / name), rng.integers(0, 256, (64, 96, 3), dtype=np.uint8))
    (images / 'notes.txt').write_text('not an image')
    out_dir = tmp_path / 'overlays'
    result = run_demo(str(images), str(CONFIG), str(checkpoint), '--out-dir', str(out_dir))
    assert result.returncode == 0, result.stderr[-3000:]
    overlays = sorted(p.name for p in out_dir.iterdir())
    assert overlays == ['a_overlay.png', 'b_overlay.png']
    assert cv2.imread(str(out_dir / 'a_overlay.png')).shape == (64, 96, 3)


def test_missing_input_is_a_clear_error(tmp_path, checkpoint):
    result = run_demo(str(tmp_path / 'nothing_here'), str(CONFIG), str(checkpoint))
    assert result.returncode != 0
    assert 'neither an image file nor a folder' in result.stderr
