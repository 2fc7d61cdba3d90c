"""Summarize training runs from what they logged: every evaluation, and per run the last, the
mean of the last K, the best (labelled as picked on val) and the value at a fixed iteration;
per group (config, or --group) the mean ± std over runs. Example::

    python tools/analysis/summarize_runs.py work_dirs/clan_gta2city_seed* \\
        work_dirs/adaptsegnet_gta2city_seed* --last-k 5 --out-dir work_dirs/run_summary

Reads ``<work_dir>/*/vis_data/scalars.json`` (the validations during training); a run without
any is read from the tools/test.py results under it (``**/<timestamp>/<timestamp>.json``), as
one evaluation of the checkpoint it tested. Writes summary.json, evaluations.csv, curves.png and
results.md to --out-dir and prints the tables.
"""
import argparse
import json
import math
import os
import os.path as osp
import sys
from typing import Any, List

from mmseg_clan.analysis.run_plot import plot_curves
from mmseg_clan.analysis.run_records import read_run
from mmseg_clan.analysis.run_report import (
    evaluations_csv,
    format_class_table,
    format_summary_table,
    results_markdown,
)
from mmseg_clan.analysis.run_summary import summarize_group
from mmseg_clan.utils.atomic_file import write_bytes_atomically, write_text_atomically

METRICS = ('mIoU', 'mIoU_all', 'mIoU13', 'mIoU13_all', 'mIoU16', 'mIoU16_all')


def parse_args(argv: List[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dirs', nargs='+', help='training work dirs, one per run')
    parser.add_argument('--group', nargs='+', metavar='LABEL',
                        help='group label of each work dir, in order (one label: all of them); '
                        'default: the config each run dumped in its work dir')
    parser.add_argument('--metric', default='mIoU', choices=METRICS,
                        help='what UDAIoUMetric logged: mIoU (classes present), mIoU_all '
                        '(absent classes as 0), SYNTHIA subsets mIoU13/mIoU16')
    parser.add_argument('--last-k', type=int, default=5,
                        help='mean of the last K evaluations of each run')
    parser.add_argument('--at-iter', type=int, default=None,
                        help='also the value at this iteration (every run must have one)')
    parser.add_argument('--allow-partial', action='store_true',
                        help='average runs that stopped early with the others, each at its '
                        'own last evaluation')
    parser.add_argument('--out-dir', default='work_dirs/run_summary')
    args = parser.parse_args(argv)
    if args.last_k < 1:
        parser.error(f'--last-k must be >= 1, got {args.last_k}')
    if args.group is not None and len(args.group) not in (1, len(args.work_dirs)):
        parser.error(f'--group: one label, or one per work dir ({len(args.work_dirs)}), '
                     f'got {len(args.group)}')
    return args


def group_runs(work_dirs: List[str], labels: List[str] | None) -> dict:
    """Label -> the runs read from its work dirs, in the order given."""
    groups = {}
    for index, work_dir in enumerate(work_dirs):
        run = read_run(work_dir)
        label = run.config_name if labels is None else labels[min(index, len(labels) - 1)]
        if label is None:
            raise ValueError(f'{work_dir}: no single config dumped in it (<work_dir>/<name>.py) '
                             'to group by; name the groups with --group')
        groups.setdefault(label, []).append(run)
    return groups


def json_safe(value: Any) -> Any:
    """NaN (an absent class) as null, so that summary.json is strict JSON."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def main(argv: List[str] | None = None) -> dict:
    """Summarize the runs, write the files, print the tables; returns summary.json's content."""
    args = parse_args(argv)
    groups = group_runs(args.work_dirs, args.group)
    summary = dict(metric=args.metric, last_k=args.last_k, at_iter=args.at_iter,
                   allow_partial=args.allow_partial,
                   groups={label: summarize_group(label, runs, args.metric, args.last_k,
                                                  args.at_iter, args.allow_partial)
                           for label, runs in groups.items()})
    os.makedirs(args.out_dir, exist_ok=True)
    files = {name: osp.join(args.out_dir, name) for name in
             ('summary.json', 'evaluations.csv', 'curves.png', 'results.md')}
    write_text_atomically(files['summary.json'],
                          json.dumps(json_safe(summary), indent=2, allow_nan=False))
    write_text_atomically(files['evaluations.csv'], evaluations_csv(groups))
    write_bytes_atomically(files['curves.png'], plot_curves(summary))
    markdown = results_markdown(summary)
    write_text_atomically(files['results.md'], markdown)
    print(format_summary_table(summary))
    class_table = format_class_table(summary)
    print('\n' + (class_table or f'per-class IoU: not logged for {args.metric} (no '
                                  'IoU.<class> keys; runs evaluated before the metric gave them)'))
    print('\n' + markdown)
    print('written: ' + ', '.join(files.values()))
    return summary


if __name__ == '__main__':
    try:
        main()
    except (ValueError, KeyError, FileNotFoundError) as error:
        sys.exit(f'summarize_runs.py: error: {error.args[0] if error.args else error}')
