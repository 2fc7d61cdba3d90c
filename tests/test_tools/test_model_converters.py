import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.runner import load_checkpoint
from mmseg.registry import MODELS

import mmseg_clan  # noqa: F401  (installs the mmcv.ops fallback before mmseg.models)
from tests.reference_data import reference_file
from tests.tool_modules import load_tool

REPO_ROOT = Path(__file__).parents[2]
CONVERTERS_DIR = REPO_ROOT / 'tools' / 'model_converters'
convert_clan_official = load_tool('model_converters/clan_official.py').convert_clan_official
convert_deeplabv2_init = load_tool('model_converters/deeplabv2_init.py').convert_deeplabv2_init
convert_torchvision_resnet = load_tool(
    'model_converters/torchvision_resnet.py').convert_torchvision_resnet
convert_torchvision_vgg16 = load_tool(
    'model_converters/torchvision_vgg16.py').convert_torchvision_vgg16

HEAD_CFG = dict(type='DualASPPV2Head', in_channels=2048, in_index=3, num_classes=19,
                dilations=(6, 12, 18, 24), align_corners=True)


def random_state_dict(shapes: dict, seed: int = 0) -> dict:
    """Distinct random tensors with the given shapes (integer counters for BN)."""
    generator = torch.Generator().manual_seed(seed)
    return {
        key: (torch.randint(1, 10**6, (), generator=generator)
              if key.endswith('num_batches_tracked') else torch.randn(shape, generator=generator))
        for key, shape in shapes.items()
    }


@pytest.fixture(scope='module')
def official_checkpoint() -> dict:
    with open(reference_file('clan_official_state_dict_keys.json')) as f:
        return random_state_dict(json.load(f))


def poison(module: torch.nn.Module) -> None:
    """Overwrite every parameter and buffer so a value not loaded afterwards is visible."""
    with torch.no_grad():
        for tensor in list(module.parameters()) + list(module.buffers()):
            tensor.fill_(float('nan') if tensor.is_floating_point() else -1)


def assert_bijective_load(module: torch.nn.Module, source: dict, key_map) -> None:
    """Every source tensor is, unchanged, exactly one tensor of ``module``; nothing else remains."""
    state_dict = module.state_dict()
    mapped = {key_map(key): key for key in source}
    assert len(mapped) == len(source)
    assert set(mapped) == set(state_dict)
    for ours, theirs in mapped.items():
        assert torch.equal(state_dict[ours], source[theirs]), ours


def official_to_ours(key: str) -> str:
    for official, ours in (('layer5.', 'decode_head.classifier1.'),
                           ('layer6.', 'decode_head.classifier2.')):
        if key.startswith(official):
            return ours + key[len(official):]
    return 'backbone.' + key


def test_clan_official_loads_strictly_into_backbone_and_head(official_checkpoint, tmp_path):
    torch.save(official_checkpoint, tmp_path / 'official.pth')
    report = convert_clan_official(tmp_path / 'official.pth', tmp_path / 'clan.pth')
    assert report == dict(depth=101, num_classes=19, filled=[])
    converted = torch.load(tmp_path / 'clan.pth', weights_only=True)
    assert converted['meta']['converter'] == 'clan_official'
    model = torch.nn.Module()
    model.backbone = MODELS.build(dict(type='DeepLabV2ResNet', depth=101))
    model.decode_head = MODELS.build(HEAD_CFG)
    poison(model)
    model.load_state_dict(converted['state_dict'], strict=True)
    assert_bijective_load(model, official_checkpoint, official_to_ours)


def test_clan_official_loads_strictly_into_clan_segmentor(official_checkpoint, tmp_path):
    torch.save(official_checkpoint, tmp_path / 'official.pth')
    convert_clan_official(tmp_path / 'official.pth', tmp_path / 'clan.pth')
    model = MODELS.build(dict(
        type='CLAN', backbone=dict(type='DeepLabV2ResNet', depth=101), decode_head=HEAD_CFG,
        discriminator=None))
    poison(model)
    load_checkpoint(model, str(tmp_path / 'clan.pth'), map_location='cpu', strict=True)
    assert_bijective_load(model, official_checkpoint, official_to_ours)


