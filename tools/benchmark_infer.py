"""Images/s of Cityscapes-val-sized CLAN inference: the official per-image loop vs ours.

Both paths take 1024x512 inputs, upsample the fused logits (bilinear, align_corners=True) to
2048x1024, argmax and copy the prediction to the host; predictions are compared pixel by pixel.
Prints ONE JSON line. Example::

    python tools/benchmark_infer.py configs/clan_gta2city.py --precision tf32
"""
import argparse
import statistics
from typing import Callable, List

import torch
import torch.nn.functional as F
from mmengine.config import Config
from torch import Tensor

import mmseg_clan  # noqa: F401  (must precede mmseg: installs the mmcv.ops fallback)
from mmseg_clan.benchmark import (
    build_model_and_optimizers,
    compile_cfg,
    device_argument,
    environment,
    non_negative_int,
    peak_memory,
    positive_int,
    reset_peak_memory,
    run_benchmark,
    set_precision,
    time_iterations,
)
from mmseg_clan.cli.config_checks import check_cfg_options
from mmseg_clan.cli.tool_config import ConfigOptionsAction


def baseline_predict(model, images: Tensor, output_size: List[int]) -> List[Tensor]:
    """The official evaluation: per image forward, upsample, argmax, int64 copy to host."""
    predictions = []
    for image in images:
        logits = model.decode_head(model.extract_feat(image[None]))
        logits = F.interpolate(logits, size=output_size, mode='bilinear', align_corners=True)
        predictions.append(logits.argmax(dim=1)[0].cpu())
    return predictions


def optimised_predict(model, images: Tensor, output_size: List[int],
                      batch_size: int) -> List[Tensor]:
    """Batched forward, one upsample and argmax per batch, uint8 labels copied to host."""
    predictions = []
    for start in range(0, len(images), batch_size):
        logits = model.decode_head(model.extract_feat(images[start:start + batch_size]))
        logits = F.interpolate(logits, size=output_size, mode='bilinear', align_corners=True)
        labels = logits.argmax(dim=1).to(torch.uint8)  # class ids < 256: lossless, 8x smaller
        predictions.extend(labels.cpu())
    return predictions


def parse_args(argv: List[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Benchmark CLAN inference')
    parser.add_argument('config', help='CLAN config')
    parser.add_argument('--input-size', type=int, nargs=2, default=(512, 1024),
                        metavar=('H', 'W'), help='network input size (Cityscapes val: 512 1024)')
    parser.add_argument('--output-size', type=int, nargs=2, default=(1024, 2048),
                        metavar=('H', 'W'), help='prediction size (Cityscapes labels)')
    parser.add_argument('--num-images', type=positive_int, default=16,
                        help='images per timed pass')
    parser.add_argument('--batch-size', type=positive_int, default=4,
                        help='batch of the optimised path')
    parser.add_argument('--precision', choices=('fp32', 'tf32'), default='fp32')
    parser.add_argument('--iters', type=positive_int, default=5,
                        help='timed passes over the images')
    parser.add_argument('--warmup', type=non_negative_int, default=1, help='untimed passes first')
    parser.add_argument('--device', type=device_argument,
                        default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--compile', action='store_true',
                        help='optimised path: model.compile_cfg=dict(backend=--compile-backend)')
    parser.add_argument('--compile-backend', default='inductor')
    parser.add_argument('--cuda-graphs', action='store_true',
                        help="optimised path: --compile with mode='reduce-overhead' (CUDA "
                             'graphs; a --num-images divisible by --batch-size: one shape)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptionsAction,
                        help='override settings in the config, key=value')
    return parser.parse_args(argv)


def _build_eval_model(cfg: Config, device: torch.device, state_dict: dict | None = None):
    model, _ = build_model_and_optimizers(cfg, device)
    if state_dict is not None:
        model.load_state_dict(state_dict)
    return model.eval()


def _images_per_s(predict: Callable[[], List[Tensor]], args, device) -> dict:
    reset_peak_memory(device)
    times = time_iterations(predict, args.iters, args.warmup, device)
    mean = statistics.fmean(times)
    return dict(images_per_s=args.num_images / mean, s_per_image=mean / args.num_images,
                s_per_image_median=statistics.median(times) / args.num_images,
                **peak_memory(device))


def benchmark(args: argparse.Namespace) -> dict:
    """Time both paths on the same weights and images; compare their predictions."""
    device = torch.device(args.device)
    set_precision(args.precision, device)
    requested_compile_cfg = compile_cfg(args, device)
    torch.manual_seed(args.seed)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        check_cfg_options(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    cfg.model.discriminator = None  # inference needs no discriminator
    cfg.model.use_weight_loss = False
    cfg.optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.0))
    baseline_model = _build_eval_model(cfg, device)
    cfg.model.channels_last = True
    if requested_compile_cfg is not None:
        cfg.model.compile_cfg = requested_compile_cfg
    fast_model = _build_eval_model(cfg, device, baseline_model.state_dict())
    generator = torch.Generator().manual_seed(args.seed)
    # Caffe-mean-subtracted BGR images: the preprocessed network inputs of both paths
    images = (torch.rand(args.num_images, 3, *args.input_size, generator=generator) * 255 -
              120).to(device)
    output_size = list(args.output_size)
    with torch.inference_mode():
        baseline = _images_per_s(lambda: baseline_predict(baseline_model, images, output_size),
                                 args, device)
        optimised = _images_per_s(
            lambda: optimised_predict(fast_model, images, output_size, args.batch_size), args,
            device)
        reference = baseline_predict(baseline_model, images, output_size)
        ours = optimised_predict(fast_model, images, output_size, args.batch_size)
    mismatched = sum(int((a != b.long()).sum()) for a, b in zip(reference, ours))
    return dict(
        tool='benchmark_infer', config=args.config, precision=args.precision,
        input_size=list(args.input_size), output_size=output_size,
        num_images=args.num_images, batch_size=args.batch_size, iters=args.iters,
        warmup=args.warmup, compile_cfg=cfg.model.get('compile_cfg', None),
        baseline=baseline, optimised=optimised,
        speedup=optimised['images_per_s'] / baseline['images_per_s'],
        mismatched_pixels=mismatched, identical_predictions=mismatched == 0,
        **environment(device))


def main(argv: List[str] | None = None) -> None:
    run_benchmark(benchmark, parse_args(argv))


if __name__ == '__main__':
    main()
