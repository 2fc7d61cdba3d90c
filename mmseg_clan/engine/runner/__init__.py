from .checkpoint_guard import read_checkpoint, state_dict_mismatch
from .checkpoint_start import prepare_checkpoint_start
from .cpu_distributed import init_cpu_distributed

__all__ = [
    'init_cpu_distributed', 'prepare_checkpoint_start', 'read_checkpoint', 'state_dict_mismatch'
]
