"""Train a segmentor (CLAN or any mmseg model) with mmengine's Runner."""
import argparse
import logging
import os

from mmengine.logging import print_log
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

import mmseg_clan  # noqa: F401  (must precede mmseg: installs the mmcv.ops fallback)
from mmseg_clan.cli.tool_config import ConfigOptionsAction, enable_amp, load_tool_config
from mmseg_clan.utils import init_cpu_distributed, prepare_checkpoint_start
from mmseg_clan.utils.runner_values import check_runner_values


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', const='auto', default=None, metavar='PATH',
        help='resume from the latest checkpoint in the work dir, or from PATH if given (only '
        'the work dir\'s own checkpoints are ever deleted)')
    parser.add_argument(
        '--amp', action='store_true', default=False,
        help='enable automatic-mixed-precision training (every optimizer of the model)')
    parser.add_argument(
        '--amp-dtype', choices=['float16', 'bfloat16'], default=None,
        help='autocast dtype for --amp (default: float16 with dynamic loss scaling)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=ConfigOptionsAction,
        help='override settings in the config, key=value (e.g. train_cfg.max_iters=10)')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main() -> None:
    args = parse_args()
    cfg = load_tool_config(args.config, args.launcher, args.cfg_options, args.work_dir)
    check_runner_values(cfg)  # iterations and learning rates in range

    if args.amp:
        enable_amp(cfg, args.amp_dtype)
        print_log('AMP training is enabled', logger='current', level=logging.INFO)

    cfg.resume = args.resume is not None
    if args.resume not in (None, 'auto'):
        cfg.load_from = args.resume
    prepare_checkpoint_start(cfg)  # names the start checkpoint (or its absence); resume seed
    init_cpu_distributed(cfg, args.launcher)  # gloo on CPU-only hosts (mmengine needs CUDA)
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    runner.train()


if __name__ == '__main__':
    main()
