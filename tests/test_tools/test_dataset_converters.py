"""Converters on tiny datasets in the real GTA5, SYNTHIA and Cityscapes formats."""
import importlib.util
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from cityscapesscripts.helpers.labels import id2label
from PIL import Image

import mmseg_clan  # noqa: F401
from mmseg_clan.datasets.conversion import convert_cityscapes, convert_gta, convert_synthia
from tests.test_datasets.fake_datasets import (
    make_fake_cityscapes,
    make_fake_gta,
    make_fake_synthia,
)

TOOLS = Path(__file__).parents[2] / 'tools' / 'dataset_converters'
CITYSCAPES_CLASSES = ('road', 'sidewalk', 'building', 'wall', 'fence', 'pole', 'traffic light',
                      'traffic sign', 'vegetation', 'terrain', 'sky', 'person', 'rider', 'car',
                      'truck', 'bus', 'train', 'motorcycle', 'bicycle')
# SYNTHIA RAND-CITYSCAPES class names by id, and the Cityscapes class each one is trained as.
SYNTHIA_CLASSES = ('void', 'sky', 'building', 'road', 'sidewalk', 'fence', 'vegetation', 'pole',
                   'car', 'traffic sign', 'pedestrian', 'bicycle', 'motorcycle', 'parking-slot',
                   'road-work', 'traffic light', 'terrain', 'rider', 'truck', 'bus', 'train',
                   'wall', 'lanemarking')
SYNTHIA_AS_CITYSCAPES = {'pedestrian': 'person'}


