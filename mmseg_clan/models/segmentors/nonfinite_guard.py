"""Guard against NaN/Inf loss terms, gradients, learning rates and updated parameters of a
training step, with bounded skips."""
import logging
import math
from typing import List, Sequence, Tuple

import torch
from mmengine.logging import print_log
from mmengine.optim import AmpOptimWrapper
from torch import Tensor, nn

NONFINITE_POLICIES = ('raise', 'skip')


class NonFiniteLossError(FloatingPointError):
    """A loss term or gradient became NaN or Inf during a CLAN training step."""


def first_nonfinite(terms: Sequence[Tuple[str, Tensor]], wrappers: Sequence) -> str | None:
    """Description of the first non-finite loss term, else of non-finite gradients of the
    (non-AMP: their scaler handles it) ``wrappers``, else None; one host synchronisation."""
    grads = [p.grad for wrapper in wrappers if not isinstance(wrapper, AmpOptimWrapper)
             for group in wrapper.optimizer.param_groups for p in group['params']
             if p.grad is not None]
    checks = [torch.isfinite(loss).all() for _, loss in terms]
    if grads:
        checks.append(torch.isfinite(torch.stack(torch._foreach_norm(
            [g.float() for g in grads]))).all())
    if not checks:
        return None
    finite = torch.stack(checks).tolist()
    for (name, loss), ok in zip(terms, finite):
        if not ok:
            return f'non-finite {name} = {loss.float().item()}'
    return None if not grads or finite[-1] else 'non-finite gradients'


def nonfinite_learning_rate(wrappers: Sequence) -> str | None:
    """Description of the first non-finite learning rate of ``wrappers``' optimisers, or None."""
    for wrapper in wrappers:
        for index, group in enumerate(wrapper.optimizer.param_groups):
            if not math.isfinite(float(group['lr'])):
                return (f'non-finite learning rate lr={float(group["lr"])} '
                        f'({type(wrapper.optimizer).__name__} param group {index})')
    return None


def nonfinite_parameters(module: nn.Module) -> List[str]:
    """Names of ``module``'s parameters holding NaN or Inf (one host synchronisation)."""
    named = [(name, p) for name, p in module.named_parameters() if p.is_floating_point()]
    if not named:
        return []
    norms = torch._foreach_norm([p.detach().float() for _, p in named])
    if torch.isfinite(torch.stack(norms)).all():
        return []
    return [name for name, p in named if not torch.isfinite(p.detach()).all()]


class NonFiniteGuard:
    """Decides what a step with a non-finite term does: ``policy='raise'`` raises; ``'skip'``
    skips it with a warning and raises once ``max_consecutive_skips`` steps in a row or
    ``max_total_skips`` in all were skipped."""

    def __init__(self, policy: str = 'raise', max_consecutive_skips: int = 10,
                 max_total_skips: int = 100) -> None:
        if policy not in NONFINITE_POLICIES:
            raise ValueError(f'CLAN: nonfinite_policy must be one of {NONFINITE_POLICIES}, '
                             f'got {policy!r}')
        if max_consecutive_skips < 1 or max_total_skips < 1:
            raise ValueError('CLAN: the non-finite skip limits must be >= 1, got '
                             f'consecutive={max_consecutive_skips}, total={max_total_skips}')
        self.policy = policy
        self.max_consecutive_skips = max_consecutive_skips
        self.max_total_skips = max_total_skips
        self.total_skips = 0
        self.consecutive_skips = 0

    def step_is_finite(self, terms: List[Tuple[str, Tensor]], wrappers: Sequence,
                       train_iter: int | None) -> bool:
        """True when every term and gradient is finite; False for a step to skip; raises
        NonFiniteLossError by the policy and the limits, and always for a non-finite learning
        rate (the update would make the parameters non-finite)."""
        learning_rate = nonfinite_learning_rate(wrappers)
        if learning_rate is not None:
            raise NonFiniteLossError(f'CLAN: {learning_rate} at iteration {train_iter}; the '
                                     'update is not applied (check optim_wrapper and '
                                     'param_scheduler)')
        problem = first_nonfinite(terms, wrappers)
        if problem is None:
            self.consecutive_skips = 0
            return True
        message = f'CLAN: {problem} at iteration {train_iter}'
        if self.policy == 'raise':
            raise NonFiniteLossError(f"{message}; set nonfinite_policy='skip' to skip such steps")
        self.total_skips += 1
        self.consecutive_skips += 1
        if self.consecutive_skips >= self.max_consecutive_skips:
            raise NonFiniteLossError(f'{message}: {self.consecutive_skips} consecutive steps '
                                     f'skipped (max_consecutive_skips={self.max_consecutive_skips})'
                                     '; the run stops')
        if self.total_skips >= self.max_total_skips:
            raise NonFiniteLossError(f'{message}: {self.total_skips} steps skipped in all '
                                     f'(max_total_skips={self.max_total_skips}); the run stops')
        print_log(f'{message}: step skipped ({self.consecutive_skips} in a row, '
                  f'{self.total_skips} in all)', logger='current', level=logging.WARNING)
        return False

    @staticmethod
    def check_updated_parameters(module: nn.Module, train_iter: int | None) -> None:
        """Raise NonFiniteLossError naming the parameters an optimiser update made non-finite."""
        names = nonfinite_parameters(module)
        if names:
            raise NonFiniteLossError(
                f'CLAN: parameters became non-finite after the optimiser update at iteration '
                f'{train_iter}: {", ".join(names[:8])}{" ..." if len(names) > 8 else ""} '
                f'({len(names)} in all); nothing of this step is saved')
