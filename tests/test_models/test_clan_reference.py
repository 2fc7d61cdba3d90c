"""CLAN training step on features reproduces the official reference vectors."""
import numpy as np
import pytest
import torch

import mmseg_clan  # noqa: F401
from mmseg_clan.models.segmentors import SourceGeometry, TargetGeometry
from tests.reference_data import REFERENCE_DIR

from .test_clan_builders import build_tiny_clan

REFERENCE_FILE = REFERENCE_DIR / 'clan_official_vectors.npz'
if not REFERENCE_FILE.is_file():
    pytest.skip(f'official reference data {REFERENCE_FILE} not found (it comes with '
                '../shared/reference)', allow_module_level=True)
VECTORS = np.load(REFERENCE_FILE)
# (iteration, max_iters) giving the stored damping 0.7 on each side of the preheat switch
PROGRESS = {'adaptive': (6000, 20000), 'preheat': (3000, 10000)}
# rtol per element, plus an absolute floor relative to the tensor's largest magnitude for
# elements that cancel to near zero (float32 round-off of sums over hundreds of products)
TOLERANCE = {torch.float32: (1e-4, 1e-4), torch.float64: (1e-9, 1e-12)}
# every speed switch of the CLAN model must leave the reference numbers unchanged
SPEED_OPTIONS = {'eager': {}, 'channels_last': dict(channels_last=True),
                 'compiled': dict(channels_last=True, compile_cfg=dict(backend='aot_eager'))}


def _tensor(key, dtype):
    return torch.from_numpy(VECTORS[key]).to(dtype)


def _load(module, prefix, dtype):
    state = {k[len(prefix):]: _tensor(k, dtype) for k in VECTORS.files if k.startswith(prefix)}
    module.load_state_dict(state, strict=True)


def _reference_model(dtype, **speed_options):
    const = {k: float(VECTORS[f'const/{k}']) for k in ('eps', 'lambda_local', 'lambda_adv',
                                                       'lambda_weight')}
    model = build_tiny_clan(lambda_adv=const['lambda_adv'], lambda_weight=const['lambda_weight'],
                            lambda_local=const['lambda_local'], adaptive_eps=const['eps'],
                            **speed_options)
    model = model.to(dtype)
    _load(model.decode_head.classifier1, 'param/c1/', dtype)
    _load(model.decode_head.classifier2, 'param/c2/', dtype)
    _load(model.discriminator, 'param/d/', dtype)
    return model


def _assert_close(actual, key, dtype):
    expected = _tensor(key, dtype)
    rtol, scale_atol = TOLERANCE[dtype]
    atol = scale_atol * float(expected.abs().max())
    torch.testing.assert_close(actual.to(dtype).reshape(expected.shape), expected,
                               rtol=rtol, atol=atol, msg=lambda m: f'{key}: {m}')


@pytest.mark.parametrize('speed', list(SPEED_OPTIONS))
@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
@pytest.mark.parametrize('branch', ['adaptive', 'preheat'])
def test_training_step_matches_official(branch, dtype, speed):
    model = _reference_model(dtype, **SPEED_OPTIONS[speed])
    model.set_train_progress(*PROGRESS[branch])
    assert model.damping == pytest.approx(float(VECTORS['const/damping']))
    assert model.adaptive_active == (branch == 'adaptive')

    f_s = _tensor('input/f_s', dtype).requires_grad_(True)
    f_t = _tensor('input/f_t', dtype).requires_grad_(True)
    labels = _tensor('input/y_s', dtype).long()
    grads_of_d_during_generator = []

    def backward(name, loss):
        loss.backward()
        if name in ('loss_seg', 'loss_adv', 'loss_weight'):
            grads_of_d_during_generator.extend(
                p.grad for p in model.discriminator.parameters())

    outputs = model.forward_backward_on_features(
        lambda: [f_s], SourceGeometry(labels, None), lambda: [[f_t]],
        TargetGeometry(None, [(64, 128)]), backward)
    log_vars = outputs.log_vars

    assert all(g is None for g in grads_of_d_during_generator), 'D got generator gradients'
    for name in ('loss_seg', 'loss_adv', 'loss_weight', 'loss_d_source', 'loss_d_target'):
        _assert_close(log_vars[name], f'{branch}/{name}', dtype)
    _assert_close(outputs.alignment_maps[0], f'{branch}/M', dtype)
    _assert_close(outputs.discriminator_target_logits[0], f'{branch}/d_out_target_upsampled',
                  dtype)
    _assert_close(f_s.grad, f'{branch}/grad/f_s', dtype)
    _assert_close(f_t.grad, f'{branch}/grad/f_t', dtype)
    for prefix, module in (('c1', model.decode_head.classifier1),
                           ('c2', model.decode_head.classifier2), ('d', model.discriminator)):
        for name, param in module.named_parameters():
            _assert_close(param.grad, f'{branch}/grad/{prefix}/{name}', dtype)
    assert log_vars['alignment_map_mean'] == pytest.approx(
        float(VECTORS[f'{branch}/M'].mean()), rel=1e-4)


@pytest.mark.parametrize('speed', list(SPEED_OPTIONS))
@pytest.mark.parametrize('dtype', [torch.float32, torch.float64])
def test_fused_inference_logits_match_official(dtype, speed):
    model = _reference_model(dtype, **SPEED_OPTIONS[speed])
    head = model.decode_head
    fused = head.upsample(head.forward([_tensor('input/f_s', dtype)]), (96, 160))
    _assert_close(fused, 'inference/fused_logits_source', dtype)
