"""Statistics of runs' evaluation curves: per run the last, best, mean of the last K and the
value at a fixed iteration, each with the iterations it comes from; per group their mean and
spread over runs. Pure functions on :class:`~mmseg_clan.analysis.run_records.RunRecord` values."""
import math
from collections.abc import Sequence

import numpy as np

from mmseg_clan.evaluation import class_iou_from_metrics

from .run_records import RunRecord

FIELDS = ('last', 'mean_last_k', 'best', 'at_iter')  # the per-run values, in report order


def metric_curve(run: RunRecord, metric: str) -> list:
    """``[(iteration, value), ...]`` of ``metric`` over a run's evaluations."""
    missing = [e.iteration for e in run.evaluations if metric not in e.metrics]
    if missing:
        logged = sorted(k for k in run.evaluations[0].metrics if k.startswith('m'))
        raise KeyError(f'{run.work_dir}: metric {metric!r} not logged at iterations '
                       f'{missing[:5]}; logged metrics: {logged}')
    return [(e.iteration, float(e.metrics[metric])) for e in run.evaluations]


def run_statistics(curve: Sequence[tuple], last_k: int, at_iter: int | None,
                   run_name: str) -> dict:
    """Last, mean of the last ``last_k`` (fewer when the run has fewer), best (first of the
    highest) and the value at ``at_iter``, each with its iteration(s)."""
    if last_k < 1:
        raise ValueError(f'last_k must be >= 1, got {last_k}')
    iterations = [i for i, _ in curve]
    values = [v for _, v in curve]
    window = curve[-last_k:]
    best = max(range(len(values)), key=lambda i: (not math.isnan(values[i]), values[i], -i))
    stats = dict(
        last=dict(value=values[-1], iteration=iterations[-1]),
        mean_last_k=dict(value=float(np.mean([v for _, v in window])),
                         iterations=[i for i, _ in window], k=len(window), k_asked=last_k),
        best=dict(value=values[best], iteration=iterations[best]))
    if at_iter is not None:
        if at_iter not in iterations:
            raise ValueError(f'{run_name}: no evaluation at iteration {at_iter} (--at-iter); '
                             f'evaluated at {iterations}')
        stats['at_iter'] = dict(value=values[iterations.index(at_iter)], iteration=at_iter)
    return stats


def spread(values: Sequence[float]) -> dict:
    """Mean and standard deviation (numpy's, ddof=0) over runs; no std for a single run."""
    return dict(mean=float(np.mean(values)),
                std=float(np.std(values)) if len(values) > 1 else None, n=len(values))


def check_comparable(group: str, runs: Sequence[RunRecord], allow_partial: bool) -> None:
    """Refuse to average runs evaluated on different sets, in different ways, or (unless
    ``allow_partial``) at different iterations; the error names the runs."""
    for attribute in ('eval_set', 'evaluated_by'):
        kinds = {}
        for run in runs:
            kinds.setdefault(repr(getattr(run, attribute)), []).append(run.work_dir)
        if len(kinds) > 1:
            listed = '; '.join(f'{kind}: {dirs}' for kind, dirs in kinds.items())
            raise ValueError(f'group {group!r} mixes runs of different {attribute} (never '
                             f'averaged): {listed}')
    schedules = {run.work_dir: [e.iteration for e in run.evaluations] for run in runs}
    longest = max(schedules.values(), key=len)
    for work_dir, iterations in schedules.items():
        if iterations == longest:
            continue
        if iterations != longest[:len(iterations)]:
            raise ValueError(f'group {group!r}: {work_dir} was evaluated at {iterations}, '
                             f'others at {longest}; different schedules are not averaged')
        if not allow_partial:
            raise ValueError(
                f'group {group!r}: {work_dir} is partial, last evaluated at iteration '
                f'{iterations[-1]} while others reach {longest[-1]}; finish or leave it out, '
                'or pass --allow-partial to take each run\'s own last')


def class_iou_at(run: RunRecord, metric: str, iteration: int) -> dict | None:
    """Per-class IoU the metric logged for ``metric`` at an iteration; None if it logged none."""
    evaluation = next(e for e in run.evaluations if e.iteration == iteration)
    return class_iou_from_metrics(evaluation.metrics, metric) or None


def summarize_group(group: str, runs: Sequence[RunRecord], metric: str, last_k: int,
                    at_iter: int | None, allow_partial: bool = False) -> dict:
    """Every run's curve and statistics, and their mean ± std over the group's runs."""
    check_comparable(group, runs, allow_partial)
    summaries = []
    for run in runs:
        curve = metric_curve(run, metric)
        stats = run_statistics(curve, last_k, at_iter, run.work_dir)
        summaries.append(dict(
            work_dir=run.work_dir, config=run.config_name, evaluated_by=run.evaluated_by,
            sources=run.sources, curve=[list(point) for point in curve], **stats,
            checkpoints={name: run.checkpoints.get(stats[name]['iteration'], [])
                         for name in ('last', 'best')},
            class_iou={name: class_iou_at(run, metric, stats[name]['iteration'])
                       for name in ('last', 'best')}))
    fields = [f for f in FIELDS if f in summaries[0]]
    return dict(
        num_runs=len(runs), evaluated_by=runs[0].evaluated_by, eval_set=runs[0].eval_set,
        train_config=runs[0].train_config, configs=sorted({str(r.config_name) for r in runs}),
        stats={f: spread([s[f]['value'] for s in summaries]) for f in fields},
        class_iou={name: mean_class_iou([s['class_iou'][name] for s in summaries])
                   for name in ('last', 'best')},
        runs=summaries)


def mean_class_iou(per_run: Sequence[dict | None]) -> dict | None:
    """Per-class mean and std over runs (NaN where a class is absent); None unless every run
    logged per-class IoU for the same classes."""
    if any(c is None for c in per_run) or len({tuple(c) for c in per_run}) != 1:
        return None
    classes = list(per_run[0])
    values = np.array([[c[name] for name in classes] for c in per_run], dtype=float)
    return {name: dict(mean=float(np.mean(values[:, i])),
                       std=float(np.std(values[:, i])) if len(per_run) > 1 else None)
            for i, name in enumerate(classes)}
