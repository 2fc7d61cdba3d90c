"""Convert GTA5 labels to Cityscapes train ids and write rare-class statistics.

Usage: python tools/dataset_converters/gta.py data/gta --nproc 8 [--size-mismatch exclude]
"""
from typing import List

from mmseg_clan.datasets.conversion import convert_gta, converter_cli


def main(argv: List[str] | None = None) -> int:
    """Run the converter; exit status 1 when some files are bad."""
    return converter_cli(convert_gta, __doc__.splitlines()[0],
                         'GTA5 root holding images/ and labels/', argv)


if __name__ == '__main__':
    raise SystemExit(main())
