"""Shared machinery of the converters: parallel runs, atomic writes, summaries."""
import argparse
import json
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Sequence

import cv2
import mmengine
import numpy as np

# Written in the root of a converted source dataset.
STATS_FILE = 'sample_class_stats.json'  # {sample name: {train id: pixel count}}
SAMPLE_LIST_FILE = 'train.txt'  # usable sample names, one per line (the dataset's ann_file)

# What to do with a label whose size differs from its image (a known GTA5 defect).
SIZE_MISMATCH_POLICIES = ('resize', 'exclude', 'error')


@dataclass
class FileResult:
    """Outcome of converting one sample."""

    name: str
    status: str  # 'converted', 'skipped', 'excluded' or 'bad'
    message: str = ''
    class_counts: Dict[int, int] | None = None
    resized: bool = False


@dataclass
class ConversionSummary:
    """Counts and reasons of a converter run."""

    converted: List[str] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)
    resized: Dict[str, str] = field(default_factory=dict)
    excluded: Dict[str, str] = field(default_factory=dict)
    bad: Dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_results(cls, results: Sequence[FileResult]) -> 'ConversionSummary':
        """Collect per-file results into a summary."""
        summary = cls()
        for result in results:
            if result.status in ('converted', 'skipped'):
                getattr(summary, result.status).append(result.name)
            else:
                getattr(summary, result.status)[result.name] = result.message
            if result.resized:
                summary.resized[result.name] = result.message
        return summary

    def format(self) -> str:
        """Human-readable report: counts, then every resized, excluded and bad file."""
        lines = [f'converted: {len(self.converted)}, skipped (already done): '
                 f'{len(self.skipped)}, resized: {len(self.resized)}, '
                 f'excluded: {len(self.excluded)}, bad: {len(self.bad)}']
        for title, entries in (('resized', self.resized), ('excluded', self.excluded),
                               ('bad', self.bad)):
            lines += [f'  {title}: {message}' for message in entries.values()]
        return '\n'.join(lines)


def run_parallel(worker: Callable[[str], FileResult], tasks: List[str],
                 nproc: int) -> List[FileResult]:
    """Run ``worker`` on every task with a progress bar, in ``nproc`` processes."""
    if nproc > 1:
        return mmengine.track_parallel_progress(worker, tasks, nproc)
    return mmengine.track_progress(worker, tasks)


def write_png_atomically(path: str, array: np.ndarray) -> None:
    """Write a PNG through a temporary file so an interrupted run leaves no partial file."""
    tmp_path = f'{path[:-len(".png")]}.tmp{os.getpid()}.png'
    if not cv2.imwrite(tmp_path, array):
        raise OSError(f'could not write {tmp_path}')
    os.replace(tmp_path, path)


def require_dir(path: str, what: str) -> None:
    """Raise FileNotFoundError naming ``path`` when it is not a directory."""
    if not osp.isdir(path):
        raise FileNotFoundError(f'{what} folder not found: {path}')


def load_stats(root: str) -> Dict[str, Dict[str, int]]:
    """Class statistics of an earlier run, or an empty dict."""
    path = osp.join(root, STATS_FILE)
    return mmengine.load(path) if osp.isfile(path) else {}


def write_source_index(root: str, results: Sequence[FileResult]) -> None:
    """Write the class statistics and the list of usable samples of a source dataset."""
    usable = sorted((r for r in results if r.status in ('converted', 'skipped')),
                    key=lambda r: r.name)
    stats = {r.name: {str(c): n for c, n in sorted(r.class_counts.items())} for r in usable}
    with open(osp.join(root, STATS_FILE), 'w') as f:
        json.dump(stats, f)
    with open(osp.join(root, SAMPLE_LIST_FILE), 'w') as f:
        f.writelines(f'{r.name}\n' for r in usable)


def converter_cli(convert: Callable[..., ConversionSummary], description: str, root_help: str,
                  argv: List[str] | None = None, with_size_mismatch: bool = True) -> int:
    """Parse a converter's command line, run ``convert`` and print its summary.

    Returns the exit status: 1 when some files are bad, else 0.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('root', help=root_help)
    parser.add_argument('--nproc', type=int, default=1, help='number of processes')
    if with_size_mismatch:
        parser.add_argument('--size-mismatch', choices=SIZE_MISMATCH_POLICIES, default='resize',
                            help='label/image size mismatch: resize the label to the image '
                            '(nearest), exclude the sample, or count it as bad')
    args = parser.parse_args(argv)
    options = dict(size_mismatch=args.size_mismatch) if with_size_mismatch else {}
    summary = convert(args.root, args.nproc, **options)
    print(summary.format())
    return 1 if summary.bad else 0
