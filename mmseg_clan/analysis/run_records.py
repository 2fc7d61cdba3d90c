"""What a training work dir holds about its evaluations: the validations logged in
``*/vis_data/scalars.json``, or else the results of ``tools/test.py`` run inside it, with the
evaluation set, the config and the checkpoints kept."""
import glob
import json
import os.path as osp
from collections.abc import Iterable
from dataclasses import dataclass, field

from mmengine.config import Config

from mmseg_clan.utils.checkpoint import CHECKPOINT_NUMBER, read_checkpoint

VALIDATION_MARKER = 'aAcc'  # IoUMetric logs aAcc at every evaluation, whatever its iou_metrics
DURING_TRAINING = 'validation during training'
BY_TEST_TOOL = 'tools/test.py'
DATASET_KEYS = ('type', 'data_root', 'data_prefix', 'ann_file')  # what names an evaluation set


@dataclass
class Evaluation:
    """The metrics of one evaluation of a run's model at a training iteration."""
    iteration: int
    metrics: dict


@dataclass
class RunRecord:
    """A run's evaluations in iteration order, how they were made and on what."""
    work_dir: str
    evaluations: list
    evaluated_by: str  # DURING_TRAINING or BY_TEST_TOOL
    eval_set: dict  # the evaluated dataset's DATASET_KEYS
    config_name: str | None  # the config the run was trained with (dumped in its work dir)
    train_config: dict = field(default_factory=dict)  # backbone and max_iters, where known
    checkpoints: dict = field(default_factory=dict)  # iteration -> checkpoint files kept
    sources: list = field(default_factory=list)  # the files the evaluations came from


def validations_from_scalars(lines: Iterable[str], source: str) -> list:
    """The validations (lines with ``aAcc``) of an mmengine ``scalars.json``, by iteration."""
    evaluations = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        record = json.loads(line)
        if VALIDATION_MARKER not in record:
            continue
        step = int(record['step'])
        if step in evaluations:
            raise ValueError(
                f'{source}:{number}: a second validation logged at step {step}; validations '
                'must be logged by iteration (default_hooks.logger.log_metric_by_epoch=False)')
        evaluations[step] = Evaluation(step, {k: v for k, v in record.items() if k != 'step'})
    return [evaluations[step] for step in sorted(evaluations)]


def eval_set_of(config_file: str, dataloader: str) -> dict:
    """The dataset of ``dataloader`` in a dumped config, by its DATASET_KEYS."""
    cfg = Config.fromfile(config_file, import_custom_modules=False)
    loader = cfg.get(dataloader)
    if not loader:
        raise ValueError(f'{config_file}: no {dataloader} in the config the run logged')
    return {key: loader.dataset.get(key) for key in DATASET_KEYS}


def read_run(work_dir: str) -> RunRecord:
    """A training work dir's validations, or else one evaluation by ``tools/test.py`` run in
    it; an error names the work dir when it holds neither."""
    if not osp.isdir(work_dir):
        raise FileNotFoundError(f'{work_dir}: no such work dir')
    evaluations, sources = [], []
    scalar_files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    for path in scalar_files:  # timestamps in order: a resumed run's later validations win
        with open(path) as f:
            found = {e.iteration: e for e in validations_from_scalars(f, path)}
        if found:
            evaluations = [e for e in evaluations if e.iteration not in found]
            evaluations = sorted([*evaluations, *found.values()], key=lambda e: e.iteration)
            sources.append(path)
    record = dict(work_dir=work_dir, config_name=dumped_config_name(work_dir),
                  train_config=train_settings(scalar_files[-1]) if scalar_files else {},
                  checkpoints=kept_checkpoints(work_dir))
    if evaluations:
        config = osp.join(osp.dirname(sources[-1]), 'config.py')
        return RunRecord(evaluations=evaluations, evaluated_by=DURING_TRAINING,
                         eval_set=eval_set_of(config, 'val_dataloader'), sources=sources,
                         **record)
    test = latest_test_result(work_dir)
    if test is None:
        raise ValueError(
            f'{work_dir}: no validation results ({len(scalar_files)} */vis_data/scalars.json '
            'without any; was train_cfg.val_interval above max_iters?) and no tools/test.py '
            'results (<work_dir>/**/<timestamp>/<timestamp>.json)')
    test_file, checkpoint = test
    with open(test_file) as f:
        metrics = json.load(f)
    config = osp.join(osp.dirname(test_file), 'vis_data', 'config.py')
    return RunRecord(evaluations=[Evaluation(checkpoint_iteration(checkpoint), metrics)],
                     evaluated_by=BY_TEST_TOOL, eval_set=eval_set_of(config, 'test_dataloader'),
                     sources=[test_file], **record)


