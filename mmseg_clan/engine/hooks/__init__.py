from .clan_progress_hook import CLANProgressHook
from .clan_regime_hook import CLANRegimeHook
from .random_state_hook import RandomStateHook, capture_random_state, restore_random_state
from .safe_checkpoint_hook import SafeCheckpointHook
from .training_guard_hook import TrainingGuardHook
from .uda_visualization_hook import UDAVisualizationHook

__all__ = [
    'CLANProgressHook', 'CLANRegimeHook', 'RandomStateHook', 'SafeCheckpointHook',
    'TrainingGuardHook',
    'capture_random_state', 'restore_random_state', 'UDAVisualizationHook'
]
