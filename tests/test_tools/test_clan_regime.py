"""tools/analysis/clan_regime.py on a real tiny CLAN run's work dir."""
import importlib.util
import json
from pathlib import Path

import cv2
import pytest

from mmseg_clan.analysis.clan_regime import regime_checks
from tests.test_engine.test_uda_visualization_hook import _records, _train
from tests.test_models.test_clan_builders import tiny_clan_cfg

TOOL = Path(__file__).parents[2] / 'tools' / 'analysis' / 'clan_regime.py'


def _tool():
    spec = importlib.util.spec_from_file_location('clan_regime_tool', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def run_dir(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('regime_tool') / 'run'
    _train(work_dir, 4, dict(type='CLANRegimeHook'), logger_interval=1,
           model=tiny_clan_cfg(preheat_iters=1))
    return work_dir


def test_tool_reports_the_logged_series_and_an_independent_verdict(run_dir, tmp_path, capsys):
    runs = _tool().main([str(run_dir), '--out-dir', str(tmp_path)])
    printed = capsys.readouterr().out
    run = runs[str(run_dir)]
    logged = [r for r in _records(run_dir) if 'regime/cos_w1_w2' in r]
    assert [v for _, v in run['series']['cos_w1_w2']] == [r['regime/cos_w1_w2'] for r in logged]
    assert (run['max_iters'], run['preheat_iters']) == (4, 1)
    expected = regime_checks(run['series'], 1)
    assert run['in_regime'] == all(c.holds for c in expected)
    assert run['line'] in printed and str(run_dir) in printed
    saved = json.loads((tmp_path / 'regime.json').read_text())
    assert saved[str(run_dir)]['line'] == run['line']
    assert cv2.imread(str(tmp_path / 'regime.png')) is not None


def test_tool_names_a_work_dir_without_training_logs(tmp_path):
    with pytest.raises(FileNotFoundError, match='no \\*/vis_data/scalars.json'):
        _tool().main([str(tmp_path)])