def test_deeplabv2_init_loads_as_backbone_pretrained_init(official_checkpoint, tmp_path):
    backbone_part = {k: v for k, v in official_checkpoint.items()
                     if not k.startswith(('layer5.', 'layer6.'))}
    # The init file predates BN batch counters; it carries a layer5 classifier (not loaded).
    init_file = {'Scale.' + k: v for k, v in backbone_part.items()
                 if not k.endswith('num_batches_tracked')}
    init_file.update({'Scale.' + k: v for k, v in official_checkpoint.items()
                      if k.startswith('layer5.')})
    torch.save(init_file, tmp_path / 'DeepLab_resnet_pretrained_init-f81d91e8.pth')
    report = convert_deeplabv2_init(tmp_path / 'DeepLab_resnet_pretrained_init-f81d91e8.pth',
                                    tmp_path / 'deeplabv2_r101_init.pth')
    assert report['depth'] == 101
    assert report['dropped'] == sorted('Scale.' + k for k in official_checkpoint
                                       if k.startswith('layer5.'))
    counters = [k for k in backbone_part if k.endswith('num_batches_tracked')]
    assert sorted(report['filled']) == sorted(counters)

    backbone = MODELS.build(dict(type='DeepLabV2ResNet', depth=101, init_cfg=dict(
        type='Pretrained', checkpoint=str(tmp_path / 'deeplabv2_r101_init.pth'))))
    poison(backbone)
    backbone.init_weights()
    expected = {k: (torch.tensor(0) if k in counters else v) for k, v in backbone_part.items()}
    assert_bijective_load(backbone, expected, lambda key: key)


def test_deeplabv2_init_cli_converts_resnet50(tmp_path):
    shapes = {k: tuple(v.shape) for k, v in
              MODELS.build(dict(type='DeepLabV2ResNet', depth=50)).state_dict().items()}
    source = {'Scale.' + k: v for k, v in random_state_dict(shapes).items()}
    torch.save(source, tmp_path / 'init.pth')
    result = subprocess.run(
        [sys.executable, str(CONVERTERS_DIR / 'deeplabv2_init.py'), str(tmp_path / 'init.pth'),
         str(tmp_path / 'out' / 'r50.pth')], capture_output=True, text=True, check=True)
    assert 'ResNet-50' in result.stdout
    converted = torch.load(tmp_path / 'out' / 'r50.pth', weights_only=True)['state_dict']
    assert converted.keys() == shapes.keys()
    assert all(torch.equal(converted[k], source['Scale.' + k]) for k in shapes)


@pytest.mark.parametrize('convert', [convert_clan_official, convert_deeplabv2_init,
                                     convert_torchvision_resnet, convert_torchvision_vgg16])
