"""CLANRegimeHook: regime scalars of real tiny runs in the text log, scalars and TensorBoard."""
import math
from types import SimpleNamespace

import pytest
import torch
from mmengine.hooks import Hook
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from mmseg_clan.engine.hooks import CLANRegimeHook
from tests.test_engine.test_uda_visualization_hook import _records, _train

REGIME_KEYS = {f'regime/{k}' for k in (
    'cos_w1_w2', 'M_mean', 'M_p50', 'M_p90', 'M_p99', 'adaptive_weight_mean',
    'disc_bce_source', 'disc_bce_target', 'disc_bce_over_ln2')}


class _CosineProbe(Hook):
    """cos(W1, W2) of the two classifiers' parameters before each iteration's update."""

    priority = 'HIGHEST'

    def __init__(self):
        self.cosines = {}

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        head = runner.model.decode_head
        flat = [torch.cat([p.detach().double().flatten() for p in c.parameters()])
                for c in (head.classifier1, head.classifier2)]
        self.cosines[runner.iter + 1] = float(torch.nn.functional.cosine_similarity(*flat, dim=0))


@pytest.fixture(scope='module')
def regime_run(tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('regime') / 'run'
    probe = _CosineProbe()
    runner = _train(work_dir, 4, dict(type='CLANRegimeHook'), backends=('Local', 'Tensorboard'),
                    logger_interval=2, extra_hooks=[probe], log_level='INFO')
    return work_dir, probe, runner


def test_every_regime_scalar_is_logged_at_the_logger_interval(regime_run):
    work_dir, _, _ = regime_run
    records = [r for r in _records(work_dir) if 'regime/cos_w1_w2' in r]
    assert [r['step'] for r in records] == [2, 4]
    for record in records:
        assert REGIME_KEYS <= set(record)
        assert 0 <= record['regime/M_p50'] <= record['regime/M_p90'] <= record['regime/M_p99'] <= 1
        assert 0 < record['regime/disc_bce_source'] and 0 < record['regime/disc_bce_target']
        assert record['regime/disc_bce_over_ln2'] == pytest.approx(
            (record['regime/disc_bce_source'] + record['regime/disc_bce_target']) / 2
            / math.log(2))
    text_log = next(work_dir.glob('*/*.log')).read_text()
    assert 'regime/cos_w1_w2' in text_log and 'regime/M_p99' in text_log
    events = next(work_dir.glob('*/vis_data/events.out.tfevents.*'))
    accumulator = EventAccumulator(str(events.parent)).Reload()
    assert [e.step for e in accumulator.Scalars('regime/M_mean')] == [2, 4]


def test_logged_cosine_is_that_of_the_model_parameters(regime_run):
    work_dir, probe, _ = regime_run
    for record in (r for r in _records(work_dir) if 'regime/cos_w1_w2' in r):
        assert record['regime/cos_w1_w2'] == pytest.approx(probe.cosines[record['step']],
                                                           rel=1e-5, abs=1e-7)
    # the parameters move at every step, so a cosine from another iteration would differ
    assert probe.cosines[2] != pytest.approx(probe.cosines[4], rel=1e-5, abs=1e-7)


def test_adaptive_weight_is_eps_plus_lambda_local_times_mean_m(regime_run):
    work_dir, _, runner = regime_run
    model = runner.model
    for record in (r for r in _records(work_dir) if 'regime/M_mean' in r):
        assert record['regime/adaptive_weight_mean'] == pytest.approx(
            model.adaptive_eps + model.lambda_local * record['regime/M_mean'])


def test_hook_refuses_models_that_keep_no_steps_and_bad_intervals():
    with pytest.raises(ValueError, match='interval'):
        CLANRegimeHook(interval=0)
    runner = SimpleNamespace(model=torch.nn.Linear(1, 1), hooks=[])
    with pytest.raises(TypeError, match='does not record'):
        CLANRegimeHook().before_train(runner)
