"""Checks of a config's top-level keys and of ``--cfg-options`` paths against what reads them."""
import copy
import difflib
import inspect
import logging
from typing import Any, Iterable, List

from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import FlexibleRunner, Runner

# Top-level keys the runners take (Runner / FlexibleRunner.__init__ arguments, as from_cfg
# passes them) and those Runner reads with its own self.cfg.get, and the tools' keys.
RUNNER_KEYS = frozenset(
    set(inspect.signature(Runner.__init__).parameters)
    | set(inspect.signature(FlexibleRunner.__init__).parameters)
    | {'model_wrapper_cfg', 'sync_bn', 'find_unused_parameters', 'activation_checkpointing',
       'efficient_conv_bn_eval'}) - {'self', 'cfg'}
TOOL_KEYS = frozenset(('runner_type', 'tta_model', 'tta_pipeline', 'custom_imports'))
KNOWN_TOP_LEVEL_KEYS = RUNNER_KEYS | TOOL_KEYS
# A top-level key this close to a known one (difflib ratio and edit count) is reported as a
# likely typo. `*_pipeline` helpers (train/val/test_pipeline) are the mmseg convention, exempt.
TYPO_RATIO = 0.8
TYPO_MAX_EDITS = 2
HELPER_SUFFIXES = ('_pipeline', )
# Typeless dicts whose reader is known: the runner's defaults for them.
DEFAULT_TYPES = {'log_processor': 'LogProcessor', 'val_cfg': 'ValLoop', 'test_cfg': 'TestLoop',
                 'visualizer': 'Visualizer'}
RANDOMNESS_KEYS = ('seed', 'deterministic', 'diff_rank_seed')  # mmengine set_random_seed
ENV_KEYS = ('cudnn_benchmark', 'mp_cfg', 'dist_cfg', 'resource_limit')  # Runner.setup_env
OPTIM_WRAPPER_EXTRA_KEYS = ('paramwise_cfg', 'constructor')  # read by the wrapper constructor
DATALOADER_EXTRA_KEYS = ('num_batch_per_epoch', )  # mmengine Runner.build_dataloader


def edit_count(a: str, b: str) -> int:
    """Characters inserted, deleted or replaced to turn ``a`` into ``b`` along difflib's
    matching blocks (a swap of two neighbours counts 2)."""
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2 in
               difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
               if tag != 'equal')


