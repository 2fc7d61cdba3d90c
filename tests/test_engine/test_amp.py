"""--amp: both optimizers get their own loss-scaled AmpOptimWrapper; loss math stays fp32.

AmpOptimWrapper refuses to build without CUDA, so the fp16 loss-scaling step itself needs a
GPU; here the config switch and a bf16 CPU-autocast step through a stand-in wrapper are tested.
"""
import copy

import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper, OptimWrapperDict, build_optim_wrapper

import mmseg_clan  # noqa: F401
from mmseg_clan.cli.tool_config import enable_amp
from tests.test_models.test_clan_builders import (
    build_tiny_clan,
    fake_domain_batch,
    optim_wrapper_cfg,
)


class BF16CPUOptimWrapper(OptimWrapper):
    """Stand-in for AmpOptimWrapper on CPU: bf16 autocast for the network forwards."""

    def optim_context(self, model):
        return torch.autocast('cpu', dtype=torch.bfloat16)


def test_enable_amp_switches_both_optimizers_with_separate_loss_scales():
    cfg = Config(dict(optim_wrapper=optim_wrapper_cfg()))
    enable_amp(cfg, 'bfloat16')
    for name in ('generator', 'discriminator'):
        wrapper = cfg.optim_wrapper[name]
        assert wrapper.type == 'AmpOptimWrapper' and wrapper.loss_scale == 'dynamic'
        assert wrapper.dtype == 'bfloat16'
    assert cfg.optim_wrapper.constructor == 'CLANOptimWrapperConstructor'
    assert cfg.optim_wrapper.generator.optimizer.type == 'SGD'


def test_bf16_step_keeps_loss_math_fp32_and_updates_both_networks():
    torch.manual_seed(0)
    model = build_tiny_clan()
    model.set_train_progress(6000, 10000)
    built = build_optim_wrapper(model, optim_wrapper_cfg())
    wrappers = OptimWrapperDict(**{name: BF16CPUOptimWrapper(built[name].optimizer)
                                   for name in ('generator', 'discriminator')})
    dtypes = []
    disc_forward = model.discriminator.forward

    def spy(x):
        out = disc_forward(x)
        dtypes.append(out.dtype)
        return out
    model.discriminator.forward = spy
    before = copy.deepcopy(model.state_dict())
    log_vars = model.train_step(dict(source=fake_domain_batch(1, (40, 56), seed=0),
                                     target=fake_domain_batch(1, (40, 56), seed=1)), wrappers)
    assert torch.bfloat16 in dtypes  # the networks really ran in bf16
    for key in ('loss_seg', 'loss_adv', 'loss_weight', 'loss_d_source', 'loss_d_target',
                'alignment_map_mean'):
        assert log_vars[key].dtype == torch.float32 and log_vars[key].isfinite(), key
    after = model.state_dict()
    assert not torch.equal(before['discriminator.conv1.weight'],
                           after['discriminator.conv1.weight'])
    assert not torch.equal(before['decode_head.classifier1.conv2d_list.0.weight'],
                           after['decode_head.classifier1.conv2d_list.0.weight'])
