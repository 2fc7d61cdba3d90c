"""Config values are range-checked where the model or runner is built (each refusal names the
key and the valid range), and a label without a single valid pixel is an error naming the file,
in training and in evaluation."""
import cv2
import numpy as np
import pytest
from mmengine.config import Config

from mmseg_clan.datasets import GTADataset
from mmseg_clan.evaluation import UDAIoUMetric
from mmseg_clan.utils.runner_values import check_runner_values
from tests.test_faults.test_data_faults import (
    metric_sample,
    source_dataset,
    val_dataset,
    val_label,
)
from tests.test_models.test_clan_builders import build_tiny_clan, optim_wrapper_cfg

INF, NAN = float('inf'), float('nan')


@pytest.mark.parametrize('key,value,valid', [
    ('lambda_local', INF, 'a finite number >= 0'), ('lambda_adv', -0.001, 'a finite number >= 0'),
    ('lambda_weight', NAN, 'a finite number >= 0'), ('adaptive_eps', -0.4, 'a finite number >= 0'),
    ('preheat_iters', -1, 'an integer >= 0'), ('preheat_iters', 2.5, 'an integer >= 0')])
def test_clan_hyperparameters_out_of_range_are_refused(key, value, valid):
    with pytest.raises(ValueError, match=f'CLAN: model.{key} must be {valid}, got {value}'):
        build_tiny_clan(**{key: value})


def test_clan_hyperparameters_at_their_bounds_build():
    """The failing case: zeros are in range."""
    model = build_tiny_clan(lambda_adv=0.0, lambda_weight=0, lambda_local=0.0, adaptive_eps=0.0,
                            preheat_iters=0)
    assert model.weights.preheat_iters == 0


def runner_cfg(**train_cfg) -> Config:
    return Config(dict(train_cfg=dict(type='IterBasedTrainLoop', **train_cfg),
                       optim_wrapper=optim_wrapper_cfg()))


@pytest.mark.parametrize('max_iters', [0, -5, 2.5])
def test_nonpositive_iterations_are_refused(max_iters):
    with pytest.raises(ValueError, match=f'train_cfg.max_iters must be an integer > 0, got '
                                         f'{max_iters}'):
        check_runner_values(runner_cfg(max_iters=max_iters))


@pytest.mark.parametrize('wrapper,lr', [('generator', NAN), ('discriminator', 0.0),
                                        ('generator', -1e-4), ('discriminator', INF)])
def test_learning_rates_out_of_range_are_refused(wrapper, lr):
    cfg = runner_cfg(max_iters=10)
    cfg.optim_wrapper[wrapper].optimizer.lr = lr
    with pytest.raises(ValueError, match=f'optim_wrapper.{wrapper}.optimizer.lr must be a finite '
                                         f'number > 0, got {lr}'):
        check_runner_values(cfg)


def test_single_wrapper_lr_is_checked_and_valid_values_pass():
    check_runner_values(runner_cfg(max_iters=1))  # the failing case: valid values pass
    cfg = Config(dict(optim_wrapper=dict(optimizer=dict(type='SGD', lr=NAN))))
    with pytest.raises(ValueError, match='optim_wrapper.optimizer.lr must be a finite number'):
        check_runner_values(cfg)


def test_train_tool_refuses_zero_iterations(tmp_path):
    from tests.test_faults.test_checkpoint_faults import TOY_CLAN, run_tool
    result = run_tool('tools/train.py', str(TOY_CLAN), '--work-dir', str(tmp_path),
                      '--cfg-options', 'train_cfg.max_iters=0')
    assert result.returncode != 0
    assert 'train_cfg.max_iters must be an integer > 0, got 0' in result.stderr


def test_training_label_without_a_valid_pixel_is_named(gta):
    label = gta / 'labels' / '00001_labelTrainIds.png'
    source_dataset(gta)[0]  # the failing case: the label as generated loads
    cv2.imwrite(str(label), np.full((32, 64), 255, np.uint8))
    with pytest.raises(ValueError, match=f'label {label}: no valid pixel, every pixel is the '
                                         'ignore index 255'):
        source_dataset(gta)[0]


def test_val_label_without_a_valid_pixel_is_named(cityscapes):
    label = val_label(cityscapes)
    cv2.imwrite(str(label), np.full((32, 64), 255, np.uint8))
    with pytest.raises(ValueError, match=f'label {label}: no valid pixel'):
        val_dataset(cityscapes)[0]


def test_metric_refuses_a_label_without_a_valid_pixel():
    metric = UDAIoUMetric()
    metric.dataset_meta = dict(classes=GTADataset.METAINFO['classes'])
    gt = np.full((4, 8), 255, np.int64)
    gt[0, 0] = 3
    metric.process({}, [metric_sample(np.zeros_like(gt), gt.copy(), 'a')])  # one pixel: fine
    gt[0, 0] = 255
    with pytest.raises(ValueError, match='b_labelTrainIds.png: no valid pixel, every label pixel '
                                         'is the ignore index 255'):
        metric.process({}, [metric_sample(np.zeros_like(gt), gt, 'b')])
