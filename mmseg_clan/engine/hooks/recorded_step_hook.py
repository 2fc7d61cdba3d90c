"""Base of the hooks that read what the training step itself computed (``StepRecord``)."""
from mmengine.hooks import Hook

from ...models.segmentors import RecordsTrainSteps, StepRecord
from ...utils import unwrap_model


class RecordedStepHook(Hook):
    """Every ``self.interval`` iterations, asks the model to keep the step's detached outputs;
    subclasses read them with :meth:`recorded_step` after the iteration."""

    interval: int

    def before_train(self, runner) -> None:
        model = unwrap_model(runner.model)
        if not isinstance(model, RecordsTrainSteps):
            raise TypeError(f'{type(self).__name__}: model {type(model).__name__} does not '
                            'record its training steps (record_next_step, last_step; use the '
                            'CLAN segmentor)')

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        """Ask the model to keep this iteration's step outputs."""
        if self.every_n_train_iters(runner, self.interval):
            unwrap_model(runner.model).record_next_step()

    def recorded_step(self, runner) -> StepRecord | None:
        """This iteration's kept step (None off the interval); an error if the model kept none."""
        if not self.every_n_train_iters(runner, self.interval):
            return None
        record = unwrap_model(runner.model).last_step
        if record is None:
            raise RuntimeError(f'{type(self).__name__}: the model kept no step outputs at '
                               f'iteration {runner.iter + 1}')
        return record
