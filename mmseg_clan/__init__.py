"""mmseg-clan: CLAN unsupervised domain adaptation as an MMSegmentation 1.x plugin.

Importing this package checks that mmseg, mmengine and mmcv come from a supported line
(upstream OpenMMLab or OneDL), makes mmseg importable without compiled mmcv, allows mmengine
checkpoints in safe loading and keeps mmengine's own loading safe, makes mmengine's inferencers
read a checkpoint's stored config as data (never executed), and registers every component in
mmseg's registries.
"""
from .utils import (
    check_openmmlab_line,
    enforce_strict_mmengine_loading,
    install_checkpoint_config_guard,
    install_mmcv_ops_fallback,
    register_mmengine_safe_globals,
)

check_openmmlab_line()
install_mmcv_ops_fallback()
register_mmengine_safe_globals()
install_checkpoint_config_guard()
enforce_strict_mmengine_loading()

from . import datasets, engine, evaluation, models  # noqa: E402,F401  (registers components)

__version__ = '0.1.0'
