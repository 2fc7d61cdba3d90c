"""tools/analysis/summarize_runs.py on the work dirs of real short toy trainings (tiny GTA5 and
Cityscapes data, several seeds, validation every 2 iterations), against values recomputed here
from the same scalars.json lines."""
import csv
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import pytest

import mmseg_clan  # noqa: F401  (must precede mmseg)
from mmseg_clan.analysis import paper_result, validations_from_scalars
from tests.test_datasets.fake_datasets import make_fake_cityscapes, make_fake_gta
from tests.tool_modules import load_tool

REPO = Path(__file__).parents[2]
summarize_runs = load_tool('analysis/summarize_runs.py')

SOURCE_ONLY = 'configs/toy/source-only_r18-narrow_toy.py'
ORACLE = 'configs/toy/oracle_r18-narrow_toy.py'
SEEDS = (0, 1, 2)
MAX_ITERS, VAL_INTERVAL = 6, 2


def train_command(config: str, work_dir: Path, seed: int, source: str, max_iters: int,
                  evaluation: list) -> list:
    """tools/train.py of a toy config on the tiny data, a few iterations."""
    return [sys.executable, 'tools/train.py', config, '--work-dir', str(work_dir),
            '--cfg-options', f'randomness.seed={seed}',
            f'train_dataloader.dataset.source.data_root={source}',
            'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
            'model.backbone.init_cfg=None', f'train_cfg.max_iters={max_iters}',
            f'default_hooks.checkpoint.interval={max_iters}',
            f'param_scheduler.generator.0.end={max_iters}',
            'param_scheduler.generator.0.warmup_iters=1', 'model.preheat_iters=1', *evaluation]


def validation_options(cityscapes: str) -> list:
    """Validate every VAL_INTERVAL iterations (and test) on the tiny Cityscapes val."""
    return [f'train_cfg.val_interval={VAL_INTERVAL}',
            *[f'{loader}.{key}' for loader in ('val_dataloader', 'test_dataloader') for key in
              (f'dataset.data_root={cityscapes}', 'num_workers=0', 'persistent_workers=False')]]


NO_VALIDATION = [f'{key}=None' for key in ('val_dataloader', 'val_cfg', 'val_evaluator',
                                           'test_dataloader', 'test_cfg', 'test_evaluator')]


def run_all(commands: list) -> None:
    """Run the commands two at a time; fail with the output of any that failed."""
    for start in range(0, len(commands), 2):
        procs = [subprocess.Popen(c, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True) for c in commands[start:start + 2]]
        for proc in procs:
            out = proc.communicate(timeout=300)[0]
            assert proc.returncode == 0, out[-3000:]


@pytest.fixture(scope='module')
def runs(tmp_path_factory) -> dict:
    """Work dirs: source-only at 3 seeds and the oracle once, validated every 2 of 6
    iterations; a source-only run without validation, evaluated by tools/test.py."""
    root = tmp_path_factory.mktemp('summarize_runs')
    data = dict(source=str(make_fake_gta(root / 'gta', n=2, convert=True)),
                cityscapes=str(make_fake_cityscapes(root / 'cityscapes', n=2, convert=True)))
    dirs = {f'seed{s}': root / f'source-only_seed{s}' for s in SEEDS}
    dirs['oracle'] = root / 'oracle_seed0'
    dirs['tested'] = root / 'tested'
    validate = validation_options(data['cityscapes'])
    run_all([*[train_command(SOURCE_ONLY, dirs[f'seed{s}'], s, data['source'], MAX_ITERS,
                             validate) for s in SEEDS],
             train_command(ORACLE, dirs['oracle'], 0, data['cityscapes'], MAX_ITERS, validate),
             train_command(SOURCE_ONLY, dirs['tested'], 0, data['source'], 2, NO_VALIDATION)])
    tested = (dirs['tested'] / 'last_checkpoint').read_text().strip()
    run_all([[sys.executable, 'tools/test.py', SOURCE_ONLY, tested, '--work-dir',
              str(dirs['tested'] / 'test'), '--cfg-options',
              f'test_dataloader.dataset.data_root={data["cityscapes"]}',
              'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False']])
    return dict(root=root, **{k: str(v) for k, v in dirs.items()})


