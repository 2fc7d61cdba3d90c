"""Checkpoint loading and inspection: safe loading of mmengine checkpoints, clear errors for
unreadable files, reports of keys that do not fit a model, checked loading, and the choice of
the checkpoint a run starts or resumes from.

torch >= 2.6 loads with ``weights_only=True`` by default, and mmengine 0.10.7 checkpoints hold a
few non-tensor objects (the message hub's ``HistoryBuffer`` with numpy arrays). Exactly those
types are allow-listed here; everything else in a pickle stays refused.
"""
import logging
import os
import os.path as osp
import pickle
import re
from typing import Dict, Iterable, Mapping, Sequence, Tuple

import numpy as np
import torch
from mmengine.config import Config
from mmengine.logging import HistoryBuffer, print_log
from torch import nn

# HistoryBuffer pickles its statistics table as ``getattr(HistoryBuffer, name)``.
HISTORY_BUFFER_METHODS = frozenset(('min', 'max', 'mean', 'current'))
MAX_LISTED_KEYS = 8
MIN_PRETRAINED_FIT = 0.5  # below this share of fitting keys a pretrained file is the wrong one
CHECKPOINT_NUMBER = re.compile(r'_(\d+)\.pth$')  # iter_N.pth / epoch_N.pth


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
    if osp.isdir(filename):
        raise IsADirectoryError(f'checkpoint {filename} is a folder, not a checkpoint file')
    if not osp.exists(filename):
        raise FileNotFoundError(f'checkpoint {filename} does not exist')
    if not osp.isfile(filename):
        raise OSError(f'checkpoint {filename} is not a regular file (a device or a pipe?)')
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


def check_pretrained_fit(module: nn.Module, state_dict: Mapping[str, torch.Tensor],
                         source: str) -> str:
    """Raise ValueError naming ``source``, the module and example keys when fewer than
    MIN_PRETRAINED_FIT of the module's or of the file's keys fit (same name and shape);
    returns the report of the few that do not ('' when all fit), for a warning."""
    expected = module_shapes(module)
    fitting = [k for k, shape in expected.items()
               if k in state_dict and tuple(state_dict[k].shape) == tuple(shape)]
    report = state_dict_mismatch(expected, state_dict)
    share = min(len(fitting) / max(len(expected), 1), len(fitting) / max(len(state_dict), 1))
    if share < MIN_PRETRAINED_FIT:
        raise ValueError(
            f'{source} does not fit {type(module).__name__}: {len(fitting)} of the module\'s '
            f'{len(expected)} keys and of the file\'s {len(state_dict)} keys match (a checkpoint '
            'of another model, or a whole model given for a part? use prefix=...):\n'
            f'module keys: {listed(expected)}\nfile keys: {listed(state_dict)}\n{report}')
    return report


def load_checked_checkpoint(model: nn.Module, filename: str,
                            allowed_missing_prefixes: Sequence[str] = ()) -> dict:
    """Read ``filename`` safely, check that its weights fit ``model`` (except missing keys
    under ``allowed_missing_prefixes``) and load them; errors name the file. Returns the
    checkpoint."""
    checkpoint = read_checkpoint(filename)
    state_dict = checkpoint_state_dict(checkpoint, filename)
    check_model_state_dict(model, state_dict, allowed_missing_prefixes,
                           source=f'checkpoint {filename}')
    model.load_state_dict(state_dict, strict=False)  # the check above allowed what is missing
    return checkpoint


def resumable_checkpoints(folder: str) -> list:
    """The numbered ``*.pth`` checkpoints of ``folder`` except ``best_*`` (saved without the
    optimiser), highest number first."""
    if not osp.isdir(folder):
        return []
    numbered = [(int(match.group(1)), name) for name in os.listdir(folder)
                if not name.startswith('best_') and (match := CHECKPOINT_NUMBER.search(name))]
    return [osp.join(folder, name) for _, name in sorted(numbered, reverse=True)]


