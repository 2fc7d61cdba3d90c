"""Every weight load is checked: ``init_cfg=dict(type='Pretrained')`` refuses a file whose keys
mostly do not fit the module (a whole model given for its backbone, another architecture), and
tools/test.py checks the checkpoint against the model whatever hooks the config has."""
import logging
from pathlib import Path

import pytest
import torch
from mmengine.logging import MMLogger
from mmengine.model.weight_init import PretrainedInit
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmseg_clan  # noqa: F401
from tests.test_datasets.fake_datasets import make_fake_cityscapes
from tests.test_faults.test_checkpoint_faults import TOY_CLAN, run_tool
from tests.test_models.test_clan_builders import tiny_clan_cfg

BACKBONE = tiny_clan_cfg()['backbone']


def build_backbone(**init_cfg):
    init_default_scope('mmseg')
    return MODELS.build(dict(BACKBONE, init_cfg=dict(type='Pretrained', **init_cfg) if init_cfg
                             else None))


@pytest.fixture(scope='module')
def whole_model(tmp_path_factory) -> Path:
    """A whole CLAN checkpoint: its backbone's keys start with ``backbone.``."""
    init_default_scope('mmseg')
    path = tmp_path_factory.mktemp('weights') / 'clan_whole.pth'
    torch.save({'state_dict': MODELS.build(tiny_clan_cfg()).state_dict(), 'meta': {}}, path)
    return path


def test_a_whole_model_given_as_backbone_init_is_refused_by_name(whole_model):
    backbone = build_backbone(checkpoint=str(whole_model))
    with pytest.raises(ValueError, match=(
            f'pretrained checkpoint {whole_model} does not fit ResNet: 0 of the module\'s '
            r'\d+ keys .*use prefix=(.|\n)*module keys: bn1.bias(.|\n)*file keys: '
            'backbone.bn1.bias')):
        backbone.init_weights()


def test_mmengines_own_pretrained_init_accepted_it_silently(whole_model):
    """The failing case: without the check the backbone stays random, no error."""
    backbone = build_backbone()
    before = {k: v.clone() for k, v in backbone.state_dict().items()}
    PretrainedInit(checkpoint=str(whole_model))(backbone)
    assert all(torch.equal(before[k], v) for k, v in backbone.state_dict().items())


def test_the_whole_model_with_its_prefix_loads(whole_model):
    backbone = build_backbone(checkpoint=str(whole_model), prefix='backbone.')
    backbone.init_weights()
    saved = torch.load(whole_model, weights_only=True)['state_dict']
    assert torch.equal(backbone.conv1.weight, saved['backbone.conv1.weight'])


def test_a_few_missing_keys_are_a_warning(tmp_path):
    weights = build_backbone().state_dict()
    dropped = sorted(weights)[:2]
    torch.save({k: v for k, v in weights.items() if k not in dropped} | {
        'fc.weight': torch.zeros(10, 4)}, tmp_path / 'backbone.pth')
    logger = MMLogger.get_current_instance()
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        backbone = build_backbone(checkpoint=str(tmp_path / 'backbone.pth'))
        backbone.init_weights()
    finally:
        logger.removeHandler(handler)
    warning = '\n'.join(r.getMessage() for r in records if r.levelno == logging.WARNING)
    assert f'missing in checkpoint: {dropped[0]}, {dropped[1]}' in warning
    assert 'unexpected in checkpoint: fc.weight' in warning
    assert torch.equal(backbone.conv1.weight, weights['conv1.weight'])


def test_a_missing_pretrained_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=f'checkpoint {tmp_path / "no.pth"} does not'):
        build_backbone(checkpoint=str(tmp_path / 'no.pth')).init_weights()


def test_test_tool_checks_weights_whatever_the_hooks(tmp_path):
    """A config without our hooks (as an upstream mmseg one); without the fix tools/test.py
    evaluated the random model with mmengine's key warnings only."""
    root = make_fake_cityscapes(tmp_path / 'cityscapes', splits=('val', ), n=1, convert=True)
    config = tmp_path / 'cfg.py'
    config.write_text(f'_base_ = [{str(TOY_CLAN)!r}]\ncustom_hooks = []\n')
    foreign = tmp_path / 'foreign.pth'
    torch.save({'state_dict': {'foo.weight': torch.zeros(2)}, 'meta': {}}, foreign)
    result = run_tool('tools/test.py', str(config), str(foreign), '--work-dir',
                      str(tmp_path / 'work'), '--cfg-options',
                      f'test_dataloader.dataset.data_root={root}')
    assert result.returncode != 0
    assert 'TrainingGuardHook: the checkpoint does not match the model CLAN' in result.stderr
    assert 'unexpected in checkpoint: foo.weight' in result.stderr
