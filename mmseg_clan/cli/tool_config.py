"""Config loading and switches shared by the train and test tools."""
import os.path as osp
from typing import Any

from mmengine.config import Config, DictAction

from .config_checks import (
    check_cfg_options,
    check_hook_arguments,
    mirror_val_test_overrides,
    warn_top_level_typos,
)

AMP_WRAPPER = 'AmpOptimWrapper'
CHECKPOINT_CHECK_HOOK = 'TrainingGuardHook'  # its after_load_checkpoint checks the weights


def _is_optim_wrapper_cfg(cfg: object) -> bool:
    return isinstance(cfg, dict) and 'optimizer' in cfg


def enable_amp(cfg: Config, dtype: str | None = None) -> None:
    """Switch every optimizer wrapper in ``cfg.optim_wrapper`` to ``AmpOptimWrapper``.

    Handles a single ``OptimWrapper`` and the per-optimizer wrappers of an
    ``OptimWrapperDict`` (CLAN's generator and discriminator), each with its own loss scaler.
    """
    optim_wrapper = cfg.get('optim_wrapper')
    if optim_wrapper is None:
        raise KeyError('--amp needs `optim_wrapper` in the config, and it has none')
    wrappers = [optim_wrapper] if _is_optim_wrapper_cfg(optim_wrapper) else [
        value for value in optim_wrapper.values() if _is_optim_wrapper_cfg(value)
    ]
    if not wrappers:
        raise KeyError('--amp found no optimizer wrapper (a dict with `optimizer`) in '
                       f'`optim_wrapper`: keys are {sorted(optim_wrapper)}')
    for wrapper in wrappers:
        if wrapper.get('type', 'OptimWrapper') == AMP_WRAPPER:
            continue
        wrapper['type'] = AMP_WRAPPER
        wrapper.setdefault('loss_scale', 'dynamic')
        if dtype is not None:
            wrapper['dtype'] = dtype


def require_checkpoint_check(cfg: Config) -> None:
    """Add TrainingGuardHook to ``cfg.custom_hooks`` unless there, so a loaded checkpoint is
    checked against the model whatever hooks the config has (e.g. an upstream mmseg one)."""
    hooks = list(cfg.get('custom_hooks') or [])
    if not any(hook.get('type') == CHECKPOINT_CHECK_HOOK for hook in hooks):
        cfg.custom_hooks = hooks + [dict(type=CHECKPOINT_CHECK_HOOK)]


class ConfigOptionsAction(DictAction):
    """mmengine's ``--cfg-options`` action (``KEY=VALUE``, lists ``a,b`` / ``[a,b]``, tuples
    ``(a,b)``, numbers, booleans, None) that keeps spaces inside values: ``work_dir="a b"``
    stays ``'a b'`` (mmengine removes every space); spaces around list items are dropped."""

    @staticmethod
    def _parse_iterable(val: str) -> Any:
        val = val.strip().strip('\'"').strip()
        is_tuple = val.startswith('(') and val.endswith(')')
        if is_tuple or (val.startswith('[') and val.endswith(']')):
            val = val[1:-1]
        elif ',' not in val:
            return DictAction._parse_int_float_bool(val)
        values = []
        while val.strip():
            end = _next_top_level_comma(val)
            values.append(ConfigOptionsAction._parse_iterable(val[:end]))
            val = val[end + 1:]
        return tuple(values) if is_tuple else values


def _next_top_level_comma(text: str) -> int:
    """Index of the first comma outside brackets in ``text`` (its length when none)."""
    if text.count('(') != text.count(')') or text.count('[') != text.count(']'):
        raise ValueError(f'--cfg-options: unbalanced brackets in {text!r}')
    depth = 0
    for index, char in enumerate(text):
        if char in '([':
            depth += 1
        elif char in ')]':
            depth -= 1
        elif char == ',' and depth == 0:
            return index
    return len(text)


def load_tool_config(config: str, launcher: str, cfg_options: dict | None,
                     work_dir: str | None) -> Config:
    """Load a config for tools/train.py or tools/test.py with mmseg's rules for the launcher,
    ``--cfg-options`` and the work dir (default ``./work_dirs/<config name>``).

    Warns about top-level keys that look like misspelt runner keys; applies an override of
    only one of val/test_dataloader to both where the config defines them equal (with a
    warning); refuses ``--cfg-options`` paths that nothing reads and hook arguments the hook
    does not take (``config_checks``).
    """
    cfg = Config.fromfile(config)
    warn_top_level_typos(cfg)
    cfg.launcher = launcher
    if cfg_options is not None:
        cfg_options = mirror_val_test_overrides(cfg, cfg_options)
        check_cfg_options(cfg, cfg_options)
        cfg.merge_from_dict(cfg_options)
    check_hook_arguments(cfg)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config))[0])
    if osp.exists(cfg.work_dir) and not osp.isdir(cfg.work_dir):
        raise NotADirectoryError(f'work dir {cfg.work_dir} is a file, not a folder')
    return cfg


def describe_dataset(dataset: Any) -> str:
    """One line: the dataset's class, data root, image folder and number of samples (a built
    mmengine dataset's ``data_prefix`` already includes its ``data_root``)."""
    root = getattr(dataset, 'data_root', None)
    images = (getattr(dataset, 'data_prefix', None) or {}).get('img_path') or root
    return (f'{type(dataset).__name__}: data_root={root!r}, images in {images!r}, '
            f'{len(dataset)} images')
