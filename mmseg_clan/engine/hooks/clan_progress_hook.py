"""Hook that tells the CLAN segmentor the runner's current iteration."""
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from ...models.segmentors import TracksTrainProgress
from ...utils import unwrap_model


@HOOKS.register_module()
class CLANProgressHook(Hook):
    """Calls ``model.set_train_progress(runner.iter, runner.max_iters)`` before each iteration."""

    priority = 'VERY_HIGH'

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        model = unwrap_model(runner.model)
        if not isinstance(model, TracksTrainProgress):
            raise TypeError(f'CLANProgressHook: model {type(model).__name__} has no '
                            'set_train_progress(iter, max_iters)')
        model.set_train_progress(runner.iter, runner.max_iters)
