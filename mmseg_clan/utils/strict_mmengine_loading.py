"""Keep mmengine's own checkpoint loading safe on every line.

onedl-mmengine (0.10.8 and later) loads checkpoints through ``_safe_torch_load``, which retries
with ``weights_only=False`` (arbitrary code in a pickle runs) when safe loading fails. Upstream
mmengine 0.10.7 calls ``torch.load`` directly, which is safe on torch >= 2.6 and has no
such function. Where it exists it is replaced by a loader that never falls back.
"""
import pickle

import torch
from mmengine.runner import checkpoint as mmengine_checkpoint

FALLBACK_LOADER = '_safe_torch_load'  # onedl-mmengine's name for its falling-back loader


def strict_torch_load(file, map_location=None, weights_only=None):
    """``torch.load`` with ``weights_only=True`` and the allow-list that ``import mmseg_clan``
    registers (not onedl-mmengine's, which allows any ``getattr``); refuses, naming the file,
    what safe loading refuses and any request for unsafe loading."""
    if weights_only is False:
        raise pickle.UnpicklingError(
            f'mmseg-clan refuses to load checkpoint {file} with weights_only=False (a pickle '
            'could run arbitrary code)')
    try:
        return torch.load(file, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        raise pickle.UnpicklingError(
            f'checkpoint {file} refused: it holds objects that safe loading does not allow, and '
            f'mmseg-clan never falls back to unsafe loading: {e}') from e


def enforce_strict_mmengine_loading() -> bool:
    """Replace onedl-mmengine's falling-back loader with ``strict_torch_load``; returns whether
    mmengine had one (False on upstream mmengine, which loads safely already)."""
    if not hasattr(mmengine_checkpoint, FALLBACK_LOADER):
        return False
    setattr(mmengine_checkpoint, FALLBACK_LOADER, strict_torch_load)
    return True
