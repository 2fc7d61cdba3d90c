"""tools/analysis/feature_alignment.py on tiny GTA5/Cityscapes data with the toy CLAN config."""
import json
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, MODELS

import mmseg_clan  # noqa: F401
from mmseg_clan.evaluation import alignment_scores, cell_majority_labels, class_feature_stats
from tests.test_datasets.fake_datasets import make_fake_cityscapes, make_fake_gta
from tests.tool_modules import load_tool

REPO = Path(__file__).parents[2]
CONFIG = REPO / 'configs' / 'toy' / 'clan_r18-narrow_toy.py'
feature_alignment = load_tool('analysis/feature_alignment.py')

NUM_IMAGES = 2
MIN_CELLS = 3
SIZE = (256, 128)  # generated image size; the toy config resizes to its image_size


@pytest.fixture(scope='module')
def setup(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp('feature_alignment')
    gta = make_fake_gta(root / 'gta', n=3, size=SIZE, convert=True)
    cityscapes = make_fake_cityscapes(root / 'cityscapes', splits=('val', ), n=3, size=SIZE,
                                      convert=True)
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(str(CONFIG)).model)
    init = root / 'init.pth'
    torch.save(dict(meta=dict(iter=0), state_dict=model.state_dict()), init)
    # a variant without discriminator (as a source-only run) and with other backbone weights
    perturbed = {k: v + 0.05 * torch.randn_like(v) if k.startswith('backbone.') and
                 v.is_floating_point() else v for k, v in model.state_dict().items()
                 if not k.startswith('discriminator.')}
    other = root / 'perturbed.pth'
    torch.save(dict(meta=dict(iter=10), state_dict=perturbed), other)
    options = [f'train_dataloader.dataset.source.data_root={gta}',
               f'val_dataloader.dataset.data_root={cityscapes}']
    return dict(root=root, gta=str(gta), cityscapes=str(cityscapes), checkpoints=[init, other],
                state_dicts=[model.state_dict(), perturbed], options=options)


def run_tool(setup: dict, checkpoints: list, out_dir: Path, options: list | None = None) -> dict:
    return feature_alignment.main(
        [str(CONFIG), *map(str, checkpoints), '--labels', *[f'm{i}' for i in
                                                             range(len(checkpoints))],
         '--num-images', str(NUM_IMAGES), '--min-cells', str(MIN_CELLS), '--device', 'cpu',
         '--out-dir', str(out_dir), '--cfg-options', *(options or setup['options'])])


def expected_scores(setup: dict, state_dict: dict) -> dict:
    """The measures recomputed here: a test-written source pipeline, the config's val
    pipeline, the backbone output at ``in_index``, the pure functions."""
    cfg = Config.fromfile(str(CONFIG))
    model = MODELS.build(cfg.model)
    model.load_state_dict(state_dict, strict=False)
    model.eval()
    source = DATASETS.build(dict(
        type='GTADataset', data_root=setup['gta'], ann_file='train.txt',
        pipeline=[dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
                  dict(type='Resize', scale=tuple(cfg.image_size), keep_ratio=False,
                       interpolation='bicubic'),
                  dict(type='PackSegInputs')]))
    target = DATASETS.build(dict(cfg.val_dataloader.dataset, data_root=setup['cityscapes']))
    stats = []
    for dataset in (source, target):
        total = None
        for i in range(NUM_IMAGES):
            item = dataset[i]
            data = model.data_preprocessor(
                dict(inputs=[item['inputs']], data_samples=[item['data_samples']]), False)
            with torch.no_grad():
                feats = model.extract_feat(data['inputs'])[cfg.model.decode_head.in_index][0]
            label = data['data_samples'][0].gt_sem_seg.data[0]
            cells = cell_majority_labels(label, tuple(feats.shape[1:]), 19, 0.75)
            image_stats = class_feature_stats(feats, cells, 19)
            total = image_stats if total is None else total + image_stats
        stats.append(total)
    return alignment_scores(*stats, min_cells=MIN_CELLS)


