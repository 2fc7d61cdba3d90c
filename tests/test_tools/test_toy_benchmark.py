"""The toy benchmark demo, shortened: real train/test tools, table and plots produced."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

import mmseg_clan  # noqa: F401  (must precede mmseg)

REPO_ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(REPO_ROOT / 'tools'))
import toy_benchmark  # noqa: E402

METHODS = ('source-only', 'AdaptSegNet', 'CLAN')


def test_quick_demo_produces_table_and_plots(tmp_path):
    """``--quick`` generates data, converts it, trains and tests every method, and plots."""
    work_dir = tmp_path / 'bench'
    proc = subprocess.run(
        [sys.executable, str(REPO_ROOT / 'tools' / 'toy_benchmark.py'), '--quick', '--max-iters',
         '2', '--work-dir', str(work_dir), '--num-panel-images', '1'],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    table = (work_dir / 'results.txt').read_text()
    header, *rows = table.splitlines()
    assert header.split() == ['class', *METHODS]
    assert table in proc.stdout  # printed as well as saved
    class_rows = {row[:14].strip(): row[14:].split() for row in rows[:-1]}
    assert list(class_rows)[:3] == ['road', 'sidewalk', 'building']
    assert len(class_rows) == 20 and 'mIoU' in class_rows  # 19 classes + mIoU

    results = json.loads((work_dir / 'results.json').read_text())
    assert set(results) == set(METHODS)
    for method in METHODS:
        metrics = json.loads((work_dir / 'seed0' / method / 'toy_metrics.json').read_text())
        assert metrics['max_iters'] == 2
        assert Path(metrics['checkpoint']).name == 'iter_2.pth'
        assert 0.0 <= results[method]['miou_mean'] <= 100.0
        curves = toy_benchmark.read_scalars(metrics['scalars'])  # what the loss plot shows
        assert [step for step, _ in curves['loss_seg']] == [1, 2]
        assert ('loss_d_source' in curves) == (method != 'source-only')
        assert ('alignment_map_mean' in curves) == (method == 'CLAN')
    for plot in ('loss_curves.png', 'per_class_iou.png', 'clan_predictions.png'):
        assert (work_dir / plot).read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert (work_dir / 'quick_data' / 'source' / 'train.txt').read_text().split()
    assert any((work_dir / 'quick_data' / 'target' / 'gtFine' / 'val').rglob(
        '*_gtFine_labelTrainIds.png'))

    # a re-run reuses the data, the converted labels and the finished run
    rerun = subprocess.run(
        [sys.executable, str(REPO_ROOT / 'tools' / 'toy_benchmark.py'), '--quick', '--max-iters',
         '2', '--work-dir', str(work_dir), '--num-panel-images', '1', '--methods', 'CLAN'],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    assert 'reused the existing toy data' in rerun.stdout
    assert rerun.stdout.count('converted: 0, skipped (already done):') == 2
    assert 'CLAN seed 0: reusing' in rerun.stdout and 'training' not in rerun.stdout
    assert class_rows['mIoU'][-1] in (work_dir / 'results.txt').read_text().splitlines()[-2]


def test_class_table_parsing(tmp_path):
    """The per-class IoU table of mmseg's IoUMetric log is read back, NaN included."""
    log = tmp_path / 'test.log'
    log.write_text('11/26 - mmengine - INFO - per class results:\n'
                   '11/26 - mmengine - INFO - \n'
                   '+---------------+-------+-------+\n'
                   '|     Class     |  IoU  |  Acc  |\n'
                   '+---------------+-------+-------+\n'
                   '|      road     | 91.25 | 97.0  |\n'
                   '| traffic light |  nan  |  nan  |\n'
                   '+---------------+-------+-------+\n')
    iou = toy_benchmark.parse_class_table(str(log))
    assert list(iou) == ['road', 'traffic light']
    assert iou['road'] == 91.25 and iou['traffic light'] != iou['traffic light']


def test_class_table_missing_is_a_clear_error(tmp_path):
    log = tmp_path / 'test.log'
    log.write_text('no metric here\n')
    with pytest.raises(ValueError, match='per class results'):
        toy_benchmark.parse_class_table(str(log))


def test_schedule_options_scale_warmup_and_preheat():
    """--max-iters rescales the schedule end, the warm-up and the preheat (5% each)."""
    options = dict(o.split('=', 1) for o in toy_benchmark.config_options(
        {'source': '/s', 'target': '/t'}, seed=3, max_iters=200))
    assert options['randomness.seed'] == '3'
    assert options['train_cfg.max_iters'] == '200'
    assert options['default_hooks.logger.interval'] == '20'
    assert options['model.preheat_iters'] == '10'
    for name in ('generator', 'discriminator'):
        assert options[f'param_scheduler.{name}.0.warmup_iters'] == '10'
        assert options[f'param_scheduler.{name}.0.end'] == '200'
    assert options['train_dataloader.dataset.source.data_root'] == '/s'
    assert options['test_dataloader.dataset.data_root'] == '/t'


def test_summary_mean_and_std_over_seeds():
    """Mean and (population) std over seeds per class and for mIoU; NaN classes skipped."""
    nan = float('nan')
    results = [dict(method='CLAN', seed=s, class_iou={'road': r, 'sky': k})
               for s, (r, k) in enumerate([(80.0, 60.0), (90.0, nan)])]
    summary = toy_benchmark.summarise(results, ['CLAN'])['CLAN']
    assert summary['iou_mean'].tolist() == [85.0, 60.0]
    assert summary['iou_std'].tolist() == [5.0, 0.0]
    assert summary['miou_per_seed'].tolist() == [70.0, 90.0]
    assert summary['miou_mean'] == 80.0 and summary['miou_std'] == 10.0
    assert '85.0 ± 5.0' in toy_benchmark.format_table({'CLAN': summary})
