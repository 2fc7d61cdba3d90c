"""Importable dataset converters (the CLIs live in tools/dataset_converters/)."""
from .cityscapes import convert_cityscapes
from .common import SIZE_MISMATCH_POLICIES, ConversionSummary, converter_cli
from .gta import convert_gta
from .index_files import SAMPLE_LIST_FILE, STATS_FILE
from .synthia import convert_synthia

__all__ = [
    'convert_cityscapes', 'convert_gta', 'convert_synthia', 'converter_cli', 'ConversionSummary',
    'SAMPLE_LIST_FILE', 'SIZE_MISMATCH_POLICIES', 'STATS_FILE'
]
