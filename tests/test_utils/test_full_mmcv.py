"""The plugin with full (compiled) mmcv: the fallback stays off and mmseg imports unchanged.

Uses the prebuilt CPU wheel in ``../shared/wheels`` (CPython 3.11 + torch 2.13.0+cpu), unpacked to a
temporary folder that shadows mmcv-lite on ``PYTHONPATH`` of a subprocess.
"""
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch

from mmseg_clan.utils.openmmlab_line import UPSTREAM, check_openmmlab_line

REPO_ROOT = Path(__file__).resolve().parents[2]
WHEELS = REPO_ROOT.parent / 'shared' / 'wheels'
WHEEL_ABI = ((3, 11), '2.13.0+cpu')


def find_wheel() -> Path | None:
    wheels = sorted(WHEELS.glob('mmcv-2.1.0-cp311-*.whl'))
    return wheels[0] if wheels else None


@pytest.fixture(scope='session')
def full_mmcv_path(tmp_path_factory) -> Path:
    if check_openmmlab_line() is not UPSTREAM:
        pytest.skip('mmcv 2.1 belongs to the upstream line; this environment has the OneDL line')
    wheel = find_wheel()
    if wheel is None:
        pytest.skip(f'no prebuilt full-mmcv wheel in {WHEELS}')
    if (sys.version_info[:2], torch.__version__) != WHEEL_ABI:
        pytest.skip(f'the wheel is built for CPython 3.11 + torch 2.13.0+cpu, not '
                    f'{sys.version_info[:2]} + {torch.__version__}')
    target = tmp_path_factory.mktemp('full_mmcv')
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


def run_with_full_mmcv(full_mmcv_path: Path, args: list[str], timeout: int = 300):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(full_mmcv_path), str(REPO_ROOT)]))
    return subprocess.run([sys.executable, *args], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_full_mmcv_import_keeps_compiled_ops(full_mmcv_path):
    code = (
        'import mmseg_clan, mmcv, mmcv.ops\n'
        'from mmseg_clan.utils import compiled_mmcv_ops_available\n'
        f'assert mmcv.__file__.startswith({str(full_mmcv_path)!r}), mmcv.__file__\n'
        'assert compiled_mmcv_ops_available()\n'
        'assert not getattr(mmcv.ops, "__mmseg_clan_fallback__", False)\n'
        'import mmseg.models, mmseg.apis, mmseg.utils\n'
        'from mmcv.ops import point_sample, CrissCrossAttention\n'
        'assert point_sample.__module__ == "mmcv.ops.point_sample", point_sample.__module__\n'
        'print("full mmcv ok")\n')
    result = run_with_full_mmcv(full_mmcv_path, ['-c', code])
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'full mmcv ok' in result.stdout


def test_full_mmcv_trains_one_clan_iteration(full_mmcv_path, tmp_path):
    code = (
        'import sys\n'
        'from pathlib import Path\n'
        'import mmseg_clan, mmcv.ops\n'
        'assert not getattr(mmcv.ops, "__mmseg_clan_fallback__", False)\n'
        'from mmengine.runner import Runner\n'
        'from tests.test_configs import tiny_run_config\n'
        'from tests.test_datasets.fake_datasets import make_fake_cityscapes, make_fake_gta\n'
        'root = Path(sys.argv[1])\n'
        'roots = dict(gta=str(make_fake_gta(root / "gta", n=2, size=(96, 54), convert=True)),\n'
        '             cityscapes=str(make_fake_cityscapes(root / "cs", n=1, size=(128, 64),\n'
        '                                                 convert=True)))\n'
        'cfg = tiny_run_config(Path("configs/clan_gta2city.py"), roots, root / "work_dir")\n'
        'runner = Runner.from_cfg(cfg)\n'
        'runner.train()\n'
        'loss = runner.message_hub.get_scalar("train/loss").current()\n'
        'print("trained one iteration with full mmcv, loss", loss)\n')
    result = run_with_full_mmcv(full_mmcv_path, ['-c', code, str(tmp_path)])
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'trained one iteration with full mmcv' in result.stdout
