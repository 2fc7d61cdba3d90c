"""Generate the toy street-scene benchmark: pretraining corpus and source in the GTA5 layout,
target in the Cityscapes layout, with the per-class shift design written next to the data.

Example: python tools/generate_toy_data.py data/toy --num-pretrain 600 --nproc 2
"""
import argparse

from mmseg_clan.toy import SHIFT_FILE, TRAIN_ID_NAMES, generate_toy_benchmark, random_class_shift


def parse_args() -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='output folder; gets pretrain/, source/ and target/')
    parser.add_argument('--num-pretrain', type=int, default=0)
    parser.add_argument('--num-source', type=int, default=400)
    parser.add_argument('--num-target-train', type=int, default=400)
    parser.add_argument('--num-target-val', type=int, default=100)
    parser.add_argument('--source-size', type=int, nargs=2, default=(192, 96),
                        metavar=('WIDTH', 'HEIGHT'), help='source and pretraining image size')
    parser.add_argument('--target-size', type=int, nargs=2, default=(192, 96),
                        metavar=('WIDTH', 'HEIGHT'))
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--shift-seed', type=int, default=None,
                        help='draw a random per-class shift instead of the designed one')
    parser.add_argument('--nproc', type=int, default=1, help='worker processes')
    return parser.parse_args()


def main() -> None:
    """Generate (or reuse) the benchmark and print its per-domain class statistics."""
    args = parse_args()
    shift = None if args.shift_seed is None else random_class_shift(args.shift_seed)
    meta = generate_toy_benchmark(
        args.root, num_source=args.num_source, num_target_train=args.num_target_train,
        num_target_val=args.num_target_val, num_pretrain=args.num_pretrain,
        source_size=tuple(args.source_size), target_size=tuple(args.target_size),
        seed=args.seed, class_shift=shift, nproc=args.nproc)
    source, target = meta['stats']['source'], meta['stats']['target']
    if meta['reused']:
        print(f'{args.root} already holds this benchmark with these parameters: reused')
    print(f'\nsource: {meta["paths"]["source"]}\ntarget: {meta["paths"]["target"]}\n'
          f'data checksum (sha256): {meta["checksum"]}\nclass shift: {args.root}/{SHIFT_FILE}')
    print(f'{"class":<14} {"shift":>13} {"source %":>9} {"target %":>9}  '
          'mean RGB source / target')
    for name in TRAIN_ID_NAMES:
        kind, severity = meta['params']['class_shift'][name]
        colours = [' '.join(f'{v:5.1f}' for v in stats['class_mean_rgb'].get(name, []))
                   or '-' for stats in (source, target)]
        print(f'{name:<14} {kind:>8} {severity:4.2f} {100 * source["class_fraction"][name]:9.2f} '
              f'{100 * target["class_fraction"][name]:9.2f}  {colours[0]} / {colours[1]}')


if __name__ == '__main__':
    main()
