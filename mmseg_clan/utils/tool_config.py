"""Config switches shared by the train and test tools."""
import os.path as osp

from mmengine.config import Config

AMP_WRAPPER = 'AmpOptimWrapper'


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


def load_tool_config(config: str, launcher: str, cfg_options: dict | None,
                     work_dir: str | None) -> Config:
    """Load a config for tools/train.py or tools/test.py with mmseg's rules for the launcher,
    ``--cfg-options`` and the work dir (default ``./work_dirs/<config name>``)."""
    cfg = Config.fromfile(config)
    cfg.launcher = launcher
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config))[0])
    return cfg
