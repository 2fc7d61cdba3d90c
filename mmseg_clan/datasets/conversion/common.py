"""Shared machinery of the converters: parallel runs, atomic writes, output checks, summaries."""
import argparse
import os
import os.path as osp
import sys
from dataclasses import dataclass, field
from multiprocessing import Pool
from typing import Callable, Dict, List, Sequence

import cv2
import mmengine
import numpy as np
from PIL import Image

from ...utils import atomic_file
from ..label_maps import IGNORE_INDEX, describe_invalid_train_ids

# What to do with a label whose size differs from its image (a known GTA5 defect).
SIZE_MISMATCH_POLICIES = ('resize', 'exclude', 'error')
# Examples of stray files and labels without images printed in a summary (all are counted).
MAX_LISTED = 10


def escaped(text: str) -> str:
    """``text`` printable as UTF-8: bytes of a non-UTF-8 file name (held by Python as
    surrogate escapes) shown as ``\\xNN``; other text unchanged."""
    return text.encode('utf-8', 'surrogateescape').decode('utf-8', 'backslashreplace')


def has_utf8_name(path: str) -> bool:
    """Whether ``path`` is valid UTF-8 (it can be written to a UTF-8 sample list)."""
    try:
        path.encode('utf-8')
    except UnicodeEncodeError:
        return False
    return True


@dataclass
class FileResult:
    """Outcome of converting one sample."""

    name: str
    status: str  # 'converted', 'skipped', 'excluded', 'bad' or 'no_image'
    message: str = ''
    class_counts: Dict[int, int] | None = None
    resized: bool = False
    redone: str = ''  # why an earlier output was not trusted and was converted again


@dataclass
class ConversionSummary:
    """Counts and reasons of a converter run."""

    converted: List[str] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)
    resized: Dict[str, str] = field(default_factory=dict)
    redone: Dict[str, str] = field(default_factory=dict)
    excluded: Dict[str, str] = field(default_factory=dict)
    bad: Dict[str, str] = field(default_factory=dict)
    no_image: Dict[str, str] = field(default_factory=dict)  # labels without an image
    stray: Dict[str, str] = field(default_factory=dict)  # files no converter input or output
    warnings: List[str] = field(default_factory=list)

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
            if result.redone:
                summary.redone[result.name] = result.redone
        return summary

    def format(self) -> str:
        """Human-readable report: counts, then every resized, redone, excluded and bad file."""
        lines = [f'converted: {len(self.converted)}, skipped (already done): '
                 f'{len(self.skipped)}, resized: {len(self.resized)}, re-converted (earlier '
                 f'output invalid): {len(self.redone)}, excluded: {len(self.excluded)}, '
                 f'bad: {len(self.bad)}, labels without image: {len(self.no_image)}, '
                 f'stray files: {len(self.stray)}']
        lines += [f'  warning: {message}' for message in self.warnings]
        for title, entries in (('resized', self.resized), ('re-converted', self.redone),
                               ('excluded', self.excluded), ('bad', self.bad)):
            lines += [f'  {title}: {message}' for message in entries.values()]
        for title, entries in (('label without image', self.no_image),
                               ('stray file', self.stray)):
            messages = list(entries.values())
            lines += [f'  {title}: {message}' for message in messages[:MAX_LISTED]]
            if len(messages) > MAX_LISTED:
                lines.append(f'  ... and {len(messages) - MAX_LISTED} more ({title})')
        return escaped('\n'.join(lines))


