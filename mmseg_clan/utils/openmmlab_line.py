"""Which OpenMMLab line provides ``mmseg``, ``mmengine`` and ``mmcv``: upstream OpenMMLab
(mmsegmentation 1.2.2) or its maintained OneDL continuation (onedl-mmsegmentation 1.4.x).

Both lines install the same modules from differently named distributions; mmseg-clan supports
each line as a whole, and ``import mmseg_clan`` refuses any other combination by name.
"""
import importlib.util
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Dict, Mapping, Tuple

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

MODULES = ('mmseg', 'mmengine', 'mmcv')


@dataclass(frozen=True)
class OpenMMLabLine:
    """A supported set of distributions: for each module, the distributions that may provide it
    and the versions supported."""
    name: str
    install: str  # how to install mmseg-clan with this line
    providers: Mapping[str, Tuple[Tuple[str, ...], str]]

    def describe(self) -> str:
        """One line: each module's distributions and supported versions."""
        return ', '.join(f'{" or ".join(dists)} {spec}'
                         for dists, spec in self.providers.values())


UPSTREAM = OpenMMLabLine(
    name='upstream OpenMMLab',
    install='pip install "mmseg-clan[lite]", or "mmseg-clan[upstream]" beside your own mmcv',
    providers={
        'mmseg': (('mmsegmentation', ), '==1.2.2'),
        'mmengine': (('mmengine', ), '>=0.10.0,<0.11'),
        # mmseg 1.2.2 asserts mmcv < 2.2.0
        'mmcv': (('mmcv', 'mmcv-lite'), '>=2.0.0,<2.2.0'),
    })
ONEDL = OpenMMLabLine(
    name='OneDL', install='pip install "mmseg-clan[onedl]"', providers={
        'mmseg': (('onedl-mmsegmentation', ), '>=1.4.2,<1.5'),
        'mmengine': (('onedl-mmengine', ), '>=0.10.12,<0.11'),
        'mmcv': (('onedl-mmcv', ), '>=2.3.0,<2.4'),  # with or without compiled ops
    })
LINES = (UPSTREAM, ONEDL)


class UnsupportedOpenMMLabError(ImportError):
    """The installed mmseg/mmengine/mmcv distributions form no supported line."""


def _providers(module: str) -> set:
    return {dist for line in LINES for dist in line.providers[module][0]}


def installed_distributions() -> Dict[str, str]:
    """Version of each known distribution of mmseg, mmengine and mmcv installed where Python
    imports that module from (a copy earlier on ``sys.path`` shadows the others)."""
    found = {}
    for module in MODULES:
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            continue
        folder = Path(next(iter(spec.submodule_search_locations))).parent
        beside = {canonicalize_name(d.metadata['Name']): d.version
                  for d in metadata.distributions(path=[str(folder)])}
        here = {name: version for name, version in beside.items() if name in _providers(module)}
        if not here:  # e.g. an editable install: its metadata lives elsewhere
            for name in _providers(module):
                try:
                    here[name] = metadata.version(name)
                except metadata.PackageNotFoundError:
                    continue
        found.update(here)
    return found


def _line_problems(line: OpenMMLabLine, installed: Mapping[str, str]) -> list:
    problems = []
    for module, (dists, spec) in line.providers.items():
        present = [d for d in dists if d in installed]
        if not present:
            problems.append(f'{module}: needs {" or ".join(dists)}')
        for dist in present:
            if Version(installed[dist]) not in SpecifierSet(spec):
                problems.append(f'{module}: {dist} {installed[dist]} is not {spec}')
    return problems


def match_openmmlab_line(installed: Mapping[str, str]) -> OpenMMLabLine:
    """The line that ``installed`` (distribution -> version) forms; raises
    UnsupportedOpenMMLabError naming the installed and the supported versions otherwise."""
    owners = {module: [d for line in LINES for d in line.providers[module][0] if d in installed]
              for module in MODULES}
    clashes = [f'{module} is installed by {" and ".join(sorted(set(dists)))}'
               for module, dists in owners.items() if len(set(dists)) > 1]
    if not clashes:
        for line in LINES:
            if not _line_problems(line, installed):
                return line
    found = ', '.join(f'{d} {v}' for d, v in sorted(installed.items())) or 'none of them'
    lines = '\n'.join(f'  - {line.name}: {line.describe()} ({line.install})'
                      for line in LINES)
    raise UnsupportedOpenMMLabError(
        'mmseg-clan supports one of two OpenMMLab lines, each installed as a whole:\n'
        f'{lines}\nInstalled: {found}.' + (f'\n{"; ".join(clashes)}: uninstall one of them.'
                                           if clashes else '')
        + '\nSee "Installing into an existing environment" in the README.')


def check_openmmlab_line() -> OpenMMLabLine:
    """The supported line this environment has; raises UnsupportedOpenMMLabError otherwise."""
    return match_openmmlab_line(installed_distributions())
