"""Segment an image or a folder of images and save coloured overlays."""
import argparse
from pathlib import Path

import mmseg_clan  # noqa: F401  (must precede mmseg.apis: installs the mmcv.ops fallback)

# isort: split
from mmengine.utils import mkdir_or_exist, track_iter_progress
from mmseg.apis import inference_model, init_model, show_result_pyplot
from mmseg.registry import DATASETS

from mmseg_clan.utils.checkpoint import load_checked_checkpoint

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('input', help='an image file or a folder of images')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out-dir', default='demo_out', help='where overlays are written')
    parser.add_argument('--device', default='cpu', help='device used for inference')
    parser.add_argument('--opacity', type=float, default=0.5,
                        help='opacity of the painted segmentation map, in (0, 1]')
    return parser.parse_args()


def list_images(path: Path) -> list[Path]:
    """The image itself, or the images of a folder in sorted order."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f'input {path} is neither an image file nor a folder')
    images = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not images:
        raise FileNotFoundError(f'no images ({", ".join(IMAGE_SUFFIXES)}) found in {path}')
    return images


def load_model(config: str, checkpoint_file: str, device: str):
    """The segmentor of ``config`` with the weights of ``checkpoint_file``, checked against it
    as tools/test.py checks them (only the discriminator, unused here, may be missing)."""
    model = init_model(config, None, device=device)
    checkpoint = load_checked_checkpoint(model, checkpoint_file,
                                         allowed_missing_prefixes=('discriminator.', ))
    model.dataset_meta = checkpoint.get('meta', {}).get('dataset_meta')
    if model.dataset_meta is None:
        dataset = model.cfg.test_dataloader.dataset
        print(f'warning: {checkpoint_file} has no meta.dataset_meta; using the class names and '
              f'palette of the config\'s test dataset {dataset.type}')
        # a BaseSegDataset of the user's own takes them from the config's metainfo
        model.dataset_meta = dict(DATASETS.get(dataset.type).METAINFO,
                                  **(dataset.get('metainfo') or {}))
    return model


def main() -> None:
    args = parse_args()
    model = load_model(args.config, args.checkpoint, args.device)
    out_dir = Path(args.out_dir)
    mkdir_or_exist(out_dir)
    images = list_images(Path(args.input))
    for image_path in track_iter_progress([str(p) for p in images]):
        result = inference_model(model, image_path)
        out_file = out_dir / f'{Path(image_path).stem}_overlay.png'
        show_result_pyplot(model, image_path, result, opacity=args.opacity, show=False,
                           out_file=str(out_file))
    print(f'wrote {len(images)} overlay(s) to {out_dir}')


if __name__ == '__main__':
    main()
