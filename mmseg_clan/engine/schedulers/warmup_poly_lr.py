"""Official CLAN learning-rate schedule: linear warm-up from 0, then poly decay from it=0."""
from mmengine.optim.scheduler.lr_scheduler import LRSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import _ParamScheduler
from mmseg.registry import PARAM_SCHEDULERS


class WarmupPolyParamScheduler(_ParamScheduler):
    """value = base * it / warmup_iters for it < warmup_iters, else
    base * (1 - it / total_iters) ** power, with it the 0-based iteration since ``begin``."""

    def __init__(self, optimizer, param_name: str, warmup_iters: int = 5000,
                 power: float = 0.9, begin: int = 0, end: int = 100000,
                 by_epoch: bool = False, last_step: int = -1, verbose: bool = False) -> None:
        if by_epoch:
            raise ValueError('WarmupPolyLR: official CLAN schedules by iteration; '
                             'use by_epoch=False')
        if not 0 <= warmup_iters < end - begin:
            raise ValueError(f'WarmupPolyLR: warmup_iters={warmup_iters} must be in '
                             f'[0, end - begin={end - begin})')
        self.warmup_iters = warmup_iters  # official PREHEAT_STEPS
        self.power = power  # official POWER
        self.total_iters = end - begin  # official NUM_STEPS
        super().__init__(optimizer, param_name, begin=begin, end=end, by_epoch=by_epoch,
                         last_step=last_step, verbose=verbose)

    def _factor(self, step: int) -> float:
        if step < self.warmup_iters:
            return step / self.warmup_iters
        return (1.0 - step / self.total_iters) ** self.power

    def _get_value(self):
        return [base * self._factor(self.last_step) for base in self.base_values]


@PARAM_SCHEDULERS.register_module()
class WarmupPolyLR(LRSchedulerMixin, WarmupPolyParamScheduler):
    """Learning-rate version of :class:`WarmupPolyParamScheduler`."""