def test_reports_per_class_alignment_of_each_checkpoint(setup, tmp_path, capsys):
    report = run_tool(setup, setup['checkpoints'], tmp_path)
    assert (tmp_path / 'feature_alignment.png').stat().st_size > 0
    with open(tmp_path / 'feature_alignment.json') as f:
        written = json.load(f)
    assert written == json.loads(json.dumps(report))
    assert written['num_images'] == dict(source=NUM_IMAGES, target=NUM_IMAGES)
    assert written['images']['source'] == ['00001.png', '00002.png']
    assert written['data_roots'] == dict(source=str(setup['gta']),
                                         target=str(setup['cityscapes']))
    classes = written['classes']
    assert len(classes) == 19 and [r['label'] for r in written['checkpoints']] == ['m0', 'm1']
    for result, state_dict in zip(written['checkpoints'], setup['state_dicts']):
        expected = expected_scores(setup, state_dict)
        present = [c for c, p in zip(classes, expected['present'].tolist()) if p]
        assert result['present_classes'] == present and len(present) >= 2
        assert result['absent_classes'] == [c for c in classes if c not in present]
        assert 'train' in result['absent_classes']  # never drawn in the fake Cityscapes
        for c, name in enumerate(classes):
            entry = result['classes'][name]
            assert entry['source_cells'] == expected['source_cells'][c].item()
            assert entry['target_cells'] == expected['target_cells'][c].item()
            assert entry['present'] == (min(entry['source_cells'], entry['target_cells']) >=
                                        MIN_CELLS)
            if name in present:
                assert entry['score'] == pytest.approx(expected['score'][c].item(), rel=1e-5)
                assert entry['cosine'] == pytest.approx(expected['cosine'][c].item(), rel=1e-5)
            else:
                assert entry['score'] is None and entry['cosine'] is None
        mean = expected['score'][expected['present']].mean().item()
        assert result['mean_score'] == pytest.approx(mean, rel=1e-5)
    name = written['checkpoints'][0]['present_classes'][0]
    first, second = (r['classes'][name]['score'] for r in written['checkpoints'])
    assert first != pytest.approx(second)  # other backbone weights, other features
    out = capsys.readouterr().out
    assert 'mean present' in out
    absent = written['checkpoints'][0]['absent_classes']
    assert f'm0: absent (< min cells in a domain): {absent}' in out


def test_bad_checkpoints_name_the_file(setup, tmp_path):
    missing = tmp_path / 'missing.pth'
    with pytest.raises(FileNotFoundError, match=str(missing)):
        run_tool(setup, [setup['checkpoints'][0], missing], tmp_path / 'out')
    garbage = tmp_path / 'garbage.pth'
    garbage.write_bytes(b'not a checkpoint')
    with pytest.raises(RuntimeError, match=f'{garbage} cannot be read'):
        run_tool(setup, [garbage], tmp_path / 'out')
    state_dict = dict(setup['state_dicts'][0])
    state_dict['backbone.stem.0.weight'] = torch.zeros(1, 3, 3, 3)
    wrong = tmp_path / 'wrong.pth'
    torch.save(dict(state_dict=state_dict), wrong)
    with pytest.raises(ValueError, match=rf'{wrong} \(backbone\.\*\)[\s\S]*stem\.0\.weight'):
        run_tool(setup, [wrong], tmp_path / 'out')
    assert not (tmp_path / 'out').exists()


def test_missing_dataset_names_the_domain_and_root(setup, tmp_path):
    absent = tmp_path / 'no_gta'
    options = [f'train_dataloader.dataset.source.data_root={absent}', setup['options'][1]]
    with pytest.raises(RuntimeError, match=f'source dataset GTADataset \\(data_root={absent}\\)'):
        run_tool(setup, setup['checkpoints'][:1], tmp_path / 'out', options)
