"""Hook that logs CLAN's regime statistics (cos(W1, W2), M, D's BCE) from the training step."""
from typing import Sequence

from mmengine.hooks import Hook, LoggerHook
from mmseg.registry import HOOKS

from ...evaluation.regime_statistics import DEFAULT_QUANTILES, step_regime_statistics
from ...models.segmentors import RecordsTrainSteps
from ...utils import unwrap_model


@HOOKS.register_module()
class CLANRegimeHook(Hook):
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
        model = unwrap_model(runner.model)
        if not isinstance(model, RecordsTrainSteps):
            raise TypeError(f'CLANRegimeHook: model {type(model).__name__} does not record '
                            'its training steps (record_next_step, last_step; use CLAN)')
        if self.interval is None:
            loggers = [hook for hook in runner.hooks if isinstance(hook, LoggerHook)]
            self.interval = loggers[0].interval if loggers else 50  # mmengine's default

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        """Ask the model to keep this iteration's step outputs."""
        if self.every_n_train_iters(runner, self.interval):
            unwrap_model(runner.model).record_next_step()

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if not self.every_n_train_iters(runner, self.interval):
            return
        record = unwrap_model(runner.model).last_step
        if record is None:
            raise RuntimeError(f'CLANRegimeHook: the model kept no step outputs at iteration '
                               f'{runner.iter + 1}')
        for key, value in step_regime_statistics(record.outputs, record.adaptive_eps,
                                                 record.lambda_local, self.quantiles).items():
            runner.message_hub.update_scalar(f'train/{key}', value)
