"""CLAN.train_step with two optimizers, the non-finite guard and inference paths."""
import copy
from contextlib import nullcontext

import pytest
import torch
import torch.nn.functional as F
from mmengine.optim import build_optim_wrapper
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

import mmseg_clan  # noqa: F401
from mmseg_clan.models.segmentors import NonFiniteLossError, SourceGeometry, TargetGeometry
from mmseg_clan.models.segmentors.batch_geometry import crop_and_upsample

from .test_clan_builders import build_tiny_clan, fake_domain_batch, optim_wrapper_cfg

LOSS_KEYS = {'loss_seg', 'loss_adv', 'loss_weight', 'loss_d_source', 'loss_d_target', 'loss',
             'alignment_map_mean', 'disc_prob_source', 'disc_prob_target', 'nonfinite_skips'}


def _data(seed=0):
    return dict(source=fake_domain_batch(2, (40, 56), (32, 48), seed=seed),
                target=fake_domain_batch(2, (32, 64), seed=seed + 1))


def _setup(**kwargs):
    torch.manual_seed(0)
    model = build_tiny_clan(in_channels=64, **kwargs)
    model.train()
    wrapper = build_optim_wrapper(model, optim_wrapper_cfg(kwargs.pop('repeated', False)))
    return model, wrapper


def test_train_step_updates_both_networks_and_freezes_discriminator(monkeypatch):
    model, wrapper = _setup()
    model.set_train_progress(6000, 10000)
    before = copy.deepcopy(model.state_dict())
    disc_grads_in_generator_backward = []
    generator_backward = wrapper['generator'].backward

    def spy_backward(loss, **kwargs):
        generator_backward(loss, **kwargs)
        disc_grads_in_generator_backward.extend(
            p.grad for p in model.discriminator.parameters())
    monkeypatch.setattr(wrapper['generator'], 'backward', spy_backward)

    log_vars = model.train_step(_data(), wrapper)
    assert set(log_vars) == LOSS_KEYS
    assert all(torch.isfinite(v) for v in log_vars.values())
    assert disc_grads_in_generator_backward and all(
        g is None for g in disc_grads_in_generator_backward)
    after = model.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert any(k.startswith('discriminator.') for k in changed)
    assert any(k.startswith('decode_head.classifier2') for k in changed)
    assert 'backbone.conv1.weight' in changed
    # BN affine frozen (requires_grad=False) while running statistics keep updating
    assert 'backbone.bn1.weight' not in changed and 'backbone.bn1.bias' not in changed
    assert 'backbone.bn1.running_mean' in changed
    assert all(p.requires_grad for p in model.discriminator.parameters())
    assert all(p.grad is None or not p.grad.any() for p in model.parameters())


def test_batch_of_two_equals_mean_of_single_samples():
    """M and every loss are per sample: with BN in eval mode and lr 0 (weights fixed), a batch
    of two gives the mean of the two single-sample steps."""
    model = build_tiny_clan().eval()
    wrapper = build_optim_wrapper(model, optim_wrapper_cfg(lr_scale=0.0))
    model.set_train_progress(6000, 10000)
    data = _data()
    pair = model.train_step(copy.deepcopy(data), wrapper)
    singles = [model.train_step({d: {k: v[i:i + 1] for k, v in data[d].items()}
                                 for d in ('source', 'target')}, wrapper) for i in (0, 1)]
    for key in ('loss_seg', 'loss_adv', 'loss_weight', 'loss_d_source', 'loss_d_target',
                'alignment_map_mean', 'disc_prob_target'):
        torch.testing.assert_close(pair[key], (singles[0][key] + singles[1][key]) / 2,
                                   msg=key)
    assert not torch.equal(singles[0]['loss_adv'], singles[1]['loss_adv'])


