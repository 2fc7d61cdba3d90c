"""The CLAN step and its debug maps with DualDecodeHead around a multi-level mmseg decoder."""
import pytest
import torch
from mmengine.optim import build_optim_wrapper

import mmseg_clan  # noqa: F401
from mmseg_clan.models.segmentors import step_debug_maps

from .test_clan_builders import NUM_CLASSES, build_tiny_clan, fake_domain_batch, optim_wrapper_cfg

# tiny ResNet-18 stages: 8, 16, 32, 64 channels at strides 4, 8, 8, 8
BACKBONE = dict(type='ResNet', depth=18, base_channels=8, stem_channels=8, num_stages=4,
                strides=(1, 2, 1, 1), dilations=(1, 1, 2, 4), out_indices=(0, 1, 2, 3),
                norm_cfg=dict(type='BN', requires_grad=False), norm_eval=False,
                contract_dilation=False)
UPER = dict(type='UPerHead', in_channels=[8, 16, 32, 64], in_index=[0, 1, 2, 3], channels=8,
            pool_scales=(1, 2), num_classes=NUM_CLASSES, norm_cfg=dict(type='BN'))


def _model(**kwargs):
    torch.manual_seed(0)
    model = build_tiny_clan(backbone=BACKBONE,
                            decode_head=dict(type='DualDecodeHead', head=UPER), **kwargs)
    model.init_weights()
    model.train()
    return model


def _data():
    return dict(source=fake_domain_batch(2, (48, 64), seed=0),
                target=fake_domain_batch(2, (48, 64), seed=1))


def test_train_step_trains_both_decoders_and_the_discrepancy_reaches_their_classifiers():
    model = _model()
    model.set_train_progress(6000, 20000)  # after preheat: the alignment map weights D's losses
    wrapper = build_optim_wrapper(model, optim_wrapper_cfg())
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    log_vars = model.train_step(_data(), wrapper)
    assert {'loss_ce', 'loss_adv', 'loss_weight', 'loss_d_source', 'loss_d_target',
            'alignment_map_mean'} <= set(log_vars)
    assert all(torch.isfinite(v) for v in log_vars.values())
    changed = {n for n, p in model.named_parameters() if not torch.equal(before[n], p)}
    for index in (1, 2):
        assert f'decode_head.head{index}.conv_seg.weight' in changed
        assert f'decode_head.head{index}.fpn_bottleneck.conv.weight' in changed


def _recorded_maps(model, optim_wrapper):
    model.set_train_progress(6000, 20000)
    model.record_next_step()
    model.train_step(_data(), build_optim_wrapper(model, optim_wrapper))
    return step_debug_maps(model.last_step, model.data_preprocessor)


def test_debug_maps_show_both_decoders_and_their_alignment_map():
    model = _model()
    samples = _recorded_maps(model, optim_wrapper_cfg())
    assert len(samples) == 2
    for sample in samples:
        assert sample['target_image'].shape == (48, 64, 3)
        for key in ('target_prediction', 'target_prediction_classifier1',
                    'target_prediction_classifier2', 'alignment_map',
                    'discriminator_target_prob', 'source_prediction'):
            assert sample[key].shape == (48, 64), key
        assert not torch.equal(sample['target_prediction_classifier1'],
                               sample['target_prediction_classifier2'])
        assert sample['alignment_map'].min() >= 0


def test_single_decoder_has_no_alignment_map():
    with pytest.raises(ValueError, match='num_classifiers=2'):  # weight loss needs two
        build_tiny_clan(backbone=BACKBONE,
                        decode_head=dict(type='DualDecodeHead', head=UPER, num_classifiers=1))
    single = build_tiny_clan(backbone=BACKBONE, use_weight_loss=False,
                             decode_head=dict(type='DualDecodeHead', head=UPER,
                                              num_classifiers=1))
    single.init_weights()
    single.train()
    sample = _recorded_maps(single, optim_wrapper_cfg())[0]
    assert sample['target_prediction'].shape == (48, 64)
    assert 'alignment_map' not in sample and 'target_prediction_classifier2' not in sample
