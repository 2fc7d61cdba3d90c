import importlib
import sys

import pytest
import torch
import torch.nn.functional as F

import mmseg_clan  # noqa: F401
from mmseg_clan.utils import CompiledOpUnavailableError, compiled_mmcv_ops_available
from mmseg_clan.utils.mmcv_ops_fallback import point_sample

pytestmark = pytest.mark.skipif(
    compiled_mmcv_ops_available(), reason='full mmcv installed: the fallback is not active')


@pytest.mark.parametrize('module', ['mmseg.models', 'mmseg.utils', 'mmseg.apis'])
def test_mmseg_imports_under_mmcv_lite(module):
    assert importlib.import_module(module) is not None
    assert sys.modules['mmcv.ops'].__mmseg_clan_fallback__


def test_compiled_op_gives_clear_error():
    from mmcv.ops import CrissCrossAttention, sigmoid_focal_loss
    with pytest.raises(CompiledOpUnavailableError, match='CrissCrossAttention.*full mmcv'):
        CrissCrossAttention(16)
    with pytest.raises(CompiledOpUnavailableError, match='sigmoid_focal_loss.*mmcv-lite'):
        sigmoid_focal_loss(torch.zeros(2, 3), torch.zeros(2, dtype=torch.long))


def test_point_sample_matches_pixel_centres():
    feature = torch.arange(2 * 3 * 4 * 5, dtype=torch.float32).reshape(2, 3, 4, 5)
    rows, cols = torch.tensor([0, 3, 2]), torch.tensor([0, 4, 1])
    points = torch.stack([(cols + 0.5) / 5, (rows + 0.5) / 4], dim=-1).expand(2, 3, 2)
    sampled = point_sample(feature, points, align_corners=False)
    assert sampled.shape == (2, 3, 3)
    torch.testing.assert_close(sampled, feature[:, :, rows, cols])


def test_point_sample_grid_form_equals_grid_sample():
    feature = torch.randn(1, 2, 6, 7)
    points = torch.rand(1, 3, 4, 2)
    expected = F.grid_sample(feature, points * 2 - 1, align_corners=True)
    torch.testing.assert_close(point_sample(feature, points, align_corners=True), expected)