def last_checkpoint_problem(named: str, work_dir: str) -> str | None:
    """Why the path a work dir's ``last_checkpoint`` names is not one to resume from (a
    relative path, missing, a folder, a device, outside the work dir), or None."""
    if not osp.isabs(named):
        return f'names the relative path {named!r}, not the absolute path of a checkpoint'
    if osp.isdir(named):
        return f'names the folder {named}, not a checkpoint file'
    if not osp.exists(named):
        return f'names {named}, which does not exist'
    if not osp.isfile(named):
        return f'names {named}, which is not a regular file (a device or a pipe?)'
    if osp.realpath(osp.dirname(named)) != osp.realpath(work_dir):
        return (f'names {named}, outside the work dir (another run\'s checkpoint, or the work '
                f'dir was moved or copied; --resume {named} resumes from it explicitly)')
    return None


def find_resume_checkpoint(work_dir: str) -> Tuple[str, dict] | None:
    """The checkpoint ``--resume`` continues from, read: the one ``last_checkpoint`` names if
    it is a checkpoint file in ``work_dir``; else the newest readable one in ``work_dir`` (with
    a warning saying why); None, with a warning that training starts from scratch, when there
    is none."""
    save_file = osp.join(work_dir, 'last_checkpoint')
    named = None
    if osp.isfile(save_file):
        with open(save_file) as f:
            named = f.read().strip() or None
    problem = None if named is None else last_checkpoint_problem(named, work_dir)
    if named is not None and problem is None:
        return named, read_checkpoint(named)
    reason = f'{save_file} {problem}' if named else f'{work_dir} has no last_checkpoint file'
    for path in resumable_checkpoints(work_dir):
        try:
            checkpoint = read_checkpoint(path)
        except RuntimeError as e:
            print_log(f'--resume: skipped {path}: {e}', logger='current', level=logging.WARNING)
            continue
        print_log(f'--resume: {reason}; resuming from {path}, the newest readable checkpoint in '
                  f'{work_dir}', logger='current', level=logging.WARNING)
        return path, checkpoint
    if named is not None:
        raise FileNotFoundError(f'--resume: {reason}, and {work_dir} holds no other readable '
                                'checkpoint to resume from')
    state = 'does not exist' if not osp.isdir(work_dir) else 'holds no checkpoint'
    print_log(f'--resume: nothing to resume, the work dir {work_dir} {state} (no '
              'last_checkpoint, no iter_*.pth); training starts from scratch',
              logger='current', level=logging.WARNING)
    return None


def prepare_checkpoint_start(cfg: Config) -> str | None:
    """Read the checkpoint the run will start from (clear error if it is unreadable), say
    which one it is and, on resume with ``randomness.seed=None``, take its seed. Returns the
    checkpoint path or None.

    On resume it sets ``cfg.load_from`` to the checkpoint found, which mmengine then resumes
    from. mmengine re-seeds a resumed run only after building the sampler, dataset and
    workers, so their random draws would differ from the interrupted run's without the seed.
    """
    checkpoint_file = cfg.get('load_from')
    resume = cfg.get('resume', False)
    if checkpoint_file is not None:
        checkpoint = read_checkpoint(checkpoint_file)
    elif resume:
        found = find_resume_checkpoint(cfg.work_dir)
        if found is None:
            return None
        checkpoint_file, checkpoint = found
        cfg.load_from = checkpoint_file
    else:
        return None
    meta = checkpoint.get('meta', {})
    print_log(f'{"resuming" if resume else "loading weights"} from {checkpoint_file} '
              f'(saved at iteration {meta.get("iter", "?")}, epoch {meta.get("epoch", "?")})',
              logger='current', level=logging.INFO)
    randomness = cfg.get('randomness') or {}
    seed = meta.get('seed')
    if resume and randomness.get('seed') is None and seed is not None:
        cfg.randomness = dict(randomness, seed=seed)
    return checkpoint_file
