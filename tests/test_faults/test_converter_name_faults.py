"""A file name that is not valid UTF-8 is one bad sample, reported by name in escaped form; the
rest of the dataset converts and train.txt is written."""
import os
from pathlib import Path

import pytest

from tests.test_datasets.fake_datasets import make_fake_gta
from tests.test_faults.test_checkpoint_faults import run_tool


def rename(root: Path, old: str, new: bytes) -> None:
    for folder in ('images', 'labels'):
        os.rename(os.fsencode(root / folder / f'{old}.png'),
                  os.fsencode(root / folder) + b'/' + new + b'.png')


@pytest.mark.parametrize('name,listed', [(b'caf\xe9', False), ('café'.encode(), True)])
def test_gta_converter_survives_an_odd_file_name(tmp_path, name, listed):
    """Latin-1 bytes (not UTF-8) make one bad sample; the failing case: the same name in UTF-8
    converts and is listed."""
    root = make_fake_gta(tmp_path / 'gta', n=3)
    rename(root, '00002', name)
    result = run_tool('tools/dataset_converters/gta.py', str(root))
    listed_names = (root / 'train.txt').read_bytes().decode('utf-8').split()
    if listed:
        assert result.returncode == 0, result.stderr
        assert listed_names == ['00001', '00003', 'café']
        return
    assert result.returncode == 1, result.stderr
    assert 'converted: 2,' in result.stdout and 'bad: 1,' in result.stdout
    assert (f'bad: {root / "images"}/caf\\xe9.png: the file name is not valid UTF-8 (shown '
            'escaped); rename it to list the sample') in result.stdout
    assert listed_names == ['00001', '00003']
