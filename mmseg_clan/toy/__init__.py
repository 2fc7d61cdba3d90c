"""Procedural toy street scenes with a designed per-class domain shift (tools/toy_benchmark.py)."""
from .data_writer import META_FILE, SHIFT_FILE, generate_toy_benchmark
from .labels import TRAIN_ID_NAMES
from .styles import TARGET_CLASS_SHIFT, random_class_shift

__all__ = ['META_FILE', 'SHIFT_FILE', 'TARGET_CLASS_SHIFT', 'TRAIN_ID_NAMES',
           'generate_toy_benchmark', 'random_class_shift']
