"""Speed switches of the CLAN segmentor that leave its math unchanged (layout, compilation)."""
from typing import Iterable

import torch
import torch.nn as nn
from torch import Tensor


def to_channels_last(module: nn.Module) -> nn.Module:
    """Store every 4-D parameter and buffer of ``module`` in channels-last (NHWC) layout."""
    return module.to(memory_format=torch.channels_last)


def channels_last_input(inputs: Tensor) -> Tensor:
    """``inputs`` (N, C, H, W) in channels-last layout; other ranks are returned unchanged."""
    return inputs.contiguous(memory_format=torch.channels_last) if inputs.dim() == 4 else inputs


def compile_modules(modules: Iterable[nn.Module], compile_cfg: dict) -> None:
    """Compile each module's forward in place with ``torch.compile(**compile_cfg)``.

    In-place ``nn.Module.compile`` keeps parameter names, so checkpoints stay compatible.
    """
    if not isinstance(compile_cfg, dict):
        raise TypeError(f'CLAN: compile_cfg must be a dict of torch.compile keyword arguments '
                        f'(e.g. dict(mode="max-autotune-no-cudagraphs")), got {compile_cfg!r}')
    for module in modules:
        module.compile(**compile_cfg)


def apply_speed_options(model: nn.Module, channels_last: bool, compile_cfg: dict | None) -> None:
    """Switch a CLAN model to channels-last and/or compile its backbone, decode head, loss
    modules and discriminator."""
    if channels_last:
        to_channels_last(model)
    if compile_cfg is not None:
        loss_decode = model.decode_head.loss_decode
        losses = list(loss_decode) if isinstance(loss_decode, nn.ModuleList) else [loss_decode]
        discriminator = [model.discriminator] if model.with_discriminator else []
        compile_modules([model.backbone, model.decode_head, *losses, *discriminator],
                        compile_cfg)
