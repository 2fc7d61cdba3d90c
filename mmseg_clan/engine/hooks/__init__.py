from .clan_progress_hook import CLANProgressHook
from .random_state_hook import RandomStateHook, capture_random_state, restore_random_state
from .training_guard_hook import TrainingGuardHook
from .uda_visualization_hook import UDAVisualizationHook

__all__ = [
    'CLANProgressHook', 'RandomStateHook', 'TrainingGuardHook', 'capture_random_state',
    'restore_random_state', 'UDAVisualizationHook'
]
