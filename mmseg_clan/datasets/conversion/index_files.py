"""The index files of a converted source dataset: class statistics and the sample list."""
import json
import os.path as osp
from typing import List, Sequence

from .common import FileResult, write_bytes_atomically

# Written in the root of a converted source dataset.
STATS_FILE = 'sample_class_stats.json'  # {sample name: {train id: pixel count}}
SAMPLE_LIST_FILE = 'train.txt'  # usable sample names, one per line (the dataset's ann_file)


def check_index_files(root: str) -> List[str]:
    """Warnings naming each index file of an earlier run that is corrupt (it is rebuilt)."""
    warnings = []
    for name, check in ((STATS_FILE, _check_stats), (SAMPLE_LIST_FILE, _check_sample_list)):
        path = osp.join(root, name)
        if not osp.isfile(path):
            continue
        try:
            with open(path, 'rb') as f:
                check(f.read())
        except (ValueError, TypeError) as e:
            warnings.append(f'{path} is corrupt ({type(e).__name__}: {e}), probably from an '
                            'interrupted run; it is rebuilt from the checked labels')
    return warnings


def _check_stats(data: bytes) -> None:
    stats = json.loads(data.decode('utf-8'))
    if not isinstance(stats, dict) or not all(
            isinstance(counts, dict) and all(isinstance(n, int) for n in counts.values())
            for counts in stats.values()):
        raise ValueError('expected {sample name: {train id: pixel count}}')


def _check_sample_list(data: bytes) -> None:
    text = data.decode('utf-8')
    if '\0' in text or (text and not text.endswith('\n')):
        raise ValueError('expected sample names, one per line')


def write_source_index(root: str, results: Sequence[FileResult]) -> None:
    """Write the class statistics and the list of usable samples, each atomically."""
    usable = sorted((r for r in results if r.status in ('converted', 'skipped')),
                    key=lambda r: r.name)
    stats = {r.name: {str(c): n for c, n in sorted(r.class_counts.items())} for r in usable}
    write_bytes_atomically(osp.join(root, STATS_FILE), json.dumps(stats).encode('utf-8'))
    write_bytes_atomically(osp.join(root, SAMPLE_LIST_FILE),
                           ''.join(f'{r.name}\n' for r in usable).encode('utf-8'))
