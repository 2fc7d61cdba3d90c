"""Per-class feature alignment between the source and target domains, for one or more checkpoints
(the CLAN paper's Figure 4 analysis). Writes a JSON file, a bar plot and prints a table.

Features are the decode head's input (the backbone/neck output at ``decode_head.in_index``) in
eval mode; each feature cell gets its majority label when that class holds at least
``--min-purity`` of the cell's valid pixels. Per class: ||mu_s - mu_t|| / sqrt((sigma_s^2 +
sigma_t^2) / 2), lower = better aligned. Example::

    python tools/analysis/feature_alignment.py configs/clan_gta2city.py \\
        source_only.pth clan.pth --labels source-only CLAN --num-images 50
"""
import argparse
import copy
import json
import math
import os.path as osp
from pathlib import Path
from typing import List

import matplotlib
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import Tensor, nn

import mmseg_clan  # noqa: F401  (must precede mmseg: installs the mmcv.ops fallback)
from mmseg_clan.cli.tool_config import ConfigOptionsAction, load_tool_config
from mmseg_clan.evaluation import (
    ClassFeatureStats,
    alignment_scores,
    cell_majority_labels,
    class_feature_stats,
)
from mmseg_clan.utils import check_model_state_dict, checkpoint_state_dict, read_checkpoint

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
from mmseg.registry import DATASETS, MODELS  # noqa: E402

FEATURE_MODULES = ('backbone', 'neck')  # the modules whose output the decode head reads
IGNORE_INDEX = 255
LABEL_ASSIGNMENT = ('majority label of each feature cell, kept when it holds >= min_purity of '
                    "the cell's valid (non-255) pixels; other cells are ignored")


