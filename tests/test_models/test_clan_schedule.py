"""CLAN's per-iteration schedule and the routing of its terms' backward passes."""
import pytest
import torch

from mmseg_clan.models.segmentors.clan_schedule import step_schedule
from mmseg_clan.models.segmentors.clan_step import TermBackward
from mmseg_clan.models.segmentors.clan_weights import CLANWeights

from .test_clan_builders import build_tiny_clan, fake_domain_batch


def test_step_schedule_scales_both_generator_factors_by_the_damping():
    weights = CLANWeights(lambda_adv=0.002, lambda_weight=0.05, preheat_iters=10)
    schedule = step_schedule(weights, 30, 100)
    assert schedule.damping == pytest.approx(0.7)
    assert schedule.adversarial_factor == pytest.approx(0.002 * 0.7)
    assert schedule.weight_factor == pytest.approx(2 * 0.05 * 0.7)
    assert schedule.adaptive and not step_schedule(weights, 10, 100).adaptive
    assert not step_schedule(CLANWeights(use_adaptive_weighting=False), 6000, 10000).adaptive
    with pytest.raises(ValueError, match='iter=101'):
        step_schedule(weights, 101, 100)


def test_model_schedule_follows_its_constructor_weights():
    model = build_tiny_clan(lambda_adv=0.003, preheat_iters=7)
    model.set_train_progress(8, 16)
    assert model.weights.lambda_adv == 0.003
    assert model.schedule == step_schedule(model.weights, 8, 16)
    with pytest.raises(AttributeError):
        model.weights.lambda_adv = 1.0  # frozen: set through the constructor


class _Wrapper:
    def __init__(self):
        self.losses = []

    def backward(self, loss):
        self.losses.append(float(loss))


def test_term_backward_sends_each_network_its_own_terms_and_records_all():
    generator, discriminator = _Wrapper(), _Wrapper()
    backward = TermBackward(generator, discriminator)
    backward.generator('loss_seg', torch.tensor(1.0))
    backward.discriminator('loss_d_source', torch.tensor(2.0))
    backward.generator('loss_d_named_like_d', torch.tensor(3.0))  # routed by call, not name
    assert generator.losses == [1.0, 3.0] and discriminator.losses == [2.0]
    assert [name for name, _ in backward.terms] == ['loss_seg', 'loss_d_source',
                                                    'loss_d_named_like_d']


def test_discriminator_terms_reach_the_discriminator_backward_only():
    model = build_tiny_clan()
    model.set_train_progress(6000, 10000)
    names = {'generator': [], 'discriminator': []}
    model.forward_backward(
        dict(source=fake_domain_batch(1, (32, 48)), target=fake_domain_batch(1, (32, 48))),
        lambda name, loss: (names['generator'].append(name), loss.backward()), [],
        lambda name, loss: (names['discriminator'].append(name), loss.backward()))
    assert names == {'generator': ['loss_seg', 'loss_adv', 'loss_weight'],
                     'discriminator': ['loss_d_source', 'loss_d_target']}
