"""Hook that logs CLAN's regime statistics (cos(W1, W2), M, D's BCE) from the training step."""
from typing import Sequence

from mmengine.hooks import LoggerHook
from mmseg.registry import HOOKS

from ...evaluation.regime_statistics import DEFAULT_QUANTILES, step_regime_statistics
from .recorded_step_hook import RecordedStepHook


@HOOKS.register_module()
class CLANRegimeHook(RecordedStepHook):
    """Every ``interval`` iterations (None: the logger's), logs ``regime/*`` scalars computed
    from that step's own detached outputs, to the text log and every visualizer backend.

    Scalars (as far as the model has them): ``cos_w1_w2``; ``M_mean``, ``M_p50``, ``M_p90``,
    ``M_p99`` over the target pixels; ``adaptive_weight_mean`` (eps + lambda_local * mean M);
    ``disc_bce_source``, ``disc_bce_target`` and ``disc_bce_over_ln2``.
    """

    priority = 'NORMAL'  # before LoggerHook (BELOW_NORMAL) writes the iteration's line

    def __init__(self, interval: int | None = None,
                 quantiles: Sequence[float] = DEFAULT_QUANTILES) -> None:
        if interval is not None and interval < 1:
            raise ValueError(f'CLANRegimeHook: interval must be >= 1 or None, got {interval}')
        self.interval = interval
        self.quantiles = tuple(quantiles)

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if self.interval is None:
            loggers = [hook for hook in runner.hooks if isinstance(hook, LoggerHook)]
            self.interval = loggers[0].interval if loggers else 50  # mmengine's default

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        record = self.recorded_step(runner)
        if record is None:
            return
        for key, value in step_regime_statistics(record.outputs, record.adaptive_eps,
                                                 record.lambda_local, self.quantiles).items():
            runner.message_hub.update_scalar(f'train/{key}', value)
