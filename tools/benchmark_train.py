"""Time the real CLAN training step (model, losses, OptimWrapperDict from a config).

Prints ONE JSON line: warm-up-excluded s/iteration, iterations/s, peak memory, device and
library versions. Example (the official GTA5 setting, past the preheat, TF32)::

    python tools/benchmark_train.py configs/clan_gta2city.py --precision tf32
"""
import argparse
from typing import List

import torch
from mmengine.config import Config

import mmseg_clan  # noqa: F401  (must precede mmseg: installs the mmcv.ops fallback)
from mmseg_clan.benchmark import (
    AMP_DTYPES,
    PRECISIONS,
    build_model_and_optimizers,
    compile_cfg,
    device_argument,
    environment,
    non_negative_int,
    peak_memory,
    positive_int,
    random_domain_batch,
    reset_peak_memory,
    run_benchmark,
    set_precision,
    time_iterations,
    timing_stats,
)
from mmseg_clan.cli.config_checks import check_cfg_options
from mmseg_clan.cli.tool_config import ConfigOptionsAction, enable_amp


def parse_args(argv: List[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Benchmark the CLAN training step')
    parser.add_argument('config', help='CLAN training config')
    parser.add_argument('--source-size', type=int, nargs=2, default=(720, 1280),
                        metavar=('H', 'W'), help='source image and label size (GTA5: 720 1280)')
    parser.add_argument('--target-size', type=int, nargs=2, default=(512, 1024),
                        metavar=('H', 'W'), help='target image size (Cityscapes: 512 1024)')
    parser.add_argument('--batch-size', type=positive_int, default=1, help='images per domain')
    parser.add_argument('--precision', choices=PRECISIONS, default='fp32')
    parser.add_argument('--iters', type=positive_int, default=20, help='timed iterations')
    parser.add_argument('--warmup', type=non_negative_int, default=5,
                        help='untimed iterations first')
    parser.add_argument('--train-iter', type=int, default=None,
                        help='0-based iteration the step runs as (default: preheat_iters + 1, '
                             'so the adaptive adversarial weighting is on)')
    parser.add_argument('--device', type=device_argument,
                        default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--channels-last', action='store_true',
                        help='set model.channels_last=True')
    parser.add_argument('--compile', action='store_true',
                        help='set model.compile_cfg=dict(backend=--compile-backend)')
    parser.add_argument('--compile-backend', default='inductor',
                        help='torch.compile backend for --compile (aot_eager: no codegen)')
    parser.add_argument('--cuda-graphs', action='store_true',
                        help="--compile with mode='reduce-overhead' (CUDA graphs; the "
                             'benchmark\'s shapes are fixed, so each graph is captured once)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptionsAction,
                        help='override settings in the config, key=value')
    return parser.parse_args(argv)


def benchmark(args: argparse.Namespace) -> dict:
    """Build everything from the config, time the steps, return the report."""
    device = torch.device(args.device)
    set_precision(args.precision, device)
    torch.manual_seed(args.seed)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        check_cfg_options(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    if args.channels_last:
        cfg.model.channels_last = True
    requested_compile_cfg = compile_cfg(args, device)
    if requested_compile_cfg is not None:
        cfg.model.compile_cfg = requested_compile_cfg
    if args.precision in AMP_DTYPES:
        enable_amp(cfg, AMP_DTYPES[args.precision])
    for key in ('model', 'optim_wrapper'):
        if key not in cfg:
            raise KeyError(f'{args.config}: benchmark_train needs `{key}` in the config')
    model, optim_wrapper = build_model_and_optimizers(cfg, device)
    max_iters = cfg.get('train_cfg', {}).get('max_iters', 100000)
    train_iter = model.weights.preheat_iters + 1 if args.train_iter is None else args.train_iter
    model.set_train_progress(train_iter, max_iters)
    num_classes = model.decode_head.out_channels
    generator = torch.Generator().manual_seed(args.seed)
    data = dict(
        source=random_domain_batch(args.batch_size, args.source_size, num_classes, generator),
        target=random_domain_batch(args.batch_size, args.target_size, num_classes, generator,
                                   with_labels=False))

    def step() -> None:
        if args.cuda_graphs:  # one training step = one round of CUDA-graph replays
            torch.compiler.cudagraph_mark_step_begin()
        log_vars = model.train_step(data, optim_wrapper)
        # the runner's RuntimeInfoHook reads every log value on the host each iteration
        {key: value.item() for key, value in log_vars.items()}

    reset_peak_memory(device)
    times = time_iterations(step, args.iters, args.warmup, device)
    return dict(
        tool='benchmark_train', config=args.config, precision=args.precision,
        batch_size=args.batch_size, source_size=list(args.source_size),
        target_size=list(args.target_size), train_iter=train_iter, iters=args.iters,
        warmup=args.warmup, channels_last=bool(cfg.model.get('channels_last', False)),
        compile_cfg=cfg.model.get('compile_cfg', None), **timing_stats(times),
        **peak_memory(device), **environment(device))


def main(argv: List[str] | None = None) -> None:
    run_benchmark(benchmark, parse_args(argv))


if __name__ == '__main__':
    main()