def test_variants_by_config():
    source_only, wrapper = (build_tiny_clan(discriminator=None, use_weight_loss=False), None)
    wrapper = build_optim_wrapper(source_only, dict(
        constructor='CLANOptimWrapperConstructor',
        generator=optim_wrapper_cfg()['generator']))
    source_only.set_train_progress(0, 10)
    assert set(source_only.train_step(_data(), wrapper)) == {'loss_seg', 'loss',
                                                             'nonfinite_skips'}
    source_batch_only = dict(source=_data()['source'])
    assert set(source_only.train_step(source_batch_only, wrapper)) == {
        'loss_seg', 'loss', 'nonfinite_skips'}
    adaptseg = build_tiny_clan(decode_head=dict(type='DualASPPV2Head', in_channels=64,
                                                num_classes=19, num_classifiers=1),
                               use_weight_loss=False, use_adaptive_weighting=False)
    wrapper = build_optim_wrapper(adaptseg, optim_wrapper_cfg())
    adaptseg.set_train_progress(6000, 10000)
    log_vars = adaptseg.train_step(_data(), wrapper)
    assert {'loss_adv', 'loss_d_target'} <= set(log_vars)
    assert 'loss_weight' not in log_vars and 'alignment_map_mean' not in log_vars
    with pytest.raises(ValueError, match='num_classes'):
        build_tiny_clan(discriminator=dict(type='FCDiscriminator', num_classes=16))
    with pytest.raises(ValueError, match='"discriminator" entry'):
        build_optim_wrapper(build_tiny_clan(), dict(
            constructor='CLANOptimWrapperConstructor',
            generator=optim_wrapper_cfg()['generator']))


def test_a_discriminator_entry_without_a_discriminator_is_dropped(log_output):
    wrapper = build_optim_wrapper(build_tiny_clan(discriminator=None, use_weight_loss=False),
                                  optim_wrapper_cfg())
    assert list(wrapper.optim_wrappers) == ['generator']
    assert 'optim_wrapper.discriminator is not built' in log_output()


def test_missing_progress_is_a_clear_error():
    model, wrapper = _setup()
    with pytest.raises(RuntimeError, match='CLANProgressHook'):
        model.train_step(_data(), wrapper)


@pytest.mark.parametrize('module,term', [('decode_head.classifier1.conv2d_list.0', 'loss_seg'),
                                         ('discriminator.classifier', 'loss_adv')])
def test_nonfinite_loss_raises_naming_term_and_iteration(module, term):
    model, wrapper = _setup()
    model.set_train_progress(7, 100)
    model.get_submodule(module).bias.data.fill_(float('nan'))
    with pytest.raises(NonFiniteLossError, match=f'{term} = nan at iteration 7'):
        model.train_step(_data(), wrapper)


def test_nonfinite_skip_policy_skips_whole_step():
    model, wrapper = _setup(nonfinite_policy='skip')
    model.set_train_progress(7, 100)
    model.discriminator.classifier.bias.data.fill_(float('inf'))
    before = {k: v.clone() for k, v in model.named_parameters()}
    log_vars = model.train_step(_data(), wrapper)
    assert log_vars['nonfinite_skips'].item() == 1
    for name, param in model.named_parameters():
        assert torch.equal(param, before[name]), name
        assert param.grad is None or not param.grad.any(), name
        assert param.requires_grad == before[name].requires_grad
    assert all(p.requires_grad for p in model.discriminator.parameters())
    assert model.train_step(_data(), wrapper)['nonfinite_skips'].item() == 2
    assert model.applied_updates == 0


@pytest.mark.parametrize('limits,message', [
    (dict(max_consecutive_skips=3), r'3 consecutive steps skipped \(max_consecutive_skips=3\)'),
    (dict(max_total_skips=2), r'2 steps skipped in all \(max_total_skips=2\)')])
def test_nonfinite_skips_are_bounded_and_logged(limits, message, caplog):
    model, wrapper = _setup(nonfinite_policy='skip', **limits)
    model.set_train_progress(7, 100)
    model.discriminator.classifier.bias.data.fill_(float('inf'))
    with pytest.raises(NonFiniteLossError, match=message):
        for _ in range(5):
            model.train_step(_data(), wrapper)


