"""Range checks of the runner's values in a training config, each naming the key and range."""
import math
from typing import Any, Iterator, Tuple

from mmengine.config import Config


def _optimizers(optim_wrapper: Any) -> Iterator[Tuple[str, dict]]:
    """(config path, optimizer dict) of a single wrapper or of each entry of a wrapper dict."""
    if not isinstance(optim_wrapper, dict):
        return
    if isinstance(optim_wrapper.get('optimizer'), dict):
        yield 'optim_wrapper.optimizer', optim_wrapper['optimizer']
        return
    for name, wrapper in optim_wrapper.items():
        if isinstance(wrapper, dict) and isinstance(wrapper.get('optimizer'), dict):
            yield f'optim_wrapper.{name}.optimizer', wrapper['optimizer']


def _positive(value: Any, integer: bool) -> bool:
    if isinstance(value, bool):
        return False
    if integer:
        return isinstance(value, int) and value > 0
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def check_runner_values(cfg: Config) -> None:
    """Raise ValueError unless ``train_cfg.max_iters``/``max_epochs`` are integers > 0 and
    every optimiser's ``lr`` is a finite number > 0."""
    train_cfg = cfg.get('train_cfg') or {}
    for key in ('max_iters', 'max_epochs'):
        if key in train_cfg and not _positive(train_cfg[key], integer=True):
            raise ValueError(f'train_cfg.{key} must be an integer > 0, got {train_cfg[key]!r}')
    for path, optimizer in _optimizers(cfg.get('optim_wrapper')):
        if 'lr' in optimizer and not _positive(optimizer['lr'], integer=False):
            raise ValueError(f'{path}.lr must be a finite number > 0, got {optimizer["lr"]!r}')
