"""PNG of CLAN runs' regime curves against the public real run, over the schedule's fraction."""
import io
import math
from collections.abc import Mapping

import matplotlib

from .clan_regime import (
    COS_LIMIT,
    M_MEAN_RANGE,
    REAL_RUN_COS,
    REAL_RUN_DISC_BCE_SOURCE,
    REAL_RUN_M_MEAN,
)

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def _fractions(points, max_iters: int):
    return [it / max_iters for it, _ in points], [v for _, v in points]


def plot_regime(runs: Mapping) -> bytes:
    """PNG: cos(W1, W2), M (mean and p90), D's BCE of every run (``{label: dict(series,
    max_iters, preheat_iters)}``), with the limits and the real run's values."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    real = dict(color='black', marker='x', linestyle='none', label='real run (public log)')
    axes[0].axhspan(-COS_LIMIT, COS_LIMIT, color='green', alpha=0.1, label='|cos| <= 0.1')
    axes[0].plot(*zip(*REAL_RUN_COS), **real)
    axes[1].axhspan(*M_MEAN_RANGE, color='green', alpha=0.1, label='mean M limits')
    axes[1].axhspan(*REAL_RUN_M_MEAN, color='black', alpha=0.15, label='real run (implied)')
    axes[2].axhline(math.log(2), color='grey', linestyle=':', label='ln 2 (chance)')
    axes[2].plot(*zip(*REAL_RUN_DISC_BCE_SOURCE), **real)
    for index, (label, run) in enumerate(runs.items()):
        colour, series, max_iters = f'C{index % 10}', run['series'], run['max_iters']
        name = label if len(label) < 40 else '...' + label[-37:]
        if 'cos_w1_w2' in series:
            axes[0].plot(*_fractions(series['cos_w1_w2'], max_iters), color=colour, label=name)
        if 'M_mean' in series:
            axes[1].plot(*_fractions(series['M_mean'], max_iters), color=colour, label=name)
            axes[1].plot(*_fractions(series['M_p90'], max_iters), color=colour, linestyle='--',
                         alpha=0.6)
        for key, style in (('disc_bce_source', '-'), ('disc_bce_target', '--')):
            if key in series:
                axes[2].plot(*_fractions(series[key], max_iters), color=colour,
                             linestyle=style, label=f'{name} {key[9:]}')
        for axis in axes[1:]:
            axis.axvline(run['preheat_iters'] / max_iters, color=colour, linestyle=':',
                         alpha=0.5)
    titles = ('cos(W1, W2) of the two classifiers', 'M on the target: mean (p90 dashed)',
              "D's BCE: source (target dashed)")
    for axis, title in zip(axes, titles):
        axis.set_title(title)
        axis.set_xlabel('fraction of the schedule (dotted: end of preheat)')
        axis.legend(fontsize=7)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format='png', dpi=90)
    plt.close(fig)
    return buffer.getvalue()
