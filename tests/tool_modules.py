"""Tool scripts imported as modules from their file paths (``tools/`` is not a package)."""
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

TOOLS_DIR = Path(__file__).resolve().parents[1] / 'tools'


def load_tool(relative_path: str) -> ModuleType:
    """The script ``tools/<relative_path>`` as a module, loaded once per test session."""
    path = TOOLS_DIR / relative_path
    name = 'tools.' + relative_path[:-len('.py')].replace('/', '.')
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses and pickling look a module up by its name
        spec.loader.exec_module(module)
    return sys.modules[name]
