"""Allow-list for loading mmengine checkpoints with ``torch.load(weights_only=True)``.

torch >= 2.6 loads with ``weights_only=True`` by default, and mmengine 0.10.7
checkpoints hold a few non-tensor objects (the message hub's ``HistoryBuffer``
with numpy arrays). Exactly those types are allow-listed here; everything else
in a pickle stays refused.
"""
import pickle

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

# HistoryBuffer pickles its statistics table as ``getattr(HistoryBuffer, name)``.
HISTORY_BUFFER_METHODS = frozenset(('min', 'max', 'mean', 'current'))


def history_buffer_method(owner: object, name: str):
    """Restricted ``getattr`` for unpickling: only HistoryBuffer's statistics methods."""
    if owner is not HistoryBuffer or name not in HISTORY_BUFFER_METHODS:
        raise pickle.UnpicklingError(
            f'checkpoint refused: getattr({owner!r}, {name!r}) is not a reference '
            'that an mmengine checkpoint contains')
    return getattr(owner, name)


def _numpy_safe_globals() -> list:
    multiarray = np.core.multiarray
    entries = [np.ndarray, np.dtype]
    for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        entries.append((multiarray._reconstruct, f'{module}._reconstruct'))
        entries.append((multiarray.scalar, f'{module}.scalar'))
    entries.extend(type(np.dtype(code)) for code in '?bBhHiIlLqQefdgFDG')
    return entries


def register_mmengine_safe_globals() -> None:
    """Allow exactly the non-tensor types of mmengine checkpoints in safe loading."""
    torch.serialization.add_safe_globals(
        [HistoryBuffer, (history_buffer_method, 'builtins.getattr')] + _numpy_safe_globals())
