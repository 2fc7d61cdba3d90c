"""FCDiscriminator structure and reference weights."""

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmseg_clan  # noqa: F401
from tests.reference_data import reference_file


def _disc(**kwargs):
    init_default_scope('mmseg')
    return MODELS.build(dict(type='FCDiscriminator', **kwargs))


def test_structure_and_output_shape():
    disc = _disc(num_classes=19)
    channels = [19, 64, 128, 256, 512, 1]
    for i, name in enumerate(['conv1', 'conv2', 'conv3', 'conv4', 'classifier']):
        conv = getattr(disc, name)
        assert conv.weight.shape == (channels[i + 1], channels[i], 4, 4)
        assert conv.stride == (2, 2) and conv.padding == (1, 1) and conv.bias is not None
    assert not any(isinstance(m, torch.nn.modules.batchnorm._NormBase) for m in disc.modules())
    out = disc(torch.softmax(torch.randn(2, 19, 64, 128), dim=1))
    assert out.shape == (2, 1, 2, 4)
    with pytest.raises(ValueError, match='19 input channels'):
        disc(torch.randn(1, 3, 64, 64))


def test_loads_official_reference_weights():
    vectors = np.load(reference_file('clan_official_vectors.npz'))
    state = {k[len('param/d/'):]: torch.from_numpy(vectors[k]).float()
             for k in vectors.files if k.startswith('param/d/')}
    disc = _disc(num_classes=19, ndf=16)
    disc.load_state_dict(state, strict=True)
    x = torch.rand(1, 19, 32, 32)
    expected = x
    for name in ('conv1', 'conv2', 'conv3', 'conv4'):
        expected = torch.nn.functional.leaky_relu(
            torch.nn.functional.conv2d(expected, state[f'{name}.weight'], state[f'{name}.bias'],
                                       stride=2, padding=1), 0.2)
    expected = torch.nn.functional.conv2d(expected, state['classifier.weight'],
                                          state['classifier.bias'], stride=2, padding=1)
    torch.testing.assert_close(disc(x), expected)
