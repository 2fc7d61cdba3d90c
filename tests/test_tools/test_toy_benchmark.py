"""The toy benchmark command, shortened: real tools, table, M-vs-severity and analysis output."""
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

import mmseg_clan  # noqa: F401  (must precede mmseg)
from mmseg_clan.toy.report import format_table, mechanism, summarise
from tests.tool_modules import load_tool

REPO_ROOT = Path(__file__).parents[2]
summarize_runs = load_tool('analysis/summarize_runs.py')
toy_benchmark = load_tool('toy_benchmark.py')

# The oracle first: the feature analysis must still compare the source and target domains.
METHODS = ('oracle', 'source-only', 'CLAN')
USER_OPTION = 'model.backbone.contract_dilation=True'  # --cfg-options: every run, the pretraining


def _cells(table: str) -> dict:
    """Table text -> {row label: [cell, ...]} (row labels are the first 26 characters)."""
    return {row[:26].strip(): row[26:].split() for row in table.splitlines()[1:]
            if row[:26].strip() and not row.startswith(('(', 'negative', 'per-class', '  '))}


def printed_class_iou(log_file: Path) -> dict:
    """{class: IoU} read from the text of the 'per class results' table of a test log."""
    text = log_file.read_text().split('per class results:')[-1]
    rows = [[c.strip() for c in line.strip('|').split('|')] for line in text.splitlines()
            if line.startswith('|')]
    assert rows[0][:2] == ['Class', 'IoU']
    end = next(i for i, row in enumerate(rows) if row[:2] == ['mIoU', 'classes'])
    return {row[0]: float(row[1]) for row in rows[1:end]}


def test_quick_benchmark_writes_the_measured_values(tmp_path):
    """``--quick``: data, converters, pretraining, three methods two at a time, table, gap
    closed, M plot, feature analysis; user config options in every run and in the cache keys."""
    work_dir = tmp_path / 'bench'
    command = [sys.executable, str(REPO_ROOT / 'tools' / 'toy_benchmark.py'), '--quick',
               '--max-iters', '2', '--pretrain-iters', '1', '--work-dir', str(work_dir),
               '--methods', *METHODS, '--jobs', '2', '--cfg-options', USER_OPTION]
    proc = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=400)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    table = (work_dir / 'results.txt').read_text()
    assert table.strip() in proc.stdout  # printed as well as saved
    assert 'data checksum (sha256)' in proc.stdout and 'libraries: python' in proc.stdout
    results = json.loads((work_dir / 'results.json').read_text())
    assert len(results['data_checksum']) == 64 and results['data_checksum'] in proc.stdout

    # every table cell is the json's value
    rows = _cells(table)
    assert table.splitlines()[0].split() == ['class', *METHODS]
    for column, method in enumerate(METHODS):
        summary = results['methods'][method]
        for name, mean in zip(summary['classes'], summary['iou_mean']):
            label = name if name in results['classes_present'] else f'{name} (absent)'
            assert rows[label][column] == f'{mean:.1f}'
        present_row = f'mIoU, {len(results["classes_present"])} classes present'
        assert rows[present_row][column] == f'{summary["miou_present"][0]:.1f}'
        assert rows['mIoU, all 19 (absent=0)'][column] == f'{summary["miou_all"][0]:.1f}'
        gap = summary['gap_closed']
        assert rows['gap closed (src->oracle)'][column] == (
            'n/a' if gap is None else f'{100 * gap:.0f}%')

    # the mechanism: per-class M against the designed severity, in the text and the plot
    mech = results['mechanism']
    assert mech['classes'] == [c for c in results['classes_present']]
    assert mech['severity'] == [results['class_shift'][c][1] for c in mech['classes']]
    assert all(0.0 <= m <= 1.0 for m in mech['mean_m'])
    rho = 'nan' if math.isnan(mech['spearman_rho']) else f'{mech["spearman_rho"]:.2f}'
    assert f'Spearman rho = {rho}' in table
    for plot in ('loss_curves.png', 'clan_m_vs_severity.png'):
        assert (work_dir / plot).read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert (work_dir / 'quick_data' / 'class_shift.json').is_file()

    # the per-class feature alignment of the same checkpoints
    alignment = json.loads((work_dir / 'feature_alignment' / 'feature_alignment.json')
                           .read_text())
    runs = {r['method']: r for r in (json.loads(
        (work_dir / 'seed0' / m / 'toy_metrics.json').read_text()) for m in METHODS)}
    assert all(r['options'][-1] == USER_OPTION for r in runs.values())
    pretrain_settings = json.loads(next((work_dir / 'quick_pretrain').glob('*/settings.json'))
                                   .read_text())
    assert pretrain_settings['cfg_options'] == [USER_OPTION]
    assert [c['label'] for c in alignment['checkpoints']] == list(METHODS)
    assert alignment['data_roots'] == {role: str(work_dir / 'quick_data' / role)
                                       for role in ('source', 'target')}
    assert [c['checkpoint'] for c in alignment['checkpoints']] == [
        runs[m]['checkpoint'] for m in METHODS]

    # the per-class IoU the benchmark read from the test JSON are the printed table's, and the
    # results table built from the log text is the same, character for character
    from_log = []
    for method, run in runs.items():
        log_file, = (work_dir / 'seed0' / method / 'test').glob('*/*.log')
        from_log.append(dict(run, class_iou=printed_class_iou(log_file)))
        assert json.dumps(run['class_iou']) == json.dumps(from_log[-1]['class_iou'])  # NaN too
    present = results['classes_present']
    table_from_log = format_table(summarise(from_log, METHODS, present), present)
    assert table.split('\nper-class mean M')[0] == table_from_log

    # tools/analysis/summarize_runs.py on the benchmark's runs: one validation each, at the
    # end of training, scoring what tools/test.py scored
    summary = summarize_runs.main([*(str(work_dir / 'seed0' / m) for m in METHODS),
                                   '--out-dir', str(tmp_path / 'summary')])
    for method in METHODS:
        group = summary['groups'][Path(runs[method]['config']).stem]
        test_json, = (work_dir / 'seed0' / method / 'test').glob('*/*.json')
        assert [r['curve'] for r in group['runs']] == [
            [[2, json.loads(test_json.read_text())['mIoU']]]]

    # a re-run reuses the data, the pretrained backbone and the finished runs
    rerun = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=200)
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    assert 'reused the existing toy data' in rerun.stdout
    assert 'pretrained backbone: reusing' in rerun.stdout
    assert 'CLAN seed 0: reusing' in rerun.stdout and 'training' not in rerun.stdout
    assert (work_dir / 'results.txt').read_text() == table


