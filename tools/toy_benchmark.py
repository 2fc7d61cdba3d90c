"""Toy domain-shift benchmark: source-only, AdaptSegNet-style and CLAN on CPU, side by side.

Generates the toy street scenes (GTA5-layout source, Cityscapes-layout target) if missing, runs
the real dataset converters, trains and tests each method with tools/train.py and tools/test.py,
prints the per-class IoU table on the target val split and saves plots.

Example: python tools/toy_benchmark.py --seeds 0 1 2
"""
import argparse
import glob
import json
import math
import os
import os.path as osp
import re
import subprocess
import sys
import time
from typing import Dict, List, Sequence

import numpy as np

import mmseg_clan  # noqa: F401  (must precede mmseg: installs the mmcv.ops fallback)

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
METHODS = {  # display name -> toy config
    'source-only': 'configs/toy/source-only_r18-narrow_toy.py',
    'AdaptSegNet': 'configs/toy/adaptsegnet_r18-narrow_toy.py',
    'CLAN': 'configs/toy/clan_r18-narrow_toy.py',
}
WARMUP_FRACTION = 0.05  # official: 5000 warm-up / preheat iterations of 100k
METRICS_FILE = 'toy_metrics.json'
# One intra-op thread per tool: at these tiny sizes a second thread on a 2-core machine (beside
# the data-loading worker and any other load) made iterations 10-30x slower, not faster.
THREAD_ENV = {name: os.environ.get(name, '1') for name in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS')}
LOG_KEYS = ('loss_seg', 'loss_adv', 'loss_weight', 'loss_d_source', 'loss_d_target',
            'alignment_map_mean')


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data-root', default='data/toy', help='toy data (generated if missing)')
    parser.add_argument('--work-dir', default='work_dirs/toy_benchmark',
                        help='training runs, test logs, table and plots')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0],
                        help='one training run per method and seed; mean and std over seeds')
    parser.add_argument('--methods', nargs='+', choices=list(METHODS), default=list(METHODS))
    parser.add_argument('--max-iters', type=int, default=None,
                        help='training iterations (default: the toy configs\'); warm-up and '
                        'preheat scale with it (5%%, as the official 5000 of 100k)')
    parser.add_argument('--quick', action='store_true',
                        help='smoke run: 4 iterations on a tiny data set (default root '
                        '<work-dir>/quick_data)')
    parser.add_argument('--num-source', type=int, default=400)
    parser.add_argument('--num-target-train', type=int, default=400)
    parser.add_argument('--num-target-val', type=int, default=100)
    parser.add_argument('--data-size', type=int, nargs=2, default=(256, 128),
                        metavar=('WIDTH', 'HEIGHT'), help='generated image size (both domains)')
    parser.add_argument('--num-panel-images', type=int, default=4)
    parser.add_argument('--nproc', type=int, default=2, help='data generation/conversion workers')
    parser.add_argument('--force', action='store_true',
                        help='retrain runs whose results are already in --work-dir')
    args = parser.parse_args(argv)
    if args.quick:
        args.max_iters = args.max_iters or 4
        args.num_source, args.num_target_train, args.num_target_val = 6, 6, 3
        args.data_size = (64, 32)
        if args.data_root == parser.get_default('data_root'):
            args.data_root = osp.join(args.work_dir, 'quick_data')
        args.num_panel_images = min(args.num_panel_images, 2)
    if args.max_iters is not None and args.max_iters < 1:
        parser.error(f'--max-iters must be >= 1, got {args.max_iters}')
    return args


def log(message: str) -> None:
    """Progress line of the driver."""
    print(f'[toy-benchmark {time.strftime("%H:%M:%S")}] {message}', flush=True)


def run_tool(cmd: List[str], log_file: str, echo: re.Pattern | None = None) -> None:
    """Run a repo tool with this Python; echo matching lines, keep the full output in a file."""
    os.makedirs(osp.dirname(log_file), exist_ok=True)
    with open(log_file, 'w') as out:
        proc = subprocess.Popen([sys.executable, *cmd], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, bufsize=1,
                                env={**os.environ, 'PYTHONUNBUFFERED': '1', **THREAD_ENV})
        for line in proc.stdout:
            out.write(line)
            match = echo.search(line) if echo is not None else None
            if match:
                print('    ' + line[match.start():].rstrip()[:240], flush=True)
        proc.wait()
    if proc.returncode != 0:
        with open(log_file) as f:
            tail = ''.join(f.readlines()[-30:])
        raise RuntimeError(f'{" ".join(cmd)} failed (exit {proc.returncode}); full log: '
                           f'{log_file}; last lines:\n{tail}')


