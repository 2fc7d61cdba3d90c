"""Convert SYNTHIA RAND-CITYSCAPES labels to Cityscapes train ids and write rare-class statistics.

Usage: python tools/dataset_converters/synthia.py data/synthia --nproc 8 [--size-mismatch exclude]
"""
import argparse
from typing import List

from mmseg_clan.datasets.conversion import SIZE_MISMATCH_POLICIES, convert_synthia


def main(argv: List[str] | None = None) -> int:
    """Run the converter; exit status 1 when some files are bad."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='SYNTHIA root holding RGB/ and GT/LABELS/')
    parser.add_argument('--nproc', type=int, default=1, help='number of processes')
    parser.add_argument('--size-mismatch', choices=SIZE_MISMATCH_POLICIES, default='resize',
                        help='label/image size mismatch: resize the label to the image '
                        '(nearest), exclude the sample, or count it as bad')
    args = parser.parse_args(argv)
    summary = convert_synthia(args.root, args.nproc, args.size_mismatch)
    print(summary.format())
    return 1 if summary.bad else 0


if __name__ == '__main__':
    raise SystemExit(main())
