"""Convert SYNTHIA RAND-CITYSCAPES labels to Cityscapes train ids and write rare-class statistics.

Usage: python tools/dataset_converters/synthia.py data/synthia --nproc 8 [--size-mismatch exclude]
"""
from typing import List

from mmseg_clan.datasets.conversion import convert_synthia, converter_cli


def main(argv: List[str] | None = None) -> int:
    """Run the converter; exit status 1 when some files are bad."""
    return converter_cli(convert_synthia, __doc__.splitlines()[0],
                         'SYNTHIA root holding RGB/ and GT/LABELS/', argv)


if __name__ == '__main__':
    raise SystemExit(main())
