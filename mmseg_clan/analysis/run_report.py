"""Text, Markdown and CSV forms of a runs summary (:func:`summarize_group` per group)."""
import csv
import io
import math
from collections.abc import Mapping, Sequence

from .paper_results import paper_result
from .run_records import RunRecord
from .run_summary import FIELDS

FIELD_NOTES = {  # what each value is, under the Markdown table
    'last': 'last: each run\'s last evaluation.',
    'mean_last_k': 'mean of last {last_k}: mean over each run\'s last {last_k} evaluations (fewer '
                   'when a run has fewer).',
    'best': 'best: each run\'s highest evaluation, picked on the evaluation set itself '
            '(optimistic).',
    'at_iter': 'at iter {at_iter}: each run\'s evaluation at iteration {at_iter}.',
}


def field_name(field: str, summary: Mapping) -> str:
    """Column title of a per-run field, saying what the value is."""
    if field == 'mean_last_k':
        return f'mean of last {summary["last_k"]}'
    if field == 'at_iter':
        return f'at iter {summary["at_iter"]}'
    return {'last': 'last', 'best': 'best, picked on val'}[field]


def run_cell(field: str, stats: Mapping) -> str:
    """A run's value with the iteration(s) it comes from."""
    if field == 'mean_last_k':
        first, last = stats['iterations'][0], stats['iterations'][-1]
        where = f'{first}' if first == last else f'{first}-{last}'
        return f'{stats["value"]:.2f} @{where} ({stats["k"]})'
    return f'{stats["value"]:.2f} @{stats["iteration"]}'


def spread_cell(spread: Mapping) -> str:
    """``mean ± std`` over runs, or the single run's value."""
    if spread['std'] is None:
        return f'{spread["mean"]:.2f} (1 run)'
    return f'{spread["mean"]:.2f} ± {spread["std"]:.2f}'


def format_summary_table(summary: Mapping) -> str:
    """The printed table: every run's values, then each group's mean ± std over runs."""
    lines = [f'{summary["metric"]} (%); mean ± std over runs (numpy std, ddof=0); '
             '@ the iteration(s) each value comes from']
    for group, result in summary['groups'].items():
        fields = [f for f in FIELDS if f in result['stats']]
        names = [field_name(f, summary) for f in fields]
        width = max(len(r['work_dir']) for r in result['runs']) + 2
        lines += ['', f'{group}: {result["num_runs"]} run(s), evaluated by '
                  f'{result["evaluated_by"]} on {describe_eval_set(result["eval_set"])}',
                  f'{"run":<{width}}' + ''.join(f'{n:>28}' for n in names)]
        for run in result['runs']:
            lines.append(f'{run["work_dir"]:<{width}}' + ''.join(
                f'{run_cell(f, run[f]):>28}' for f in fields))
        mean_label = f'mean over {result["num_runs"]} run(s)'
        lines.append(f'{mean_label:<{width}}' + ''.join(
            f'{spread_cell(result["stats"][f]):>28}' for f in fields))
    return '\n'.join(lines)


def describe_eval_set(eval_set: Mapping) -> str:
    """One line naming an evaluation set."""
    prefix = eval_set.get('data_prefix') or {}
    images = prefix.get('img_path') if isinstance(prefix, Mapping) else prefix
    return f'{eval_set.get("type")} {eval_set.get("data_root")} {images or ""}'.strip()


def format_class_table(summary: Mapping) -> str:
    """Per-class IoU at each group's last and best evaluation (mean over runs); empty when no
    group logged per-class IoU."""
    columns = [(group, name, result['class_iou'][name])
               for group, result in summary['groups'].items() for name in ('last', 'best')
               if result['class_iou'][name] is not None]
    if not columns:
        return ''
    several = any(values[c]['std'] is not None for _, _, values in columns for c in values)
    width = max(16, *(len(f'{g} {n}') + 2 for g, n, _ in columns))
    classes = list(columns[0][2])
    lines = ['per-class IoU (%) at the last and the best evaluation'
             + (', mean ± std over runs' if several else ''),
             f'{"class":<16}' + ''.join(f'{f"{g} {n}":>{width}}' for g, n, _ in columns)]
    for name in classes:
        cells = []
        for _, _, values in columns:
            value = values.get(name)
            cells.append('' if value is None else
                         f'{value["mean"]:.1f}' if value['std'] is None or
                         math.isnan(value['mean']) else f'{value["mean"]:.1f} ± {value["std"]:.1f}')
        lines.append(f'{name:<16}' + ''.join(f'{c:>{width}}' for c in cells))
    return '\n'.join(lines)


def results_markdown(summary: Mapping) -> str:
    """A results table in the layout of mmseg's model zoo, the paper's number beside ours."""
    metric = summary['metric']
    fields = [f for f in FIELDS if all(f in r['stats'] for r in summary['groups'].values())]
    header = ['Method', 'Backbone', 'Lr schd', 'Runs', 'Evaluated by',
              *[f'{metric} ({field_name(f, summary)})' for f in fields], f'{metric} (paper)',
              'config']
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    for group, result in summary['groups'].items():
        configs = result['configs']
        paper = paper_result(configs[0], metric) if len(configs) == 1 else None
        train = result['train_config']
        lines.append('| ' + ' | '.join([
            group, train.get('backbone') or '', str(train.get('max_iters') or ''),
            str(result['num_runs']), result['evaluated_by'],
            *[spread_cell(result['stats'][f]) for f in fields],
            '' if paper is None else f'{paper.value:.1f}', ', '.join(configs)]) + ' |')
    eval_sets = sorted({describe_eval_set(r['eval_set']) for r in summary['groups'].values()})
    lines += ['', f'{metric} in % on {"; ".join(eval_sets)}; '
              'mean ± std (numpy std, ddof=0) over runs. '
              + ' '.join(FIELD_NOTES[f].format(**summary) for f in fields)
              + ' Paper: Luo et al., CVPR 2019, same setting and metric (empty: none).']
    return '\n'.join(lines) + '\n'


def evaluations_csv(groups: Mapping[str, Sequence[RunRecord]]) -> str:
    """One row per run and evaluation: group, run, how and where evaluated, every metric."""
    keys = []
    for runs in groups.values():
        for run in runs:
            for evaluation in run.evaluations:
                keys += [k for k in evaluation.metrics if k not in keys]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\n')
    writer.writerow(['group', 'work_dir', 'config', 'evaluated_by', 'iteration', *keys])
    for group, runs in groups.items():
        for run in runs:
            for e in run.evaluations:
                writer.writerow([group, run.work_dir, run.config_name or '', run.evaluated_by,
                                 e.iteration, *[e.metrics.get(k, '') for k in keys]])
    return out.getvalue()
