"""DualASPPV2Head structure, init and losses."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmseg_clan  # noqa: F401


def _head(**kwargs):
    init_default_scope('mmseg')
    cfg = dict(type='DualASPPV2Head', in_channels=256, num_classes=19)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def test_structure_matches_official_layer5_layer6():
    head = _head(dilations=(6, 12, 18, 24))
    assert 'conv_seg' not in dict(head.named_children())
    keys = set(head.state_dict())
    assert keys == {f'classifier{c}.conv2d_list.{i}.{p}' for c in (1, 2) for i in range(4)
                    for p in ('weight', 'bias')}
    for i, d in enumerate((6, 12, 18, 24)):
        conv = head.classifier1.conv2d_list[i]
        assert conv.dilation == (d, d) and conv.padding == (d, d) and conv.kernel_size == (3, 3)
        assert conv.weight.shape == (19, 256, 3, 3) and conv.bias is not None
    weights = torch.cat([c.weight.flatten() for c in head.classifier1.conv2d_list])
    assert abs(weights.std().item() - 0.01) < 0.001
    bias_bound = 1 / (256 * 9) ** 0.5  # PyTorch default bias init U(-1/sqrt(fan_in), ..)
    assert head.classifier1.conv2d_list[0].bias.abs().max() <= bias_bound
    assert head.classifier1.conv2d_list[0].bias.abs().max() > 0


def test_forward_sums_classifiers_and_single_head_option():
    head = _head(in_channels=8, num_classes=5, dilations=(1, 2))
    x = [torch.randn(2, 8, 9, 10)]
    z1, z2 = head.forward_classifiers(x)
    torch.testing.assert_close(head(x), z1 + z2)
    branch_sum = sum(conv(x[0]) for conv in head.classifier1.conv2d_list)
    torch.testing.assert_close(z1, branch_sum)
    single = _head(in_channels=8, num_classes=5, num_classifiers=1)
    assert not hasattr(single, 'classifier2')
    torch.testing.assert_close(single(x), single.forward_classifiers(x)[0])
    with pytest.raises(ValueError, match='num_classifiers'):
        _head(num_classifiers=3)


def test_loss_sums_both_classifiers_at_label_size():
    head = _head(in_channels=8, num_classes=5, loss_decode=dict(type='SoftmaxFocalLoss',
                                                                 gamma=0.0))
    x = [torch.randn(1, 8, 4, 6)]
    labels = torch.randint(0, 5, (1, 16, 24))
    sample = SegDataSample(gt_sem_seg=PixelData(data=labels))
    losses = head.loss(x, [sample], None)
    expected = sum(
        F.cross_entropy(F.interpolate(z, (16, 24), mode='bilinear', align_corners=True), labels)
        for z in head.forward_classifiers(x))
    torch.testing.assert_close(losses['loss_seg'], expected)
