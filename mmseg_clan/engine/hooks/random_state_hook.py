"""Hook that makes a resumed run continue with the random state of the interrupted one."""
import logging
import random

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmseg.registry import HOOKS

CHECKPOINT_KEY = 'random_state'


def capture_random_state() -> dict:
    """The python, numpy, torch (and CUDA) generator states of this process."""
    state = dict(python=random.getstate(), numpy=np.random.get_state(),
                 torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def restore_random_state(state: dict) -> None:
    """Set the generators from :func:`capture_random_state`'s output."""
    version, internal, gauss = state['python']
    random.setstate((version, tuple(internal), gauss))
    np.random.set_state(state['numpy'])
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


class _RestoreAfterSkip:
    """Dataloader iterator proxy: restores ``state`` once ``skip`` batches were drawn (the
    resume replay), then hands the loop its own iterator back."""

    def __init__(self, loop, skip: int, state: dict) -> None:
        self.loop, self.skip, self.state = loop, skip, state
        self.iterator = loop.dataloader_iterator

    def __iter__(self):
        return self

    def __next__(self):
        if self.skip == 0:
            restore_random_state(self.state)
            self.loop.dataloader_iterator = self.iterator
        else:
            self.skip -= 1
        return next(self.iterator)

    def skip_iter(self, num_iters: int) -> None:
        """onedl-mmengine's resume call: replay ``num_iters`` batches as mmengine 0.10.7 does.

        onedl-mmengine would fast-forward the sampler without loading the batches, but the
        datasets' per-item draws (UDADataset's visit counts) then differ from the interrupted
        run's; replaying keeps a resumed run identical to an uninterrupted one on both lines.
        """
        for _ in range(num_iters):
            next(self)


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Saves every rank's random state and the UDA target-sampling seed in checkpoints and
    restores them on resume.

    mmengine restores the data position by replaying the skipped batches, which draws random
    numbers; the saved state is restored after that replay, before the next batch is drawn.
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._pending_state: dict | None = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = dict(per_rank=all_gather_object(capture_random_state()))
        dataset = runner.train_dataloader.dataset
        if hasattr(dataset, 'seed'):
            state['dataset_seed'] = dataset.seed
        checkpoint[CHECKPOINT_KEY] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._pending_state = checkpoint.get(CHECKPOINT_KEY)

    def before_train(self, runner) -> None:
        """On resume (iteration > 0; not ``load_from``), restore the saved state."""
        loop, state, self._pending_state = runner.train_loop, self._pending_state, None
        if loop.iter == 0:
            return
        if state is None:
            print_log(f'RandomStateHook: the resumed checkpoint has no {CHECKPOINT_KEY!r}; '
                      'the random state is not restored', logger='current', level=logging.WARNING)
            return
        dataset = runner.train_dataloader.dataset
        if 'dataset_seed' in state and getattr(dataset, 'seed', None) != state['dataset_seed']:
            if runner.train_dataloader.num_workers > 0:  # workers already hold the dataset
                raise RuntimeError(
                    f'RandomStateHook: {type(dataset).__name__}.seed is {dataset.seed} but the '
                    f'checkpoint was trained with {state["dataset_seed"]}; set '
                    f'train_dataloader.dataset.seed={state["dataset_seed"]} (or a fixed '
                    'randomness.seed) to resume with the same target sampling')
            dataset.seed = state['dataset_seed']
        per_rank = state['per_rank']
        if len(per_rank) != get_world_size():
            print_log(f'RandomStateHook: the checkpoint holds {len(per_rank)} ranks\' random '
                      f'states, this run has {get_world_size()}; every rank takes rank 0\'s',
                      logger='current', level=logging.WARNING)
        rank_state = per_rank[get_rank() if len(per_rank) == get_world_size() else 0]
        loop.dataloader_iterator = _RestoreAfterSkip(loop, loop.iter, rank_state)