def test_a_finite_step_resets_the_consecutive_skip_count():
    model, wrapper = _setup(nonfinite_policy='skip', max_consecutive_skips=2)
    model.set_train_progress(7, 100)
    bias = model.discriminator.classifier.bias
    finite_bias = bias.detach().clone()
    for _ in range(3):
        bias.data.fill_(float('inf'))
        assert set(model.train_step(_data(), wrapper)) == {'nonfinite_skips'}
        bias.data.copy_(finite_bias)
        assert 'loss_adv' in model.train_step(_data(), wrapper)
    assert model.nonfinite_guard.total_skips == 3 and model.applied_updates == 3


def test_skip_limits_are_validated():
    with pytest.raises(ValueError, match='skip limits must be >= 1'):
        build_tiny_clan(nonfinite_policy='skip', max_consecutive_skips=0)
    with pytest.raises(ValueError, match='nonfinite_policy must be one of'):
        build_tiny_clan(nonfinite_policy='ignore')


def _predict_samples(ori_hw, flip=False):
    sample = SegDataSample(metainfo=dict(ori_shape=ori_hw, img_shape=(32, 48),
                                         padding_size=[0, 0, 0, 0], flip=flip,
                                         flip_direction='horizontal'))
    sample.gt_sem_seg = PixelData(data=torch.zeros(1, *ori_hw, dtype=torch.long))
    return [sample]


def test_whole_inference_upsamples_fused_logits_once_to_ori_shape():
    model = build_tiny_clan().eval()
    inputs = torch.randn(1, 3, 32, 48)
    with torch.no_grad():
        fused = model._forward(inputs)
        expected = F.interpolate(fused, (70, 100), mode='bilinear', align_corners=True)[0]
        once = model.predict(inputs, _predict_samples((70, 100)))[0]
        flipped = model.predict(inputs, _predict_samples((70, 100), flip=True))[0]
        model.test_cfg['upsample_once'] = False
        twice = model.predict(inputs, _predict_samples((70, 100)))[0]
        model.test_cfg.update(mode='slide', crop_size=(32, 32), stride=(16, 16))
        slide = model.predict(inputs, _predict_samples((70, 100)))[0]
    torch.testing.assert_close(once.seg_logits.data, expected)
    torch.testing.assert_close(once.pred_sem_seg.data[0], expected.argmax(0))
    torch.testing.assert_close(flipped.seg_logits.data, expected.flip(-1))
    assert twice.seg_logits.shape == (70, 100)
    assert not torch.allclose(twice.seg_logits.data, expected)
    assert slide.pred_sem_seg.shape == (70, 100)


def test_loss_math_runs_in_fp32_under_autocast():
    model = build_tiny_clan()
    model.set_train_progress(6000, 10000)
    torch.manual_seed(0)
    f_s, f_t = torch.randn(1, 64, 12, 20), torch.randn(1, 64, 8, 16)
    labels = torch.randint(0, 19, (1, 96, 160))
    dtypes = {}

    def backward(name, loss):
        dtypes[name] = loss.dtype
        loss.backward()

    head_dtypes = []
    model.decode_head.register_forward_hook(lambda m, i, out: head_dtypes.append(out[0].dtype))

    def run(context):
        return model.forward_backward_on_features(
            lambda: [f_s], SourceGeometry(labels, None), lambda: [[f_t]],
            TargetGeometry(None, [(64, 128)]), backward, generator_context=context,
            discriminator_context=context).log_vars
    full = run(nullcontext)
    mixed = run(lambda: torch.autocast('cpu', dtype=torch.bfloat16))
    assert head_dtypes == [torch.float32] * 2 + [torch.bfloat16] * 2
    assert set(dtypes.values()) == {torch.float32}
    for key in ('loss_seg', 'loss_adv', 'loss_weight', 'loss_d_source', 'loss_d_target'):
        assert mixed[key].dtype == torch.float32
        torch.testing.assert_close(mixed[key], full[key], rtol=5e-2, atol=0, msg=key)


