from .checkpoint_guard import read_checkpoint, state_dict_mismatch
from .checkpoint_start import prepare_checkpoint_start
from .cpu_distributed import init_cpu_distributed
from .random_state_hook import RandomStateHook, capture_random_state, restore_random_state
from .training_guard_hook import TrainingGuardHook

__all__ = [
    'RandomStateHook', 'TrainingGuardHook', 'capture_random_state', 'init_cpu_distributed',
    'prepare_checkpoint_start',
    'read_checkpoint', 'restore_random_state', 'state_dict_mismatch'
]