def load_cli(name):
    spec = importlib.util.spec_from_file_location(f'converter_{name}', TOOLS / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cityscapes_train_ids(label_ids):
    """Expected train ids from cityscapesscripts' own label table."""
    lookup = np.full(256, 255, np.uint8)
    for label_id, label in id2label.items():
        if label_id >= 0 and 0 <= label.trainId < 255:
            lookup[label_id] = label.trainId
    return lookup[label_ids]


def synthia_train_ids(class_ids):
    lookup = np.full(256, 255, np.uint8)
    for synthia_id, name in enumerate(SYNTHIA_CLASSES):
        name = SYNTHIA_AS_CITYSCAPES.get(name, name)
        if name in CITYSCAPES_CLASSES:
            lookup[synthia_id] = CITYSCAPES_CLASSES.index(name)
    return lookup[class_ids]


def read(path):
    return cv2.imread(str(path), cv2.IMREAD_UNCHANGED)


def test_gta_cli_converts_resizes_mismatch_and_writes_stats(tmp_path, capsys):
    root = make_fake_gta(tmp_path / 'gta', n=3, mismatched=[1])
    assert load_cli('gta').main([str(root), '--nproc', '2']) == 0
    assert 'converted: 3' in capsys.readouterr().out
    stats = json.loads((root / 'sample_class_stats.json').read_text())
    assert (root / 'train.txt').read_text().split() == ['00001', '00002', '00003']
    for name in ('00001', '00002', '00003'):
        raw = np.asarray(Image.open(root / 'labels' / f'{name}.png'))
        expected = cityscapes_train_ids(raw)
        image = read(root / 'images' / f'{name}.png')
        if expected.shape != image.shape[:2]:
            expected = cv2.resize(expected, image.shape[1::-1], interpolation=cv2.INTER_NEAREST)
        out = read(root / 'labels' / f'{name}_labelTrainIds.png')
        assert out.dtype == np.uint8 and out.ndim == 2
        np.testing.assert_array_equal(out, expected)
        counts = np.bincount(out.ravel(), minlength=256)
        assert stats[name] == {str(c): int(counts[c]) for c in range(19) if counts[c]}


def test_gta_rerun_skips_finished_files(tmp_path):
    root = make_fake_gta(tmp_path / 'gta', n=3, convert=True)
    stats_before = (root / 'sample_class_stats.json').read_text()
    out = root / 'labels' / '00002_labelTrainIds.png'
    out_before = out.read_bytes()
    out.unlink()
    summary = convert_gta(str(root))
    assert sorted(summary.skipped) == ['00001', '00003'] and summary.converted == ['00002']
    assert out.read_bytes() == out_before
    assert (root / 'sample_class_stats.json').read_text() == stats_before


def test_gta_size_mismatch_exclude_and_error_policies(tmp_path):
    root = make_fake_gta(tmp_path / 'gta', n=3, mismatched=[1])
    summary = convert_gta(str(root), size_mismatch='exclude')
    assert list(summary.excluded) == ['00002']
    assert str(root / 'labels' / '00002.png') in summary.excluded['00002']
    assert not (root / 'labels' / '00002_labelTrainIds.png').exists()
    assert (root / 'train.txt').read_text().split() == ['00001', '00003']
    assert '00002' not in json.loads((root / 'sample_class_stats.json').read_text())
    summary = convert_gta(str(root), size_mismatch='error')
    assert list(summary.bad) == ['00002'] and 'differs from image' in summary.bad['00002']
    assert load_cli('gta').main([str(root), '--size-mismatch', 'error']) == 1


def test_gta_bad_files_are_reported_by_name(tmp_path):
    root = make_fake_gta(tmp_path / 'gta', n=4)
    truncated = root / 'images' / '00001.png'
    truncated.write_bytes(truncated.read_bytes()[:100])
    out_of_map = np.asarray(Image.open(root / 'labels' / '00002.png')).copy()
    out_of_map[0, 0] = 40
    Image.fromarray(out_of_map, 'L').save(root / 'labels' / '00002.png')
    (root / 'labels' / '00003.png').unlink()
    summary = convert_gta(str(root))
    assert summary.converted == ['00004']
    assert str(truncated) in summary.bad['00001'] and 'unreadable' in summary.bad['00001']
    assert 'labels/00002.png' in summary.bad['00002'] and '[40]' in summary.bad['00002']
    assert 'label file missing' in summary.bad['00003']
    assert (root / 'train.txt').read_text().split() == ['00004']


def test_missing_folder_and_empty_split_raise(tmp_path):
    with pytest.raises(FileNotFoundError, match='images'):
        convert_gta(str(tmp_path / 'nowhere'))
    (tmp_path / 'gta' / 'images').mkdir(parents=True)
    (tmp_path / 'gta' / 'labels').mkdir()
    with pytest.raises(ValueError, match='no \\*.png images in .*gta/images'):
        convert_gta(str(tmp_path / 'gta'))
    with pytest.raises(FileNotFoundError, match='gtFine'):
        convert_cityscapes(str(tmp_path / 'nowhere'))


def test_synthia_reads_class_channel_not_instances(tmp_path):
    root = make_fake_synthia(tmp_path / 'synthia', n=2)
    assert load_cli('synthia').main([str(root)]) == 0
    for name in ('0000000', '0000001'):
        raw = read(root / 'GT' / 'LABELS' / f'{name}.png')
        assert raw.dtype == np.uint16 and raw.shape[2] == 3
        # OpenCV gives B, G, R: class ids in R, instance ids (>= 1000, outside every map) in G.
        assert raw[:, :, 1].min() >= 1000 and not raw[:, :, 0].any()
        expected = synthia_train_ids(raw[:, :, 2])
        np.testing.assert_array_equal(
            read(root / 'GT' / 'LABELS' / f'{name}_labelTrainIds.png'), expected)
    assert sorted(json.loads((root / 'sample_class_stats.json').read_text())) == [
        '0000000', '0000001']


def test_synthia_rejects_8bit_label(tmp_path):
    root = make_fake_synthia(tmp_path / 'synthia', n=2)
    cv2.imwrite(str(root / 'GT' / 'LABELS' / '0000001.png'), np.zeros((32, 64, 3), np.uint8))
    summary = convert_synthia(str(root))
    assert list(summary.bad) == ['0000001'] and '16-bit' in summary.bad['0000001']


def test_cityscapes_cli_matches_label_ids_and_reports_bad_json(tmp_path, capsys):
    root = make_fake_cityscapes(tmp_path / 'cityscapes', splits=('train', 'val'), n=2)
    bad = root / 'gtFine' / 'val' / 'fakevalcity' / 'fakevalcity_000000_000001_gtFine_polygons.json'
    bad.write_text('{not json')
    assert load_cli('cityscapes').main([str(root), '--nproc', '2']) == 1
    assert str(bad) in capsys.readouterr().out
    label_id_files = sorted(root.glob('gtFine/*/*/*_gtFine_labelIds.png'))
    for label_id_file in label_id_files:
        out = Path(str(label_id_file).replace('_labelIds.png', '_labelTrainIds.png'))
        if 'val/fakevalcity/fakevalcity_000000_000001' in str(out):
            assert not out.exists()
            continue
        np.testing.assert_array_equal(read(out), cityscapes_train_ids(read(label_id_file)))
    bad.unlink()
    summary = convert_cityscapes(str(root))
    assert len(summary.skipped) == 3 and not summary.bad and not summary.converted


def test_clean_datasets_have_no_stray_files_and_reruns_trust_valid_outputs(tmp_path):
    gta = make_fake_gta(tmp_path / 'gta', n=2, convert=True)
    cityscapes = make_fake_cityscapes(tmp_path / 'cityscapes', n=1, convert=True)
    for summary in (convert_gta(str(gta)), convert_cityscapes(str(cityscapes))):
        assert len(summary.skipped) == 2 and not summary.converted
        assert not (summary.redone or summary.stray or summary.no_image or summary.warnings)
    assert 'stray files: 0' in summary.format()
