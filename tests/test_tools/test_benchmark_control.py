"""tools/benchmark_control.py: the stock mmseg control (its run is tested via benchmark_gpu.sh)."""
import os.path as osp
import sys
from pathlib import Path

import pytest
from mmengine.config import Config

REPO = Path(__file__).parents[2]
sys.path.insert(0, str(REPO / 'tools'))
import benchmark_control  # noqa: E402


def test_stock_config_is_mmseg_deeplabv3_r101_at_512x1024():
    path = benchmark_control.resolve_config(benchmark_control.STOCK_CONFIG)
    assert osp.isfile(path)
    cfg = Config.fromfile(path)
    assert cfg.model.type == 'EncoderDecoder' and cfg.model.decode_head.type == 'ASPPHead'
    assert cfg.model.backbone.depth == 101 and cfg.crop_size == (512, 1024)


def test_missing_config_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='mmseg::nope/x.py'):
        benchmark_control.resolve_config('mmseg::nope/x.py')
    with pytest.raises(FileNotFoundError, match='missing.py'):
        benchmark_control.resolve_config(str(tmp_path / 'missing.py'))


def test_every_syncbn_becomes_bn_and_nothing_else_changes():
    cfg = dict(backbone=dict(norm_cfg=dict(type='SyncBN', requires_grad=True), depth=101),
               heads=[dict(norm_cfg=dict(type='SyncBN')), dict(norm_cfg=dict(type='GN'))])
    converted = benchmark_control.single_device_bn(cfg)
    assert converted == dict(
        backbone=dict(norm_cfg=dict(type='BN', requires_grad=True), depth=101),
        heads=[dict(norm_cfg=dict(type='BN')), dict(norm_cfg=dict(type='GN'))])
    assert cfg['backbone']['norm_cfg']['type'] == 'SyncBN'  # the input is left as it was