def logged_validations(work_dir: str) -> list:
    """The validation records of a run's scalars.json, read independently of the tool."""
    path, = Path(work_dir).glob('*/vis_data/scalars.json')
    return [r for r in map(json.loads, path.read_text().splitlines()) if 'aAcc' in r]


def summarize(tmp_path: Path, *args: str) -> dict:
    return summarize_runs.main([*args, '--out-dir', str(tmp_path)])


def test_values_are_those_of_the_logged_validations(runs, tmp_path, capsys):
    work_dirs = [runs[f'seed{s}'] for s in SEEDS] + [runs['oracle']]
    summary = summarize(tmp_path, *work_dirs, '--last-k', '2', '--at-iter', '4')
    assert list(summary['groups']) == ['source-only_r18-narrow_toy', 'oracle_r18-narrow_toy']
    for group, dirs in zip(summary['groups'].values(), (work_dirs[:3], work_dirs[3:])):
        assert group['num_runs'] == len(dirs)
        expected = {field: [] for field in ('last', 'mean_last_k', 'best', 'at_iter')}
        for run, work_dir in zip(group['runs'], dirs):
            records = logged_validations(work_dir)
            assert [r['step'] for r in records] == [2, 4, 6]
            curve = [(r['step'], r['mIoU']) for r in records]
            assert run['work_dir'] == work_dir and run['curve'] == [list(p) for p in curve]
            top = max(v for _, v in curve)
            best_iteration = next(i for i, v in curve if v == top)
            assert run['last'] == dict(value=curve[-1][1], iteration=6)
            assert run['best'] == dict(value=top, iteration=best_iteration)
            assert run['mean_last_k']['value'] == pytest.approx(
                (curve[-1][1] + curve[-2][1]) / 2, abs=1e-12)
            assert run['mean_last_k']['iterations'] == [4, 6]
            assert run['at_iter'] == dict(value=curve[1][1], iteration=4)
            assert run['checkpoints']['last'] == ['iter_6.pth']
            last_classes = {k[4:]: v for k, v in records[-1].items() if k.startswith('IoU.')}
            assert run['class_iou']['last'] == pytest.approx(last_classes, nan_ok=True)
            assert len(last_classes) == 19
            for field in expected:
                expected[field].append(run[field]['value'])
        for field, values in expected.items():
            assert group['stats'][field]['mean'] == pytest.approx(statistics.mean(values))
            assert group['stats'][field]['std'] == (
                None if len(values) == 1 else pytest.approx(statistics.pstdev(values)))
    # the files: summary.json as returned, one CSV row per run and validation, plot, Markdown
    written = json.loads((tmp_path / 'summary.json').read_text())
    assert written['groups']['oracle_r18-narrow_toy']['stats']['last']['std'] is None
    rows = list(csv.DictReader((tmp_path / 'evaluations.csv').open()))
    assert len(rows) == 4 * 3
    for row in rows:
        record = next(r for r in logged_validations(row['work_dir'])
                      if r['step'] == int(row['iteration']))
        assert float(row['mIoU']) == record['mIoU'] and float(row['aAcc']) == record['aAcc']
    assert (tmp_path / 'curves.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    markdown = (tmp_path / 'results.md').read_text()
    assert '| mIoU (last) | mIoU (mean of last 2) | mIoU (best, picked on val) |' in markdown
    source_only = summary['groups']['source-only_r18-narrow_toy']['stats']['last']
    assert f'{source_only["mean"]:.2f} ± {source_only["std"]:.2f}' in markdown
    out = capsys.readouterr().out
    assert 'mean over 1 run(s)' in out and 'per-class IoU (%) at the last' in out


def test_a_run_evaluated_only_by_the_test_tool(runs, tmp_path):
    summary = summarize(tmp_path, runs['tested'], '--group', 'toy')
    run, = summary['groups']['toy']['runs']
    test_json, = Path(runs['tested']).glob('test/*/*.json')
    metrics = json.loads(test_json.read_text())
    assert run['evaluated_by'] == 'tools/test.py' and run['sources'] == [str(test_json)]
    assert run['curve'] == [[2, metrics['mIoU']]]
    assert run['last'] == run['best'] == dict(value=metrics['mIoU'], iteration=2)
    assert run['checkpoints']['last'] == ['iter_2.pth']
    assert run['class_iou']['last'] == pytest.approx(
        {k[4:]: v for k, v in metrics.items() if k.startswith('IoU.')}, nan_ok=True)
    with pytest.raises(ValueError, match='different evaluated_by'):
        summarize(tmp_path, runs['tested'], runs['seed0'], '--group', 'mixed')
    elsewhere = runs['root'] / 'another_run'  # its test names the checkpoint of 'tested'
    shutil.copytree(Path(runs['tested']) / 'test', elsewhere / 'test', dirs_exist_ok=True)
    with pytest.raises(ValueError, match=f'iter_2.pth.*is not one of the run in {elsewhere}'):
        summarize(tmp_path, str(elsewhere), '--group', 'x')


def test_missing_and_unevaluated_runs_are_named(runs, tmp_path):
    missing = str(runs['root'] / 'no_such_run')
    with pytest.raises(FileNotFoundError, match=missing):
        summarize(tmp_path, runs['seed0'], missing)
    empty = runs['root'] / 'empty_run'
    empty.mkdir(exist_ok=True)
    with pytest.raises(ValueError, match=f'{empty}: no validation results'):
        summarize(tmp_path, str(empty), '--group', 'x')


def test_a_partial_run_is_refused_unless_allowed(runs, tmp_path):
    partial = runs['root'] / 'source-only_killed'
    shutil.copytree(runs['seed1'], partial, dirs_exist_ok=True)
    scalars, = partial.glob('*/vis_data/scalars.json')
    lines = scalars.read_text().splitlines(keepends=True)
    last_val = max(i for i, line in enumerate(lines) if '"aAcc"' in line)
    scalars.write_text(''.join(lines[:last_val]))  # killed before the last validation
    with pytest.raises(ValueError, match=f'{partial} is partial, last evaluated at iteration 4'):
        summarize(tmp_path, runs['seed0'], str(partial))
    summary = summarize(tmp_path, runs['seed0'], str(partial), '--allow-partial')
    group, = summary['groups'].values()
    assert [r['last']['iteration'] for r in group['runs']] == [6, 4]
    with pytest.raises(ValueError, match='no evaluation at iteration 6'):
        summarize(tmp_path, runs['seed0'], str(partial), '--allow-partial', '--at-iter', '6')


def test_different_validation_sets_are_never_averaged(runs, tmp_path):
    other = runs['root'] / 'source-only_other_val'
    shutil.copytree(runs['seed2'], other, dirs_exist_ok=True)
    config, = other.glob('*/vis_data/config.py')
    text = config.read_text()
    assert "img_path='leftImg8bit/val'" in text
    config.write_text(text.replace("img_path='leftImg8bit/val'", "img_path='leftImg8bit/v2'"))
    with pytest.raises(ValueError, match=f'different eval_set.*{other}'):
        summarize(tmp_path, runs['seed0'], str(other))


def test_a_metric_not_logged_is_named(runs, tmp_path):
    with pytest.raises(KeyError, match=f"{runs['seed0']}: metric 'mIoU13' not logged"):
        summarize(tmp_path, runs['seed0'], '--metric', 'mIoU13')


def test_paper_column_follows_the_config_and_metric(runs, tmp_path):
    paper_named = runs['root'] / 'clan_gta2city_seed0'
    shutil.copytree(runs['seed0'], paper_named, dirs_exist_ok=True)
    (paper_named / 'source-only_r18-narrow_toy.py').rename(paper_named / 'clan_gta2city.py')
    summarize(tmp_path, str(paper_named))
    row, = [line for line in (tmp_path / 'results.md').read_text().splitlines()
            if line.startswith('| clan_gta2city')]
    assert row.split(' | ')[-2] == '43.2'
    assert paper_result('clan_synthia2city', 'mIoU13').value == 47.8
    assert paper_result('clan_synthia2city', 'mIoU') is None
    assert paper_result('source-only_r18-narrow_toy', 'mIoU') is None


def test_validations_logged_by_epoch_are_refused():
    lines = [json.dumps(dict(aAcc=1.0, mIoU=2.0, step=0)), json.dumps(dict(loss=1.0, step=3)),
             json.dumps(dict(aAcc=1.0, mIoU=3.0, step=0))]
    with pytest.raises(ValueError, match='log_metric_by_epoch=False'):
        validations_from_scalars(lines, 'scalars.json')
    assert [e.metrics['mIoU'] for e in validations_from_scalars(lines[:2], 's')] == [2.0]
