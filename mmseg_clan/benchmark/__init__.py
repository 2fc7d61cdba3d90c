"""Helpers shared by the benchmark tools (tools/benchmark_*.py)."""
from .arguments import (
    compile_cfg,
    device_argument,
    non_negative_int,
    positive_int,
    print_report,
    run_benchmark,
)
from .batches import build_model_and_optimizers, random_domain_batch
from .timing import (
    AMP_DTYPES,
    PRECISIONS,
    device_name,
    environment,
    peak_memory,
    reset_peak_memory,
    set_precision,
    synchronize,
    time_iterations,
    timing_stats,
)

__all__ = [
    'AMP_DTYPES', 'PRECISIONS', 'build_model_and_optimizers', 'compile_cfg', 'device_argument',
    'device_name', 'environment', 'non_negative_int', 'peak_memory', 'positive_int',
    'print_report', 'random_domain_batch', 'reset_peak_memory', 'run_benchmark',
    'set_precision', 'synchronize', 'time_iterations', 'timing_stats'
]
