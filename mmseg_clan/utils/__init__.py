from .mmcv_ops_fallback import (
                                CompiledOpUnavailableError,
                                compiled_mmcv_ops_available,
                                install_mmcv_ops_fallback,
)
from .safe_checkpoint import register_mmengine_safe_globals

__all__ = [
    'CompiledOpUnavailableError', 'compiled_mmcv_ops_available', 'install_mmcv_ops_fallback',
    'register_mmengine_safe_globals'
]
