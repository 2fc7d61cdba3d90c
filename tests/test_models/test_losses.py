"""Loss functions of CLAN against independent formulations."""
import pytest
import torch
import torch.nn.functional as F

import mmseg_clan  # noqa: F401
from mmseg_clan.models.losses import (
    SoftmaxFocalLoss,
    adversarial_bce_loss,
    alignment_map,
    softmax_focal_loss,
    weight_discrepancy_loss,
)


def _focal_by_boolean_indexing(logits, labels, gamma):
    """The official formulation: select valid pixels by boolean indexing, then average."""
    n, c = logits.shape[:2]
    probs = F.softmax(logits, dim=1).clamp(1e-9, 1 - 1e-9)
    probs = probs.permute(0, 2, 3, 1).reshape(-1, c)
    labels = labels.reshape(-1)
    keep = labels != 255
    p_y = probs[keep][torch.arange(int(keep.sum())), labels[keep]]
    return (-(1 - p_y) ** gamma * torch.log(p_y)).mean()


@pytest.mark.parametrize('gamma', [0.0, 2.0])
def test_focal_loss_equals_boolean_indexing_version(gamma):
    torch.manual_seed(0)
    logits = torch.randn(2, 5, 6, 7, dtype=torch.float64, requires_grad=True)
    labels = torch.randint(0, 5, (2, 6, 7))
    labels[0, :2] = 255
    ours = softmax_focal_loss(logits, labels, gamma=gamma)
    ref = _focal_by_boolean_indexing(logits, labels, gamma)
    torch.testing.assert_close(ours, ref)
    grad_ours, = torch.autograd.grad(ours, logits)
    grad_ref, = torch.autograd.grad(ref, logits)
    torch.testing.assert_close(grad_ours, grad_ref)


def test_focal_loss_gamma_zero_is_cross_entropy_and_ignores_255():
    torch.manual_seed(1)
    logits = torch.randn(1, 4, 5, 5)
    labels = torch.randint(0, 4, (1, 5, 5))
    labels[0, 0] = 255
    ce = F.cross_entropy(logits, labels, ignore_index=255)
    torch.testing.assert_close(softmax_focal_loss(logits, labels, gamma=0.0), ce)
    assert softmax_focal_loss(logits, labels, gamma=2.0) < ce


def test_focal_loss_module_and_shape_error():
    loss = SoftmaxFocalLoss(loss_weight=2.0)
    logits, labels = torch.randn(1, 3, 4, 4), torch.randint(0, 3, (1, 4, 4))
    torch.testing.assert_close(loss(logits, labels), 2 * softmax_focal_loss(logits, labels))
    assert loss.loss_name == 'loss_seg'
    with pytest.raises(ValueError, match='spatial size'):
        softmax_focal_loss(logits, torch.zeros(1, 5, 4, dtype=torch.long))


def test_alignment_map_is_one_minus_cosine():
    torch.manual_seed(2)
    p1 = F.softmax(torch.randn(2, 6, 3, 4), dim=1)
    p2 = F.softmax(torch.randn(2, 6, 3, 4), dim=1)
    m = alignment_map(p1, p2)
    assert m.shape == (2, 1, 3, 4)
    torch.testing.assert_close(m, 1 - F.cosine_similarity(p1, p2, dim=1).unsqueeze(1))
    assert (m >= 0).all() and (m <= 1).all()
    torch.testing.assert_close(alignment_map(p1, p1), torch.zeros_like(m), atol=1e-6, rtol=0)


def test_weight_discrepancy_covers_weights_and_biases():
    w1 = [torch.tensor([[1.0, 0.0]]), torch.tensor([2.0])]
    w2 = [torch.tensor([[0.0, 1.0]]), torch.tensor([0.0])]
    # cos((1,0,2), (0,1,0)) = 0
    torch.testing.assert_close(weight_discrepancy_loss(w1, w2), torch.tensor(1.0))
    torch.testing.assert_close(weight_discrepancy_loss(w1, w1), torch.tensor(2.0))
    torch.testing.assert_close(
        weight_discrepancy_loss(w1, [-w for w in w1]), torch.tensor(0.0), atol=1e-7, rtol=0)
    with pytest.raises(ValueError, match='parameters'):
        weight_discrepancy_loss(w1, w2[:1])


def test_adversarial_loss_plain_and_weighted():
    torch.manual_seed(3)
    logits = torch.randn(2, 1, 4, 4)
    weight = torch.rand(2, 1, 4, 4)
    bce = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits), reduction='none')
    torch.testing.assert_close(adversarial_bce_loss(logits, 1.0), bce.mean())
    torch.testing.assert_close(adversarial_bce_loss(logits, 1.0, weight, eps=0.4, lambda_local=10),
                               ((0.4 + 10 * weight) * bce).mean())
    with pytest.raises(ValueError, match='alignment weight'):
        adversarial_bce_loss(logits, 0.0, weight[:1])
