"""Toy domain-shift benchmark: does CLAN adapt? Source-only, AdaptSegNet-style and CLAN (and with
--full the two CLAN ablations, a target-supervised oracle and 3 seeds) on CPU, side by side.

Generates the toy data if missing (mmseg_clan/toy: pretraining corpus, GTA5-layout source,
Cityscapes-layout target with a designed per-class shift), runs the real converters, pretrains
the shared backbone once (cached by a checksum of its settings), trains and tests each method
with tools/train.py and tools/test.py, prints the table and the per-class mean M against the
shift severity, and saves plots.

Example: bash tools/run_demo.sh            (default demo)
         python tools/toy_benchmark.py --full
"""
import argparse
import glob
import hashlib
import json
import os
import os.path as osp
import platform
import re
import subprocess
import sys
import time
from typing import Dict, List, Sequence

import numpy as np
from mmengine.config import Config

import mmseg_clan  # noqa: F401  (must precede mmseg: installs the mmcv.ops fallback)
from mmseg_clan.toy.interruptible_runs import InterruptibleRuns, RunsInterrupted
from mmseg_clan.utils.atomic_file import write_text_atomically

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = {  # display name -> toy config
    'source-only': 'configs/toy/source-only_r18-narrow_toy.py',
    'AdaptSegNet': 'configs/toy/adaptsegnet_r18-narrow_toy.py',
    'CLAN': 'configs/toy/clan_r18-narrow_toy.py',
    'CLAN w/o weight loss': 'configs/toy/clan-no-weight-loss_r18-narrow_toy.py',
    'CLAN w/o adaptive': 'configs/toy/clan-no-adaptive_r18-narrow_toy.py',
    'oracle': 'configs/toy/oracle_r18-narrow_toy.py',
}
WITHOUT_DISCRIMINATOR = ('source-only', 'oracle')
PRETRAIN_CONFIG = 'configs/toy/pretrain_r18-narrow_toy-corpus.py'
DEMO_METHODS = ['source-only', 'AdaptSegNet', 'CLAN']
WARMUP_FRACTION = 0.05  # official: 5000 warm-up / preheat iterations of 100k
METRICS_FILE = 'toy_metrics.json'
# One intra-op thread per tool: on a 2-core machine a second thread (beside the data worker and
# other load) made iterations 10-30x slower.
THREAD_ENV = {name: os.environ.get(name, '1') for name in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS')}
QUICK_SETS = ('num_pretrain', 'num_source', 'num_target_train', 'num_target_val', 'data_size')
RUNS = InterruptibleRuns()  # every tool this driver starts: one Ctrl-C stops them all


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data-root', default='data/toy', help='toy data (generated if missing)')
    parser.add_argument('--work-dir', default='work_dirs/toy_benchmark',
                        help='training runs, test logs, table and plots')
    parser.add_argument('--pretrain-cache', default='work_dirs/toy_pretrain',
                        help='pretrained backbones, one folder per checksum of their settings')
    parser.add_argument('--full', action='store_true',
                        help='the full study: all methods (ablations, oracle), seeds 0 1 2')
    parser.add_argument('--seeds', type=int, nargs='+', default=None)
    parser.add_argument('--methods', nargs='+', choices=list(CONFIGS), default=None)
    parser.add_argument('--max-iters', type=int, default=None,
                        help='training iterations (default: the toy configs\'); warm-up and '
                        'preheat scale with it (5%%, as the official 5000 of 100k)')
    parser.add_argument('--pretrain-iters', type=int, default=None,
                        help='backbone pretraining iterations (default: its config\'s)')
    parser.add_argument('--shift-seed', type=int, default=None,
                        help='a random per-class shift instead of the designed one')
    parser.add_argument('--quick', action='store_true',
                        help='smoke run: a few iterations on tiny data (<work-dir>/quick_data)')
    parser.add_argument('--num-pretrain', type=int, default=600)
    parser.add_argument('--num-source', type=int, default=400)
    parser.add_argument('--num-target-train', type=int, default=400)
    parser.add_argument('--num-target-val', type=int, default=100)
    parser.add_argument('--data-size', type=int, nargs=2, default=(192, 96),
                        metavar=('WIDTH', 'HEIGHT'), help='generated image size (all corpora)')
    parser.add_argument('--nproc', type=int, default=2, help='data generation/conversion workers')
    parser.add_argument('--force', action='store_true',
                        help='retrain runs whose results are already in --work-dir')
    parser.add_argument('--jobs', type=int, default=os.cpu_count() or 1,
                        help='runs trained at the same time, one intra-op thread each '
                        '(default: the number of CPUs); the results do not depend on it')
    parser.add_argument('--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
                        help='config overrides for every run, the backbone pretraining included '
                        '(e.g. another model); part of the cache keys')
    args = parser.parse_args(argv)
    for option in args.cfg_options:
        if '=' not in option or option.startswith('='):
            parser.error(f'--cfg-options: expected KEY=VALUE, got {option!r}')
    args.seeds = args.seeds or ([0, 1, 2] if args.full else [0])
    args.methods = args.methods or (list(CONFIGS) if args.full else DEMO_METHODS)
    if args.quick:
        explicit = [f'--{key.replace("_", "-")}' for key in QUICK_SETS
                    if getattr(args, key) != parser.get_default(key)]
        if explicit:
            parser.error(f'--quick sets {", ".join(explicit)} itself; drop them or --quick')
        args.max_iters = args.max_iters or 4
        args.pretrain_iters = args.pretrain_iters or 4
        args.num_pretrain, args.num_source, args.num_target_train, args.num_target_val = (
            4, 6, 6, 3)
        args.data_size = (64, 32)
        if args.data_root == parser.get_default('data_root'):
            args.data_root = osp.join(args.work_dir, 'quick_data')
        if args.pretrain_cache == parser.get_default('pretrain_cache'):
            args.pretrain_cache = osp.join(args.work_dir, 'quick_pretrain')
    for key in ('max_iters', 'pretrain_iters', 'jobs'):
        if getattr(args, key) is not None and getattr(args, key) < 1:
            parser.error(f'--{key.replace("_", "-")} must be >= 1, got {getattr(args, key)}')
    return args


def log(message: str) -> None:
    """Progress line of the driver."""
    print_line(f'[toy-benchmark {time.strftime("%H:%M:%S")}] {message}')


def print_line(text: str) -> None:
    """Print one whole line: runs trained at the same time (--jobs) never split each other's."""
    sys.stdout.write(text + '\n')
    sys.stdout.flush()


def run_tool(cmd: List[str], log_file: str, echo: re.Pattern | None = None,
             tag: str = '') -> None:
    """Run a repo tool with this Python; echo matching lines (prefixed by ``tag``), keep the
    full output in a file."""
    os.makedirs(osp.dirname(log_file), exist_ok=True)
    with open(log_file, 'w') as out:
        proc = RUNS.popen([sys.executable, *cmd], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, bufsize=1,
                          env={**os.environ, 'PYTHONUNBUFFERED': '1', **THREAD_ENV})
        try:
            for line in proc.stdout:
                out.write(line)
                match = echo.search(line) if echo is not None else None
                if match:
                    print_line(f'    {tag}' + line[match.start():].rstrip()[:200])
            proc.wait()
        finally:
            RUNS.release(proc)
    if proc.returncode != 0:
        with open(log_file) as f:
            tail = ''.join(f.readlines()[-30:])
        raise RuntimeError(f'{" ".join(cmd)} failed (exit {proc.returncode}); full log: '
                           f'{log_file}; last lines:\n{tail}')


def write_json(path: str, value: object) -> None:
    """Write ``value`` as indented JSON, atomically (a reader never sees part of it)."""
    write_text_atomically(path, json.dumps(value, indent=2))


def read_metrics(path: str) -> Dict | None:
    """A run's earlier toy_metrics.json, or None (with a message naming it) if corrupt."""
    try:
        with open(path, 'rb') as f:
            result = json.loads(f.read().decode('utf-8'))
        if isinstance(result, dict) and {'options', 'data_checksum'} <= set(result):
            return result
        problem = 'not the metrics of a run'
    except (ValueError, UnicodeDecodeError) as e:
        problem = f'{type(e).__name__}: {e}'
    log(f'{path} is corrupt ({problem}); the run is recomputed')
    return None


def library_versions() -> Dict[str, str]:
    """Versions of the libraries the numbers depend on."""
    import cv2
    import mmcv
    import mmengine
    import mmseg
    import PIL
    import scipy
    import torch
    return {'python': platform.python_version(), 'torch': torch.__version__,
            'mmengine': mmengine.__version__, 'mmcv': mmcv.__version__,
            'mmseg': mmseg.__version__, 'numpy': np.__version__, 'opencv': cv2.__version__,
            'pillow': PIL.__version__, 'scipy': scipy.__version__,
            'machine': f'{platform.machine()}, {os.cpu_count()} CPUs'}


def prepare_data(args: argparse.Namespace) -> Dict:
    """Generate the toy benchmark (reused when present) and run the real converters on it."""
    from mmseg_clan.toy import generate_toy_benchmark, random_class_shift
    log(f'toy data in {args.data_root}')
    shift = None if args.shift_seed is None else random_class_shift(args.shift_seed)
    meta = generate_toy_benchmark(
        args.data_root, num_source=args.num_source, num_target_train=args.num_target_train,
        num_target_val=args.num_target_val, num_pretrain=args.num_pretrain,
        source_size=tuple(args.data_size), target_size=tuple(args.data_size),
        class_shift=shift, nproc=args.nproc)
    log(('reused the existing toy data' if meta['reused'] else 'generated the toy data')
        + f'; data checksum (sha256) {meta["checksum"]}')
    roots = {k: osp.abspath(v) for k, v in meta['paths'].items()}
    for tool, root in (('gta.py', roots['pretrain']), ('gta.py', roots['source']),
                       ('cityscapes.py', roots['target'])):
        log(f'converting {root} with tools/dataset_converters/{tool}')
        run_tool([f'tools/dataset_converters/{tool}', root, '--nproc', str(args.nproc)],
                 osp.join(args.work_dir, 'logs', f'convert_{osp.basename(root)}.log'),
                 echo=re.compile(r'^converted'))
    return {**meta, 'roots': roots}


def schedule_options(max_iters: int | None, with_discriminator: bool) -> List[str]:
    """``--cfg-options`` for another schedule length (warm-up and preheat at 5%)."""
    if max_iters is None:
        return []
    warmup = min(max(1, round(WARMUP_FRACTION * max_iters)), max_iters - 1)  # < end: scheduler
    options = [f'train_cfg.max_iters={max_iters}', f'train_cfg.val_interval={max_iters + 1}',
               f'default_hooks.checkpoint.interval={max_iters}', f'model.preheat_iters={warmup}',
               f'default_hooks.logger.interval={max(1, min(50, max_iters // 10))}']
    for name in ('generator', 'discriminator') if with_discriminator else ('generator', ):
        options += [f'param_scheduler.{name}.0.end={max_iters}',
                    f'param_scheduler.{name}.0.warmup_iters={warmup}']
    return options


def config_options(method: str, roots: Dict[str, str], seed: int, max_iters: int | None,
                   backbone: str, extra: Sequence[str] = ()) -> List[str]:
    """``--cfg-options`` of one run: data roots, seed, schedule, pretrained backbone, then the
    user's ``extra`` overrides."""
    source_root = roots['target'] if method == 'oracle' else roots['source']
    return [f'randomness.seed={seed}',
            f'train_dataloader.dataset.source.data_root={source_root}',
            *([] if method in WITHOUT_DISCRIMINATOR else
              [f'train_dataloader.dataset.target.data_root={roots["target"]}']),
            f'val_dataloader.dataset.data_root={roots["target"]}',
            f'test_dataloader.dataset.data_root={roots["target"]}',
            f'model.backbone.init_cfg.checkpoint={backbone}',
            *schedule_options(max_iters, method not in WITHOUT_DISCRIMINATOR), *extra]


def link_backbone(weights: str, cache: str) -> str:
    """Point ``<cache>/backbone.pth`` (the toy configs' default) at ``weights``."""
    link = osp.join(cache, 'backbone.pth')
    if osp.islink(link):
        os.remove(link)
    if not osp.exists(link):
        os.symlink(osp.relpath(weights, cache), link)
    return weights


def pretrain_backbone(args: argparse.Namespace, data: Dict) -> str:
    """Pretrain the shared backbone on the pretraining corpus once; path of its weights."""
    import torch

    from mmseg_clan.toy.data_writer import data_checksum, sample_files
    from mmseg_clan.utils import checkpoint_state_dict, read_checkpoint
    corpus = [f for i in range(data['params']['num_pretrain'])
              for f in sample_files('pretrain', i)]
    settings = {'config': Config.fromfile(osp.join(REPO_ROOT, PRETRAIN_CONFIG)).pretty_text,
                'iters': args.pretrain_iters, 'seed': 0, 'cfg_options': args.cfg_options,
                'corpus': data_checksum(args.data_root, corpus)}
    key = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]
    run_dir = osp.abspath(osp.join(args.pretrain_cache, key))
    weights = osp.join(run_dir, 'backbone.pth')
    if osp.isfile(weights):
        log(f'pretrained backbone: reusing {weights} (settings checksum {key})')
        return link_backbone(weights, args.pretrain_cache)
    log(f'pretraining the backbone on {data["roots"]["pretrain"]} (settings checksum {key})')
    root = data['roots']['pretrain']
    options = ['randomness.seed=0', f'train_dataloader.dataset.source.data_root={root}',
               *schedule_options(args.pretrain_iters, with_discriminator=False),
               *args.cfg_options]
    run_tool(['tools/train.py', PRETRAIN_CONFIG, '--work-dir', run_dir, '--cfg-options',
              *options], osp.join(run_dir, 'train_output.log'), echo=re.compile(r'Iter\(train\)'))
    with open(osp.join(run_dir, 'last_checkpoint')) as f:
        state = checkpoint_state_dict(read_checkpoint(f.read().strip()))
    torch.save({k[len('backbone.'):]: v for k, v in state.items() if k.startswith('backbone.')},
               weights + '.tmp')
    os.replace(weights + '.tmp', weights)
    write_json(osp.join(run_dir, 'settings.json'), settings)
    return link_backbone(weights, args.pretrain_cache)


