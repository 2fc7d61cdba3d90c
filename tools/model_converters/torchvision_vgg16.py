"""Convert torchvision VGG-16 weights into a ``DeepLabV2VGG`` backbone init.

torchvision's ``features.{i}`` convs keep their index up to conv4_3 (21); conv5_x move from 24,
26, 28 to 23, 25, 27 because pool4 is removed. The ImageNet ``classifier.*`` (fully connected
fc6-fc8) is dropped; ``fc6``/``fc7`` of ``DeepLabV2VGG`` are new convolutions that keep their
own initialisation, as in AdaptSegNet. Works for Caffe-converted VGG-16 files in torchvision
layout too (e.g. ``vgg16-00b39a1b-updated.pth``).

Usage: python tools/model_converters/torchvision_vgg16.py SRC DST
"""
import argparse
from pathlib import Path

from mmseg_clan.utils.checkpoint_conversion import (
    check_keys_and_shapes,
    load_state_dict_file,
    module_shapes,
    save_checkpoint,
)

POOL4_INDEX = 23  # torchvision vgg16().features index of pool4
DROPPED_PREFIX = 'classifier.'  # ImageNet fully connected layers
NEW_LAYERS = ('fc6.', 'fc7.')  # DeepLab-v2 convolutions absent from ImageNet weights


def convert_torchvision_vgg16(src: str | Path, dst: str | Path) -> dict:
    """Convert ``src`` to a ``DeepLabV2VGG`` checkpoint at ``dst``; return dropped/new keys."""
    import mmseg_clan  # noqa: F401  (registers DeepLabV2VGG)
    from mmseg_clan.models.backbones import DeepLabV2VGG

    source = load_state_dict_file(src)
    dropped = sorted(k for k in source if k.startswith(DROPPED_PREFIX))
    converted = {}
    for key, value in source.items():
        if key.startswith(DROPPED_PREFIX):
            continue
        parts = key.split('.')
        if parts[0] == 'features' and len(parts) == 3 and parts[1].isdigit():
            index = int(parts[1])
            if index > POOL4_INDEX:
                index -= 1
            key = f'features.{index}.{parts[2]}'
        converted[key] = value
    expected = {k: v for k, v in module_shapes(DeepLabV2VGG()).items()
                if not k.startswith(NEW_LAYERS)}
    check_keys_and_shapes(converted, expected, src)
    save_checkpoint(converted, dst, meta=dict(
        converted_from=str(src), converter='torchvision_vgg16'))
    return dict(dropped=dropped, not_initialised=[k[:-1] for k in NEW_LAYERS])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='torchvision checkpoint, e.g. vgg16-397923af.pth')
    parser.add_argument('dst', help='output backbone checkpoint')
    args = parser.parse_args()
    report = convert_torchvision_vgg16(args.src, args.dst)
    print(f'Converted VGG-16 to {args.dst}; dropped {", ".join(report["dropped"])}; '
          f'{", ".join(report["not_initialised"])} keep their own initialisation')


if __name__ == '__main__':
    main()
