"""Checkpoint loading and inspection: safe loading of mmengine checkpoints, clear errors for
unreadable files, and reports of keys that do not fit a model.

torch >= 2.6 loads with ``weights_only=True`` by default, and mmengine 0.10.7 checkpoints hold a
few non-tensor objects (the message hub's ``HistoryBuffer`` with numpy arrays). Exactly those
types are allow-listed here; everything else in a pickle stays refused.
"""
import os.path as osp
import pickle
from typing import Dict, Iterable, Mapping, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer
from mmengine.runner import find_latest_checkpoint
from torch import nn

# HistoryBuffer pickles its statistics table as ``getattr(HistoryBuffer, name)``.
HISTORY_BUFFER_METHODS = frozenset(('min', 'max', 'mean', 'current'))
MAX_LISTED_KEYS = 8


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


def read_checkpoint(filename: str) -> dict:
    """``torch.load`` a local checkpoint safely on CPU, naming the file if it is missing,
    unreadable (truncated, corrupted, not a checkpoint) or not a dict."""
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} does not exist')
    try:
        checkpoint = torch.load(filename, map_location='cpu', weights_only=True)
    except Exception as e:
        raise RuntimeError(f'checkpoint {filename} cannot be read (truncated, corrupted, unsafe '
                           f'or not a PyTorch file?): {type(e).__name__}: {e}') from e
    if not isinstance(checkpoint, dict):
        raise RuntimeError(f'checkpoint {filename} holds a {type(checkpoint).__name__}, '
                           'expected a dict')
    return checkpoint


def checkpoint_state_dict(checkpoint: Mapping,
                          filename: str = 'checkpoint') -> Dict[str, torch.Tensor]:
    """The tensors of a checkpoint: its ``state_dict`` entry (or itself), ``module.`` prefixes
    (DDP) removed; raises ValueError naming ``filename`` for non-tensor entries."""
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state_dict, Mapping):
        raise ValueError(f'{filename}: expected a state dict (a mapping of names to tensors), '
                         f'got {type(state_dict).__name__}')
    not_tensors = [k for k, v in state_dict.items() if not isinstance(v, torch.Tensor)]
    if not_tensors:
        raise ValueError(f'{filename}: expected tensors only, found non-tensor entries '
                         f'{listed(not_tensors)}')
    return {k[len('module.'):] if k.startswith('module.') else k: v
            for k, v in state_dict.items()}


def listed(keys: Iterable[str]) -> str:
    """Sorted keys, the first few of them, with the count when there are more."""
    keys = sorted(keys)
    more = f', ... ({len(keys)} in all)' if len(keys) > MAX_LISTED_KEYS else ''
    return ', '.join(keys[:MAX_LISTED_KEYS]) + more


def state_dict_mismatch(expected_shapes: Mapping[str, Sequence[int]],
                        state_dict: Mapping[str, torch.Tensor]) -> str:
    """A report of missing, unexpected and wrongly shaped keys ('' when they match)."""
    missing = set(expected_shapes) - set(state_dict)
    unexpected = set(state_dict) - set(expected_shapes)
    shapes = [f'{k}: checkpoint {tuple(state_dict[k].shape)} vs expected {tuple(shape)}'
              for k, shape in expected_shapes.items()
              if k in state_dict and tuple(state_dict[k].shape) != tuple(shape)]
    lines = [f'{title}: {listed(keys)}' for title, keys in (
        ('missing in checkpoint', missing), ('unexpected in checkpoint', unexpected),
        ('shape mismatch', shapes)) if keys]
    return '\n'.join(lines)


def module_shapes(module: nn.Module) -> Dict[str, Tuple[int, ...]]:
    """Map every state-dict key of ``module`` to its tensor shape."""
    return {key: tuple(value.shape) for key, value in module.state_dict().items()}


def check_model_state_dict(model: nn.Module, state_dict: Mapping[str, torch.Tensor],
                           allowed_missing_prefixes: Sequence[str] = (),
                           source: str = 'the checkpoint') -> list:
    """Raise ValueError naming ``source`` unless ``state_dict`` fits ``model`` exactly, except
    for missing keys under ``allowed_missing_prefixes``; returns those missing keys."""
    expected = module_shapes(model)
    allowed_missing = sorted(k for k in expected if k not in state_dict and k.startswith(
        tuple(allowed_missing_prefixes)))
    report = state_dict_mismatch({k: v for k, v in expected.items() if k not in allowed_missing},
                                 state_dict)
    if report:
        raise ValueError(f'{source} does not match the model {type(model).__name__} '
                         f'(another architecture or config?):\n{report}')
    return allowed_missing


def prepare_checkpoint_start(cfg: Config) -> str | None:
    """Read the checkpoint the run will start from (clear error if it is unreadable) and, on
    resume with ``randomness.seed=None``, take its seed. Returns the checkpoint path or None.

    mmengine re-seeds a resumed run only after building the sampler, dataset and workers, so
    their random draws would differ from the interrupted run's without this.
    """
    checkpoint_file = cfg.get('load_from')
    if checkpoint_file is None and cfg.get('resume', False):
        checkpoint_file = find_latest_checkpoint(cfg.work_dir)
    if checkpoint_file is None:
        return None
    checkpoint = read_checkpoint(checkpoint_file)
    randomness = cfg.get('randomness') or {}
    seed = checkpoint.get('meta', {}).get('seed')
    if cfg.get('resume', False) and randomness.get('seed') is None and seed is not None:
        cfg.randomness = dict(randomness, seed=seed)
    return checkpoint_file
