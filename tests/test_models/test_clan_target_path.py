"""The official target path: jittered targets are predicted, aligned (M) and discriminated at
their nominal size, and the losses equal a restatement of the official formulas."""
import pytest
import torch
import torch.nn.functional as F

import mmseg_clan  # noqa: F401

from .test_clan_builders import build_tiny_clan, fake_domain_batch

NOMINAL = (64, 128)
JITTERED = {0.8: (51, 102), 1.1: (70, 140)}  # int(64 * s), int(128 * s): truncated, official


def _target_batch(factors):
    batches = [fake_domain_batch(1, JITTERED[f], seed=i + 5) for i, f in enumerate(factors)]
    batch = {key: sum((b[key] for b in batches), []) for key in batches[0]}
    for sample in batch['data_samples']:
        sample.set_metainfo(dict(nominal_shape=NOMINAL))
    return batch


def _official_target_terms(model, images, eps, lambda_local, adaptive):
    """Per image: z_k = C_k(f) upsampled (bilinear, align_corners=True) to the nominal size,
    M = 1 - <p1, p2> / (|p1| |p2|), D(softmax(z1 + z2)) upsampled to the nominal size; the
    generator's and D's target losses, weighted by eps + lambda_local * M when adaptive."""
    maps, disc, adv, d_target = [], [], [], []
    head = model.decode_head
    for image in images:
        preprocessor = model.data_preprocessor
        x = ((image.double() - preprocessor.mean) / preprocessor.std)[None]
        feature = model.extract_feat(x)[-1]
        z1, z2 = (F.interpolate(c(feature), NOMINAL, mode='bilinear', align_corners=True)
                  for c in (head.classifier1, head.classifier2))
        p1, p2 = F.softmax(z1, dim=1), F.softmax(z2, dim=1)
        m = 1 - (p1 * p2).sum(1, keepdim=True) / (p1.norm(dim=1, keepdim=True) *
                                                  p2.norm(dim=1, keepdim=True))
        fused = F.softmax(z1 + z2, dim=1)
        d = F.interpolate(model.discriminator(fused), NOMINAL, mode='bilinear',
                          align_corners=True)
        weight = eps + lambda_local * m if adaptive else torch.ones_like(m)
        adv.append((weight * F.binary_cross_entropy_with_logits(
            d, torch.zeros_like(d), reduction='none')).mean())
        d_target.append((weight * F.binary_cross_entropy_with_logits(
            d, torch.ones_like(d), reduction='none')).mean())
        maps.append(m)
        disc.append(d)
    return torch.cat(maps), torch.cat(disc), torch.stack(adv).mean(), torch.stack(d_target).mean()


@pytest.mark.parametrize('iteration', [6000, 3000])  # after and during the preheat
@pytest.mark.parametrize('factors', [(0.8, ), (1.1, ), (0.8, 1.1)])
def test_jittered_targets_are_predicted_at_the_nominal_size(factors, iteration):
    torch.manual_seed(0)
    model = build_tiny_clan().double().eval()  # eval: BN statistics shared by both paths
    model.set_train_progress(iteration, 10000)
    source = fake_domain_batch(len(factors), (32, 48), seed=0)
    target = _target_batch(factors)
    with torch.no_grad():
        m, disc, adv, d_target = _official_target_terms(
            model, target['inputs'], model.adaptive_eps, model.lambda_local,
            model.adaptive_active)
    outputs = model.forward_backward(dict(source=source, target=target),
                                     lambda name, loss: loss.backward(), wrappers=[])
    assert outputs.target_indices == [list(range(len(factors)))]  # one group at one size
    assert outputs.alignment_maps[0].shape == (len(factors), 1, *NOMINAL)
    assert outputs.discriminator_target_logits[0].shape == (len(factors), 1, *NOMINAL)
    torch.testing.assert_close(outputs.alignment_maps[0], m, rtol=1e-9, atol=1e-12)
    torch.testing.assert_close(outputs.discriminator_target_logits[0], disc, rtol=1e-9,
                               atol=1e-12)
    torch.testing.assert_close(outputs.log_vars['loss_adv'],
                               model.lambda_adv * model.damping * adv, rtol=1e-9, atol=0)
    torch.testing.assert_close(outputs.log_vars['loss_d_target'], d_target, rtol=1e-9, atol=0)


def test_without_a_recorded_nominal_size_targets_keep_their_own_size():
    model = build_tiny_clan().eval()
    model.set_train_progress(6000, 10000)
    target = fake_domain_batch(1, JITTERED[0.8], seed=5)
    outputs = model.forward_backward(
        dict(source=fake_domain_batch(1, (32, 48)), target=target),
        lambda name, loss: loss.backward(), wrappers=[])
    assert outputs.alignment_maps[0].shape[-2:] == JITTERED[0.8]