def latest_test_result(work_dir: str) -> tuple[str, str] | None:
    """The newest ``<timestamp>/<timestamp>.json`` that ``tools/test.py`` wrote under a work
    dir and the checkpoint it tested (one of the work dir's own); None when there is none."""
    found = [path for path in glob.glob(osp.join(work_dir, '**', '*.json'), recursive=True)
             if osp.basename(osp.dirname(path)) + '.json' == osp.basename(path)]
    if not found:
        return None
    path = max(found, key=lambda p: osp.basename(p))  # timestamps sort in time order
    config = osp.join(osp.dirname(path), 'vis_data', 'config.py')
    checkpoint = Config.fromfile(config, import_custom_modules=False).get('load_from')
    if not checkpoint or not in_work_dir(checkpoint, work_dir):
        raise ValueError(f'{path}: tested checkpoint {checkpoint!r} (load_from in {config}) is '
                         f'not one of the run in {work_dir}')
    return path, checkpoint


def in_work_dir(checkpoint: str, work_dir: str) -> bool:
    """Whether a checkpoint path names a file of ``work_dir``: the same folder, or one of the
    same name (a relative path written from elsewhere, a work dir moved since)."""
    folder, run = osp.dirname(osp.abspath(checkpoint)), osp.abspath(work_dir)
    return folder == run or osp.basename(folder) == osp.basename(run)


def checkpoint_iteration(checkpoint: str) -> int:
    """A checkpoint's training iteration: from mmengine's file name, else from its meta."""
    match = CHECKPOINT_NUMBER.search(osp.basename(checkpoint))
    if match:
        return int(match.group(1))
    meta = read_checkpoint(checkpoint).get('meta') or {}
    if 'iter' not in meta:
        raise ValueError(f'{checkpoint}: no iteration in its name or its meta')
    return int(meta['iter'])


def kept_checkpoints(work_dir: str) -> dict:
    """Iteration -> names of the checkpoint files a work dir holds for it."""
    kept = {}
    for path in sorted(glob.glob(osp.join(work_dir, '*.pth'))):
        match = CHECKPOINT_NUMBER.search(osp.basename(path))
        if match:
            kept.setdefault(int(match.group(1)), []).append(osp.basename(path))
    return kept


def dumped_config_name(work_dir: str) -> str | None:
    """Name of the config mmengine dumped in a work dir (``<name>.py``); None unless one."""
    names = [osp.splitext(osp.basename(p))[0] for p in glob.glob(osp.join(work_dir, '*.py'))]
    return names[0] if len(names) == 1 else None


def train_settings(scalars_file: str) -> dict:
    """Backbone and schedule length of the config logged beside a ``scalars.json``."""
    cfg = Config.fromfile(osp.join(osp.dirname(scalars_file), 'config.py'),
                          import_custom_modules=False)
    backbone = cfg.get('model', {}).get('backbone') or {}
    name = backbone.get('type', '')
    if backbone.get('depth') is not None:
        name = f'{name}-{backbone["depth"]}'
    return dict(backbone=name, max_iters=cfg.get('train_cfg', {}).get('max_iters'))