def test_nonfinite_gradient_with_finite_losses_is_caught():
    model, wrapper = _setup()
    model.set_train_progress(3, 100)
    model.backbone.conv1.weight.register_hook(lambda grad: torch.full_like(grad, float('nan')))
    before = model.backbone.conv1.weight.detach().clone()
    with pytest.raises(NonFiniteLossError, match='non-finite gradients at iteration 3'):
        model.train_step(_data(), wrapper)
    assert torch.equal(model.backbone.conv1.weight, before)
    assert all(p.requires_grad for p in model.discriminator.parameters())


def test_preprocessor_without_size_divisor_is_a_clear_error():
    preprocessor = build_tiny_clan().data_preprocessor
    with pytest.raises(ValueError, match='size_divisor=1'):
        build_tiny_clan(data_preprocessor=dict(
            type='SegDataPreProcessor', mean=preprocessor.mean.flatten().tolist(),
            std=preprocessor.std.flatten().tolist(), size_divisor=None))


def test_source_images_of_different_sizes_in_one_batch():
    """Image-only scale jitter: the preprocessor pads images and labels per sample; the step
    unpads the labels and upsamples only each image's own logits to the label size."""
    model, wrapper = _setup()
    model.set_train_progress(6000, 10000)
    big = fake_domain_batch(1, (64, 96), (32, 48), seed=0)
    small = fake_domain_batch(1, (48, 72), (32, 48), seed=1)
    source = {k: big[k] + small[k] for k in big}
    labels = [s.gt_sem_seg.data.clone() for s in source['data_samples']]
    captured = []
    real_losses = model.decode_head.classifier_losses

    def spy(logits, seg_labels):
        captured.append(seg_labels)
        return real_losses(logits, seg_labels)
    model.decode_head.classifier_losses = spy
    log_vars = model.train_step(dict(source=source, target=_data()['target']), wrapper)
    assert torch.isfinite(log_vars['loss_seg'])
    torch.testing.assert_close(captured[0], torch.stack(labels)[:, 0])

    valid = torch.randn(1, 2, 6, 9)
    padded = torch.full((1, 2, 8, 12), 1e3)
    padded[..., :6, :9] = valid
    out = crop_and_upsample(torch.cat([torch.zeros(1, 2, 8, 12), padded]),
                            [(1.0, 1.0), (48 / 64, 72 / 96)], (32, 48),
                            model.decode_head.upsample)
    torch.testing.assert_close(out[1:], F.interpolate(valid, (32, 48), mode='bilinear',
                                                      align_corners=True))


def test_target_images_of_different_sizes_equal_mean_of_single_samples():
    """Jittered target sizes: M, the discriminator and the losses run on each sample's own
    region, so the batch gives the mean of the two single-sample steps (weights fixed)."""
    model = build_tiny_clan().eval()
    wrapper = build_optim_wrapper(model, optim_wrapper_cfg(lr_scale=0.0))
    model.set_train_progress(6000, 10000)
    source = fake_domain_batch(2, (32, 48), seed=0)
    target = {k: a + b for (k, a), b in zip(fake_domain_batch(1, (40, 64), seed=2).items(),
                                            fake_domain_batch(1, (32, 48), seed=3).values())}
    pair = model.train_step(copy.deepcopy(dict(source=source, target=target)), wrapper)
    singles = [model.train_step({d: {k: v[i:i + 1] for k, v in batch.items()} for d, batch in
                                 (('source', source), ('target', target))}, wrapper)
               for i in (0, 1)]
    for key in ('loss_seg', 'loss_adv', 'loss_weight', 'loss_d_source', 'loss_d_target',
                'alignment_map_mean', 'disc_prob_target'):
        torch.testing.assert_close(pair[key], (singles[0][key] + singles[1][key]) / 2,
                                   msg=key)


def test_test_step_predicts_at_original_size():
    model = build_tiny_clan().eval()
    batch = fake_domain_batch(2, (32, 48), (64, 96))
    for sample in batch['data_samples']:
        sample.set_metainfo(dict(ori_shape=(64, 96)))
    results = model.test_step(batch)
    assert [r.pred_sem_seg.shape for r in results] == [(64, 96)] * 2
    assert all(r.seg_logits.data.shape == (19, 64, 96) for r in results)
