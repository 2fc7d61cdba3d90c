from .checkpoint_guard import read_checkpoint, state_dict_mismatch
from .checkpoint_start import prepare_checkpoint_start
from .random_state_hook import RandomStateHook, capture_random_state, restore_random_state
from .training_guard_hook import TrainingGuardHook

__all__ = [
    'RandomStateHook', 'TrainingGuardHook', 'capture_random_state', 'prepare_checkpoint_start',
    'read_checkpoint', 'restore_random_state', 'state_dict_mismatch'
]