def test_unreadable_files_give_clear_errors(convert, official_checkpoint, tmp_path):
    path = tmp_path / 'broken.pth'
    small = {k: v for k, v in official_checkpoint.items() if k.startswith('layer1.')}
    torch.save(small, path)
    path.write_bytes(path.read_bytes()[:len(path.read_bytes()) // 2])
    with pytest.raises(RuntimeError, match=r'broken\.pth cannot be read'):
        convert(path, tmp_path / 'out.pth')
    path.write_bytes(b'not a checkpoint at all')
    with pytest.raises(RuntimeError, match=r'broken\.pth cannot be read'):
        convert(path, tmp_path / 'out.pth')
    with pytest.raises(FileNotFoundError, match=r'missing\.pth does not exist'):
        convert(tmp_path / 'missing.pth', tmp_path / 'out.pth')
    assert not (tmp_path / 'out.pth').exists()


def test_unsafe_pickle_is_refused(tmp_path):
    path = tmp_path / 'unsafe.pth'
    torch.save({'conv1.weight': torch.zeros(1), 'payload': Path('x')}, path)
    with pytest.raises(RuntimeError, match=r'unsafe\.pth cannot be read'):
        convert_clan_official(path, tmp_path / 'out.pth')


def test_clan_official_rejects_wrong_architectures(official_checkpoint, tmp_path):
    path = tmp_path / 'wrong.pth'
    backbone_only = {k: v for k, v in official_checkpoint.items() if not k.startswith('layer')}
    torch.save(backbone_only, path)
    with pytest.raises(ValueError, match=r"wrong\.pth: not a CLAN checkpoint.*layer5"):
        convert_clan_official(path, tmp_path / 'out.pth')

    no_second_head = {k: v for k, v in official_checkpoint.items() if not k.startswith('layer6.')}
    torch.save(no_second_head, path)
    with pytest.raises(ValueError, match=r'(?s)wrong\.pth: .*missing in checkpoint: '
                                         r'layer6\.conv2d_list'):
        convert_clan_official(path, tmp_path / 'out.pth')

    narrow_head = dict(official_checkpoint)
    narrow_head['layer6.conv2d_list.2.weight'] = torch.zeros(19, 1024, 3, 3)
    narrow_head['extra.weight'] = torch.zeros(1)
    torch.save(narrow_head, path)
    with pytest.raises(ValueError, match=r'(?s)unexpected in checkpoint: extra\.weight.*'
                       r'shape mismatch: '
                       r'layer6\.conv2d_list\.2\.weight: checkpoint \(19, 1024, 3, 3\) vs '
                       r'expected \(19, 2048, 3, 3\)'):
        convert_clan_official(path, tmp_path / 'out.pth')

    pytorch_style_stem = dict(official_checkpoint)
    pytorch_style_stem['conv1.weight'] = torch.zeros(64, 3, 3, 3)
    torch.save(pytorch_style_stem, path)
    with pytest.raises(ValueError, match=r'shape mismatch: conv1\.weight'):
        convert_clan_official(path, tmp_path / 'out.pth')
    assert not (tmp_path / 'out.pth').exists()


def test_deeplabv2_init_rejects_wrong_files(official_checkpoint, tmp_path):
    path = tmp_path / 'init.pth'
    torch.save(official_checkpoint, path)  # a CLAN release checkpoint, not the init file
    with pytest.raises(ValueError, match=r"init\.pth: expected every key to start with 'Scale\.'"):
        convert_deeplabv2_init(path, tmp_path / 'out.pth')
    torch.save({'Scale.' + k: v for k, v in official_checkpoint.items()}, path)
    with pytest.raises(ValueError, match=r'(?s)init\.pth: .*unexpected in checkpoint: '
                                         r'layer6\.conv2d_list'):
        convert_deeplabv2_init(path, tmp_path / 'out.pth')
    torch.save({'Scale.conv1.weight': torch.zeros(64, 3, 7, 7)}, path)
    with pytest.raises(ValueError, match=r'init\.pth: not a ResNet state dict'):
        convert_deeplabv2_init(path, tmp_path / 'out.pth')


def test_torchvision_resnet_drops_fc_and_matches_mmseg_resnet(tmp_path):
    resnet = MODELS.build(dict(type='ResNet', depth=50))
    shapes = {k: tuple(v.shape) for k, v in resnet.state_dict().items()}
    source = random_state_dict({**shapes, 'fc.weight': (1000, 2048), 'fc.bias': (1000, )})
    torch.save(source, tmp_path / 'resnet50.pth')
    report = convert_torchvision_resnet(tmp_path / 'resnet50.pth', tmp_path / 'out.pth')
    assert report == dict(depth=50, dropped=['fc.bias', 'fc.weight'])
    backbone = MODELS.build(dict(type='DeepLabV2ResNet', depth=50, init_cfg=dict(
        type='Pretrained', checkpoint=str(tmp_path / 'out.pth'))))
    poison(backbone)
    backbone.init_weights()
    assert_bijective_load(backbone, {k: v for k, v in source.items() if k in shapes},
                          lambda key: key)


def test_torchvision_vgg16_remaps_conv5_and_rejects_vgg16_bn(tmp_path):
    convs = ((0, 3, 64), (2, 64, 64), (5, 64, 128), (7, 128, 128), (10, 128, 256),
             (12, 256, 256), (14, 256, 256), (17, 256, 512), (19, 512, 512), (21, 512, 512),
             (24, 512, 512), (26, 512, 512), (28, 512, 512))
    shapes = {}
    for index, in_channels, out_channels in convs:
        shapes[f'features.{index}.weight'] = (out_channels, in_channels, 3, 3)
        shapes[f'features.{index}.bias'] = (out_channels, )
    classifier = {'classifier.0.weight': (4096, 25088), 'classifier.0.bias': (4096, ),
                  'classifier.3.weight': (4096, 4096), 'classifier.3.bias': (4096, ),
                  'classifier.6.weight': (1000, 4096), 'classifier.6.bias': (1000, )}
    source = random_state_dict({**shapes, **classifier})
    torch.save(source, tmp_path / 'vgg16.pth')
    report = convert_torchvision_vgg16(tmp_path / 'vgg16.pth', tmp_path / 'out.pth')
    assert report['dropped'] == sorted(classifier)
    backbone = MODELS.build(dict(type='DeepLabV2VGG', init_cfg=dict(
        type='Pretrained', checkpoint=str(tmp_path / 'out.pth'))))
    poison(backbone)
    backbone.init_weights()
    state_dict = backbone.state_dict()
    for key in shapes:
        index = int(key.split('.')[1])
        ours = key if index < 23 else key.replace(f'.{index}.', f'.{index - 1}.')
        assert torch.equal(state_dict[ours], source[key]), key
    assert torch.isnan(state_dict['fc6.weight']).all()  # not in ImageNet weights: own init

    source['features.1.running_mean'] = torch.zeros(64)  # a vgg16_bn-style file
    torch.save(source, tmp_path / 'vgg16_bn.pth')
    with pytest.raises(ValueError, match=r'(?s)vgg16_bn\.pth: .*unexpected in '
                                         r'checkpoint: features\.1\.'):
        convert_torchvision_vgg16(tmp_path / 'vgg16_bn.pth', tmp_path / 'out2.pth')
