import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import cv2
import mmengine
import numpy as np
import pytest
from cityscapesscripts.helpers.labels import id2label, labels, name2label
from cityscapesscripts.preparation.json2labelImg import json2labelImg
from PIL import Image

import mmseg_clan  # noqa: F401  (installs the mmcv.ops fallback before mmseg.models)
from mmseg_clan.toy import data_writer as toy_writer
from mmseg_clan.toy import random_class_shift
from mmseg_clan.toy.data_writer import META_FILE, SHIFT_FILE, generate_toy_benchmark
from mmseg_clan.toy.geometry import clip_polygon
from mmseg_clan.toy.labels import TRAIN_ID_NAMES
from mmseg_clan.toy.styles import TARGET_CLASS_SHIFT

REPO_ROOT = Path(__file__).parents[2]
SOURCE_SIZE, TARGET_SIZE = (96, 48), (80, 40)  # (width, height)
SMALL = dict(num_source=4, num_target_train=3, num_target_val=2, num_pretrain=2,
             source_size=SOURCE_SIZE,
             target_size=TARGET_SIZE, seed=0)
# Cityscapes label ids (cityscapesscripts), and their train ids with 255 for ignored labels.
VALID_IDS = {label.id for label in labels if label.id >= 0}
ID_TO_TRAIN_ID = np.full(256, 255, dtype=np.uint8)
for _label in labels:
    if 0 <= _label.id and 0 <= _label.trainId < 255:
        ID_TO_TRAIN_ID[_label.id] = _label.trainId
CITYSCAPES_NAME = re.compile(r'^(toytown|toyville)_\d{6}_\d{6}_(leftImg8bit|gtFine_labelIds)\.png$')


