"""Render Cityscapes gtFine polygons to *_gtFine_labelTrainIds.png with cityscapesscripts.

Usage: python tools/dataset_converters/cityscapes.py data/cityscapes --nproc 8
"""
import argparse
from typing import List

from mmseg_clan.datasets.conversion import convert_cityscapes


def main(argv: List[str] | None = None) -> int:
    """Run the converter; exit status 1 when some files are bad."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='Cityscapes root holding gtFine/')
    parser.add_argument('--nproc', type=int, default=1, help='number of processes')
    args = parser.parse_args(argv)
    summary = convert_cityscapes(args.root, args.nproc)
    print(summary.format())
    return 1 if summary.bad else 0


if __name__ == '__main__':
    raise SystemExit(main())
