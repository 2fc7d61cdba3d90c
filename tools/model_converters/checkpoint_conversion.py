"""Shared checks for the weight converters: safe loading, key/shape validation, saving."""
import pickle
import zipfile
from pathlib import Path
from typing import Dict, Iterable, Mapping, Tuple

import torch

MAX_LISTED_KEYS = 10


def load_state_dict_file(path: str | Path) -> Dict[str, torch.Tensor]:
    """Load a tensor state dict from ``path`` safely; a ``state_dict`` entry is unwrapped."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f'{path}: checkpoint file does not exist')
    try:
        checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    except (RuntimeError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile, ValueError,
            OSError) as exc:
        raise ValueError(f'{path}: not a readable PyTorch checkpoint '
                         f'(corrupted, truncated or unsafe pickle): {exc}') from exc
    if isinstance(checkpoint, Mapping) and isinstance(checkpoint.get('state_dict'), Mapping):
        checkpoint = checkpoint['state_dict']
    if not isinstance(checkpoint, Mapping):
        raise ValueError(f'{path}: expected a state dict (a mapping of names to tensors), '
                         f'got {type(checkpoint).__name__}')
    not_tensors = [k for k, v in checkpoint.items() if not isinstance(v, torch.Tensor)]
    if not_tensors:
        raise ValueError(f'{path}: expected tensors only, found non-tensor entries '
                         f'{_listed(not_tensors)}')
    return dict(checkpoint)


def _listed(keys: Iterable[str]) -> str:
    keys = sorted(keys)
    more = f' ... and {len(keys) - MAX_LISTED_KEYS} more' if len(keys) > MAX_LISTED_KEYS else ''
    return ', '.join(keys[:MAX_LISTED_KEYS]) + more


def check_keys_and_shapes(state_dict: Mapping[str, torch.Tensor],
                          expected_shapes: Mapping[str, Tuple[int, ...]],
                          source: str | Path) -> None:
    """Raise a ``ValueError`` naming ``source`` on missing, unexpected or mis-shaped keys."""
    problems = []
    missing = set(expected_shapes) - set(state_dict)
    unexpected = set(state_dict) - set(expected_shapes)
    if missing:
        problems.append(f'missing keys: {_listed(missing)}')
    if unexpected:
        problems.append(f'unexpected keys: {_listed(unexpected)}')
    mismatched = [
        f'{key} (expected {tuple(shape)}, found {tuple(state_dict[key].shape)})'
        for key, shape in expected_shapes.items()
        if key in state_dict and tuple(state_dict[key].shape) != tuple(shape)
    ]
    if mismatched:
        problems.append(f'shape mismatches: {_listed(mismatched)}')
    if problems:
        raise ValueError(f'{source}: does not match the expected architecture; '
                         + '; '.join(problems))


def save_checkpoint(state_dict: Mapping[str, torch.Tensor], path: str | Path,
                    meta: dict) -> None:
    """Save ``{'state_dict': ..., 'meta': ...}`` to ``path``, creating its folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save({'state_dict': dict(state_dict), 'meta': meta}, path)


def resnet_depth_from_keys(state_dict: Mapping[str, torch.Tensor], source: str | Path) -> int:
    """Infer the ResNet depth of a backbone state dict from its per-stage block counts."""
    blocks = []
    for stage in range(1, 5):
        indices = {k.split('.')[1] for k in state_dict if k.startswith(f'layer{stage}.')}
        blocks.append(len(indices))
    bottleneck = any(k.endswith('.conv3.weight') for k in state_dict)
    depths = {((2, 2, 2, 2), False): 18, ((3, 4, 6, 3), False): 34, ((3, 4, 6, 3), True): 50,
              ((3, 4, 23, 3), True): 101, ((3, 8, 36, 3), True): 152}
    depth = depths.get((tuple(blocks), bottleneck))
    if depth is None:
        raise ValueError(f'{source}: not a ResNet state dict: found {tuple(blocks)} blocks in '
                         'layer1..layer4; expected e.g. (3, 4, 6, 3) for ResNet-50 or '
                         '(3, 4, 23, 3) for ResNet-101')
    return depth


def module_shapes(module: torch.nn.Module) -> Dict[str, Tuple[int, ...]]:
    """Map every state-dict key of ``module`` to its tensor shape."""
    return {key: tuple(value.shape) for key, value in module.state_dict().items()}


def fill_missing_batch_counters(state_dict: Dict[str, torch.Tensor],
                                expected_shapes: Mapping[str, Tuple[int, ...]]) -> list:
    """Add ``num_batches_tracked = 0`` where BN counters are absent (pre-0.4.1 checkpoints).

    The official code copies the file into a fresh model's state dict, which holds 0 there.
    """
    filled = [key for key in expected_shapes
              if key.endswith('num_batches_tracked') and key not in state_dict
              and key.replace('num_batches_tracked', 'running_mean') in state_dict]
    for key in filled:
        state_dict[key] = torch.tensor(0, dtype=torch.long)
    return filled
