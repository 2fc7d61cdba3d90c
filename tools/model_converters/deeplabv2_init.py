"""Convert the official DeepLab-v2 init ``DeepLab_resnet_pretrained_init-f81d91e8.pth``.

The file holds the ImageNet + MS-COCO DeepLab-v2 ResNet under a ``Scale.`` prefix plus a
``Scale.layer5`` classifier, which the official CLAN training does not load. The output is a
``DeepLabV2ResNet`` backbone checkpoint for ``init_cfg=dict(type='Pretrained', checkpoint=...)``.

Usage: python tools/model_converters/deeplabv2_init.py SRC DST
"""
import argparse
from pathlib import Path

from mmseg_clan.utils.checkpoint_conversion import (
    check_keys_and_shapes,
    fill_missing_batch_counters,
    load_state_dict_file,
    module_shapes,
    resnet_depth_from_keys,
    save_checkpoint,
)

SOURCE_PREFIX = 'Scale.'
DROPPED_PREFIX = 'layer5.'  # the pretrained classifier, not loaded by the official code


def convert_deeplabv2_init(src: str | Path, dst: str | Path) -> dict:
    """Convert ``src`` to a backbone checkpoint at ``dst``; return what was dropped or filled."""
    import mmseg_clan  # noqa: F401  (registers DeepLabV2ResNet, mmcv.ops fallback)
    from mmseg_clan.models.backbones import DeepLabV2ResNet

    source = load_state_dict_file(src)
    unprefixed = [key for key in source if not key.startswith(SOURCE_PREFIX)]
    if unprefixed:
        raise ValueError(f'{src}: expected every key to start with {SOURCE_PREFIX!r} as in the '
                         f'DeepLab-v2 init file; found {sorted(unprefixed)[:10]}')
    backbone = {}
    dropped = []
    for key, value in source.items():
        key = key[len(SOURCE_PREFIX):]
        if key.startswith(DROPPED_PREFIX):
            dropped.append(SOURCE_PREFIX + key)
        else:
            backbone[key] = value
    depth = resnet_depth_from_keys(backbone, src)
    if depth not in (50, 101):
        raise ValueError(f'{src}: holds a ResNet-{depth}; DeepLabV2ResNet supports 50 and 101')
    expected = module_shapes(DeepLabV2ResNet(depth=depth))
    filled = fill_missing_batch_counters(backbone, expected)
    check_keys_and_shapes(backbone, expected, src)
    save_checkpoint(backbone, dst, meta=dict(
        converted_from=str(src), converter='deeplabv2_init', depth=depth))
    return dict(depth=depth, dropped=sorted(dropped), filled=filled)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='DeepLab_resnet_pretrained_init-f81d91e8.pth')
    parser.add_argument('dst', help='output backbone checkpoint')
    args = parser.parse_args()
    report = convert_deeplabv2_init(args.src, args.dst)
    print(f'Converted ResNet-{report["depth"]} backbone to {args.dst}')
    print(f'Dropped {len(report["dropped"])} keys: {", ".join(report["dropped"])}')
    if report['filled']:
        print(f'Added {len(report["filled"])} BN num_batches_tracked counters set to 0')


if __name__ == '__main__':
    main()
