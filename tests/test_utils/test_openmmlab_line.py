"""The installed OpenMMLab line: matched as a whole, refused by name otherwise."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mmseg_clan.utils.openmmlab_line import (
    ONEDL,
    UPSTREAM,
    UnsupportedOpenMMLabError,
    check_openmmlab_line,
    installed_distributions,
    match_openmmlab_line,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
UPSTREAM_LITE = {'mmsegmentation': '1.2.2', 'mmengine': '0.10.7', 'mmcv-lite': '2.1.0'}
ONEDL_SET = {'onedl-mmsegmentation': '1.4.2', 'onedl-mmengine': '0.10.12', 'onedl-mmcv': '2.3.6'}


def test_each_line_is_recognised_as_a_whole():
    assert match_openmmlab_line(UPSTREAM_LITE) is UPSTREAM
    assert match_openmmlab_line({**UPSTREAM_LITE, 'mmcv-lite': '2.0.1'}) is UPSTREAM
    full = {k: v for k, v in UPSTREAM_LITE.items() if k != 'mmcv-lite'}
    assert match_openmmlab_line({**full, 'mmcv': '2.1.0'}) is UPSTREAM
    assert match_openmmlab_line(ONEDL_SET) is ONEDL


@pytest.mark.parametrize('installed,named', [
    ({**UPSTREAM_LITE, 'mmcv-lite': '2.2.0'}, 'mmcv-lite 2.2.0'),  # mmseg 1.2.2 refuses it
    ({**ONEDL_SET, 'onedl-mmsegmentation': '1.5.0'}, 'onedl-mmsegmentation 1.5.0'),
    ({'mmsegmentation': '1.2.2', 'onedl-mmengine': '0.10.12', 'onedl-mmcv': '2.3.6'},
     'mmsegmentation 1.2.2, onedl-mmcv 2.3.6, onedl-mmengine 0.10.12'),  # a mix of the lines
    ({'onedl-mmsegmentation': '1.4.2', 'onedl-mmengine': '0.10.12'}, 'onedl-mmengine 0.10.12'),
    ({}, 'none of them'),
])
def test_anything_else_names_the_installed_and_the_supported_versions(installed, named):
    with pytest.raises(UnsupportedOpenMMLabError) as error:
        match_openmmlab_line(installed)
    message = str(error.value)
    assert named in message.split('Installed: ')[1].split('\n')[0]
    assert 'mmsegmentation ==1.2.2' in message and 'onedl-mmsegmentation >=1.4.2,<1.5' in message
    assert 'mmseg-clan[onedl]' in message and 'mmseg-clan[lite]' in message


def test_two_distributions_of_one_module_are_named():
    with pytest.raises(UnsupportedOpenMMLabError,
                       match='mmengine is installed by mmengine and onedl-mmengine'):
        match_openmmlab_line({**UPSTREAM_LITE, 'onedl-mmengine': '0.10.12'})
    with pytest.raises(UnsupportedOpenMMLabError, match='mmcv is installed by mmcv and mmcv-lite'):
        match_openmmlab_line({**UPSTREAM_LITE, 'mmcv': '2.1.0'})


def test_this_environment_has_a_supported_line():
    assert check_openmmlab_line() in (UPSTREAM, ONEDL)
    assert set(installed_distributions()) in ({'mmsegmentation', 'mmengine', 'mmcv-lite'},
                                              {'mmsegmentation', 'mmengine', 'mmcv'},
                                              set(ONEDL_SET))


def test_import_refuses_an_mmcv_that_fits_no_line(tmp_path):
    """A shadowing mmcv 2.2.0 (module and metadata) first on the path: ``import mmseg_clan``
    stops before mmseg does, naming it."""
    (tmp_path / 'mmcv').mkdir()
    (tmp_path / 'mmcv' / '__init__.py').write_text("__version__ = '2.2.0'\n")
    (tmp_path / 'mmcv-2.2.0.dist-info').mkdir()
    (tmp_path / 'mmcv-2.2.0.dist-info' / 'METADATA').write_text(
        'Metadata-Version: 2.1\nName: mmcv\nVersion: 2.2.0\n')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(REPO_ROOT)]))
    result = subprocess.run([sys.executable, '-c', 'import mmseg_clan'], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert 'UnsupportedOpenMMLabError' in result.stderr
    assert 'Installed: mmcv 2.2.0, ' in result.stderr