def test_summary_gap_closed_and_negative_transfer():
    """mIoU over present classes and all 19, gap share, classes below source-only."""
    def run(method, seed, road, sky):
        return dict(method=method, seed=seed, class_iou={'road': road, 'sky': sky, 'train': 0.0})
    results = [run('source-only', 0, 40.0, 20.0), run('source-only', 1, 40.0, 40.0),
               run('CLAN', 0, 30.0, 70.0), run('CLAN', 1, 30.0, 70.0),
               run('oracle', 0, 80.0, 80.0), run('oracle', 1, 80.0, 80.0)]
    summary = summarise(results, ['source-only', 'CLAN', 'oracle'], ['road', 'sky'])
    assert summary['source-only']['miou_present'] == [35.0, 5.0]
    assert summary['source-only']['miou_all'][0] == pytest.approx(70 / 3)
    assert summary['CLAN']['gap_closed'] == pytest.approx((50 - 35) / (80 - 35))
    assert summary['CLAN']['negative_transfer'] == {'road': -10.0}
    assert summary['oracle']['negative_transfer'] == {}
    table = format_table(summary, ['road', 'sky'])
    assert 'train (absent)' in table and '33%' in table and 'road -10.0' in table
    assert '35.0 ± 5.0' in table


def test_mechanism_rank_correlation():
    shift = {'road': ('none', 0.0), 'sky': ('colour', 0.5), 'car': ('colour', 0.9)}
    assert mechanism({'road': 0.1, 'sky': 0.2, 'car': 0.3}, shift)['spearman_rho'] == 1.0
    assert mechanism({'road': 0.3, 'sky': 0.2, 'car': 0.1}, shift)['spearman_rho'] == -1.0


def test_schedule_options_scale_warmup_and_preheat():
    options = dict(o.split('=', 1) for o in toy_benchmark.config_options(
        'oracle', {'source': '/s', 'target': '/t'}, seed=3, max_iters=200, backbone='/b.pth'))
    assert options['randomness.seed'] == '3' and options['train_cfg.max_iters'] == '200'
    assert options['model.preheat_iters'] == '10'
    assert options['param_scheduler.generator.0.warmup_iters'] == '10'
    assert 'param_scheduler.discriminator.0.end' not in options  # the oracle has no D
    assert options['train_dataloader.dataset.source.data_root'] == '/t'  # target labels
    assert options['model.backbone.init_cfg.checkpoint'] == '/b.pth'
    clan = dict(o.split('=', 1) for o in toy_benchmark.config_options(
        'CLAN', {'source': '/s', 'target': '/t'}, seed=0, max_iters=200, backbone='/b.pth'))
    assert clan['train_dataloader.dataset.source.data_root'] == '/s'
    assert clan['param_scheduler.discriminator.0.end'] == '200'


@pytest.mark.parametrize('argv, message', [
    (['--jobs', '0'], '--jobs must be >= 1'),
    (['--max-iters', '0'], '--max-iters must be >= 1'),
    (['--cfg-options', 'model.discriminator'], 'expected KEY=VALUE'),
])
def test_bad_arguments_are_refused(argv, message, capsys):
    with pytest.raises(SystemExit):
        toy_benchmark.parse_args(argv)
    assert message in capsys.readouterr().err


def test_user_options_come_last():
    options = toy_benchmark.config_options('CLAN', {'source': '/s', 'target': '/t'}, seed=0,
                                           max_iters=None, backbone='/b.pth',
                                           extra=['model.discriminator.ndf=8'])
    assert options[-1] == 'model.discriminator.ndf=8'
    assert toy_benchmark.parse_args(['--cfg-options', 'a.b=1', 'c=[1,2]']).cfg_options == [
        'a.b=1', 'c=[1,2]']
