"""Is a CLAN run in CLAN's regime? Reads the regime/* scalars a work dir logged (CLANRegimeHook),
plots them against a public full-length real run and prints one verdict line per run::

    python tools/analysis/clan_regime.py work_dirs/clan_gta2city [more work dirs] --out-dir DIR

Classifiers apart (|cos(W1, W2)| <= 0.1 throughout), M not collapsed (mean after the preheat in
0.01-0.05), D neither lost nor saturated (source BCE after the preheat in 0.05-0.62). The limits
and the real run's values are in mmseg_clan/analysis/clan_regime.py and docs/training.md.
"""
import argparse
import json
import os
import os.path as osp
from typing import List

from mmseg_clan.analysis.clan_regime import read_run_regime
from mmseg_clan.analysis.regime_plot import plot_regime
from mmseg_clan.utils.atomic_file import write_bytes_atomically, write_text_atomically


def parse_args(argv: List[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dirs', nargs='+', help='CLAN training work dirs')
    parser.add_argument('--out-dir', default=None,
                        help='where regime.png and regime.json go (default: the first work dir)')
    return parser.parse_args(argv)


def main(argv: List[str] | None = None) -> dict:
    args = parse_args(argv)
    runs = {}
    for work_dir in args.work_dirs:
        regime = read_run_regime(work_dir)
        print(f'{work_dir}: {regime.line}')
        runs[work_dir] = dict(scalars=regime.scalars, max_iters=regime.max_iters,
                              preheat_iters=regime.preheat_iters,
                              in_regime=all(c.holds for c in regime.checks), line=regime.line,
                              checks=[c._asdict() for c in regime.checks], series=regime.series)
    out_dir = args.out_dir or args.work_dirs[0]
    os.makedirs(out_dir, exist_ok=True)
    write_bytes_atomically(osp.join(out_dir, 'regime.png'), plot_regime(runs))
    write_text_atomically(osp.join(out_dir, 'regime.json'), json.dumps(runs, indent=2))
    print(f'plot and values: {osp.join(out_dir, "regime.png")}, regime.json')
    return runs


if __name__ == '__main__':
    main()