def file_digests(root: Path) -> dict:
    """sha256 of every file under ``root``, by relative path."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob('*')) if p.is_file()}


def target_label_path(image_path: Path) -> Path:
    """The gtFine labelIds path of a leftImg8bit image path."""
    relative = image_path.relative_to(image_path.parents[2])
    return (image_path.parents[3] / 'gtFine' / relative.parent /
            image_path.name.replace('_leftImg8bit.png', '_gtFine_labelIds.png'))


@pytest.fixture(scope='module')
def toy(tmp_path_factory):
    root = tmp_path_factory.mktemp('toy') / 'toy'
    return root, generate_toy_benchmark(str(root), **SMALL)


def test_source_is_in_gta5_layout(toy):
    root, meta = toy
    source = root / 'source'
    assert meta['paths']['source'] == str(source)
    names = [f'{i:05d}.png' for i in range(1, 5)]
    assert sorted(p.name for p in (source / 'images').iterdir()) == names
    assert sorted(p.name for p in (source / 'labels').iterdir()) == names
    for name in names:
        image = cv2.imread(str(source / 'images' / name), cv2.IMREAD_UNCHANGED)
        assert image.dtype == np.uint8 and image.shape == (48, 96, 3)
        assert Image.open(source / 'images' / name).mode == 'RGB'
        # GTA5 labels are palette PNGs: the indices are Cityscapes label ids, the palette their
        # Cityscapes colours.
        label = Image.open(source / 'labels' / name)
        assert label.mode == 'P'
        ids = np.asarray(label)
        assert ids.dtype == np.uint8 and ids.shape == (48, 96)
        colours = np.asarray(label.convert('RGB'))
        for label_id in np.unique(ids):
            assert (colours[ids == label_id] == id2label[int(label_id)].color).all()


def test_target_is_in_cityscapes_layout(toy):
    root, _ = toy
    for split, city, count in (('train', 'toytown', 3), ('val', 'toyville', 2)):
        image_dir = root / 'target' / 'leftImg8bit' / split / city
        gt_dir = root / 'target' / 'gtFine' / split / city
        images = sorted(image_dir.iterdir())
        assert len(images) == count
        stems = [p.name[:-len('_leftImg8bit.png')] for p in images]
        assert sorted(p.name for p in gt_dir.iterdir()) == sorted(
            [f'{s}_gtFine_labelIds.png' for s in stems] +
            [f'{s}_gtFine_polygons.json' for s in stems])
        for image_path in images:
            assert CITYSCAPES_NAME.match(image_path.name)
            assert CITYSCAPES_NAME.match(target_label_path(image_path).name)
            image = cv2.imread(str(image_path), cv2.IMREAD_UNCHANGED)
            assert image.dtype == np.uint8 and image.shape == (40, 80, 3)
            label = Image.open(target_label_path(image_path))
            assert label.mode == 'L' and label.size == TARGET_SIZE
            polygons = json.loads(target_label_path(image_path).with_name(
                image_path.name.replace('_leftImg8bit.png', '_gtFine_polygons.json')).read_text())
            assert (polygons['imgWidth'], polygons['imgHeight']) == TARGET_SIZE
            assert polygons['objects'] and all(
                o['label'] in name2label and len(o['polygon']) >= 3 for o in polygons['objects'])
            assert all(0 <= x < 80 and 0 <= y < 40
                       for o in polygons['objects'] for x, y in o['polygon'])


def test_labels_hold_only_cityscapes_label_ids(toy):
    root, _ = toy
    label_files = list((root / 'source' / 'labels').glob('*.png')) + list(
        (root / 'target' / 'gtFine').rglob('*_gtFine_labelIds.png'))
    seen = set()
    for path in label_files:
        seen |= set(np.unique(np.asarray(Image.open(path))).tolist())
    assert seen <= VALID_IDS
    # Label ids, not train ids: road is 7 and sky 23 (train ids 0 and 10).
    assert {7, 23} <= seen
    assert len({int(ID_TO_TRAIN_ID[i]) for i in seen} - {255}) >= 10


def test_json2labelimg_reproduces_label_ids(toy, tmp_path):
    root, _ = toy
    polygon_files = sorted((root / 'target' / 'gtFine').rglob('*_gtFine_polygons.json'))
    assert len(polygon_files) == 5
    for polygon_file in polygon_files:
        label_ids = np.asarray(Image.open(str(polygon_file).replace(
            '_gtFine_polygons.json', '_gtFine_labelIds.png')))
        json2labelImg(str(polygon_file), str(tmp_path / 'ids.png'), 'ids')
        json2labelImg(str(polygon_file), str(tmp_path / 'train_ids.png'), 'trainIds')
        np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / 'ids.png')), label_ids)
        np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / 'train_ids.png')),
                                      ID_TO_TRAIN_ID[label_ids])


def test_project_converters_run_on_it(tmp_path):
    from mmseg_clan.datasets.conversion.cityscapes import convert_cityscapes
    from mmseg_clan.datasets.conversion.gta import convert_gta

    generate_toy_benchmark(str(tmp_path), **SMALL)
    gta = convert_gta(str(tmp_path / 'source'))
    assert len(gta.converted) == 4 and not (gta.bad or gta.excluded or gta.resized)
    cityscapes = convert_cityscapes(str(tmp_path / 'target'))
    assert len(cityscapes.converted) == 5 and not cityscapes.bad
    label = tmp_path / 'source' / 'labels' / '00001.png'
    train_ids = cv2.imread(str(label).replace('.png', '_labelTrainIds.png'), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(train_ids, ID_TO_TRAIN_ID[np.asarray(Image.open(label))])


def test_same_seed_gives_identical_files(tmp_path):
    generate_toy_benchmark(str(tmp_path / 'a'), **SMALL)
    generate_toy_benchmark(str(tmp_path / 'b'), nproc=2, **SMALL)
    generate_toy_benchmark(str(tmp_path / 'c'), **{**SMALL, 'seed': 1})
    digests_a = file_digests(tmp_path / 'a')
    assert len(digests_a) == (4 + 2) * 2 + 5 * 3 + 2  # + meta and class-shift json
    assert file_digests(tmp_path / 'b') == digests_a
    digests_c = file_digests(tmp_path / 'c')
    assert digests_c.keys() == digests_a.keys()
    images = [k for k in digests_a if k.endswith(('leftImg8bit.png', '.png')) and 'images' in k]
    assert images and all(digests_a[k] != digests_c[k] for k in images)


def test_existing_benchmark_is_reused(toy, monkeypatch):
    root, meta = toy
    before = file_digests(root)

    def must_not_run(task):
        raise AssertionError(f'regenerated {task}')

    monkeypatch.setattr(toy_writer, 'generate_sample', must_not_run)
    again = generate_toy_benchmark(str(root), **SMALL)
    assert again['reused'] and not meta['reused']
    assert again['stats'] == meta['stats']
    assert file_digests(root) == before


def test_changed_parameters_or_unfinished_run_regenerate(tmp_path):
    generate_toy_benchmark(str(tmp_path), **SMALL)
    changed = generate_toy_benchmark(str(tmp_path), **{**SMALL, 'num_source': 2})
    assert not changed['reused']
    assert sorted(p.name for p in (tmp_path / 'source' / 'images').iterdir()) == [
        '00001.png', '00002.png']
    meta_path = tmp_path / META_FILE
    meta = mmengine.load(str(meta_path))
    mmengine.dump({**meta, 'complete': False}, str(meta_path))
    (tmp_path / 'source' / 'images' / '00002.png').unlink()
    assert not generate_toy_benchmark(str(tmp_path), **{**SMALL, 'num_source': 2})['reused']
    assert (tmp_path / 'source' / 'images' / '00002.png').is_file()


def test_refuses_to_overwrite_data_it_did_not_write(tmp_path):
    (tmp_path / 'source' / 'images').mkdir(parents=True)
    (tmp_path / 'source' / 'images' / 'mine.png').write_bytes(b'')
    with pytest.raises(FileExistsError, match=re.escape(str(tmp_path / 'source'))):
        generate_toy_benchmark(str(tmp_path), **SMALL)
    assert (tmp_path / 'source' / 'images' / 'mine.png').is_file()


@pytest.mark.parametrize('key,value,message', [
    ('num_source', -1, 'num_source'), ('target_size', (8, 40), 'target_size'),
    ('source_size', (96,), 'source_size')])
def test_bad_arguments_are_named(tmp_path, key, value, message):
    with pytest.raises(ValueError, match=message):
        generate_toy_benchmark(str(tmp_path), **{**SMALL, key: value})


def test_clip_polygon_keeps_the_part_inside_the_image():
    assert clip_polygon([(-10, -10), (50, -10), (50, 5), (-10, 5)], 20, 10) == [
        (0, 0), (19, 0), (19, 5), (0, 5)]
    assert clip_polygon([(30, 30), (40, 30), (40, 40)], 20, 10) is None
    assert clip_polygon([(2, 2), (2, 2), (3, 2)], 20, 10) is None


def _pixels(root: Path, domain: str):
    """(N, 3) RGB pixels and (N,) train ids of one domain's training images."""
    if domain == 'source':
        images = sorted((root / 'source' / 'images').glob('*.png'))
        label_paths = [p.parent.parent / 'labels' / p.name for p in images]
    else:
        images = sorted((root / 'target' / 'leftImg8bit' / 'train').rglob('*.png'))
        label_paths = [target_label_path(p) for p in images]
    rgb = np.concatenate([np.asarray(Image.open(p)).reshape(-1, 3) for p in images])
    train_ids = np.concatenate([ID_TO_TRAIN_ID[np.asarray(Image.open(p))].ravel()
                                for p in label_paths])
    keep = train_ids != 255
    return rgb[keep].astype(np.float64), train_ids[keep]


