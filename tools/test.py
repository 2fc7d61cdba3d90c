"""Test (and evaluate) a segmentor checkpoint with mmengine's Runner."""
import argparse
import os

from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.runner import Runner

import mmseg_clan  # noqa: F401  (must precede mmseg: installs the mmcv.ops fallback)
from mmseg_clan.cli.tool_config import (
    ConfigOptionsAction,
    describe_dataset,
    load_tool_config,
    require_checkpoint_check,
)
from mmseg_clan.utils import init_cpu_distributed, prepare_checkpoint_start


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and eval) a segmentor')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the directory to save evaluation metrics')
    parser.add_argument('--out', type=str, help='the directory to save the output prediction files')
    parser.add_argument('--show', action='store_true', help='show prediction results')
    parser.add_argument('--show-dir', help='directory where painted images will be saved')
    parser.add_argument('--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=ConfigOptionsAction,
        help='override settings in the config, key=value')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
        help='job launcher')
    parser.add_argument('--tta', action='store_true', help='test time augmentation')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def trigger_visualization_hook(cfg: Config, args: argparse.Namespace) -> Config:
    """Turn on mmseg's SegVisualizationHook for --show / --show-dir."""
    default_hooks = cfg.default_hooks
    if 'visualization' not in default_hooks:
        raise RuntimeError(
            '--show/--show-dir need `default_hooks.visualization` (SegVisualizationHook) '
            'in the config, and it has none')
    visualization_hook = default_hooks['visualization']
    visualization_hook['draw'] = True
    if args.show:
        visualization_hook['show'] = True
        visualization_hook['wait_time'] = args.wait_time
    if args.show_dir:
        visualizer = cfg.visualizer
        visualizer['save_dir'] = args.show_dir
    return cfg


def main() -> None:
    args = parse_args()
    cfg = load_tool_config(args.config, args.launcher, args.cfg_options, args.work_dir)

    cfg.load_from = args.checkpoint
    cfg.resume = False
    prepare_checkpoint_start(cfg)  # an unreadable file is a clear error naming it
    require_checkpoint_check(cfg)  # weights that do not fit the model are an error
    if args.show or args.show_dir:
        cfg = trigger_visualization_hook(cfg, args)
    if args.tta:
        if 'tta_pipeline' not in cfg or 'tta_model' not in cfg:
            raise KeyError(f'--tta needs `tta_pipeline` and `tta_model` in {args.config}')
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.out is not None:
        cfg.test_evaluator['output_dir'] = args.out
        cfg.test_evaluator['keep_results'] = True

    init_cpu_distributed(cfg, args.launcher)  # gloo on CPU-only hosts (mmengine needs CUDA)
    runner = Runner.from_cfg(cfg)
    print_log(f'testing on {describe_dataset(runner.test_loop.dataloader.dataset)}',
              logger='current')
    runner.test()


if __name__ == '__main__':
    main()
