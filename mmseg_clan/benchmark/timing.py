"""Timing a training or inference step on a device: precision switches, synchronised
wall-clock times, peak memory and the environment the numbers were measured in."""
import platform
import resource
import statistics
import time
from typing import Callable, Dict, List, Sequence

import mmcv
import mmengine
import mmseg
import torch

PRECISIONS = ('fp32', 'tf32', 'amp-bf16', 'amp-fp16')
AMP_DTYPES = {'amp-bf16': 'bfloat16', 'amp-fp16': 'float16'}


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


def timing_stats(times: Sequence[float]) -> dict:
    """Mean and median seconds per iteration and iterations per second of timed steps."""
    mean = statistics.fmean(times)
    return dict(s_per_iter=mean, s_per_iter_median=statistics.median(times),
                iters_per_s=1.0 / mean)
