"""Range checks of CLAN's hyperparameters, each refusal naming the key and its valid range."""
import math


def check_clan_hyperparameters(lambda_adv: float, lambda_weight: float, lambda_local: float,
                               adaptive_eps: float, preheat_iters: int) -> None:
    """Raise ValueError unless every lambda and ``adaptive_eps`` is finite and >= 0 and
    ``preheat_iters`` is an integer >= 0."""
    for key, value in (('lambda_adv', lambda_adv), ('lambda_weight', lambda_weight),
                       ('lambda_local', lambda_local), ('adaptive_eps', adaptive_eps)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                math.isfinite(value) and value >= 0):
            raise ValueError(f'CLAN: model.{key} must be a finite number >= 0, got {value!r}')
    if isinstance(preheat_iters, bool) or not isinstance(preheat_iters, int) or preheat_iters < 0:
        raise ValueError(f'CLAN: model.preheat_iters must be an integer >= 0, got '
                         f'{preheat_iters!r}')