def nearest(key: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The candidate most similar to ``key`` (difflib), or None below ``cutoff``."""
    matches = difflib.get_close_matches(key, sorted(set(candidates)), n=1, cutoff=cutoff)
    return matches[0] if matches else None


def likely_typo(key: str, candidates: Iterable[str]) -> str | None:
    """The known key ``key`` is probably a misspelling of, or None."""
    if key in KNOWN_TOP_LEVEL_KEYS or key.startswith('_') or key.endswith(HELPER_SUFFIXES):
        return None
    match = nearest(key, candidates, TYPO_RATIO)
    return match if match is not None and edit_count(key, match) <= TYPO_MAX_EDITS else None


def warn_top_level_typos(cfg: Config) -> List[str]:
    """Log (WARNING) and return one line per top-level key that looks like a misspelt runner
    key; other unknown keys are the config's helper variables and pass."""
    messages = []
    for key in cfg.keys():
        match = likely_typo(key, KNOWN_TOP_LEVEL_KEYS)
        if match is not None:
            messages.append(f'config {cfg.filename}: top-level key {key!r} is not read by the '
                            f'runner or the tools; did you mean {match!r}?')
            print_log(messages[-1], logger='current', level=logging.WARNING)
    return messages


def _registered(type_name: Any) -> List[type]:
    """Classes (or functions) registered under ``type_name`` in any mmseg registry (whose
    parents are mmengine's): mmseg scope first, then mmengine."""
    if not isinstance(type_name, str):
        return [type_name] if callable(type_name) else []
    from mmengine.registry import Registry
    from mmseg import registry as mmseg_registry
    from mmseg.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    found = []
    for registry in vars(mmseg_registry).values():
        if isinstance(registry, Registry):
            obj = registry.get(type_name)
            if obj is not None and obj not in found:
                found.append(obj)
    return found


def _parameters(function: Any) -> dict | None:
    """``inspect.signature(function).parameters``, or None where it has no Python signature."""
    try:
        return dict(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return None


def accepts_keyword(obj: Any, key: str) -> bool:
    """Whether ``obj(...)`` takes ``key``: a named parameter of its ``__init__`` or of a base
    class that a ``**kwargs`` hands it on to (a ``**kwargs`` of the last Python base accepts)."""
    import torch.nn as nn
    if not inspect.isclass(obj):
        params = _parameters(obj)
        return params is None or key in params or any(
            p.kind is p.VAR_KEYWORD for p in params.values())
    for klass in obj.__mro__:
        if klass in (object, nn.Module):
            return False
        if '__init__' not in vars(klass):
            continue
        params = _parameters(vars(klass)['__init__'])
        if params is None:  # no Python signature: nothing to check against
            return True
        if key in params and params[key].kind not in (params[key].VAR_POSITIONAL,
                                                      params[key].VAR_KEYWORD):
            return True
        if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
            return False
        if all(base in (object, nn.Module) for base in klass.__mro__[1:2]):
            return True
    return False


def _new_key_refusal(path: List[str], parent: dict, key: str) -> str | None:
    """Why ``key`` cannot be added to ``parent`` (at ``path``), or None when its reader takes
    it (or when nothing says what reads the dict)."""
    if key.startswith('_') and key.endswith('_'):  # _delete_ and other Config markers
        return None
    top = path[0] if path else None
    type_name = parent.get('type', DEFAULT_TYPES.get(top) if len(path) == 1 else None)
    if len(path) == 1 and top == 'randomness':
        return None if key in RANDOMNESS_KEYS else f'randomness takes {list(RANDOMNESS_KEYS)}'
    if len(path) == 1 and top == 'env_cfg':
        return None if key in ENV_KEYS else f'env_cfg takes {list(ENV_KEYS)}'
    if len(path) == 1 and top.endswith('_dataloader'):
        from torch.utils.data import DataLoader
        if key in DATALOADER_EXTRA_KEYS or accepts_keyword(DataLoader, key):
            return None
        return 'torch DataLoader takes no such argument'
    if 'optimizer' in parent:  # an optimizer wrapper config
        if key in OPTIM_WRAPPER_EXTRA_KEYS:
            return None
        type_name = type_name or 'OptimWrapper'
    if type_name is None:
        match = likely_typo(key, parent) if key not in parent else None
        if match is not None:
            print_log(f'--cfg-options {".".join(path + [key])}: new key {key!r} next to '
                      f'{match!r} in {".".join(path)}, which has no type to check it against; '
                      f'did you mean {match!r}?', logger='current', level=logging.WARNING)
        return None
    candidates = _registered(type_name)
    if not candidates or any(accepts_keyword(obj, key) for obj in candidates):
        return None
    names = ', '.join(getattr(obj, '__name__', str(obj)) for obj in candidates)
    return f'{names} (type={type_name!r}) takes no argument {key!r}'


def _keyword_names(parent: dict, path: List[str]) -> List[str]:
    """Existing keys of ``parent`` and the named parameters of its type (for suggestions)."""
    names = list(parent)
    type_name = parent.get('type', DEFAULT_TYPES.get(path[0]) if len(path) == 1 else None)
    for obj in _registered(type_name) if type_name is not None else []:
        for klass in obj.__mro__ if inspect.isclass(obj) else (obj, ):
            init = vars(klass).get('__init__') if inspect.isclass(obj) else klass
            names += [n for n in _parameters(init) or {} if n != 'self'] if init else []
    return names


def check_cfg_options(cfg: Config, options: dict) -> None:
    """Refuse (KeyError naming the key and the nearest valid one) an ``--cfg-options`` path
    that no reader takes. ``cfg`` is the config before the options are merged.

    A new key must be taken by the class of the nearest existing dict (its ``type`` looked
    up in the registries, with the options' own ``type`` overrides); a new top-level key
    must be one the runner reads; list indices must exist.
    """
    merged = copy.deepcopy(cfg)
    try:
        merged.merge_from_dict(options)
    except Exception:  # the walk below names the offending key; else the real merge raises
        merged = cfg
    for full_key in options:
        node: Any = cfg._cfg_dict
        merged_node: Any = merged._cfg_dict
        parts = full_key.split('.')
        for depth, part in enumerate(parts):
            where = '.'.join(parts[:depth]) or 'the config'
            refusal = suggestion = None
            if isinstance(node, (list, tuple)):
                if not part.isdigit() or int(part) >= len(node):
                    refusal = f'{where} is a list of {len(node)}; {part!r} is not an index of it'
            elif not isinstance(node, dict):
                refusal = (f'{where} is {node!r}, not a dict, so it has no key {part!r}')
            elif part not in node:
                if depth == 0:
                    if part not in KNOWN_TOP_LEVEL_KEYS:
                        refusal = 'no such top-level key, and the runner reads none by this name'
                        suggestion = nearest(part, KNOWN_TOP_LEVEL_KEYS | set(node))
                else:
                    refusal = _new_key_refusal(parts[:depth], merged_node, part)
                    if refusal is not None:
                        suggestion = nearest(part, set(
                            _keyword_names(merged_node, parts[:depth])) - {part})
                if refusal is None:
                    break  # a new key its reader takes: nothing below it exists to check
            if refusal is not None:
                hint = f'; did you mean {".".join(parts[:depth] + [suggestion])!r}?' \
                    if suggestion else ''
                raise KeyError(f'--cfg-options {full_key}: {refusal}{hint}')
            node = node[int(part) if isinstance(node, (list, tuple)) else part]
            merged_node = _child(merged_node, part)
        if parts[0] in cfg and parts[0] not in KNOWN_TOP_LEVEL_KEYS:
            print_log(f'--cfg-options {full_key}: {parts[0]!r} is a helper variable of the '
                      'config, already substituted where the config used it; overriding it '
                      'changes only itself', logger='current', level=logging.WARNING)


def _child(node: Any, part: str) -> Any:
    """``node[part]`` (a list index for lists), or an empty dict where there is none."""
    try:
        return node[int(part)] if isinstance(node, (list, tuple)) else node[part]
    except (IndexError, KeyError, TypeError, ValueError):
        return {}


def mirror_val_test_overrides(cfg: Config, options: dict) -> dict:
    """``options`` with each ``val_dataloader`` / ``test_dataloader`` override also applied to
    the other loader when the config defines them equal (``test_dataloader = val_dataloader``)
    and the options set only one of them; logs a WARNING naming the keys added."""
    val, test = cfg.get('val_dataloader'), cfg.get('test_dataloader')
    if val is None or val != test:
        return options
    touched = {name: [k for k in options if k == name or k.startswith(name + '.')]
               for name in ('val_dataloader', 'test_dataloader')}
    if bool(touched['val_dataloader']) == bool(touched['test_dataloader']):
        return options
    given, other = ('val_dataloader', 'test_dataloader') if touched['val_dataloader'] else (
        'test_dataloader', 'val_dataloader')
    added = {other + key[len(given):]: options[key] for key in touched[given]}
    print_log(f'--cfg-options: the config {cfg.filename} defines {other} equal to {given}, so '
              f'{", ".join(touched[given])} also sets {", ".join(added)} (tools/test.py '
              f'evaluates test_dataloader); set {other} explicitly to keep them apart',
              logger='current', level=logging.WARNING)
    return {**options, **added}


def check_hook_arguments(cfg: Config) -> None:
    """Refuse a ``default_hooks`` / ``custom_hooks`` entry with an argument its hook class does
    not take (mmengine's CheckpointHook keeps unknown ones and fails only at the first save)."""
    hooks = [(f'default_hooks.{name}', hook) for name, hook in
             (cfg.get('default_hooks') or {}).items()]
    hooks += [(f'custom_hooks.{i}', hook) for i, hook in enumerate(cfg.get('custom_hooks') or [])]
    for where, hook in hooks:
        if not isinstance(hook, dict) or 'type' not in hook:
            continue
        classes = _registered(hook['type'])
        for key in set(hook) - {'type', 'priority', '_delete_'}:
            if classes and not any(accepts_keyword(obj, key) for obj in classes):
                suggestion = nearest(key, set(_keyword_names(hook, [])) - {key})
                hint = f'; did you mean {suggestion!r}?' if suggestion else ''
                raise KeyError(f'config {cfg.filename}: {where} ({hook["type"]}) takes no '
                               f'argument {key!r}{hint}')
