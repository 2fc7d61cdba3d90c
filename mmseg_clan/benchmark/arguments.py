"""Command-line pieces shared by the benchmark tools: argument types, the compile switch
and the one-JSON-line report."""
import argparse
import contextlib
import json
import sys
from typing import Callable

import torch


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


def compile_cfg(args: argparse.Namespace, device: torch.device) -> dict | None:
    """``model.compile_cfg`` from --compile / --cuda-graphs (None: keep the config's)."""
    if args.cuda_graphs:
        if device.type != 'cuda':
            raise ValueError(f'--cuda-graphs needs a CUDA device, got {device.type}')
        return dict(backend=args.compile_backend, mode='reduce-overhead')
    return dict(backend=args.compile_backend) if args.compile else None
