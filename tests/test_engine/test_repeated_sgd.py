"""RepeatedSGD reproduces PyTorch 1.0's update of duplicated parameters."""

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmseg_clan  # noqa: F401
from mmseg_clan.engine.optimizers import RepeatedSGD, official_update_multiplicity
from tests.reference_data import reference_file


def _vec(key):
    vectors = np.load(reference_file('clan_official_vectors.npz'))
    return torch.from_numpy(vectors[f'optimizer/{key}'])


@pytest.mark.parametrize('repeats', [1, 3, 4])
def test_matches_official_vectors(repeats):
    param = torch.nn.Parameter(_vec('p0').clone())
    opt = RepeatedSGD([dict(params=[param], repeats=repeats)], lr=float(_vec('lr')),
                      momentum=float(_vec('momentum')), weight_decay=float(_vec('weight_decay')))
    for step in (1, 2):
        param.grad = _vec(f'grad_step{step}').clone()
        opt.step()
        torch.testing.assert_close(param.detach(), _vec(f'repeat{repeats}/p_after_step{step}'),
                                   rtol=1e-12, atol=1e-15)


def test_single_repeat_equals_torch_sgd():
    torch.manual_seed(0)
    a = torch.nn.Parameter(torch.randn(4, 3))
    b = torch.nn.Parameter(a.detach().clone())
    ours = RepeatedSGD([a], lr=0.1, momentum=0.9, weight_decay=5e-4)
    ref = torch.optim.SGD([b], lr=0.1, momentum=0.9, weight_decay=5e-4)
    for _ in range(3):
        g = torch.randn(4, 3)
        a.grad, b.grad = g.clone(), g.clone()
        ours.step()
        ref.step()
    torch.testing.assert_close(a, b)
    with pytest.raises(ValueError, match='repeats'):
        RepeatedSGD([dict(params=[a], repeats=0)], lr=0.1)


def test_multiplicity_follows_official_module_walk_on_resnet():
    init_default_scope('mmseg')
    backbone = MODELS.build(dict(type='ResNet', depth=50, base_channels=4, stem_channels=4,
                                 norm_cfg=dict(type='BN', requires_grad=False)))
    k = official_update_multiplicity(backbone)
    assert k[backbone.conv1.weight] == 1
    block = backbone.layer2[0]
    for conv in (block.conv1, block.conv2, block.conv3):
        assert k[conv.weight] == 3
    assert k[block.downsample[0].weight] == 4
    assert k[backbone.layer4[2].conv2.weight] == 3
