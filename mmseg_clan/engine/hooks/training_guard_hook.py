"""Hook that refuses inconsistent training inputs with clear errors."""
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import BaseTTAModel, is_model_wrapper
from mmseg.registry import HOOKS

from ..runner.checkpoint_guard import state_dict_mismatch


@HOOKS.register_module()
class TrainingGuardHook(Hook):
    """Checks that the dataset, heads and discriminator agree on the number of classes, and
    that a loaded checkpoint belongs to the model's architecture.

    Only discriminator keys may be missing from a checkpoint (e.g. starting CLAN from a
    source-only model); anything else missing, unexpected or wrongly shaped is an error.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        model = _unwrap(runner.model)
        dataset = runner.train_dataloader.dataset
        classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
        if classes is None:
            raise ValueError(f'TrainingGuardHook: the training dataset {type(dataset).__name__} '
                             "has no metainfo['classes']")
        counts = {f'dataset {type(dataset).__name__} classes': len(classes),
                  'decode_head.num_classes': model.decode_head.num_classes}
        if getattr(model, 'discriminator', None) is not None:
            counts['discriminator.num_classes'] = model.discriminator.num_classes
        if len(set(counts.values())) != 1:
            raise ValueError('TrainingGuardHook: class counts differ: ' + ', '.join(
                f'{name}={count}' for name, count in counts.items()))

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        model = _unwrap(runner.model)
        state_dict = {k[len('module.'):] if k.startswith('module.') else k: v
                      for k, v in checkpoint.get('state_dict', checkpoint).items()}
        only_discriminator_missing = {k: v for k, v in model.state_dict().items()
                                      if k.startswith('discriminator.') and k not in state_dict}
        report = state_dict_mismatch(model, {**only_discriminator_missing, **state_dict})
        if report:
            raise ValueError('TrainingGuardHook: the checkpoint does not match the model '
                             f'{type(model).__name__} (another architecture?):\n{report}')
        if only_discriminator_missing:
            print_log('TrainingGuardHook: the checkpoint has no discriminator; it starts from '
                      'its initialisation', logger='current', level='WARNING')


def _unwrap(model):
    """The segmentor inside DDP-style wrappers and test-time-augmentation models."""
    while is_model_wrapper(model) or isinstance(model, BaseTTAModel):
        model = model.module
    return model
