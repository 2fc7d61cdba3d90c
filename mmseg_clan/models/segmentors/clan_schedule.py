"""CLAN's iteration schedule of its loss weights (official code), as pure functions."""


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


def weight_loss_factor(lambda_weight: float, train_iter: int, max_iters: int) -> float:
    """Factor of cos(W1, W2) + 1 in the generator's loss: 2 * lambda_weight * damping, the
    factor of the official code."""
    return 2.0 * lambda_weight * damping(train_iter, max_iters)


def adversarial_loss_factor(lambda_adv: float, train_iter: int, max_iters: int) -> float:
    """Factor of the generator's adversarial loss: lambda_adv * damping (official)."""
    return lambda_adv * damping(train_iter, max_iters)