def run_parallel(worker: Callable[[str], FileResult], tasks: List[str],
                 nproc: int) -> List[FileResult]:
    """Run ``worker`` on every task in ``nproc`` processes: a progress bar on a terminal,
    otherwise about ten ``processed i/n`` lines."""
    if sys.stdout.isatty():
        if nproc > 1:
            return mmengine.track_parallel_progress(worker, tasks, nproc)
        return mmengine.track_progress(worker, tasks)
    step = max(1, len(tasks) // 10)
    results = []
    with Pool(nproc) if nproc > 1 else _InProcess() as pool:
        for i, result in enumerate(pool.imap(worker, tasks, chunksize=max(1, step // nproc)), 1):
            results.append(result)
            if i % step == 0 or i == len(tasks):
                print(f'processed {i}/{len(tasks)}', flush=True)
    return results


class _InProcess:
    """The ``imap`` of a Pool, run in this process."""

    def __enter__(self) -> '_InProcess':
        return self

    def __exit__(self, *exc_info) -> None:
        return None

    @staticmethod
    def imap(worker: Callable, tasks: Sequence, chunksize: int = 1):
        return map(worker, tasks)


def write_bytes_atomically(path: str, data: bytes) -> None:
    """Durable atomic write of ``data`` through ``NAME.tmp<pid>.EXT`` (one temporary file per
    converter process)."""
    stem, ext = osp.splitext(path)
    atomic_file.write_bytes_atomically(path, data, tmp_path=f'{stem}.tmp{os.getpid()}{ext}')


def write_png_atomically(path: str, array: np.ndarray) -> None:
    """Encode ``array`` as PNG and write it with :func:`write_bytes_atomically`."""
    ok, encoded = cv2.imencode('.png', array)
    if not ok:
        raise OSError(f'could not encode {path}')
    write_bytes_atomically(path, encoded.tobytes())


def image_size(path: str) -> tuple[int, int]:
    """(width, height) of an image, decoding it fully so that a truncated file is refused."""
    try:
        with Image.open(path) as img:
            img.load()
            return img.size
    except Exception as e:
        raise OSError(f'{path}: unreadable image ({e})') from e


def read_train_id_label(path: str, size: tuple[int, int], num_classes: int = 19) -> np.ndarray:
    """Read a converted train-id label; ValueError saying why it is unusable.

    It must decode fully, be 8-bit grey, have ``size`` (width, height) and hold only the ids
    ``0..num_classes-1`` and 255.
    """
    try:
        with Image.open(path) as label:
            label.load()
            mode, label_size, array = label.mode, label.size, np.asarray(label)
    except Exception as e:
        raise ValueError(f'{path} does not decode ({e})') from e
    if mode != 'L':
        raise ValueError(f'{path} is a {mode} image, not 8-bit grey')
    if label_size != tuple(size):
        raise ValueError(f'{path} is {label_size[0]}x{label_size[1]}, its image '
                         f'{size[0]}x{size[1]}')
    problem = describe_invalid_train_ids(array, num_classes, IGNORE_INDEX)
    if problem:
        raise ValueError(f'{path}: {problem}')
    return array


def require_dir(path: str, what: str) -> None:
    """Raise FileNotFoundError naming ``path`` when it is not a directory."""
    if not osp.isdir(path):
        raise FileNotFoundError(f'{what} folder not found: {path}')


def converter_cli(convert: Callable[..., ConversionSummary], description: str, root_help: str,
                  argv: List[str] | None = None, with_size_mismatch: bool = True) -> int:
    """Parse a converter's command line, run ``convert`` and print its summary.

    Returns the exit status: 2 when the dataset cannot be converted at all (the reason on
    stderr), 1 when some files are bad, else 0.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('root', help=root_help)
    parser.add_argument('--nproc', type=int, default=1, help='number of processes')
    if with_size_mismatch:
        parser.add_argument('--size-mismatch', choices=SIZE_MISMATCH_POLICIES, default='resize',
                            help='label/image size mismatch: resize the label to the image '
                            '(nearest), exclude the sample, or count it as bad')
    args = parser.parse_args(argv)
    if args.nproc < 1:
        parser.error(f'--nproc must be >= 1, got {args.nproc}')
    options = dict(size_mismatch=args.size_mismatch) if with_size_mismatch else {}
    try:
        summary = convert(args.root, args.nproc, **options)
    except (OSError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 2
    print(summary.format())
    return 1 if summary.bad else 0
