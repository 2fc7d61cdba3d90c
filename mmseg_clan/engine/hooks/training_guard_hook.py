"""Hook that refuses inconsistent training inputs with clear errors."""
import logging

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmseg.registry import HOOKS

from ...datasets.transforms import CheckedLoadAnnotations
from ...models.segmentors import NamesOptimizers
from ...utils import check_model_state_dict, checkpoint_state_dict, unwrap_model


def label_loaders(dataset) -> list:
    """(name, transform) of every CheckedLoadAnnotations in the pipelines of ``dataset`` and,
    for a UDADataset, of its source and target datasets."""
    found = []
    for role in ('source', 'target', None):
        part = dataset if role is None else getattr(dataset, role, None)
        for index, transform in enumerate(getattr(getattr(part, 'pipeline', None), 'transforms',
                                                  [])):
            if isinstance(transform, CheckedLoadAnnotations):
                found.append((f'{role or "dataset"}.pipeline[{index}]', transform))
    return found


@HOOKS.register_module()
class TrainingGuardHook(Hook):
    """Checks that the dataset, heads, discriminator and label loaders agree on the number of
    classes (and the loaders with the head on the ignore index), that the optimiser wrappers
    are the ones the model trains with, and that a loaded checkpoint belongs to the model's
    architecture.

    Only discriminator keys may be missing from a checkpoint (e.g. starting CLAN from a
    source-only model); anything else missing, unexpected or wrongly shaped is an error.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        model = unwrap_model(runner.model, through_tta=True)
        dataset = runner.train_dataloader.dataset
        classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
        if classes is None:
            raise ValueError(f'TrainingGuardHook: the training dataset {type(dataset).__name__} '
                             "has no metainfo['classes']")
        # MMSeparateDistributedDataParallel wraps each submodule of the model
        head = unwrap_model(model.decode_head)
        counts = {f'dataset {type(dataset).__name__} classes': len(classes),
                  'decode_head.num_classes': head.num_classes}
        if getattr(model, 'discriminator', None) is not None:
            counts['discriminator.num_classes'] = unwrap_model(model.discriminator).num_classes
        ignore = {'decode_head.ignore_index': head.ignore_index}
        for name, loader in label_loaders(dataset):
            counts[f'{name}.num_classes'] = loader.num_classes
            ignore[f'{name}.ignore_index'] = loader.ignore_index
        for what, values in (('class counts', counts), ('ignore indices', ignore)):
            if len(set(values.values())) != 1:
                raise ValueError(f'TrainingGuardHook: {what} differ: ' + ', '.join(
                    f'{name}={value}' for name, value in values.items()))
        if not isinstance(model, NamesOptimizers):
            return
        wanted = model.optimizer_names
        available = list(getattr(runner.optim_wrapper, 'optim_wrappers', {}))
        if sorted(wanted) != sorted(available):
            raise ValueError(f'TrainingGuardHook: {type(model).__name__} trains with the '
                             f'optimiser wrappers {wanted}, optim_wrapper builds {available}; '
                             "use constructor='CLANOptimWrapperConstructor' with those entries")

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        model = unwrap_model(runner.model, through_tta=True)
        missing_discriminator = check_model_state_dict(
            model, checkpoint_state_dict(checkpoint), allowed_missing_prefixes=('discriminator.', ),
            source='TrainingGuardHook: the checkpoint')
        if missing_discriminator:
            print_log('TrainingGuardHook: the checkpoint has no discriminator; it starts from '
                      'its initialisation', logger='current', level=logging.WARNING)

