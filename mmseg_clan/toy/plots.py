"""Plots of the toy benchmark: training curves of every method and CLAN's per-class M against
the designed shift severity."""
import json
from typing import Dict, List

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

LOG_KEYS = ('loss_seg', 'loss_adv', 'loss_weight', 'loss_d_source', 'loss_d_target',
            'alignment_map_mean')


def read_scalars(path: str) -> Dict[str, List[tuple]]:
    """Training log values by key: [(iteration, value), ...] from an mmengine scalars.json."""
    series: Dict[str, List[tuple]] = {}
    with open(path) as f:
        for line in f:
            record = json.loads(line)
            for key in LOG_KEYS:
                if key in record:
                    series.setdefault(key, []).append((record['step'], record[key]))
    return series


def plot_mechanism(mech: Dict, out_file: str) -> None:
    """Per-class mean M on target val against the designed shift severity."""
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    ax.scatter(mech['severity'], mech['mean_m'])
    for name, x, y in zip(mech['classes'], mech['severity'], mech['mean_m']):
        ax.annotate(name, (x, y), fontsize=7, xytext=(3, 3), textcoords='offset points')
    ax.set_xlabel('designed shift severity of the class (target)')
    ax.set_ylabel('mean alignment map M on its target val pixels')
    ax.set_title(f'CLAN: per-class M vs shift severity (Spearman rho = '
                 f'{mech["spearman_rho"]:.2f})')
    fig.tight_layout()
    fig.savefig(out_file, dpi=100)
    plt.close(fig)


def plot_losses(results: List[Dict], out_file: str) -> None:
    """Training curves of every method (first seed): losses, discriminator and mean M."""
    panels = [('segmentation loss', ['loss_seg']),
              ('generator adversarial / weight loss', ['loss_adv', 'loss_weight']),
              ('discriminator losses', ['loss_d_source', 'loss_d_target']),
              ('mean alignment map M (target)', ['alignment_map_mean'])]
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.8))
    first_seed = results[0]['seed']
    for result in (r for r in results if r['seed'] == first_seed):
        series = read_scalars(result['scalars'])
        for ax, (_, keys) in zip(axes, panels):
            for key in keys:
                if key in series:
                    steps, values = zip(*series[key])
                    ax.plot(steps, values, label=f'{result["method"]} {key}')
    for ax, (title, _) in zip(axes, panels):
        ax.set_title(title)
        ax.set_xlabel('iteration')
        if ax.lines:
            ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(out_file, dpi=100)
    plt.close(fig)
