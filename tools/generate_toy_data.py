"""Generate the toy street-scene benchmark: GTA5-layout source, Cityscapes-layout target.

Example: python tools/generate_toy_data.py data/toy --num-source 400 --nproc 2
"""
import argparse

from mmseg_clan.datasets.toy_street_scenes import TRAIN_ID_NAMES, generate_toy_benchmark


def parse_args() -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('root', help='output folder; gets source/ and target/')
    parser.add_argument('--num-source', type=int, default=400)
    parser.add_argument('--num-target-train', type=int, default=400)
    parser.add_argument('--num-target-val', type=int, default=100)
    parser.add_argument('--source-size', type=int, nargs=2, default=(256, 128),
                        metavar=('WIDTH', 'HEIGHT'))
    parser.add_argument('--target-size', type=int, nargs=2, default=(256, 128),
                        metavar=('WIDTH', 'HEIGHT'))
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--nproc', type=int, default=1, help='worker processes')
    return parser.parse_args()


def main() -> None:
    """Generate (or reuse) the benchmark and print its per-domain class statistics."""
    args = parse_args()
    meta = generate_toy_benchmark(
        args.root, num_source=args.num_source, num_target_train=args.num_target_train,
        num_target_val=args.num_target_val, source_size=tuple(args.source_size),
        target_size=tuple(args.target_size), seed=args.seed, nproc=args.nproc,
        show_progress=True)
    source, target = meta['stats']['source'], meta['stats']['target']
    if meta['reused']:
        print(f'{args.root} already holds this benchmark with these parameters: reused')
    print(f'\nsource: {meta["paths"]["source"]}\ntarget: {meta["paths"]["target"]}')
    print(f'{"class":<14} {"source %":>9} {"target %":>9}  mean RGB source / target')
    for name in TRAIN_ID_NAMES:
        colours = [' '.join(f'{v:5.1f}' for v in stats['class_mean_rgb'].get(name, []))
                   or '-' for stats in (source, target)]
        print(f'{name:<14} {100 * source["class_fraction"][name]:9.2f} '
              f'{100 * target["class_fraction"][name]:9.2f}  {colours[0]} / {colours[1]}')


if __name__ == '__main__':
    main()
