"""What the command-line tools share: config loading with mmseg's tool rules, ``--cfg-options``
parsing and the config checks behind them."""
from .config_checks import check_cfg_options, warn_top_level_typos
from .tool_config import ConfigOptionsAction, describe_dataset, enable_amp, load_tool_config

__all__ = ['ConfigOptionsAction', 'check_cfg_options', 'describe_dataset', 'enable_amp',
           'load_tool_config', 'warn_top_level_typos']
