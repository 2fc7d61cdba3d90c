"""Time a stock mmseg training step: the same-run control of tools/benchmark_gpu.sh.

mmseg's own DeepLabV3 R101-D8 Cityscapes config (random weights, SyncBN as BN on one device),
batch 2 at 512x1024, ``train_step`` with the config's optimizer. It tells machine drift from our
changes. Prints ONE JSON line. Example::

    python tools/benchmark_control.py --precision tf32
"""
import argparse
import os.path as osp
from typing import List

import mmseg
import torch
from mmengine.config import Config

import mmseg_clan  # noqa: F401  (must precede mmseg's models: installs the mmcv.ops fallback)
from mmseg_clan.benchmark import (
    AMP_DTYPES,
    PRECISIONS,
    build_model_and_optimizers,
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

# mmseg's config, shipped inside the mmsegmentation package (.mim/configs)
STOCK_CONFIG = 'mmseg::deeplabv3/deeplabv3_r101-d8_4xb2-80k_cityscapes-512x1024.py'


def resolve_config(config: str) -> str:
    """A path, or ``mmseg::REL`` for a config shipped in the installed mmsegmentation."""
    if config.startswith('mmseg::'):
        path = osp.join(osp.dirname(mmseg.__file__), '.mim', 'configs', config[len('mmseg::'):])
    else:
        path = config
    if not osp.isfile(path):
        raise FileNotFoundError(f'benchmark_control: config {config} not found (looked at {path})')
    return path


def single_device_bn(cfg: object) -> object:
    """``cfg`` with every ``SyncBN`` norm config replaced by ``BN`` (no process group here)."""
    if isinstance(cfg, dict):
        if cfg.get('type') == 'SyncBN':
            cfg = {**cfg, 'type': 'BN'}
        return {key: single_device_bn(value) for key, value in cfg.items()}
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(single_device_bn(value) for value in cfg)
    return cfg


def parse_args(argv: List[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Benchmark a stock mmseg training step')
    parser.add_argument('config', nargs='?', default=STOCK_CONFIG,
                        help=f'mmseg segmentor config (default {STOCK_CONFIG})')
    parser.add_argument('--size', type=int, nargs=2, default=(512, 1024), metavar=('H', 'W'),
                        help='image and label size (the config\'s crop: 512 1024)')
    parser.add_argument('--batch-size', type=positive_int, default=2,
                        help='images per step (config: 2)')
    parser.add_argument('--num-classes', type=int, default=19, help='label range (Cityscapes)')
    parser.add_argument('--precision', choices=PRECISIONS, default='fp32')
    parser.add_argument('--iters', type=positive_int, default=20, help='timed iterations')
    parser.add_argument('--warmup', type=non_negative_int, default=5,
                        help='untimed iterations first')
    parser.add_argument('--device', type=device_argument,
                        default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptionsAction,
                        help='override settings in the config, key=value')
    return parser.parse_args(argv)


def benchmark(args: argparse.Namespace) -> dict:
    """Build the stock model and optimizer, time ``train_step``, return the report."""
    device = torch.device(args.device)
    set_precision(args.precision, device)
    torch.manual_seed(args.seed)
    cfg = Config.fromfile(resolve_config(args.config))
    if args.cfg_options:
        check_cfg_options(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    model_cfg = single_device_bn(cfg.model.to_dict())
    model_cfg['pretrained'] = None  # random weights: no download
    if model_cfg.get('data_preprocessor'):
        model_cfg['data_preprocessor']['size'] = tuple(args.size)
    cfg.model = model_cfg
    if args.precision in AMP_DTYPES:
        enable_amp(cfg, AMP_DTYPES[args.precision])
    model, optim_wrapper = build_model_and_optimizers(cfg, device)
    generator = torch.Generator().manual_seed(args.seed)
    data = random_domain_batch(args.batch_size, args.size, args.num_classes, generator)

    def step() -> None:
        log_vars = model.train_step(data, optim_wrapper)
        {key: value.item() for key, value in log_vars.items()}  # as the runner's logger does

    reset_peak_memory(device)
    times = time_iterations(step, args.iters, args.warmup, device)
    return dict(
        tool='benchmark_control', config=args.config, model=model_cfg['type'],
        precision=args.precision, batch_size=args.batch_size, size=list(args.size),
        iters=args.iters, warmup=args.warmup, **timing_stats(times),
        **peak_memory(device), **environment(device))


def main(argv: List[str] | None = None) -> None:
    run_benchmark(benchmark, parse_args(argv))


if __name__ == '__main__':
    main()