def test_domains_differ_as_designed(tmp_path):
    """Shifted classes move in colour, aligned ones barely; persons grow; frequencies differ."""
    meta = generate_toy_benchmark(str(tmp_path), num_source=24, num_target_train=24,
                                  num_target_val=0, source_size=(128, 64),
                                  target_size=(128, 64), seed=3)
    source_rgb, source_ids = _pixels(tmp_path, 'source')
    target_rgb, target_ids = _pixels(tmp_path, 'target')
    index = {name: i for i, name in enumerate(TRAIN_ID_NAMES)}
    fractions = {}
    for domain, ids in (('source', source_ids), ('target', target_ids)):
        fractions[domain] = np.bincount(ids, minlength=19) / ids.size
        np.testing.assert_allclose(
            [meta['stats'][domain]['class_fraction'][n] for n in TRAIN_ID_NAMES],
            fractions[domain], atol=2e-6)
    assert fractions['source'][index['car']] > 1.5 * fractions['target'][index['car']]
    assert fractions['target'][index['person']] > 2 * fractions['source'][index['person']]

    def colour_shift(name: str) -> float:
        c = index[name]
        return float(np.linalg.norm(source_rgb[source_ids == c].mean(0) -
                                    target_rgb[target_ids == c].mean(0)))

    for shifted in ('vegetation', 'traffic sign', 'sidewalk'):
        assert TARGET_CLASS_SHIFT[shifted][0] == 'colour'
        for aligned in ('pole', 'fence', 'rider'):
            assert TARGET_CLASS_SHIFT[aligned] == ('none', 0.0)
            assert colour_shift(shifted) > 3 * colour_shift(aligned), (shifted, aligned)


def test_class_shift_is_written_and_validated(toy, tmp_path):
    root, meta = toy
    written = json.loads((root / SHIFT_FILE).read_text())
    assert {n: (v['kind'], v['severity']) for n, v in written.items()} == TARGET_CLASS_SHIFT
    assert meta['params']['class_shift']['vegetation'] == ['colour', 1.0]
    other = random_class_shift(5)
    assert other != TARGET_CLASS_SHIFT and other == random_class_shift(5)
    changed = generate_toy_benchmark(str(tmp_path / 'other'), **{**SMALL, 'class_shift': other})
    assert changed['checksum'] != meta['checksum']
    with pytest.raises(ValueError, match="'road'"):
        generate_toy_benchmark(str(tmp_path / 'bad'),
                               **{**SMALL, 'class_shift': {**other, 'road': ('size', 0.5)}})


def test_changed_file_fails_the_checksum(tmp_path):
    generate_toy_benchmark(str(tmp_path), **SMALL)
    (tmp_path / 'pretrain' / 'images' / '00001.png').write_bytes(b'changed')
    with pytest.raises(ValueError, match='checksum'):
        generate_toy_benchmark(str(tmp_path), **SMALL)


def test_command_line_tool(tmp_path):
    command = [sys.executable, str(REPO_ROOT / 'tools' / 'generate_toy_data.py'), str(tmp_path),
               '--num-source', '2', '--num-target-train', '2', '--num-target-val', '1',
               '--source-size', '64', '32', '--target-size', '64', '32']
    first = subprocess.run(command, capture_output=True, text=True, check=True)
    assert 'road' in first.stdout and 'reused' not in first.stdout
    assert len(list((tmp_path / 'source' / 'images').iterdir())) == 2
    image = cv2.imread(str(tmp_path / 'source' / 'images' / '00001.png'))
    assert image.shape == (32, 64, 3)
    second = subprocess.run(command, capture_output=True, text=True, check=True)
    assert 'reused' in second.stdout
