"""tools/benchmark_control.py: the stock mmseg control (its run is tested via benchmark_gpu.sh)."""
import json
import os.path as osp
from pathlib import Path

import pytest
from mmengine.config import Config

from tests.tool_modules import load_tool

REPO = Path(__file__).parents[2]
benchmark_control = load_tool('benchmark_control.py')


def tiny_control_cfg() -> dict:
    """A small stock mmseg EncoderDecoder (ResNetV1c + ASPP, SyncBN as in mmseg's configs)."""
    norm_cfg = dict(type='SyncBN', requires_grad=True)
    return dict(
        default_scope='mmseg',
        model=dict(
            type='EncoderDecoder',
            data_preprocessor=dict(type='SegDataPreProcessor', mean=[123.7, 116.3, 103.5],
                                   std=[58.4, 57.1, 57.4], bgr_to_rgb=True, pad_val=0,
                                   seg_pad_val=255, size=(512, 1024)),
            pretrained='open-mmlab://resnet18_v1c',
            backbone=dict(type='ResNetV1c', depth=18, stem_channels=8, base_channels=8,
                          out_indices=(0, 1, 2, 3), dilations=(1, 1, 2, 4),
                          strides=(1, 2, 1, 1), norm_cfg=norm_cfg),
            decode_head=dict(type='ASPPHead', in_channels=64, in_index=3, channels=16,
                             dilations=(1, 12, 24, 36), num_classes=19, norm_cfg=norm_cfg,
                             loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
            auxiliary_head=dict(type='FCNHead', in_channels=32, in_index=2, channels=8,
                                num_convs=1, num_classes=19, norm_cfg=norm_cfg,
                                loss_decode=dict(type='CrossEntropyLoss', loss_weight=0.4)),
            train_cfg=dict(), test_cfg=dict(mode='whole')),
        optim_wrapper=dict(type='OptimWrapper',
                           optimizer=dict(type='SGD', lr=0.01, momentum=0.9,
                                          weight_decay=0.0005)))


def test_reports_one_json_line_for_a_stock_mmseg_step(tmp_path, capsys):
    config = tmp_path / 'tiny_control.py'
    Config(tiny_control_cfg()).dump(config)  # SyncBN: only runs as BN, no process group here
    benchmark_control.main([str(config), '--device', 'cpu', '--size', '32', '64', '--iters', '1',
                            '--warmup', '1'])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert report['tool'] == 'benchmark_control' and report['model'] == 'EncoderDecoder'
    assert report['batch_size'] == 2 and report['size'] == [32, 64]
    assert report['precision'] == 'fp32' and report['device'] == 'cpu'
    assert report['s_per_iter'] > 0 and report['peak_memory_kind'] == 'cpu_max_rss'


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
