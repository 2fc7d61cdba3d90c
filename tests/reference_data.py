"""The official reference data in ../shared/reference, or a skip naming where it was expected."""
from pathlib import Path

import pytest

REFERENCE_DIR = Path(__file__).resolve().parents[1].parent / 'shared' / 'reference'


def reference_file(name: str) -> Path:
    """Path of ``name`` in the reference folder; skips the calling test when it is missing."""
    path = REFERENCE_DIR / name
    if not path.is_file():
        pytest.skip(f'official reference data {path} not found (it comes with ../shared/reference)')
    return path
