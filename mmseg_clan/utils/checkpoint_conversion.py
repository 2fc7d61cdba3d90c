"""Checks shared by the weight converters (tools/model_converters): safe loading, key/shape
validation, saving."""
from pathlib import Path
from typing import Dict, Mapping, Tuple

import torch

from .checkpoint import (  # noqa: F401  (module_shapes: used by the converters)
    checkpoint_state_dict,
    module_shapes,
    read_checkpoint,
    state_dict_mismatch,
)


def load_state_dict_file(path: str | Path) -> Dict[str, torch.Tensor]:
    """Load a tensor state dict from ``path`` safely; a ``state_dict`` entry is unwrapped."""
    return checkpoint_state_dict(read_checkpoint(str(path)), str(path))


def check_keys_and_shapes(state_dict: Mapping[str, torch.Tensor],
                          expected_shapes: Mapping[str, Tuple[int, ...]],
                          source: str | Path) -> None:
    """Raise a ``ValueError`` naming ``source`` on missing, unexpected or mis-shaped keys."""
    report = state_dict_mismatch(expected_shapes, state_dict)
    if report:
        raise ValueError(f'{source}: does not match the expected architecture:\n{report}')


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