def prepare_data(args: argparse.Namespace) -> Dict[str, str]:
    """Generate the toy benchmark (reused when present) and run the real converters on it."""
    from mmseg_clan.datasets.toy_street_scenes import generate_toy_benchmark
    log(f'toy data in {args.data_root}')
    meta = generate_toy_benchmark(
        args.data_root, num_source=args.num_source, num_target_train=args.num_target_train,
        num_target_val=args.num_target_val, source_size=tuple(args.data_size),
        target_size=tuple(args.data_size), nproc=args.nproc, show_progress=True)
    log('reused the existing toy data' if meta['reused'] else 'generated the toy data')
    roots = {k: osp.abspath(v) for k, v in meta['paths'].items()}
    for tool, root in (('gta.py', roots['source']), ('cityscapes.py', roots['target'])):
        log(f'converting {root} with tools/dataset_converters/{tool}')
        run_tool([f'tools/dataset_converters/{tool}', root, '--nproc', str(args.nproc)],
                 osp.join(args.work_dir, 'logs', f'convert_{tool[:-3]}.log'),
                 echo=re.compile(r'^converted'))
    return roots


def config_options(roots: Dict[str, str], seed: int, max_iters: int | None) -> List[str]:
    """``--cfg-options`` for the data roots, the seed and (optionally) the schedule length."""
    options = [f'randomness.seed={seed}',
               f'train_dataloader.dataset.source.data_root={roots["source"]}',
               f'train_dataloader.dataset.target.data_root={roots["target"]}',
               f'val_dataloader.dataset.data_root={roots["target"]}',
               f'test_dataloader.dataset.data_root={roots["target"]}']
    if max_iters is not None:
        warmup = max(1, round(WARMUP_FRACTION * max_iters))
        options += [f'train_cfg.max_iters={max_iters}', f'train_cfg.val_interval={max_iters + 1}',
                    f'default_hooks.checkpoint.interval={max_iters}',
                    f'model.preheat_iters={warmup}',
                    f'default_hooks.logger.interval={max(1, min(20, max_iters // 10))}']
        for name in ('generator', 'discriminator'):
            options += [f'param_scheduler.{name}.0.end={max_iters}',
                        f'param_scheduler.{name}.0.warmup_iters={warmup}']
    return options


def parse_class_table(log_file: str) -> Dict[str, float]:
    """Per-class IoU (%) from the 'per class results' table that mmseg's IoUMetric logs."""
    with open(log_file) as f:
        lines = f.read().splitlines()
    starts = [i for i, line in enumerate(lines) if line.rstrip().endswith('per class results:')]
    if not starts:
        raise ValueError(f'{log_file}: no "per class results:" table from the IoU metric')
    rows = [line for line in lines[starts[-1] + 1:] if line.startswith('|')]
    header = [c.strip() for c in rows[0].strip('|').split('|')]
    if header[:2] != ['Class', 'IoU']:
        raise ValueError(f'{log_file}: expected the table header Class | IoU, got {header}')
    iou = {}
    for row in rows[1:]:
        cells = [c.strip() for c in row.strip('|').split('|')]
        iou[cells[0]] = float(cells[1])
    return iou


def train_and_test(method: str, seed: int, roots: Dict[str, str],
                   args: argparse.Namespace) -> Dict:
    """Train one method with tools/train.py and evaluate it with tools/test.py."""
    run_dir = osp.join(args.work_dir, f'seed{seed}', method)
    metrics_file = osp.join(run_dir, METRICS_FILE)
    if osp.isfile(metrics_file) and not args.force:
        with open(metrics_file) as f:
            result = json.load(f)
        if result['max_iters'] == args.max_iters and result['data_root'] == roots:
            log(f'{method} seed {seed}: reusing {metrics_file} (--force retrains)')
            return result
    config = METHODS[method]
    options = config_options(roots, seed, args.max_iters)
    start = time.time()
    log(f'{method} seed {seed}: training {config}')
    run_tool(['tools/train.py', config, '--work-dir', run_dir, '--cfg-options', *options],
             osp.join(run_dir, 'train_output.log'), echo=re.compile(r'Iter\(train\)'))
    with open(osp.join(run_dir, 'last_checkpoint')) as f:
        checkpoint = f.read().strip()
    train_seconds = time.time() - start
    log(f'{method} seed {seed}: testing {checkpoint} on the target val split')
    test_dir = osp.join(run_dir, 'test')
    run_tool(['tools/test.py', config, checkpoint, '--work-dir', test_dir, '--cfg-options',
              *options], osp.join(run_dir, 'test_output.log'))
    test_log = sorted(glob.glob(osp.join(test_dir, '*', '*.log')))[-1]
    result = dict(method=method, seed=seed, max_iters=args.max_iters, data_root=roots,
                  checkpoint=checkpoint, scalars=latest_scalars_file(run_dir),
                  class_iou=parse_class_table(test_log), train_seconds=train_seconds,
                  total_seconds=time.time() - start)
    with open(metrics_file, 'w') as f:
        json.dump(result, f, indent=2)
    log(f'{method} seed {seed}: mIoU {np.nanmean(list(result["class_iou"].values())):.2f} '
        f'({result["total_seconds"]:.0f} s)')
    return result


