"""tools/toy_benchmark.py stops every run on one Ctrl-C and says which were interrupted; its
result files are written atomically, and a corrupt one is named and recomputed."""
import json
import os
import signal
import sys
import threading
import time

import pytest

from mmseg_clan.toy.interruptible_runs import InterruptibleRuns, RunsInterrupted
from tests.tool_modules import load_tool

toy_benchmark = load_tool('toy_benchmark.py')


@pytest.fixture(autouse=True)
def ctrl_c_raises_keyboard_interrupt():
    """Python's own SIGINT handler, also where the test runner was started with SIGINT ignored
    (a background job, as CI may start it)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def sleeper(runs: InterruptibleRuns, seconds: float):
    def run(item):
        child = runs.popen([sys.executable, '-c', f'import time; time.sleep({seconds})'])
        try:
            child.wait()
        finally:
            runs.release(child)
        if child.returncode != 0:
            raise RuntimeError(f'{item} exited {child.returncode}')
        return item
    return run


def ctrl_c_once_a_child_runs(runs: InterruptibleRuns, started: list) -> None:
    def press():
        while not runs._children:
            time.sleep(0.01)
        started.extend(runs._children)
        os.kill(os.getpid(), signal.SIGINT)  # this process only: the children must be stopped
    threading.Thread(target=press, daemon=True).start()


def test_one_ctrl_c_stops_running_and_queued_runs():
    runs, started = InterruptibleRuns(), []
    ctrl_c_once_a_child_runs(runs, started)
    begin = time.time()
    with pytest.raises(RunsInterrupted, match=(
            'interrupted by Ctrl-C; interrupted: CLAN seed 0; not started: AdaptSegNet seed 0, '
            'source-only seed 0; finished: none')):
        runs.map(sleeper(runs, 60), [1, 2, 3],
                 ['CLAN seed 0', 'AdaptSegNet seed 0', 'source-only seed 0'], jobs=1)
    assert time.time() - begin < 30
    assert len(started) == 1 and started[0].returncode is not None
    with pytest.raises(RunsInterrupted, match='not started'):
        runs.popen([sys.executable, '-c', 'pass'])


def test_runs_without_ctrl_c_finish_in_order():
    """The failing case: uninterrupted runs all finish."""
    runs = InterruptibleRuns()
    assert runs.map(sleeper(runs, 0), [3, 1, 2], ['a', 'b', 'c'], jobs=2) == [3, 1, 2]


@pytest.mark.parametrize('content', [b'{"method": "CLAN", "opt', b'\xff\xfe', b'[1, 2]'])
def test_corrupt_metrics_file_is_named_and_recomputed(tmp_path, capsys, content):
    path = tmp_path / 'toy_metrics.json'
    path.write_bytes(content)
    assert toy_benchmark.read_metrics(str(path)) is None
    assert f'{path} is corrupt (' in capsys.readouterr().out
    path.write_text(json.dumps({'options': [], 'data_checksum': 'x'}))  # the failing case
    assert toy_benchmark.read_metrics(str(path)) == {'options': [], 'data_checksum': 'x'}


def test_result_files_are_whole_or_old(tmp_path, monkeypatch):
    path = tmp_path / 'results.json'
    toy_benchmark.write_json(str(path), {'old': 1})

    def interrupted(*args):
        raise KeyboardInterrupt
    monkeypatch.setattr(os, 'replace', interrupted)
    with pytest.raises(KeyboardInterrupt):
        toy_benchmark.write_json(str(path), {'new': 2})
    assert json.loads(path.read_text()) == {'old': 1}
    assert os.listdir(tmp_path) == ['results.json']


def test_toy_benchmark_run_tool_starts_its_children_through_the_stoppable_runs(tmp_path):
    toy_benchmark.RUNS.stopping.set()
    try:
        with pytest.raises(RunsInterrupted):
            toy_benchmark.run_tool(['-c', 'pass'], str(tmp_path / 'log.txt'))
    finally:
        toy_benchmark.RUNS.stopping.clear()
    toy_benchmark.run_tool(['-c', 'print("ran")'], str(tmp_path / 'log.txt'))
    assert (tmp_path / 'log.txt').read_text() == 'ran\n'


@pytest.mark.parametrize('argv', [['--num-source', '50'], ['--data-size', '96', '48']])
def test_quick_refuses_options_it_would_override(argv, capsys):
    with pytest.raises(SystemExit):
        toy_benchmark.parse_args(['--quick', *argv])
    assert f'--quick sets {argv[0]} itself; drop them or --quick' in capsys.readouterr().err
    assert toy_benchmark.parse_args(argv).num_source in (50, 400)  # the failing case: accepted


def test_quick_keeps_explicit_iterations():
    args = toy_benchmark.parse_args(['--quick', '--max-iters', '7'])
    assert (args.max_iters, args.num_source) == (7, 6)
