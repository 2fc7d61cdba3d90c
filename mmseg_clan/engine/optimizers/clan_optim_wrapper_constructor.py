"""Builds the generator and discriminator optimizer wrappers of a CLAN model."""
import copy
import logging
from collections import Counter
from typing import Dict, List

import torch.nn as nn
from mmengine.logging import MMLogger, print_log
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict
from mmseg.registry import OPTIM_WRAPPER_CONSTRUCTORS

from ...utils import unwrap_model

REPEAT_KEY = 'official_repeated_backbone_updates'
# mmengine's DefaultOptimWrapperConstructor logs this once per frozen parameter.
FROZEN_MESSAGE = 'is skipped since its requires_grad=False'


class _CollectFrozen(logging.Filter):
    """Drops mmengine's per-parameter "skipped since its requires_grad=False" lines, keeping
    the parameter names."""

    def __init__(self) -> None:
        super().__init__()
        self.names: List[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.endswith(FROZEN_MESSAGE):
            self.names.append(message[:-len(FROZEN_MESSAGE)].strip())
            return False
        return True


def official_update_multiplicity(backbone: nn.Module) -> Dict[nn.Parameter, int]:
    """Times each backbone parameter is listed when every sub-module of every child of
    ``backbone`` yields its recursive parameters (official CLAN's 1x group)."""
    counts: Counter = Counter()
    for child in backbone.children():
        for module in child.modules():
            for param in module.parameters():
                counts[param] += 1
    return {param: counts.get(param, 1) for param in backbone.parameters()}


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class CLANOptimWrapperConstructor:
    """``OptimWrapperDict`` with ``generator`` (all but the discriminator) and ``discriminator``
    (a model without a discriminator, e.g. source-only, drops that entry with an INFO line).

    Each entry is an ``OptimWrapper`` config (``optimizer``, optional ``paramwise_cfg``) built by
    mmengine's default constructor. ``paramwise_cfg.official_repeated_backbone_updates=True``
    (generator, ``RepeatedSGD`` only) repeats backbone updates as the official code did.
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: dict | None = None) -> None:
        if paramwise_cfg is not None:
            raise ValueError('CLANOptimWrapperConstructor: put paramwise_cfg inside '
                             'optim_wrapper.generator / optim_wrapper.discriminator')
        unknown = set(optim_wrapper_cfg) - {'generator', 'discriminator'}
        if unknown or 'generator' not in optim_wrapper_cfg:
            raise ValueError('CLANOptimWrapperConstructor: optim_wrapper needs a "generator" '
                             'and optionally a "discriminator" entry, got keys '
                             f'{sorted(optim_wrapper_cfg)}')
        self.optim_wrapper_cfg = copy.deepcopy(optim_wrapper_cfg)

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        model = unwrap_model(model)
        discriminator = getattr(model, 'discriminator', None)
        has_disc_cfg = 'discriminator' in self.optim_wrapper_cfg
        if discriminator is not None and not has_disc_cfg:
            raise ValueError('CLANOptimWrapperConstructor: the model has a discriminator, so '
                             'optim_wrapper needs a "discriminator" entry')
        if discriminator is None and has_disc_cfg:
            print_log('CLANOptimWrapperConstructor: the model has no discriminator; '
                      'optim_wrapper.discriminator is not built', logger='current',
                      level=logging.INFO)
        generator = nn.ModuleDict(
            {name: child for name, child in model.named_children() if name != 'discriminator'})
        wrappers = dict(generator=self._build_generator(generator, model))
        if discriminator is not None:
            wrappers['discriminator'] = self._build(discriminator,
                                                    self.optim_wrapper_cfg['discriminator'])
        return OptimWrapperDict(**wrappers)

    @staticmethod
    def _build(module: nn.Module, cfg: dict):
        """mmengine's default constructor; its per-parameter warnings about frozen parameters
        become one line with their count and an example."""
        cfg = copy.deepcopy(cfg)
        paramwise_cfg = cfg.pop('paramwise_cfg', None)
        logger, frozen = MMLogger.get_current_instance(), _CollectFrozen()
        logger.addFilter(frozen)
        try:
            wrapper = DefaultOptimWrapperConstructor(cfg, paramwise_cfg)(module)
        finally:
            logger.removeFilter(frozen)
        if frozen.names:
            print_log(f'CLANOptimWrapperConstructor: {len(frozen.names)} parameters with '
                      f'requires_grad=False (e.g. frozen norm layers) are not optimised, such '
                      f'as {frozen.names[0]}', logger='current', level=logging.WARNING)
        return wrapper

    def _build_generator(self, generator: nn.Module, model: nn.Module):
        cfg = copy.deepcopy(self.optim_wrapper_cfg['generator'])
        paramwise_cfg = dict(cfg.get('paramwise_cfg') or {})
        repeated = paramwise_cfg.pop(REPEAT_KEY, False)
        cfg['paramwise_cfg'] = paramwise_cfg or None
        wrapper = self._build(generator, cfg)
        if not repeated:
            return wrapper
        optimizer = wrapper.optimizer
        if 'repeats' not in optimizer.defaults:
            raise ValueError(f'CLANOptimWrapperConstructor: {REPEAT_KEY}=True needs '
                             f"optimizer type 'RepeatedSGD', got {type(optimizer).__name__}")
        multiplicity = official_update_multiplicity(model.backbone)
        groups = []
        for group in optimizer.param_groups:
            by_repeats: Dict[int, list] = {}
            for param in group['params']:
                by_repeats.setdefault(multiplicity.get(param, 1), []).append(param)
            for repeats, params in sorted(by_repeats.items()):
                groups.append({**group, 'params': params, 'repeats': repeats})
        wrapper.optimizer = type(optimizer)(groups, **optimizer.defaults)
        return wrapper
