"""Faults in the benchmark tools' arguments and in training steps: each gives its exact outcome."""
import logging
import re

import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.optim import build_optim_wrapper

import mmseg_clan  # noqa: F401
from mmseg_clan.models.segmentors import NonFiniteLossError
from tests.test_models.test_clan_builders import (
    build_tiny_clan,
    fake_domain_batch,
    optim_wrapper_cfg,
)
from tests.tool_modules import load_tool

benchmark_control = load_tool('benchmark_control.py')
benchmark_infer = load_tool('benchmark_infer.py')
benchmark_train = load_tool('benchmark_train.py')

CONFIG = 'configs/clan_gta2city.py'


@pytest.mark.parametrize('tool', [benchmark_control, benchmark_infer, benchmark_train])
@pytest.mark.parametrize('args,message', [
    (['--batch-size', '0'], 'argument --batch-size: must be >= 1, got 0'),
    (['--iters', '0'], 'argument --iters: must be >= 1, got 0'),
    (['--warmup', '-1'], 'argument --warmup: must be >= 0, got -1'),
    (['--device', 'tpu'], 'argument --device: .*tpu'),
])
def test_benchmark_arguments_are_checked(tool, args, message, capsys):
    with pytest.raises(SystemExit):
        tool.parse_args([CONFIG, *args])
    assert re.search(message, capsys.readouterr().err)


def test_benchmark_infer_needs_images_and_cuda_where_asked(capsys):
    with pytest.raises(SystemExit):
        benchmark_infer.parse_args([CONFIG, '--num-images', '0'])
    assert 'argument --num-images: must be >= 1, got 0' in capsys.readouterr().err
    if not torch.cuda.is_available():
        with pytest.raises(SystemExit):
            benchmark_infer.parse_args([CONFIG, '--device', 'cuda'])
        assert "'cuda' needs CUDA, which this machine does not have" in capsys.readouterr().err
    assert benchmark_infer.parse_args([CONFIG, '--device', 'cpu']).device == 'cpu'


def _poisoned_model(**kwargs):
    torch.manual_seed(0)
    model = build_tiny_clan(in_channels=64, nonfinite_policy='skip', **kwargs).train()
    model.set_train_progress(7, 100)
    model.discriminator.classifier.bias.data.fill_(float('nan'))
    return model, build_optim_wrapper(model, optim_wrapper_cfg())


def _data():
    return dict(source=fake_domain_batch(1, (32, 48), seed=0),
                target=fake_domain_batch(1, (32, 64), seed=1))


class _Records(logging.Handler):

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_skipped_nonfinite_step_is_a_warning_naming_term_and_iteration():
    model, wrapper = _poisoned_model()
    records = _Records()
    logger = MMLogger.get_current_instance()
    logger.addHandler(records)
    try:
        assert model.train_step(_data(), wrapper) == dict(nonfinite_skips=torch.tensor(1.0))
    finally:
        logger.removeHandler(records)
    assert records.messages == [
        'CLAN: non-finite loss_adv = nan at iteration 7: step skipped (1 in a row, 1 in all)']
    assert model.applied_updates == 0


def test_skips_stop_the_run_at_the_limit():
    model, wrapper = _poisoned_model(max_consecutive_skips=2)
    model.train_step(_data(), wrapper)
    with pytest.raises(NonFiniteLossError, match=r'loss_adv = nan at iteration 7: 2 consecutive '
                                                 r'steps skipped \(max_consecutive_skips=2\)'):
        model.train_step(_data(), wrapper)