def latest_scalars_file(run_dir: str) -> str:
    """The newest ``<timestamp>/vis_data/scalars.json`` of a training work dir."""
    files = sorted(glob.glob(osp.join(run_dir, '*', 'vis_data', 'scalars.json')))
    if not files:
        raise FileNotFoundError(f'no */vis_data/scalars.json under {run_dir}')
    return files[-1]


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


def summarise(results: List[Dict], methods: Sequence[str]) -> Dict[str, Dict]:
    """Per method: class names, per-class IoU mean/std over seeds and mIoU mean/std."""
    summary = {}
    for method in methods:
        runs = [r for r in results if r['method'] == method]
        classes = list(runs[0]['class_iou'])
        per_seed = np.array([[r['class_iou'][c] for c in classes] for r in runs])
        miou = np.nanmean(per_seed, axis=1)
        present = ~np.isnan(per_seed).all(axis=0)  # classes absent from val stay NaN
        iou_mean, iou_std = np.full(len(classes), np.nan), np.full(len(classes), np.nan)
        iou_mean[present] = np.nanmean(per_seed[:, present], axis=0)
        iou_std[present] = np.nanstd(per_seed[:, present], axis=0)
        summary[method] = dict(
            classes=classes, seeds=[r['seed'] for r in runs], iou_mean=iou_mean, iou_std=iou_std,
            miou_per_seed=miou, miou_mean=float(miou.mean()), miou_std=float(miou.std()))
    return summary


def format_table(summary: Dict[str, Dict]) -> str:
    """Per-class IoU table (%), methods side by side; mean +- std when several seeds."""
    methods = list(summary)
    several = len(summary[methods[0]]['seeds']) > 1
    width = 15 if several else 12

    def cell(mean: float, std: float) -> str:
        text = 'n/a' if math.isnan(mean) else (f'{mean:.1f} ± {std:.1f}' if several
                                                else f'{mean:.1f}')
        return f'{text:>{width}}'

    lines = [f'{"class":<14}' + ''.join(f'{m:>{width}}' for m in methods)]
    for i, name in enumerate(summary[methods[0]]['classes']):
        lines.append(f'{name:<14}' + ''.join(
            cell(summary[m]['iou_mean'][i], summary[m]['iou_std'][i]) for m in methods))
    lines.append(f'{"mIoU":<14}' + ''.join(
        cell(summary[m]['miou_mean'], summary[m]['miou_std']) for m in methods))
    seeds = summary[methods[0]]['seeds']
    lines.append(f'(target val split; IoU in %; seeds {seeds}'
                 + ('; mean ± std over seeds)' if several else ')'))
    return '\n'.join(lines)


def plot_losses(results: List[Dict], out_file: str) -> None:
    """Training curves of every method (first seed): losses, discriminator and mean M."""
    import matplotlib.pyplot as plt
    panels = [('segmentation loss (source)', ['loss_seg']),
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
            ax.legend(fontsize=7)
    fig.suptitle(f'training curves (seed {first_seed})')
    fig.tight_layout()
    fig.savefig(out_file, dpi=100)
    plt.close(fig)


def plot_iou_bars(summary: Dict[str, Dict], out_file: str) -> None:
    """Per-class IoU bars of the methods (mean over seeds, std as error bars)."""
    import matplotlib.pyplot as plt
    methods = list(summary)
    classes = summary[methods[0]]['classes']
    x = np.arange(len(classes) + 1)
    width = 0.8 / len(methods)
    fig, ax = plt.subplots(figsize=(16, 4.5))
    for i, method in enumerate(methods):
        s = summary[method]
        ax.bar(x + (i - (len(methods) - 1) / 2) * width,
               np.append(s['iou_mean'], s['miou_mean']), width,
               yerr=np.append(s['iou_std'], s['miou_std']), label=method, capsize=2)
    ax.set_xticks(x, [*classes, 'mIoU'], rotation=45, ha='right')
    ax.set_ylabel('IoU (%) on target val')
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_file, dpi=100)
    plt.close(fig)


