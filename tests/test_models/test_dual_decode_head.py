"""DualDecodeHead: two independent copies of any mmseg decode head for CLAN."""
import pytest
import torch
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmseg_clan  # noqa: F401
from mmseg_clan.models.losses import weight_discrepancy_loss

NORM = dict(type='BN')
INNER_HEADS = {
    'SegformerHead': dict(type='SegformerHead', in_channels=[8, 8, 8, 16], in_index=[0, 1, 2, 3],
                          channels=16, num_classes=5, norm_cfg=NORM),
    'ASPPHead': dict(type='ASPPHead', in_channels=16, in_index=3, channels=8, dilations=(1, 2),
                     num_classes=5, norm_cfg=NORM),
    'DepthwiseSeparableASPPHead': dict(
        type='DepthwiseSeparableASPPHead', in_channels=16, in_index=3, channels=8,
        dilations=(1, 2), c1_in_channels=8, c1_channels=4, num_classes=5, norm_cfg=NORM),
    'UPerHead': dict(type='UPerHead', in_channels=[8, 8, 8, 16], in_index=[0, 1, 2, 3],
                     channels=8, pool_scales=(1, 2), num_classes=5, norm_cfg=NORM),
}


def _features(batch: int = 2):
    return [torch.randn(batch, 8, 32, 32), torch.randn(batch, 8, 16, 16),
            torch.randn(batch, 8, 8, 8), torch.randn(batch, 16, 4, 4)]


def _head(inner: str = 'SegformerHead', **kwargs):
    init_default_scope('mmseg')
    head = MODELS.build(dict(type='DualDecodeHead', head=INNER_HEADS[inner], **kwargs))
    head.init_weights()
    return head


@pytest.mark.parametrize('inner', list(INNER_HEADS))
def test_copies_predict_differently_and_inference_sums_them(inner):
    torch.manual_seed(0)
    head = _head(inner).eval()
    feats = _features()
    with torch.no_grad():
        z1, z2 = head(feats, return_classifier_logits=True)
        fused = head(feats)
    assert z1.shape == z2.shape and z1.shape[:2] == (2, 5)
    torch.testing.assert_close(fused, z1 + z2)
    assert not torch.allclose(z1, z2)  # different init: the classifiers can disagree
    assert set(head.state_dict()) == {f'head{i}.{k}' for i in (1, 2)
                                      for k in head.head1.state_dict()}
    for name in ('num_classes', 'out_channels', 'align_corners', 'ignore_index', 'threshold'):
        assert getattr(head, name) == getattr(head.head1, name)
    assert head.loss_decode is head.head1.loss_decode


def _params_reached_by_discrepancy(head):
    with torch.no_grad():  # mmseg zeroes conv_seg biases: their cosine gradient would be 0
        for param in head.parameters():
            param.normal_()
    head.zero_grad()
    weight_discrepancy_loss(*head.discrepancy_parameters()).backward()
    return {name for name, p in head.named_parameters()
            if p.grad is not None and p.grad.abs().sum() > 0}


@pytest.mark.parametrize('choice,expected', [
    ('classifier', lambda name: name.split('.', 1)[1].startswith('conv_seg.')),
    ('head', lambda name: True),
    (['fusion_conv.conv', 'conv_seg.weight'],
     lambda name: name.split('.', 1)[1] in ('fusion_conv.conv.weight', 'conv_seg.weight')),
])
def test_discrepancy_gradient_reaches_exactly_the_chosen_parameters(choice, expected):
    head = _head(discrepancy_params=choice)
    chosen = {name for name, _ in head.named_parameters() if expected(name)}
    assert {n.split('.', 1)[0] for n in chosen} == {'head1', 'head2'}
    assert _params_reached_by_discrepancy(head) == chosen
    if choice == 'classifier':
        assert chosen == {f'head{i}.conv_seg.{p}' for i in (1, 2) for p in ('weight', 'bias')}


def test_losses_sum_over_copies_at_label_size():
    head = _head()
    logits = head(_features(1), return_classifier_logits=True)
    labels = torch.randint(0, 5, (1, 1, 48, 48))
    labels[0, 0, :4] = 255
    losses = head.classifier_losses(logits, labels)
    single = [head.classifier_losses([z], labels)['loss_ce'] for z in logits]
    torch.testing.assert_close(losses['loss_ce'], single[0] + single[1])
    assert not torch.allclose(single[0], single[1])
    upsampled = head.upsample(logits[0], (48, 48))
    # the inner head's loss_decode: mmseg CrossEntropyLoss, mean over all pixels by default
    expected = torch.nn.functional.cross_entropy(
        upsampled, labels[:, 0], ignore_index=255, reduction='sum') / labels.numel()
    torch.testing.assert_close(single[0], expected)


def test_single_copy_is_the_source_only_head():
    head = _head('ASPPHead', num_classifiers=1).eval()
    assert not hasattr(head, 'head2') and head.num_classifiers == 1
    feats = _features()
    with torch.no_grad():
        torch.testing.assert_close(head(feats), head.head1(feats))
    with pytest.raises(ValueError, match='two classifiers'):
        head.discrepancy_parameters()


def test_predict_resizes_fused_logits_like_mmseg_heads():
    head = _head().eval()
    feats = _features(1)
    metas = [dict(img_shape=(64, 64), pad_shape=(64, 64))]
    with torch.no_grad():
        out = head.predict(feats, metas, None)
        expected = head.head1.predict_by_feat(head(feats), metas)
    assert out.shape == (1, 5, 64, 64)
    torch.testing.assert_close(out, expected)


def test_identical_copies_are_refused():
    inner = dict(INNER_HEADS['ASPPHead'],
                 init_cfg=dict(type='Constant', val=0.01, bias=0.0, override=dict(name='conv_seg')))
    init_default_scope('mmseg')
    head = MODELS.build(dict(type='DualDecodeHead', head=inner))
    with pytest.raises(ValueError, match='identical'):
        head.init_weights()


@pytest.mark.parametrize('kwargs,message', [
    (dict(num_classifiers=3), 'num_classifiers'),
    (dict(discrepancy_params='everything'), 'discrepancy_params must be one of'),
    (dict(discrepancy_params=['no_such_layer']), "'no_such_layer'"),
    (dict(head=dict(INNER_HEADS['ASPPHead'], sampler=dict(type='OHEMPixelSampler'))),
     'sampler'),
    (dict(head=dict(type='FCDiscriminator', num_classes=5)), 'mmseg decode head'),
])
def test_bad_configs_are_clear_errors(kwargs, message):
    init_default_scope('mmseg')
    cfg = dict(type='DualDecodeHead', head=INNER_HEADS['ASPPHead'])
    cfg.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=message):
        MODELS.build(cfg)
