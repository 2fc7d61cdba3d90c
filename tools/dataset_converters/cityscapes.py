"""Render Cityscapes gtFine polygons to *_gtFine_labelTrainIds.png with cityscapesscripts.

Usage: python tools/dataset_converters/cityscapes.py data/cityscapes --nproc 8
"""
from typing import List

from mmseg_clan.datasets.conversion import convert_cityscapes, converter_cli


def main(argv: List[str] | None = None) -> int:
    """Run the converter; exit status 1 when some files are bad."""
    return converter_cli(convert_cityscapes, __doc__.splitlines()[0],
                         'Cityscapes root holding gtFine/', argv,
                         with_size_mismatch=False)


if __name__ == '__main__':
    raise SystemExit(main())
