"""PNG plot of every run's evaluation curve, each group's band over runs, last and best marked."""
import io
from collections.abc import Mapping

import matplotlib
import numpy as np

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def plot_curves(summary: Mapping) -> bytes:
    """PNG of the curves, one colour per group: a line per run, the mean ± std band over the
    runs at the iterations all of them reached, a circle at each run's last value, a star at
    its best."""
    fig, ax = plt.subplots(figsize=(8, 5))
    for index, (group, result) in enumerate(summary['groups'].items()):
        colour = f'C{index % 10}'
        curves = [np.asarray(run['curve'], dtype=float) for run in result['runs']]
        for run, curve in zip(result['runs'], curves):
            ax.plot(curve[:, 0], curve[:, 1], color=colour, alpha=0.5, linewidth=1,
                    marker='.' if len(curve) < 3 else None)
            ax.scatter(run['last']['iteration'], run['last']['value'], color=colour,
                       marker='o', s=30, zorder=3)
            ax.scatter(run['best']['iteration'], run['best']['value'], color=colour,
                       marker='*', s=90, zorder=3)
        shared = min(len(c) for c in curves)
        values = np.stack([c[:shared, 1] for c in curves])
        iterations, mean, std = curves[0][:shared, 0], values.mean(0), values.std(0)
        label = f'{group} ({len(curves)} run{"s" if len(curves) > 1 else ""})'
        if shared > 1:
            ax.fill_between(iterations, mean - std, mean + std, color=colour, alpha=0.2)
            ax.plot(iterations, mean, color=colour, linewidth=2, label=label)
        else:
            ax.errorbar(iterations, mean, yerr=std, color=colour, capsize=6, fmt='s',
                        label=label)
    ax.scatter([], [], color='grey', marker='o', label='last')
    ax.scatter([], [], color='grey', marker='*', s=90, label='best (picked on val)')
    ax.set_xlabel('iteration')
    ax.set_ylabel(f'{summary["metric"]} (%)')
    ax.set_title(f'{summary["metric"]} at every evaluation; band: mean ± std over runs')
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    png = io.BytesIO()
    fig.savefig(png, format='png', dpi=120)
    plt.close(fig)
    return png.getvalue()