def parse_args(argv: List[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Per-class source/target feature alignment')
    parser.add_argument('config', help='the config the checkpoints were trained with')
    parser.add_argument('checkpoints', nargs='+', help='checkpoint files')
    parser.add_argument('--labels', nargs='+', help='a name per checkpoint (default: file names)')
    parser.add_argument('--num-images', type=int, default=50,
                        help='first N images of each domain')
    parser.add_argument('--min-cells', type=int, default=20,
                        help='fewer feature cells of a class in either domain: absent (NaN)')
    parser.add_argument('--min-purity', type=float, default=0.75,
                        help="share of a cell's valid pixels its majority class needs")
    parser.add_argument('--out-dir', default='work_dirs/feature_alignment')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptionsAction,
                        help='override settings in the config, key=value')
    args = parser.parse_args(argv)
    if args.labels is not None and len(args.labels) != len(args.checkpoints):
        parser.error(f'--labels: {len(args.labels)} names for {len(args.checkpoints)} checkpoints')
    if args.num_images < 1:
        parser.error('--num-images must be at least 1')
    return args


def _pipeline_step(pipeline: list, names: tuple, where: str) -> dict:
    """A copy of the first step whose type ends with one of ``names`` (e.g. the Checked*
    loaders end with their mmseg name)."""
    for step in pipeline:
        if str(step.get('type', '')).endswith(names):
            return copy.deepcopy(step)
    raise KeyError(f'{where}.pipeline has no *{" or *".join(names)} step')


def source_analysis_dataset_cfg(cfg: Config) -> dict:
    """``train_dataloader.dataset.source`` with a deterministic pipeline: load image and
    labels, resize to the source training scale, pack."""
    where = 'train_dataloader.dataset.source'
    source = cfg.get('train_dataloader', {}).get('dataset', {}).get('source')
    if source is None:
        raise KeyError(f'{cfg.filename}: `{where}` is missing (a UDADataset config is expected)')
    pipeline = source.get('pipeline', [])
    where = f'{cfg.filename}: {where}'
    load_image = _pipeline_step(pipeline, ('LoadImageFromFile', ), where)
    load_labels = _pipeline_step(pipeline, ('LoadAnnotations', ), where)
    resize = _pipeline_step(pipeline, ('Resize', ), where)  # Resize or RandomResize
    resize = dict(type='Resize', scale=resize['scale'], keep_ratio=resize.get('keep_ratio', False),
                  **{k: resize[k] for k in ('interpolation', ) if k in resize})
    return dict(copy.deepcopy(source), pipeline=[load_image, load_labels, resize,
                                                  dict(type='PackSegInputs')])


def build_domain_dataset(dataset_cfg: dict, role: str):
    """Build a dataset from its config, naming the domain and data root when that fails."""
    try:
        dataset = DATASETS.build(dataset_cfg)
    except Exception as e:
        raise RuntimeError(f'{role} dataset {dataset_cfg.get("type")} '
                           f'(data_root={dataset_cfg.get("data_root")}) cannot be built: '
                           f'{type(e).__name__}: {e}') from e
    if len(dataset) == 0:
        raise ValueError(f'{role} dataset {dataset_cfg.get("type")} '
                         f'(data_root={dataset_cfg.get("data_root")}) is empty')
    return dataset


def load_feature_model(cfg: Config, checkpoint: str, device: torch.device) -> nn.Module:
    """The config's segmentor in eval mode with the checkpoint's feature extractor.

    The backbone (and neck) keys must match the model's exactly; heads and discriminator are
    not used, so checkpoints of other variants of one backbone load under one config.
    """
    model = MODELS.build(copy.deepcopy(cfg.model))
    state_dict = checkpoint_state_dict(read_checkpoint(checkpoint), checkpoint)
    for name in FEATURE_MODULES:
        prefix = f'{name}.'
        part = {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
        module = getattr(model, name, None)
        if module is None:
            if part:
                raise ValueError(f'checkpoint {checkpoint} has {name}.* keys but the model of '
                                 f'{cfg.filename} has no {name}')
            continue
        check_model_state_dict(module, part, source=f'checkpoint {checkpoint} ({prefix}*)')
        module.load_state_dict(part)
    return model.to(device).eval()


def decode_input_features(model: nn.Module, data: dict) -> Tensor:
    """(C, h, w) decode-head input of one preprocessed image, cropped to the unpadded image."""
    inputs = data['inputs']
    features = model.decode_head._transform_inputs(model.extract_feat(inputs))[0]
    img_h, img_w = data['data_samples'][0].img_shape
    rows = math.ceil(features.shape[1] * img_h / inputs.shape[2])
    cols = math.ceil(features.shape[2] * img_w / inputs.shape[3])
    return features[:, :rows, :cols]


@torch.no_grad()
def domain_stats(models: List[nn.Module], dataset, num_images: int, num_classes: int,
                 min_purity: float, device: torch.device) -> List[ClassFeatureStats]:
    """Per model, the class feature statistics over the first ``num_images`` of ``dataset``."""
    stats: List[ClassFeatureStats | None] = [None] * len(models)
    for index in range(num_images):
        item = dataset[index]
        batch = dict(inputs=[item['inputs'].to(device)], data_samples=[item['data_samples']])
        for i, model in enumerate(models):
            data = model.data_preprocessor(batch, False)
            features = decode_input_features(model, data)
            label = data['data_samples'][0].gt_sem_seg.data[0]
            cells = cell_majority_labels(label, tuple(features.shape[1:]), num_classes,
                                         min_purity, IGNORE_INDEX)
            image_stats = class_feature_stats(features, cells, num_classes, IGNORE_INDEX)
            stats[i] = image_stats if stats[i] is None else stats[i] + image_stats
    return stats


def _number(value: float) -> float | str | None:
    """JSON-safe number: NaN (absent) -> null, inf -> 'inf'."""
    value = float(value)
    return None if math.isnan(value) else ('inf' if math.isinf(value) else value)


def checkpoint_report(label: str, checkpoint: str, classes: List[str], scores: dict) -> dict:
    """Per-class measures, the present/absent classes and the means over present classes."""
    present = scores['present'].tolist()
    per_class = {}
    for c, name in enumerate(classes):
        per_class[name] = dict(
            present=present[c], score=_number(scores['score'][c]),
            cosine=_number(scores['cosine'][c]), centroid_distance=_number(scores['distance'][c]),
            source_spread=_number(scores['source_spread'][c]),
            target_spread=_number(scores['target_spread'][c]),
            source_cells=int(scores['source_cells'][c]),
            target_cells=int(scores['target_cells'][c]))
    mask = scores['present']
    return dict(
        label=label, checkpoint=checkpoint,
        mean_score=_number(scores['score'][mask].mean()) if mask.any() else None,
        mean_cosine=_number(scores['cosine'][mask].mean()) if mask.any() else None,
        present_classes=[n for n, p in zip(classes, present) if p],
        absent_classes=[n for n, p in zip(classes, present) if not p], classes=per_class)


def plot_scores(reports: List[dict], classes: List[str], path: str) -> None:
    """Bars of the per-class scores, one per checkpoint side by side; absent: 'n/a'."""
    fig, ax = plt.subplots(figsize=(max(8.0, 0.6 * len(classes) * max(1, len(reports) / 2)), 4.5))
    width = 0.8 / len(reports)
    for i, report in enumerate(reports):
        xs = [c + (i - (len(reports) - 1) / 2) * width for c in range(len(classes))]
        values = [report['classes'][name]['score'] for name in classes]
        ax.bar(xs, [v if isinstance(v, float) else 0.0 for v in values], width,
               label=report['label'])
        for x, v in zip(xs, values):
            if not isinstance(v, float):
                ax.text(x, 0, 'n/a' if v is None else 'inf', rotation=90, ha='center',
                        va='bottom', fontsize=6)
    ax.set_xticks(range(len(classes)), classes, rotation=60, ha='right')
    ax.set_ylabel('centroid distance / within-class spread')
    ax.set_title('Per-class source/target feature alignment (lower = better aligned)')
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def print_table(reports: List[dict], classes: List[str]) -> None:
    """Class rows, a score (cosine) column per checkpoint, the cell counts."""
    def cell(value) -> str:
        return 'n/a' if value is None else (value if isinstance(value, str) else f'{value:.3f}')

    header = [f'{"class":<14}'] + [f'{r["label"][:20]:>22}' for r in reports] + ['  cells s/t']
    print(' '.join(header))
    for name in classes:
        entries = [r['classes'][name] for r in reports]
        row = [f'{name:<14}'] + [f'{cell(e["score"]) + " (" + cell(e["cosine"]) + ")":>22}'
                                 for e in entries]
        counts = reports[0]['classes'][name]
        print(' '.join(row + [f'  {counts["source_cells"]}/{counts["target_cells"]}']))
    print(' '.join([f'{"mean present":<14}'] + [f'{cell(r["mean_score"]):>22}' for r in reports]))
    for r in reports:
        print(f'{r["label"]}: absent (< min cells in a domain): {r["absent_classes"] or "none"}')


def main(argv: List[str] | None = None) -> dict:
    """Measure; write ``feature_alignment.{json,png}`` to ``--out-dir``; print the table."""
    args = parse_args(argv)
    cfg = load_tool_config(args.config, 'none', args.cfg_options, None)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    device = torch.device(args.device)
    labels = args.labels or [Path(c).stem for c in args.checkpoints]
    if len(set(labels)) < len(labels):
        labels = list(args.checkpoints)
    models = [load_feature_model(cfg, c, device) for c in args.checkpoints]
    source = build_domain_dataset(source_analysis_dataset_cfg(cfg), 'source')
    target = build_domain_dataset(copy.deepcopy(cfg.val_dataloader.dataset), 'target')
    classes = list(target.metainfo['classes'])
    if list(source.metainfo['classes']) != classes:
        raise ValueError(f'source classes {source.metainfo["classes"]} differ from target '
                         f'classes {classes}')
    counts = dict(source=min(args.num_images, len(source)),
                  target=min(args.num_images, len(target)))
    stats = {role: domain_stats(models, dataset, counts[role], len(classes), args.min_purity,
                                device) for role, dataset in (('source', source),
                                                              ('target', target))}
    reports = [checkpoint_report(label, ckpt, classes, alignment_scores(s, t, args.min_cells))
               for label, ckpt, s, t in zip(labels, args.checkpoints, stats['source'],
                                            stats['target'])]
    report = dict(
        config=args.config, data_roots=dict(source=osp.abspath(source.data_root),
                                            target=osp.abspath(target.data_root)),
        classes=classes, num_images=counts, min_cells=args.min_cells,
        min_purity=args.min_purity, label_assignment=LABEL_ASSIGNMENT,
        features=f'decode_head input (in_index={cfg.model.decode_head.get("in_index")}), '
                 'eval mode',
        images={role: [osp.basename(ds.get_data_info(i)['img_path']) for i in range(counts[role])]
                for role, ds in (('source', source), ('target', target))},
        checkpoints=reports)
    Path(args.out_dir).mkdir(parents=True, exist_ok=True)
    json_path = osp.join(args.out_dir, 'feature_alignment.json')
    with open(json_path, 'w') as f:
        json.dump(report, f, indent=2, allow_nan=False)
    plot_path = osp.join(args.out_dir, 'feature_alignment.png')
    plot_scores(reports, classes, plot_path)
    for role in ('source', 'target'):
        if counts[role] < args.num_images:
            print(f'{role}: only {counts[role]} images available (--num-images {args.num_images})')
    print_table(reports, classes)
    print(f'wrote {json_path} and {plot_path}')
    return report


if __name__ == '__main__':
    main()