def tested_class_iou(run_dir: str) -> Dict[str, float]:
    """Per-class IoU (%) from the metrics JSON of the run's latest tools/test.py evaluation."""
    from mmseg_clan.analysis.run_records import latest_test_result
    from mmseg_clan.evaluation import class_iou_from_metrics
    found = latest_test_result(run_dir)
    if found is None:
        raise FileNotFoundError(f'no tools/test.py results (<timestamp>/<timestamp>.json) '
                                f'under {run_dir}')
    with open(found[0]) as f:
        iou = class_iou_from_metrics(json.load(f))
    if not iou:
        raise ValueError(f'{found[0]}: no per-class IoU (IoU.<class> keys) from the IoU metric')
    return iou


def train_and_test(method: str, seed: int, data: Dict, backbone: str,
                   args: argparse.Namespace) -> Dict:
    """Train one method with tools/train.py and evaluate it with tools/test.py."""
    run_dir = osp.join(args.work_dir, f'seed{seed}', method.replace(' ', '_').replace('/', ''))
    metrics_file = osp.join(run_dir, METRICS_FILE)
    options = config_options(method, data['roots'], seed, args.max_iters, backbone,
                             args.cfg_options)
    config = CONFIGS[method]
    config_checksum = hashlib.sha256(
        Config.fromfile(osp.join(REPO_ROOT, config)).pretty_text.encode()).hexdigest()
    result = read_metrics(metrics_file) if osp.isfile(metrics_file) and not args.force else None
    if result is not None:
        if (result['options'] == options and result['data_checksum'] == data['checksum']
                and result.get('config_checksum') == config_checksum):
            log(f'{method} seed {seed}: reusing {metrics_file} (--force retrains)')
            return result
    start = time.time()
    log(f'{method} seed {seed}: training {config}')
    run_tool(['tools/train.py', config, '--work-dir', run_dir, '--cfg-options', *options],
             osp.join(run_dir, 'train_output.log'), echo=re.compile(r'Iter\(train\)'),
             tag=f'[{method} seed {seed}] ')
    with open(osp.join(run_dir, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()
    train_seconds = time.time() - start
    test_dir = osp.join(run_dir, 'test')
    run_tool(['tools/test.py', config, checkpoint, '--work-dir', test_dir, '--cfg-options',
              *options], osp.join(run_dir, 'test_output.log'))
    result = dict(method=method, seed=seed, config=config, config_checksum=config_checksum,
                  options=options, data_checksum=data['checksum'], run_dir=run_dir,
                  checkpoint=checkpoint,
                  scalars=latest_scalars_file(run_dir), class_iou=tested_class_iou(run_dir),
                  train_seconds=train_seconds, total_seconds=time.time() - start)
    write_json(metrics_file, result)
    log(f'{method} seed {seed}: done in {result["total_seconds"]:.0f} s')
    return result


def latest_scalars_file(run_dir: str) -> str:
    """The newest ``<timestamp>/vis_data/scalars.json`` of a training work dir."""
    files = sorted(glob.glob(osp.join(run_dir, '*', 'vis_data', 'scalars.json')))
    if not files:
        raise FileNotFoundError(f'no */vis_data/scalars.json under {run_dir}')
    return files[-1]


def val_classes_present(target_root: str) -> List[str]:
    """Classes with pixels in the converted target val labels."""
    import cv2

    from mmseg_clan.toy.labels import TRAIN_ID_NAMES
    counts = np.zeros(256, dtype=np.int64)
    files = sorted(glob.glob(osp.join(target_root, 'gtFine', 'val', '*',
                                      '*_gtFine_labelTrainIds.png')))
    if not files:
        raise FileNotFoundError(f'no converted val labels under {target_root}/gtFine/val')
    for path in files:
        counts += np.bincount(cv2.imread(path, cv2.IMREAD_UNCHANGED).ravel(), minlength=256)
    return [name for i, name in enumerate(TRAIN_ID_NAMES) if counts[i] > 0]


def run_feature_alignment(results: List[Dict], data: Dict, backbone: str,
                          args: argparse.Namespace) -> str:
    """Per-class feature alignment (tools/analysis/feature_alignment.py) of the first seed's
    checkpoints; the folder it writes to."""
    first = [r for r in results if r['seed'] == results[0]['seed']]
    out_dir = osp.join(args.work_dir, 'feature_alignment')
    # CLAN's data roots (source and target), whatever the first run trained on
    options = config_options('CLAN', data['roots'], results[0]['seed'], None, backbone,
                             args.cfg_options)
    run_tool(['tools/analysis/feature_alignment.py', CONFIGS['CLAN'],
              *[r['checkpoint'] for r in first], '--labels', *[r['method'] for r in first],
              '--num-images', str(min(50, args.num_target_val)), '--out-dir', out_dir,
              '--device', 'cpu', '--cfg-options', *options],
             osp.join(args.work_dir, 'logs', 'feature_alignment.log'))
    return out_dir


def main(argv: Sequence[str] | None = None) -> Dict:
    """Run the benchmark; returns what results.json holds."""
    from mmseg_clan.analysis.clan_regime import read_run_regime
    from mmseg_clan.toy.class_alignment import class_mean_alignment
    from mmseg_clan.toy.plots import plot_losses, plot_mechanism
    from mmseg_clan.toy.report import format_table, mechanism, summarise
    args = parse_args(argv)
    os.chdir(REPO_ROOT)
    begin = time.time()
    os.makedirs(args.work_dir, exist_ok=True)
    versions = library_versions()
    log('libraries: ' + ', '.join(f'{k} {v}' for k, v in versions.items()))
    data = prepare_data(args)
    backbone = pretrain_backbone(args, data)
    runs = [(seed, method) for seed in args.seeds for method in args.methods]
    jobs = min(args.jobs, len(runs))
    log(f'{len(runs)} runs, {jobs} at a time (--jobs)')
    # The adversarial runs (about twice as long) start first, so that the slots finish together.
    order = sorted(range(len(runs)), key=lambda i: runs[i][1] in WITHOUT_DISCRIMINATOR)
    ordered = RUNS.map(lambda i: train_and_test(runs[i][1], runs[i][0], data, backbone, args),
                       order, [f'{runs[i][1]} seed {runs[i][0]}' for i in order], jobs)
    results = [ordered[order.index(i)] for i in range(len(runs))]
    present = val_classes_present(data['roots']['target'])
    summary = summarise(results, args.methods, present)
    table = format_table(summary, present)
    out = {'data_checksum': data['checksum'], 'libraries': versions, 'classes_present': present,
           'class_shift': data['params']['class_shift'], 'methods': summary}
    clan_runs = [r for r in results if r['method'] == 'CLAN']
    if clan_runs:
        per_seed = [class_mean_alignment(osp.join(REPO_ROOT, r['config']), r['options'],
                                         r['checkpoint']) for r in clan_runs]
        mean_m = {c: float(np.mean([m[c] for m in per_seed])) for c in present}
        out['mechanism'] = mechanism(mean_m, data['params']['class_shift'])
        table += ('\nper-class mean M of CLAN on target val vs designed shift severity: '
                  f'Spearman rho = {out["mechanism"]["spearman_rho"]:.2f} '
                  f'(p = {out["mechanism"]["p_value"]:.3f}, {len(present)} classes)\n'
                  + '  '.join(f'{c} {s:.1f}:{m:.3f}' for c, s, m in zip(
                      out['mechanism']['classes'], out['mechanism']['severity'],
                      out['mechanism']['mean_m'])))
    out['regime'] = {f'{r["method"]} seed {r["seed"]}': read_run_regime(r['run_dir']).line
                     for r in results if r['method'].startswith('CLAN')}
    table += ''.join(f'\nregime of {run} (tools/analysis/clan_regime.py): {line}'
                     for run, line in out['regime'].items())
    print('\n' + table + '\n', flush=True)
    plots = {'losses': osp.join(args.work_dir, 'loss_curves.png')}
    plot_losses(results, plots['losses'])
    if 'mechanism' in out:
        plots['mechanism'] = osp.join(args.work_dir, 'clan_m_vs_severity.png')
        plot_mechanism(out['mechanism'], plots['mechanism'])
    if osp.isfile(osp.join(REPO_ROOT, 'tools', 'analysis', 'feature_alignment.py')):
        log('per-class feature alignment (tools/analysis/feature_alignment.py)')
        out['feature_alignment_dir'] = run_feature_alignment(results, data, backbone, args)
    out['plots'] = plots
    out['seconds'] = {'total': time.time() - begin,
                      'runs': {f'{r["method"]} seed {r["seed"]}': r['total_seconds']
                               for r in results}}
    write_text_atomically(osp.join(args.work_dir, 'results.txt'), table + '\n')
    write_json(osp.join(args.work_dir, 'results.json'), out)
    log('plots: ' + ', '.join(plots.values()))
    log(f'done in {time.time() - begin:.0f} s; table in {osp.join(args.work_dir, "results.txt")}')
    return out


if __name__ == '__main__':
    try:
        main()
    except (KeyboardInterrupt, RunsInterrupted) as stopped:
        RUNS.stop()
        log(str(stopped) if isinstance(stopped, RunsInterrupted) else 'interrupted by Ctrl-C')
        raise SystemExit(130) from None
