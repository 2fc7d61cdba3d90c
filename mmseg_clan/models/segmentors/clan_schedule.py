"""CLAN's iteration schedule of its loss weights (official code), as pure functions."""
from typing import NamedTuple

from .clan_weights import CLANWeights


class StepSchedule(NamedTuple):
    """What the schedule sets for one iteration: damping, whether M weights the adversarial
    losses, and the factors of the generator's adversarial and weight-discrepancy losses."""
    damping: float
    adaptive: bool
    adversarial_factor: float
    weight_factor: float


def check_progress(train_iter: int, max_iters: int) -> None:
    """Raise ValueError unless ``0 <= train_iter <= max_iters`` and ``max_iters > 0``."""
    if max_iters <= 0 or not 0 <= train_iter <= max_iters:
        raise ValueError(f'CLAN: invalid train progress iter={train_iter}, '
                         f'max_iters={max_iters}')


def damping(train_iter: int, max_iters: int) -> float:
    """1 - it / T: scales the adversarial and weight losses (official, it 0-based)."""
    return 1.0 - train_iter / max_iters


def adaptive_weighting_active(train_iter: int, preheat_iters: int, enabled: bool = True) -> bool:
    """Whether M weights the adversarial losses: after the preheat, ``it > preheat_iters``
    (official PREHEAT_STEPS), unless switched off (AdaptSegNet, ablation)."""
    return enabled and train_iter > preheat_iters


def step_schedule(weights: CLANWeights, train_iter: int, max_iters: int) -> StepSchedule:
    """The schedule of iteration ``train_iter`` (0-based) of ``max_iters``: adversarial factor
    lambda_adv * damping, weight factor 2 * lambda_weight * damping (both official)."""
    check_progress(train_iter, max_iters)
    scale = damping(train_iter, max_iters)
    return StepSchedule(
        damping=scale,
        adaptive=adaptive_weighting_active(train_iter, weights.preheat_iters,
                                           weights.use_adaptive_weighting),
        adversarial_factor=weights.lambda_adv * scale,
        weight_factor=2.0 * weights.lambda_weight * scale)
