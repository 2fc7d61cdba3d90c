"""Fixtures shared by the fault tests."""
import io
import logging
import uuid

import pytest
from mmengine.logging import MMLogger


@pytest.fixture
def log_output():
    """A fresh current mmengine logger; returns a reader of what it logged."""
    logger = MMLogger.get_instance(f'checkpoint-faults-{uuid.uuid4().hex}', log_level='INFO')
    stream = io.StringIO()
    logger.addHandler(logging.StreamHandler(stream))
    return stream.getvalue
