"""Convert torchvision ImageNet ResNet weights into an mmseg ``ResNet`` / ``DeepLabV2ResNet`` init.

torchvision's ResNet keys (``conv1``, ``bn1``, ``layer{1..4}.{i}.conv{1,2,3}``, ``bn{1,2,3}``,
``downsample.{0,1}``) already equal mmseg's ``ResNet`` (V1b) and ``DeepLabV2ResNet`` keys; only the
ImageNet ``fc`` classifier is dropped. torchvision puts the stride on the 3x3 conv (pytorch style)
while DeepLab-v2 puts it on the first 1x1, so these weights load but are not the DeepLab-v2 init
(use ``deeplabv2_init.py`` for the faithful setup). ``ResNetV1c`` has a deep stem with other keys
and needs mmseg's own ``open-mmlab://resnet{50,101}_v1c`` weights instead.

Usage: python tools/model_converters/torchvision_resnet.py SRC DST
"""
import argparse
from pathlib import Path

from mmseg_clan.utils.checkpoint_conversion import (
    check_keys_and_shapes,
    load_state_dict_file,
    module_shapes,
    resnet_depth_from_keys,
    save_checkpoint,
)

DROPPED_PREFIX = 'fc.'  # ImageNet classifier


def convert_torchvision_resnet(src: str | Path, dst: str | Path) -> dict:
    """Convert ``src`` to a ResNet backbone checkpoint at ``dst``; return depth and dropped keys."""
    from mmseg.registry import MODELS

    import mmseg_clan  # noqa: F401  (mmcv.ops fallback, then registers mmseg.models)

    source = load_state_dict_file(src)
    dropped = sorted(k for k in source if k.startswith(DROPPED_PREFIX))
    backbone = {k: v for k, v in source.items() if not k.startswith(DROPPED_PREFIX)}
    depth = resnet_depth_from_keys(backbone, src)
    expected = module_shapes(MODELS.build(dict(type='ResNet', depth=depth)))
    check_keys_and_shapes(backbone, expected, src)
    save_checkpoint(backbone, dst, meta=dict(
        converted_from=str(src), converter='torchvision_resnet', depth=depth))
    return dict(depth=depth, dropped=dropped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='torchvision checkpoint, e.g. resnet101-63fe2227.pth')
    parser.add_argument('dst', help='output backbone checkpoint')
    args = parser.parse_args()
    report = convert_torchvision_resnet(args.src, args.dst)
    print(f'Converted ResNet-{report["depth"]} to {args.dst}; '
          f'dropped {", ".join(report["dropped"])}')


if __name__ == '__main__':
    main()