def plot_prediction_panel(result: Dict, roots: Dict[str, str], seed: int, max_iters: int | None,
                          num_images: int, out_file: str) -> None:
    """Target val images, ground truth, each classifier's prediction, the fused one and M."""
    import matplotlib.pyplot as plt
    import torch
    import torch.nn.functional as F
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.runner import load_checkpoint
    from mmseg.registry import DATASETS, MODELS
    from mmseg.utils import register_all_modules

    from mmseg_clan.models.losses.alignment_map import alignment_map

    register_all_modules()
    cfg = Config.fromfile(osp.join(REPO_ROOT, METHODS['CLAN']))
    cfg.merge_from_dict(dict(opt.split('=', 1) for opt in config_options(roots, seed, max_iters)
                             if opt.startswith('test_dataloader')))
    model = MODELS.build(cfg.model)
    load_checkpoint(model, result['checkpoint'], map_location='cpu')
    model.eval()
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    palette = np.array(dataset.metainfo['palette'], dtype=np.uint8)
    num_images = min(num_images, len(dataset))

    def colour(labels: np.ndarray) -> np.ndarray:
        image = np.zeros((*labels.shape, 3), dtype=np.uint8)
        valid = labels < len(palette)
        image[valid] = palette[labels[valid]]
        return image

    titles = ['target image', 'ground truth', 'classifier 1', 'classifier 2', 'fused (C1 + C2)',
              'alignment map M']
    fig, axes = plt.subplots(num_images, len(titles), figsize=(3 * len(titles),
                                                                 1.7 * num_images + 0.5),
                             squeeze=False)
    for row in range(num_images):
        data = model.data_preprocessor(pseudo_collate([dataset[row]]), False)
        with torch.no_grad():
            logits = model.decode_head(model.extract_feat(data['inputs']),
                                       return_classifier_logits=True)
        size = data['inputs'].shape[-2:]
        probs = [F.softmax(model.decode_head.upsample(z, size), dim=1) for z in logits]
        m_map = alignment_map(probs[0], probs[1])[0, 0].numpy()
        preds = [p[0].argmax(0).numpy() for p in probs]
        fused = model.decode_head.upsample(logits[0] + logits[1], size)
        image = data['inputs'][0].numpy().transpose(1, 2, 0)
        image = image + np.array(cfg.model.data_preprocessor.mean)  # undo the mean (BGR)
        gt = dataset[row]['data_samples'].gt_sem_seg.data[0].numpy()
        cells = [np.clip(image[..., ::-1], 0, 255).astype(np.uint8), colour(gt),
                 colour(preds[0]), colour(preds[1]), colour(fused[0].argmax(0).numpy())]
        for col, cell in enumerate(cells):
            axes[row, col].imshow(cell, interpolation='nearest')
        shown = axes[row, -1].imshow(m_map, cmap='magma', vmin=0.0, vmax=max(m_map.max(), 1e-3))
        fig.colorbar(shown, ax=axes[row, -1], fraction=0.046)
        for col in range(len(titles)):
            axes[row, col].set_xticks([])
            axes[row, col].set_yticks([])
            if row == 0:
                axes[row, col].set_title(titles[col])
    fig.suptitle(f'CLAN (seed {seed}) on target val images')
    fig.tight_layout()
    fig.savefig(out_file, dpi=100)
    plt.close(fig)


def main(argv: Sequence[str] | None = None) -> Dict[str, Dict]:
    """Run the benchmark; returns the per-method summary."""
    args = parse_args(argv)
    os.chdir(REPO_ROOT)
    begin = time.time()
    os.makedirs(args.work_dir, exist_ok=True)
    roots = prepare_data(args)
    runs = [(seed, method) for seed in args.seeds for method in args.methods]
    results = []
    for index, (seed, method) in enumerate(runs, start=1):
        log(f'run {index}/{len(runs)}')
        results.append(train_and_test(method, seed, roots, args))
    summary = summarise(results, args.methods)
    table = format_table(summary)
    print('\n' + table + '\n', flush=True)
    with open(osp.join(args.work_dir, 'results.txt'), 'w') as f:
        f.write(table + '\n')
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump({m: dict(seeds=s['seeds'], classes=s['classes'],
                           iou_mean=s['iou_mean'].tolist(), iou_std=s['iou_std'].tolist(),
                           miou_per_seed=s['miou_per_seed'].tolist(),
                           miou_mean=s['miou_mean'], miou_std=s['miou_std'])
                   for m, s in summary.items()}, f, indent=2)
    import matplotlib
    matplotlib.use('Agg')
    plots = {'losses': osp.join(args.work_dir, 'loss_curves.png'),
             'iou': osp.join(args.work_dir, 'per_class_iou.png'),
             'panel': osp.join(args.work_dir, 'clan_predictions.png')}
    plot_losses(results, plots['losses'])
    plot_iou_bars(summary, plots['iou'])
    clan_runs = [r for r in results if r['method'] == 'CLAN']
    if clan_runs:
        plot_prediction_panel(clan_runs[0], roots, clan_runs[0]['seed'], args.max_iters,
                              args.num_panel_images, plots['panel'])
    else:
        del plots['panel']
    log('plots: ' + ', '.join(plots.values()))
    log(f'done in {time.time() - begin:.0f} s; table in {osp.join(args.work_dir, "results.txt")}')
    return summary


if __name__ == '__main__':
    main()
