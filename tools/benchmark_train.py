"""Time the real CLAN training step (model, losses, OptimWrapperDict from a config).

Prints ONE JSON line: warm-up-excluded s/iteration, iterations/s, peak memory, device and
library versions. Example (the official GTA5 setting, past the preheat, TF32)::

    python tools/benchmark_train.py configs/clan_gta2city.py --precision tf32
"""
import argparse
import contextlib
import json
import platform
import resource
import statistics
import sys
import time
from typing import Callable, Dict, List, Sequence

import mmcv
import mmengine
import mmseg
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmseg_clan  # noqa: F401  (must precede mmseg: installs the mmcv.ops fallback)
from mmseg_clan.utils.config_checks import check_cfg_options
from mmseg_clan.utils.tool_config import ConfigOptionsAction, enable_amp

PRECISIONS = ('fp32', 'tf32', 'amp-bf16', 'amp-fp16')
AMP_DTYPES = {'amp-bf16': 'bfloat16', 'amp-fp16': 'float16'}
IGNORE_INDEX = 255


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f'must be >= 1, got {value}')
    return value


def non_negative_int(text: str) -> int:
    """argparse type: an integer >= 0."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f'must be >= 0, got {value}')
    return value


def device_argument(text: str) -> str:
    """argparse type: a torch device that this machine has."""
    try:
        device = torch.device(text)
    except RuntimeError as e:
        raise argparse.ArgumentTypeError(str(e)) from e
    if device.type == 'cuda' and not torch.cuda.is_available():
        raise argparse.ArgumentTypeError(f'{text!r} needs CUDA, which this machine does not '
                                         'have (torch.cuda.is_available() is False); use cpu')
    return text


def set_precision(precision: str, device: torch.device) -> None:
    """Switch TF32 on (tf32, amp-*) or off (fp32); TF32 and AMP need a CUDA device."""
    if precision not in PRECISIONS:
        raise ValueError(f'precision must be one of {PRECISIONS}, got {precision!r}')
    if precision != 'fp32' and device.type != 'cuda':
        raise ValueError(f'precision {precision!r} needs a CUDA device (TF32 and mmengine\'s '
                         f'AmpOptimWrapper are CUDA features); on {device.type} use fp32')
    allow_tf32 = precision != 'fp32'
    torch.backends.cuda.matmul.allow_tf32 = allow_tf32
    torch.backends.cudnn.allow_tf32 = allow_tf32
    torch.backends.cudnn.benchmark = True


def synchronize(device: torch.device) -> None:
    """Wait for queued device work so wall-clock timings cover it."""
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def reset_peak_memory(device: torch.device) -> None:
    """Start a fresh CUDA peak-memory window (CPU max RSS cannot be reset)."""
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)


def peak_memory(device: torch.device) -> Dict[str, object]:
    """CUDA max_memory_allocated, or the process's CPU max RSS, in MiB."""
    if device.type == 'cuda':
        return dict(peak_memory_mib=torch.cuda.max_memory_allocated(device) / 2**20,
                    peak_memory_kind='cuda_max_memory_allocated')
    return dict(peak_memory_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                peak_memory_kind='cpu_max_rss')


def device_name(device: torch.device) -> str:
    """GPU name, or the CPU model name from /proc/cpuinfo."""
    if device.type == 'cuda':
        return torch.cuda.get_device_name(device)
    try:
        with open('/proc/cpuinfo') as cpuinfo:
            for line in cpuinfo:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment(device: torch.device) -> Dict[str, object]:
    """Device name and the versions of the libraries that decide the speed."""
    return dict(
        device=device.type,
        device_name=device_name(device),
        num_threads=torch.get_num_threads(),
        versions=dict(python=platform.python_version(), torch=torch.__version__,
                      cuda=torch.version.cuda, cudnn=torch.backends.cudnn.version(),
                      mmengine=mmengine.__version__, mmcv=mmcv.__version__,
                      mmseg=mmseg.__version__))


def time_iterations(step: Callable[[], None], iters: int, warmup: int,
                    device: torch.device) -> List[float]:
    """Run ``step`` ``warmup`` times untimed, then ``iters`` times; per-iteration seconds."""

    if iters < 1 or warmup < 0:
        raise ValueError(f'need iters >= 1 and warmup >= 0, got iters={iters}, warmup={warmup}')
    for _ in range(warmup):
        step()
    synchronize(device)
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        step()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return times


def print_report(report: dict) -> None:
    """Write ``report`` as the single JSON line on stdout."""
    sys.stdout.write(json.dumps(report, sort_keys=True) + '\n')
    sys.stdout.flush()


def run_benchmark(benchmark: Callable[[argparse.Namespace], dict],
                  args: argparse.Namespace) -> None:
    """Run ``benchmark(args)`` with its output on stderr, then print its one JSON line."""
    with contextlib.redirect_stdout(sys.stderr):  # keep stdout for the one JSON line
        report = benchmark(args)
    print_report(report)


def timing_stats(times: Sequence[float]) -> dict:
    """Mean and median seconds per iteration and iterations per second of timed steps."""
    mean = statistics.fmean(times)
    return dict(s_per_iter=mean, s_per_iter_median=statistics.median(times),
                iters_per_s=1.0 / mean)


def random_domain_batch(batch_size: int, image_hw: Sequence[int], num_classes: int,
                        generator: torch.Generator, with_labels: bool = True) -> dict:
    """A pseudo-collated batch of random uint8 BGR images (and labels), as the loader yields."""
    inputs, samples = [], []
    for _ in range(batch_size):
        inputs.append(torch.randint(0, 256, (3, *image_hw), generator=generator,
                                    dtype=torch.uint8))
        sample = SegDataSample(metainfo=dict(img_shape=tuple(image_hw),
                                             ori_shape=tuple(image_hw)))
        if with_labels:
            labels = torch.randint(0, num_classes, (1, *image_hw), generator=generator)
            labels[:, :image_hw[0] // 8] = IGNORE_INDEX  # an ignored band, as sky/ego car
            sample.gt_sem_seg = PixelData(data=labels)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def build_model_and_optimizers(cfg: Config, device: torch.device):
    """The config's model (random init, no checkpoint) and its OptimWrapperDict."""
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = MODELS.build(cfg.model).to(device)
    model.train()
    return model, build_optim_wrapper(model, cfg.optim_wrapper)


def compile_cfg(args: argparse.Namespace, device: torch.device) -> dict | None:
    """``model.compile_cfg`` from --compile / --cuda-graphs (None: keep the config's)."""
    if args.cuda_graphs:
        if device.type != 'cuda':
            raise ValueError(f'--cuda-graphs needs a CUDA device, got {device.type}')
        return dict(backend=args.compile_backend, mode='reduce-overhead')
    return dict(backend=args.compile_backend) if args.compile else None


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
