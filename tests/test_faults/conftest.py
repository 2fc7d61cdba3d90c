"""Fixtures shared by the fault tests."""
import io
import logging
import uuid

import pytest
from mmengine.logging import MMLogger

from tests.test_datasets.fake_datasets import make_fake_cityscapes, make_fake_gta


@pytest.fixture
def log_output():
    """A fresh current mmengine logger; returns a reader of what it logged."""
    logger = MMLogger.get_instance(f'checkpoint-faults-{uuid.uuid4().hex}', log_level='INFO')
    stream = io.StringIO()
    logger.addHandler(logging.StreamHandler(stream))
    return stream.getvalue


@pytest.fixture
def gta(tmp_path):
    return make_fake_gta(tmp_path / 'gta', n=2, convert=True)


@pytest.fixture
def cityscapes(tmp_path):
    return make_fake_cityscapes(tmp_path / 'cityscapes', splits=('val', ), n=1, convert=True)
