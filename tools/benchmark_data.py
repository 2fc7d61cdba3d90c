"""Image pairs/s of one data-loader worker: the config's training pipeline vs the official loader.

Generates GTA5-sized source PNGs (1914x1052, palette labels in Cityscapes ids, converted to
``*_labelTrainIds.png`` by the project's converter) and Cityscapes-sized target PNGs (2048x1024)
in a temporary folder, then times in this process, as one worker would:

- ``ours``: the config's ``UDADataset`` (decode, resize, scale jitter, flip, pack) and mmengine's
  ``pseudo_collate``, per decoder choice (``--variants``), with a per-transform breakdown;
- ``official``: a restatement of the official CLAN/AdaptSegNet PIL loader (open, convert RGB,
  bicubic/nearest resize, jitter, float32 array, id->train-id loop, BGR, mean subtraction,
  transpose, flip, copy) and torch's ``default_collate``.

The loaders take turns pair by pair; workers needed are computed from each loader's CPU time per
pair (this machine's other load does not inflate it). Prints ONE JSON line. Example::

    python tools/benchmark_data.py configs/clan_gta2city.py --num-samples 8
"""
import argparse
import contextlib
import copy
import math
import os
import os.path as osp
import statistics
import sys
import tempfile
import time
from typing import Callable, Dict, List

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS
from PIL import Image

import mmseg_clan  # noqa: F401  (registers the datasets and transforms)
from mmseg_clan.benchmark import device_name, print_report
from mmseg_clan.datasets.conversion.gta import convert_gta
from mmseg_clan.datasets.label_maps import CITYSCAPES_ID_TO_TRAIN_ID

CAFFE_MEAN_BGR = np.array((104.00698793, 116.66876762, 122.67891434), np.float32)  # official
# sensor-noise std: 2 gives 2.7 MiB 2048x1024 PNGs (Cityscapes leftImg8bit: about 2.2 MB each,
# 11 GB for 5000); cv2 decode time moved < 10% between 2.7 and 3.9 MiB (std 6) files here
NOISE_STD = 2.0
JITTER = ((0.8, 1.0, 1.1), (0.3, 0.4, 0.3))  # official scale factors and their probabilities
# decoder choices: (image backend of CheckedLoadImageFromFile, label backend of LoadAnnotations)
VARIANTS = {'cv2_pillow': ('cv2', 'pillow'), 'cv2_cv2': ('cv2', 'cv2'),
            'pillow_pillow': ('pillow', 'pillow')}


