from .checkpoint import (
                         check_model_state_dict,
                         checkpoint_state_dict,
                         prepare_checkpoint_start,
                         read_checkpoint,
                         register_mmengine_safe_globals,
                         state_dict_mismatch,
)
from .checkpoint_config import install_checkpoint_config_guard
from .distributed import init_cpu_distributed
from .mmcv_ops_fallback import (
                                CompiledOpUnavailableError,
                                compiled_mmcv_ops_available,
                                install_mmcv_ops_fallback,
)
from .model_unwrap import unwrap_model
from .openmmlab_line import (
                             UnsupportedOpenMMLabError,
                             check_openmmlab_line,
                             match_openmmlab_line,
)
from .strict_mmengine_loading import enforce_strict_mmengine_loading

__all__ = [
    'CompiledOpUnavailableError', 'UnsupportedOpenMMLabError', 'check_model_state_dict',
    'check_openmmlab_line', 'checkpoint_state_dict', 'compiled_mmcv_ops_available',
    'enforce_strict_mmengine_loading', 'init_cpu_distributed', 'install_checkpoint_config_guard',
    'install_mmcv_ops_fallback', 'match_openmmlab_line', 'prepare_checkpoint_start',
    'read_checkpoint', 'register_mmengine_safe_globals', 'state_dict_mismatch', 'unwrap_model'
]
