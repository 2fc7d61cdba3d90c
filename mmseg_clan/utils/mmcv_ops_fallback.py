"""Pure-PyTorch stand-in for ``mmcv.ops`` when mmcv has no compiled ops.

mmsegmentation 1.2.2 imports compiled ``mmcv.ops`` at module level in a few
places. With mmcv-lite those imports fail, so this module installs a
replacement ``mmcv.ops`` that implements the pure-PyTorch ops and raises a
clear error for the ones that need compiled kernels. onedl-mmsegmentation
guards those imports itself, but onedl-mmcv built without ops has the same
gap (``mmcv._ext`` missing), so the replacement is installed there too.
"""
import importlib
import sys
import types
import warnings

import torch
import torch.nn.functional as F

FALLBACK_MODULE_FLAG = '__mmseg_clan_fallback__'


class CompiledOpUnavailableError(RuntimeError):
    """Raised when an mmcv op that needs compiled kernels is used under mmcv-lite."""


def point_sample(input: torch.Tensor,
                 points: torch.Tensor,
                 align_corners: bool = False,
                 **kwargs) -> torch.Tensor:
    """Sample ``input`` at normalised ``points`` in [0, 1]² (mmcv.ops.point_sample)."""
    squeeze_grid = points.dim() == 3
    if squeeze_grid:
        points = points.unsqueeze(2)
    grid = points * 2.0 - 1.0
    output = F.grid_sample(input, grid, align_corners=align_corners, **kwargs)
    return output.squeeze(3) if squeeze_grid else output


def _unavailable_op(name: str) -> type:
    """Make a placeholder class for a compiled op that fails when used."""

    def fail(*args, **kwargs):
        raise CompiledOpUnavailableError(
            f'mmcv.ops.{name} needs the compiled mmcv extension, which this mmcv lacks '
            '(mmcv-lite, or onedl-mmcv built without ops). Upstream line: install full mmcv '
            'instead, e.g. `pip uninstall -y mmcv-lite && pip install "mmcv>=2.0.0,<2.2.0" '
            '-f https://download.openmmlab.com/mmcv/dist/<cuda>/<torch>/index.html`; OneDL '
            'line: build onedl-mmcv with its ops (README, "Supported OpenMMLab lines").')

    return type(name, (), {'__init__': fail, '__doc__': f'Unavailable compiled op {name}.'})


def _build_fallback_module() -> types.ModuleType:
    module = types.ModuleType('mmcv.ops', __doc__)
    module.point_sample = point_sample
    setattr(module, FALLBACK_MODULE_FLAG, True)
    placeholders: dict = {}

    def module_getattr(name: str):
        if name.startswith('__'):
            raise AttributeError(name)
        if name not in placeholders:
            placeholders[name] = _unavailable_op(name)
        return placeholders[name]

    module.__getattr__ = module_getattr
    return module


def compiled_mmcv_ops_available() -> bool:
    """Whether the real, compiled ``mmcv.ops`` imports."""
    module = sys.modules.get('mmcv.ops')
    if module is not None:
        return not getattr(module, FALLBACK_MODULE_FLAG, False)
    try:
        importlib.import_module('mmcv.ops')
    except ImportError:
        sys.modules.pop('mmcv.ops', None)
        return False
    return True


def install_mmcv_ops_fallback() -> bool:
    """Install the fallback ``mmcv.ops`` if the compiled one is missing.

    Returns True if the fallback was installed (or already was), False when
    full mmcv is present and nothing was changed.
    """
    if compiled_mmcv_ops_available():
        return False
    import mmcv
    fallback = sys.modules.get('mmcv.ops')
    if fallback is None:
        fallback = _build_fallback_module()
        sys.modules['mmcv.ops'] = fallback
    mmcv.ops = fallback
    # mmcv.cnn warns on import that this compiled op is missing; using it raises our clear error.
    warnings.filterwarnings('ignore', message='Fail to import ``MultiScaleDeformableAttention``')
    return True