def street_image(height: int, width: int, rng: np.random.Generator,
                 noise: float = NOISE_STD) -> np.ndarray:
    """An RGB uint8 image with photo-like PNG entropy: gradients, blocks and sensor noise."""
    rows = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    cols = np.linspace(0, 1, width, dtype=np.float32)[None, :, None]
    image = 60 + 120 * rows * rng.random(3, dtype=np.float32) + 60 * cols
    image = np.broadcast_to(image, (height, width, 3)).copy()
    for _ in range(40):
        y, x = rng.integers(0, height), rng.integers(0, width)
        image[y:y + rng.integers(1, height // 3 + 2), x:x + rng.integers(1, width // 4 + 2)] = (
            rng.integers(0, 256, 3))
    image += rng.normal(0, noise, image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def label_ids(height: int, width: int, rng: np.random.Generator) -> np.ndarray:
    """Piecewise-constant Cityscapes label ids (0..33), as the GTA5 label PNGs hold."""
    ids = np.full((height, width), 7, np.uint8)  # road
    for _ in range(60):
        y, x = rng.integers(0, height), rng.integers(0, width)
        ids[y:y + rng.integers(1, height // 4 + 2), x:x + rng.integers(1, width // 4 + 2)] = (
            rng.integers(0, 34))
    return ids


def generate_data(root: str, num_samples: int, source_hw, target_hw, seed: int) -> Dict:
    """Write the GTA5 and Cityscapes folders the config reads; return their file sizes."""
    rng = np.random.default_rng(seed)
    palette = rng.integers(0, 256, 768).astype(np.uint8).tolist()
    gta, city = osp.join(root, 'gta'), osp.join(root, 'cityscapes')
    for folder in ('images', 'labels'):
        os.makedirs(osp.join(gta, folder), exist_ok=True)
    target_dir = osp.join(city, 'leftImg8bit', 'train', 'bench')
    os.makedirs(target_dir, exist_ok=True)
    os.makedirs(osp.join(city, 'gtFine', 'train', 'bench'), exist_ok=True)
    for i in range(num_samples):
        Image.fromarray(street_image(*source_hw, rng)).save(osp.join(gta, 'images', f'{i:05d}.png'))
        label = Image.fromarray(label_ids(*source_hw, rng), mode='L').convert('P')
        label.putpalette(palette)
        label.save(osp.join(gta, 'labels', f'{i:05d}.png'))
        Image.fromarray(street_image(*target_hw, rng)).save(
            osp.join(target_dir, f'bench_{i:06d}_000019_leftImg8bit.png'))
    summary = convert_gta(gta)
    if summary.bad:
        raise RuntimeError(f'benchmark_data: GTA5 conversion failed: {summary.format()}')

    def mean_mib(folder: str, suffix: str) -> float:
        files = [osp.join(folder, f) for f in os.listdir(folder) if f.endswith(suffix)]
        return statistics.fmean(osp.getsize(f) for f in files) / 2**20

    return dict(source_image_mib=mean_mib(osp.join(gta, 'images'), '.png'),
                source_label_mib=mean_mib(osp.join(gta, 'labels'), '_labelTrainIds.png'),
                target_image_mib=mean_mib(target_dir, '.png'))


def set_backends(pipeline: List[dict], image_backend: str, label_backend: str) -> List[dict]:
    """A copy of ``pipeline`` with the image and label decoders set."""
    pipeline = copy.deepcopy(pipeline)
    for transform in pipeline:
        if transform['type'] in ('CheckedLoadImageFromFile', 'LoadImageFromFile'):
            transform['imdecode_backend'] = image_backend
        elif transform['type'] in ('CheckedLoadAnnotations', 'LoadAnnotations'):
            transform['imdecode_backend'] = label_backend
    return pipeline


def resize_scale(pipeline: List[dict]) -> tuple:
    """The (w, h) of the pipeline's whole-image ``Resize``: the official loader's size."""
    for transform in pipeline:
        if transform['type'] == 'Resize' and not transform.get('keep_ratio', False):
            return tuple(transform['scale'])
    raise ValueError('benchmark_data needs a Resize(keep_ratio=False) in the training pipelines '
                     f'(the official whole-image resize), got {[t["type"] for t in pipeline]}')


def build_uda_dataset(cfg: Config, root: str, image_backend: str, label_backend: str):
    """The config's training UDADataset, reading the generated folders."""
    dataset_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    for role, data_root in (('source', 'gta'), ('target', 'cityscapes')):
        dataset_cfg[role]['data_root'] = osp.join(root, data_root)
        dataset_cfg[role]['pipeline'] = set_backends(dataset_cfg[role]['pipeline'],
                                                     image_backend, label_backend)
    return DATASETS.build(dataset_cfg)


def official_sample(image_path: str, label_path: str | None, size, rng) -> tuple:
    """The official PIL loader's work for one image (and its Cityscapes-id label)."""
    image = Image.open(image_path).convert('RGB').resize(size, Image.BICUBIC)
    factor = rng.choice(JITTER[0], p=JITTER[1])
    if factor != 1.0:
        image = image.resize((int(size[0] * factor), int(size[1] * factor)), Image.BICUBIC)
    image = np.asarray(image, np.float32)[:, :, ::-1] - CAFFE_MEAN_BGR  # RGB -> BGR, mean
    image = image.transpose((2, 0, 1))
    flip = rng.random() < 0.5
    if flip:
        image = image[:, :, ::-1]
    if label_path is None:
        return (image.copy(), )
    label = np.asarray(Image.open(label_path).resize(size, Image.NEAREST), np.float32)
    train_ids = 255 * np.ones(label.shape, np.float32)
    for label_id, train_id in CITYSCAPES_ID_TO_TRAIN_ID.items():
        train_ids[label == label_id] = train_id
    if flip:
        train_ids = train_ids[:, ::-1]
    return image.copy(), train_ids.copy()


def time_interleaved(loaders: Dict[str, Callable[[int], object]],
                     num_pairs: int) -> Dict[str, Dict[str, float]]:
    """Per loader: pairs/s over ``num_pairs`` calls of ``load_pair(i)``, the loaders taking turns
    pair by pair (so load from other processes hits all alike), after one untimed call each.

    ``cpu_pairs_per_s`` uses this process's CPU time, which other processes do not inflate.
    """
    for load_pair in loaders.values():
        load_pair(0)
    wall = {name: [] for name in loaders}
    cpu = {name: [] for name in loaders}
    for i in range(num_pairs):
        for name, load_pair in loaders.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            load_pair(i)
            cpu[name].append(time.process_time() - start_cpu)
            wall[name].append(time.perf_counter() - start)
    return {name: dict(pairs_per_s=1.0 / statistics.fmean(wall[name]),
                       s_per_pair=statistics.fmean(wall[name]),
                       s_per_pair_median=statistics.median(wall[name]),
                       cpu_pairs_per_s=1.0 / statistics.fmean(cpu[name]),
                       cpu_s_per_pair=statistics.fmean(cpu[name]))
            for name in loaders}


def transform_breakdown(dataset, num_samples: int) -> Dict[str, float]:
    """Mean ms per transform of ``dataset``'s pipeline over its first ``num_samples`` items."""
    totals: Dict[str, float] = {}
    for i in range(num_samples):
        data = dataset.get_data_info(i % len(dataset))
        for transform in dataset.pipeline.transforms:
            start = time.perf_counter()
            data = transform(data)
            name = type(transform).__name__
            totals[name] = totals.get(name, 0.0) + 1e3 * (time.perf_counter() - start)
    return {name: total / num_samples for name, total in totals.items()}


def workers_needed(pairs_per_s: float, step_times: List[float]) -> Dict[str, int]:
    """Workers whose summed throughput (pairs/s of CPU time each) feeds one pair per step."""
    return {f'{s:g}': math.ceil(1.0 / (s * pairs_per_s)) for s in step_times}


def parse_args(argv: List[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Benchmark the training data pipeline')
    parser.add_argument('config', help='CLAN training config (its train_dataloader)')
    parser.add_argument('--num-samples', type=int, default=8, help='generated pairs')
    parser.add_argument('--num-pairs', type=int, default=16, help='timed pairs per loader')
    parser.add_argument('--source-size', type=int, nargs=2, default=(1052, 1914),
                        metavar=('H', 'W'), help='source PNG size (GTA5: 1052 1914)')
    parser.add_argument('--target-size', type=int, nargs=2, default=(1024, 2048),
                        metavar=('H', 'W'), help='target PNG size (Cityscapes: 1024 2048)')
    parser.add_argument('--variants', nargs='+', choices=sorted(VARIANTS), default=list(VARIANTS))
    parser.add_argument('--step-times', type=float, nargs='+', default=(0.061, 0.030),
                        help='training step seconds to size the worker count for')
    parser.add_argument('--work-dir', help='where to generate the data (default: a temp dir)')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def benchmark(args: argparse.Namespace, root: str) -> dict:
    """Generate the data, time each loader, return the report."""
    if args.num_samples < 1 or args.num_pairs < 1:
        raise ValueError('need --num-samples >= 1 and --num-pairs >= 1')
    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    # as in a worker: mmengine sets OpenCV's threads from env_cfg, torch runs one thread
    cv2.setNumThreads(cfg.get('env_cfg', {}).get('mp_cfg', {}).get('opencv_num_threads', 0))
    torch.set_num_threads(1)
    files = generate_data(root, args.num_samples, args.source_size, args.target_size, args.seed)
    loaders, breakdown = {}, {}
    for name in args.variants:
        dataset = build_uda_dataset(cfg, root, *VARIANTS[name])
        loaders[name] = lambda i, dataset=dataset: pseudo_collate([dataset[i % len(dataset)]])
        breakdown[name] = dict(source=transform_breakdown(dataset.source, args.num_samples),
                               target=transform_breakdown(dataset.target, args.num_samples))
    source = [(dataset.source.get_data_info(i)['img_path'],
               dataset.source.get_data_info(i)['seg_map_path'].replace('_labelTrainIds', ''))
              for i in range(len(dataset.source))]
    target = [dataset.target.get_data_info(i)['img_path'] for i in range(len(dataset.target))]
    source_size = resize_scale(cfg.train_dataloader.dataset.source.pipeline)
    target_size = resize_scale(cfg.train_dataloader.dataset.target.pipeline)
    rng = np.random.default_rng(args.seed)

    def official_pair(i: int) -> object:
        image_path, label_path = source[i % len(source)]
        batch_s = torch.utils.data.default_collate(
            [official_sample(image_path, label_path, source_size, rng)])
        return batch_s, torch.utils.data.default_collate(
            [official_sample(target[rng.integers(len(target))], None, target_size, rng)])

    loaders['official'] = official_pair
    results = time_interleaved(loaders, args.num_pairs)
    for result in results.values():
        result['workers_needed'] = workers_needed(result['cpu_pairs_per_s'], args.step_times)
    official = results.pop('official')
    ours = results
    best = max(ours, key=lambda name: ours[name]['cpu_pairs_per_s'])
    return dict(
        tool='benchmark_data', config=args.config, source_png_size=list(args.source_size),
        target_png_size=list(args.target_size), num_samples=args.num_samples,
        num_pairs=args.num_pairs, step_times=list(args.step_times), files=files, ours=ours,
        ours_breakdown_ms=breakdown, official=official, fastest_variant=best,
        speedup_vs_official=ours[best]['cpu_pairs_per_s'] / official['cpu_pairs_per_s'],
        device_name=device_name(torch.device('cpu')), cv2=cv2.__version__,
        pillow=Image.__version__, numpy=np.__version__)


def main(argv: List[str] | None = None) -> None:
    args = parse_args(argv)
    with contextlib.redirect_stdout(sys.stderr):  # keep stdout for the one JSON line
        if args.work_dir:
            report = benchmark(args, args.work_dir)
        else:
            with tempfile.TemporaryDirectory() as root:
                report = benchmark(args, root)
    print_report(report)


if __name__ == '__main__':
    main()
