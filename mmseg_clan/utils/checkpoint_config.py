"""A checkpoint's stored config read as data, never executed.

mmengine saves ``cfg.pretty_text`` (assignments of literals and ``dict(...)`` calls) in every
checkpoint, and its inferencer, given ``model=None``, turns that text back into a config with
``Config.fromstring``, which executes it as Python. :func:`install_checkpoint_config_guard`
makes the inferencer read it with :func:`config_from_text` instead.
"""
import ast
from typing import Any

from mmengine.config import ConfigDict
from mmengine.infer import BaseInferencer
from mmengine.runner.checkpoint import _load_checkpoint

from .checkpoint import read_checkpoint


class UnsafeConfigTextError(ValueError):
    """A stored config holds something other than literals and ``dict(...)``."""


def _literal(node: ast.AST, source: str) -> Any:
    """The value of a literal, list, tuple, dict display or ``dict(key=value, ...)`` node."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) and isinstance(
            node.operand, ast.Constant) and isinstance(node.operand.value, (int, float)):
        return -node.operand.value if isinstance(node.op, ast.USub) else node.operand.value
    if isinstance(node, (ast.List, ast.Tuple)):
        items = [_literal(item, source) for item in node.elts]
        return items if isinstance(node, ast.List) else tuple(items)
    if isinstance(node, ast.Dict) and None not in node.keys:
        return {_literal(k, source): _literal(v, source) for k, v in zip(node.keys, node.values)}
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == 'dict'
            and not node.args and all(k.arg is not None for k in node.keywords)):
        return {k.arg: _literal(k.value, source) for k in node.keywords}
    raise UnsafeConfigTextError(
        f'{source}: the stored config is not plain data (line {getattr(node, "lineno", "?")}: '
        f'{ast.unparse(node)[:80]!r}); it is refused, not executed')


def config_from_text(text: str, source: str = 'checkpoint') -> dict:
    """The variables of a config text made of ``name = <literal or dict(...)>`` lines; anything
    else (imports, calls, expressions) raises UnsafeConfigTextError naming ``source``."""
    try:
        tree = ast.parse(text)
    except SyntaxError as e:
        raise UnsafeConfigTextError(f'{source}: the stored config is not valid Python: {e}') from e
    variables = {}
    for statement in tree.body:
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Name)):
            raise UnsafeConfigTextError(
                f'{source}: the stored config is not plain data (line {statement.lineno}: '
                f'{ast.unparse(statement)[:80]!r}); it is refused, not executed')
        variables[statement.targets[0].id] = _literal(statement.value, source)
    return variables


def stored_config_text(checkpoint: dict, filename: str) -> str:
    """The config text a checkpoint stores (message hub first, as mmengine reads it)."""
    runtime_info = (checkpoint.get('message_hub') or {}).get('runtime_info') or {}
    text = runtime_info.get('cfg', (checkpoint.get('meta') or {}).get('cfg'))
    if not isinstance(text, str):
        raise ValueError(f'checkpoint {filename} stores no config (message_hub.runtime_info.cfg '
                         'or meta.cfg); pass the config file as model=')
    return text


def install_checkpoint_config_guard() -> None:
    """Make mmengine's inferencers (MMSegInferencer included) read a checkpoint's stored config
    as data when ``model=None``, instead of executing it."""
    init_model = BaseInferencer._init_model
    if getattr(init_model, 'reads_config_as_data', False):
        return

    def _init_model(self, cfg, weights, device='cpu'):
        if not cfg and weights is not None:
            checkpoint = (_load_checkpoint(weights, map_location='cpu') if '://' in weights
                          else read_checkpoint(weights))
            cfg.update(ConfigDict(config_from_text(stored_config_text(checkpoint, weights),
                                                   f'checkpoint {weights}')))
        return init_model(self, cfg, weights, device)

    _init_model.reads_config_as_data = True
    BaseInferencer._init_model = _init_model
