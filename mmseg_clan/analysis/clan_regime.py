"""Whether a CLAN run trains in CLAN's regime: the ``regime/*`` scalars a run logged
(CLANRegimeHook), judged against fixed limits and a public full-length real run."""
import glob
import json
import math
import os.path as osp
from typing import Dict, List, NamedTuple, Tuple

from mmengine.config import Config

Series = Dict[str, List[Tuple[int, float]]]  # scalar name -> (iteration, value), in order

# The one public full-length CLAN training log: a port of the official code, SYNTHIA ->
# Cityscapes, lambda_local 10, 100k iterations, one line per iteration (values read off it as
# (fraction of the schedule, value); cos(W1, W2) recovered from its loss_weight as
# loss_weight / (2 * lambda_weight * damping) - 1). See docs/training.md.
REAL_RUN_SOURCE = ('public CLAN training log, SYNTHIA->Cityscapes port of the official code, '
                   'lambda_local 10, 100k iterations')
REAL_RUN_COS = [(0.0, 0.003), (0.01, 0.013), (0.05, 0.034), (0.2, 0.005), (0.5, -0.08),
                (0.8, -0.10), (0.95, -0.09)]
REAL_RUN_DISC_BCE_SOURCE = [(0.05, 0.24), (0.1, 0.20), (0.5, 0.17), (0.95, 0.13)]
REAL_RUN_M_MEAN = (0.02, 0.03)  # implied by the drop of the adversarial losses at the preheat

# The limits of the regime line, fixed before any toy comparison (docs/training.md).
COS_LIMIT = 0.1  # classifiers apart: |cos(W1, W2)| at every logged iteration (real: <= 0.10)
M_MEAN_RANGE = (0.01, 0.05)  # M not collapsed: mean over the logged iterations after preheat
DISC_SATURATED = 0.05  # D's source BCE below this: D always right, no gradient left
DISC_LOST = 0.9 * math.log(2)  # D's source BCE above this: D at chance or worse


class RegimeCheck(NamedTuple):
    """One criterion of the regime: whether it holds, and what was measured."""
    name: str
    holds: bool
    measured: str


def read_regime_series(scalars_file: str) -> Series:
    """The ``regime/*`` scalars of a ``vis_data/scalars.json``, by name without the prefix."""
    series: Series = {}
    with open(scalars_file) as f:
        for number, line in enumerate(f, 1):
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f'{scalars_file}:{number}: not a JSON line ({error})') from None
            for key, value in record.items():
                if key.startswith('regime/'):
                    series.setdefault(key[len('regime/'):], []).append(
                        (int(record['step']), float(value)))
    if not series:
        raise ValueError(f'{scalars_file}: no regime/* scalars (train with CLANRegimeHook, on '
                         'in every CLAN schedule; a source-only model has none)')
    return series


def _after(points: List[Tuple[int, float]], iteration: int) -> List[float]:
    return [value for it, value in points if it > iteration]


def regime_checks(series: Series, preheat_iters: int) -> List[RegimeCheck]:
    """The three criteria: classifiers apart, M not collapsed, D neither lost nor saturated."""
    checks = []
    if 'cos_w1_w2' in series:
        worst = max(abs(v) for _, v in series['cos_w1_w2'])
        checks.append(RegimeCheck('classifiers apart', worst <= COS_LIMIT,
                                  f'max |cos(W1, W2)| {worst:.3f} (limit {COS_LIMIT})'))
    if 'M_mean' in series:
        values = _after(series['M_mean'], preheat_iters)
        if not values:
            raise ValueError(f'no M logged after the preheat (iteration {preheat_iters})')
        mean = sum(values) / len(values)
        low, high = M_MEAN_RANGE
        checks.append(RegimeCheck('M not collapsed', low <= mean <= high,
                                  f'mean M after the preheat {mean:.4f} (range {low}-{high})'))
    if 'disc_bce_source' in series:
        values = _after(series['disc_bce_source'], preheat_iters) or [
            v for _, v in series['disc_bce_source']]
        mean = sum(values) / len(values)
        state = ('saturated' if mean < DISC_SATURATED else
                 'lost' if mean > DISC_LOST else 'neither lost nor saturated')
        checks.append(RegimeCheck('D in play', state == 'neither lost nor saturated',
                                  f"D's source BCE {mean:.3f}: {state} (real run 0.13-0.24)"))
    return checks


def regime_line(checks: List[RegimeCheck]) -> str:
    """One line: in CLAN's regime or not, and each criterion's measurement."""
    verdict = ('in CLAN\'s regime' if checks and all(c.holds for c in checks)
               else 'NOT in CLAN\'s regime')
    return verdict + ': ' + '; '.join(
        f'{c.name} {"yes" if c.holds else "NO"} ({c.measured})' for c in checks)


class RunRegime(NamedTuple):
    """A training work dir's regime series, its schedule, and the judgement."""
    scalars: str
    max_iters: int
    preheat_iters: int
    series: Series
    checks: List[RegimeCheck]

    @property
    def line(self) -> str:
        return regime_line(self.checks)


def read_run_regime(work_dir: str) -> RunRegime:
    """The regime of a work dir's newest run: its ``<timestamp>/vis_data/scalars.json``, judged
    with the preheat of the config the run logged beside it (or dumped as ``<timestamp>.py``)."""
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
    series = read_regime_series(files[-1])
    return RunRegime(files[-1], max_iters, preheat, series, regime_checks(series, preheat))
