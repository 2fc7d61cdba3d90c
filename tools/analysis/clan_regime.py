"""Is a CLAN run in CLAN's regime? Reads the regime/* scalars a work dir logged (CLANRegimeHook),
plots them against a public full-length real run and prints one verdict line per run::

    python tools/analysis/clan_regime.py work_dirs/clan_gta2city [more work dirs] --out-dir DIR

Classifiers apart (|cos(W1, W2)| <= 0.1 throughout), M not collapsed (mean after the preheat in
0.01-0.05), D neither lost nor saturated (source BCE after the preheat in 0.05-0.62). The limits
and the real run's values are in mmseg_clan/analysis/clan_regime.py and docs/training.md.
"""
import argparse
import glob
import json
import os
import os.path as osp
from typing import List

from mmengine.config import Config

from mmseg_clan.analysis.clan_regime import read_regime_series, regime_checks, regime_line
from mmseg_clan.analysis.regime_plot import plot_regime
from mmseg_clan.utils.atomic_file import write_bytes_atomically, write_text_atomically


def parse_args(argv: List[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dirs', nargs='+', help='CLAN training work dirs')
    parser.add_argument('--out-dir', default=None,
                        help='where regime.png and regime.json go (default: the first work dir)')
    return parser.parse_args(argv)


def latest_run(work_dir: str) -> tuple:
    """The newest ``<timestamp>/vis_data/scalars.json`` of a work dir and, from the config the
    run logged beside it (or else dumped as ``<timestamp>.py``), (max_iters, preheat_iters)."""
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not files:
        raise FileNotFoundError(f'{work_dir}: no */vis_data/scalars.json (not a training work '
                                'dir, or training logged nothing yet)')
    config_file = osp.join(osp.dirname(files[-1]), 'config.py')
    if not osp.isfile(config_file):
        config_file = osp.dirname(osp.dirname(files[-1])) + '.py'
    if not osp.isfile(config_file):
        raise FileNotFoundError(f'{work_dir}: the run logged no config (neither '
                                f'{osp.dirname(files[-1])}/config.py nor {config_file})')
    cfg = Config.fromfile(config_file, import_custom_modules=False)
    max_iters = cfg.get('train_cfg', {}).get('max_iters')
    preheat = cfg.get('model', {}).get('preheat_iters', 5000)  # CLAN's default (official)
    if not isinstance(max_iters, int) or max_iters < 1:
        raise ValueError(f'{config_file}: train_cfg.max_iters must be a positive int, got '
                         f'{max_iters!r}')
    return files[-1], max_iters, preheat


def main(argv: List[str] | None = None) -> dict:
    args = parse_args(argv)
    runs = {}
    for work_dir in args.work_dirs:
        scalars, max_iters, preheat = latest_run(work_dir)
        series = read_regime_series(scalars)
        checks = regime_checks(series, preheat)
        line = regime_line(checks)
        print(f'{work_dir}: {line}')
        runs[work_dir] = dict(scalars=scalars, max_iters=max_iters, preheat_iters=preheat,
                              in_regime=all(c.holds for c in checks), line=line,
                              checks=[c._asdict() for c in checks], series=series)
    out_dir = args.out_dir or args.work_dirs[0]
    os.makedirs(out_dir, exist_ok=True)
    write_bytes_atomically(osp.join(out_dir, 'regime.png'), plot_regime(runs))
    write_text_atomically(osp.join(out_dir, 'regime.json'), json.dumps(runs, indent=2))
    print(f'plot and values: {osp.join(out_dir, "regime.png")}, regime.json')
    return runs


if __name__ == '__main__':
    main()
