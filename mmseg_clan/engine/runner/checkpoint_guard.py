"""Clear errors for unreadable checkpoints and checkpoints of another architecture."""
import os.path as osp

import torch
from torch import nn


def read_checkpoint(filename: str) -> dict:
    """``torch.load`` a local checkpoint on CPU, naming the file if it is missing or corrupt."""
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} does not exist')
    try:
        checkpoint = torch.load(filename, map_location='cpu', weights_only=True)
    except Exception as e:
        raise RuntimeError(f'checkpoint {filename} cannot be read (truncated or corrupted '
                           f'file?): {type(e).__name__}: {e}') from e
    if not isinstance(checkpoint, dict):
        raise RuntimeError(f'checkpoint {filename} holds a {type(checkpoint).__name__}, '
                           'expected a dict')
    return checkpoint


def state_dict_mismatch(model: nn.Module, state_dict: dict) -> str:
    """A report of missing, unexpected and wrongly shaped keys ('' when they match)."""
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state_dict))
    unexpected = sorted(set(state_dict) - set(expected))
    shapes = [f'{k}: checkpoint {tuple(state_dict[k].shape)} vs model {tuple(v.shape)}'
              for k, v in expected.items()
              if k in state_dict and tuple(state_dict[k].shape) != tuple(v.shape)]
    lines = []
    for title, keys in (('missing in checkpoint', missing),
                        ('unexpected in checkpoint', unexpected), ('shape mismatch', shapes)):
        if keys:
            shown = ', '.join(keys[:8]) + (f', ... ({len(keys)} in all)' if len(keys) > 8 else '')
            lines.append(f'{title}: {shown}')
    return '\n'.join(lines)
