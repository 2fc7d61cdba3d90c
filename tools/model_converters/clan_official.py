"""Convert an official CLAN release checkpoint into a checkpoint of the ``CLAN`` segmentor.

Official keys map as: backbone keys -> ``backbone.<key>``, ``layer5.*`` (classifier C1) ->
``decode_head.classifier1.*``, ``layer6.*`` (C2) -> ``decode_head.classifier2.*``. The result
loads strictly into a ``CLAN`` built with ``discriminator=None``.

Usage: python tools/model_converters/clan_official.py SRC DST
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

HEAD_KEY_MAP = {'layer5.': 'decode_head.classifier1.', 'layer6.': 'decode_head.classifier2.'}
NUM_ASPP_BRANCHES = 4  # official Classifier_Module: dilations 6, 12, 18, 24
FEATURE_CHANNELS = 2048  # ResNet layer4 output


def official_head_shapes(num_classes: int) -> dict:
    """Key -> shape of the official ``layer5``/``layer6`` classifiers."""
    shapes = {}
    for prefix in HEAD_KEY_MAP:
        for branch in range(NUM_ASPP_BRANCHES):
            shapes[f'{prefix}conv2d_list.{branch}.weight'] = (num_classes, FEATURE_CHANNELS, 3, 3)
            shapes[f'{prefix}conv2d_list.{branch}.bias'] = (num_classes, )
    return shapes


def convert_clan_official(src: str | Path, dst: str | Path) -> dict:
    """Convert ``src`` to a ``CLAN`` checkpoint at ``dst``; return depth, classes, filled keys."""
    import mmseg_clan  # noqa: F401  (registers DeepLabV2ResNet, mmcv.ops fallback)
    from mmseg_clan.models.backbones import DeepLabV2ResNet

    official = load_state_dict_file(src)
    classifier_bias = official.get('layer5.conv2d_list.0.bias')
    if classifier_bias is None or classifier_bias.dim() != 1:
        raise ValueError(f'{src}: not a CLAN checkpoint: expected a 1-D tensor '
                         "'layer5.conv2d_list.0.bias' (the first classifier)")
    num_classes = classifier_bias.shape[0]
    backbone_part = {k: v for k, v in official.items() if not k.startswith(tuple(HEAD_KEY_MAP))}
    depth = resnet_depth_from_keys(backbone_part, src)
    if depth not in (50, 101):
        raise ValueError(f'{src}: holds a ResNet-{depth}; DeepLabV2ResNet supports 50 and 101')
    expected = module_shapes(DeepLabV2ResNet(depth=depth))
    filled = fill_missing_batch_counters(official, expected)
    expected.update(official_head_shapes(num_classes))
    check_keys_and_shapes(official, expected, src)

    converted = {}
    for key, value in official.items():
        head_prefix = next((p for p in HEAD_KEY_MAP if key.startswith(p)), None)
        if head_prefix is None:
            converted[f'backbone.{key}'] = value
        else:
            converted[HEAD_KEY_MAP[head_prefix] + key[len(head_prefix):]] = value
    save_checkpoint(converted, dst, meta=dict(
        converted_from=str(src), converter='clan_official', depth=depth,
        num_classes=num_classes))
    return dict(depth=depth, num_classes=num_classes, filled=filled)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help='official CLAN checkpoint (e.g. GTA2Cityscapes_*.pth)')
    parser.add_argument('dst', help='output CLAN segmentor checkpoint')
    args = parser.parse_args()
    report = convert_clan_official(args.src, args.dst)
    print(f'Converted CLAN ResNet-{report["depth"]}, {report["num_classes"]} classes, '
          f'to {args.dst}')
    if report['filled']:
        print(f'Added {len(report["filled"])} BN num_batches_tracked counters set to 0')


if __name__ == '__main__':
    main()
