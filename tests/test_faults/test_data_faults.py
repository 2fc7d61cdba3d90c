"""Fault injection on the data path: bad labels, bad val ids, broken converter inputs and outputs.

Each case writes one defect in the exact on-disk format of the real dataset and asserts the exact
outcome: an error naming the file, or a counted skip, exclusion or re-conversion.
"""
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS
from PIL import Image

import mmseg_clan  # noqa: F401
from mmseg_clan.datasets import GTADataset
from mmseg_clan.datasets.conversion import convert_cityscapes, convert_gta, convert_synthia
from mmseg_clan.evaluation import UDAIoUMetric
from tests.test_datasets.fake_datasets import (
    make_fake_cityscapes,
    make_fake_gta,
    make_fake_synthia,
)

init_default_scope('mmseg')
REPO = Path(__file__).parents[2]
DATA_CONFIG = REPO / 'configs' / '_base_' / 'datasets' / 'gta2cityscapes.py'
VAL_NAME = 'fakevalcity_000000_000000'


def load_cli(name):
    path = REPO / 'tools' / 'dataset_converters' / f'{name}.py'
    spec = importlib.util.spec_from_file_location(f'fault_converter_{name}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def source_dataset(root):
    """The GTA5 source dataset with the shipped training pipeline."""
    cfg = Config.fromfile(str(DATA_CONFIG)).train_dataloader.dataset.source
    cfg.data_root = str(root)
    return DATASETS.build(cfg)


def val_dataset(root):
    """Cityscapes val with the shipped test pipeline (also used by tools/test.py)."""
    cfg = Config.fromfile(str(DATA_CONFIG)).val_dataloader.dataset
    cfg.data_root = str(root)
    return DATASETS.build(cfg)


def val_label(root):
    return root / 'gtFine' / 'val' / 'fakevalcity' / f'{VAL_NAME}_gtFine_labelTrainIds.png'


# ---- labels read for training and validation (CheckedLoadAnnotations) ----

def test_16bit_label_is_refused_not_read_modulo_256(gta):
    label = gta / 'labels' / '00001_labelTrainIds.png'
    Image.fromarray(np.full((32, 64), 258, np.uint16)).save(label)  # 258 % 256 would be 2
    assert Image.open(label).mode == 'I;16'
    with pytest.raises(ValueError, match=f'{label}: expected an 8-bit single-channel.*uint16'):
        source_dataset(gta)[0]


def test_rgb_label_is_refused(gta):
    label = gta / 'labels' / '00001_labelTrainIds.png'
    cv2.imwrite(str(label), np.zeros((32, 64, 3), np.uint8))
    with pytest.raises(ValueError, match=f'{label}: .*3 channel'):
        source_dataset(gta)[0]


def test_source_label_id_outside_the_classes_is_refused(gta):
    label = gta / 'labels' / '00001_labelTrainIds.png'
    ids = cv2.imread(str(label), cv2.IMREAD_UNCHANGED)
    ids[:2, :3] = 50
    cv2.imwrite(str(label), ids)
    with pytest.raises(ValueError, match=rf'{label}: ids \[50\] \(6 pixels\) are neither'):
        source_dataset(gta)[0]
    ids[:2, :3] = 255  # the ignore index is fine
    cv2.imwrite(str(label), ids)
    assert source_dataset(gta)[0]['data_samples'].gt_sem_seg.data.max() == 255


def test_val_label_of_wrong_size_is_refused(cityscapes):
    label = val_label(cityscapes)
    cv2.imwrite(str(label), np.zeros((31, 64), np.uint8))
    with pytest.raises(ValueError, match=f'{label}: size 64x31 differs from its image .*'
                                         f'{VAL_NAME}_leftImg8bit.png size 64x32'):
        val_dataset(cityscapes)[0]


def test_truncated_val_label_is_named(cityscapes):
    label = val_label(cityscapes)
    label.write_bytes(label.read_bytes()[:60])
    with pytest.raises(OSError, match=f'cannot read label {label}'):
        val_dataset(cityscapes)[0]


def test_tta_pipeline_checks_labels_too(cityscapes):
    cfg = Config.fromfile(str(DATA_CONFIG))
    dataset = DATASETS.build(dict(cfg.val_dataloader.dataset, data_root=str(cityscapes),
                                  pipeline=cfg.tta_pipeline))
    assert len(dataset[0]['data_samples']) == 6  # 3 scales x 2 flips, labels loaded
    label = val_label(cityscapes)
    cv2.imwrite(str(label), np.full((32, 64), 40, np.uint8))
    with pytest.raises(ValueError, match=rf'{label}: ids \[40\]'):
        dataset[0]


# ---- the val metric ----

def metric_sample(pred, gt, name):
    return dict(pred_sem_seg=dict(data=torch.from_numpy(pred)[None]),
                gt_sem_seg=dict(data=torch.from_numpy(gt)[None]),
                img_path=f'{name}_leftImg8bit.png', seg_map_path=f'{name}_labelTrainIds.png')


def test_metric_refuses_unknown_val_ids_naming_the_image():
    metric = UDAIoUMetric()
    metric.dataset_meta = dict(classes=GTADataset.METAINFO['classes'])
    gt = np.zeros((4, 8), np.int64)
    metric.process({}, [metric_sample(gt.copy(), gt.copy(), 'a')])
    gt[0, :3] = 40
    with pytest.raises(ValueError, match=r'b_labelTrainIds.png: 3 label pixels hold ids \[40\]'):
        metric.process({}, [metric_sample(np.zeros_like(gt), gt, 'b')])
    assert len(metric.results) == 1  # nothing of b was counted


def test_metric_refuses_a_label_of_another_size():
    metric = UDAIoUMetric()
    metric.dataset_meta = dict(classes=GTADataset.METAINFO['classes'])
    with pytest.raises(ValueError, match=r'c_labelTrainIds.png: label size \(4, 7\) differs'):
        metric.process({}, [metric_sample(np.zeros((4, 8), np.int64),
                                          np.zeros((4, 7), np.int64), 'c')])


# ---- converters: index files ----

def test_corrupt_stats_file_is_named_and_rebuilt(gta, capsys):
    stats_file = gta / 'sample_class_stats.json'
    good = json.loads(stats_file.read_text())
    stats_file.write_text(stats_file.read_text()[:25])  # a write killed half-way
    assert load_cli('gta').main([str(gta)]) == 0
    out = capsys.readouterr().out
    assert f'warning: {stats_file} is corrupt (JSONDecodeError' in out and 'rebuilt' in out
    assert json.loads(stats_file.read_text()) == good


def test_corrupt_sample_list_is_named_and_rebuilt(gta, capsys):
    sample_list = gta / 'train.txt'
    sample_list.write_text('00001\n000')
    assert load_cli('gta').main([str(gta)]) == 0
    assert f'warning: {sample_list} is corrupt' in capsys.readouterr().out
    assert sample_list.read_text() == '00001\n00002\n'


def test_stats_write_killed_at_random_moments_leaves_a_whole_file(tmp_path):
    target = tmp_path / 'sample_class_stats.json'
    # Two versions encoded once, so that the writer spends its time writing (a plain open/write
    # loop killed this way leaves a truncated file every time).
    script = (
        'import json, sys\n'
        'from mmseg_clan.datasets.conversion.common import write_bytes_atomically\n'
        'versions = [json.dumps({f"{k:07d}": {"0": v} for k in range(100000)}).encode()\n'
        '            for v in (1, 2)]\n'
        'for i in range(10**6):\n'
        '    write_bytes_atomically(sys.argv[1], versions[i % 2])\n')
    rng = np.random.default_rng(0)
    proc = subprocess.Popen([sys.executable, '-c', script, str(target)], cwd=REPO,
                            env={**os.environ, 'OMP_NUM_THREADS': '1'})
    try:
        while not target.exists():
            assert proc.poll() is None, 'the writer died'
            time.sleep(0.05)
        for _ in range(10):  # read at random moments of the writes: always a whole version
            time.sleep(rng.uniform(0.0, 0.1))
            assert len(json.loads(target.read_text())) == 100000
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    stats = json.loads(target.read_text())  # the kill left a whole file too
    assert len(stats) == 100000 and len({v['0'] for v in stats.values()}) == 1


# ---- converters: outputs checked before they count as done ----

def test_truncated_converted_label_is_converted_again(gta):
    out = gta / 'labels' / '00001_labelTrainIds.png'
    good = out.read_bytes()
    out.write_bytes(good[:70])
    summary = convert_gta(str(gta))
    assert summary.skipped == ['00002'] and summary.converted == ['00001']
    assert str(out) in summary.redone['00001'] and 'does not decode' in summary.redone['00001']
    assert out.read_bytes() == good


def test_converted_label_of_wrong_size_is_converted_again(gta):
    out = gta / 'labels' / '00002_labelTrainIds.png'
    good = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
    cv2.imwrite(str(out), good[:, :40])
    summary = convert_gta(str(gta))
    assert summary.converted == ['00002'] and 'is 40x32, its image 64x32' in summary.redone['00002']
    np.testing.assert_array_equal(cv2.imread(str(out), cv2.IMREAD_UNCHANGED), good)


def test_truncated_cityscapes_output_is_converted_again(cityscapes):
    out = val_label(cityscapes)
    good = out.read_bytes()
    out.write_bytes(good[:70])
    summary = convert_cityscapes(str(cityscapes))
    assert len(summary.converted) == 1 and len(summary.redone) == 1 and not summary.skipped
    assert np.array_equal(np.asarray(Image.open(out)), cv2.imdecode(
        np.frombuffer(good, np.uint8), cv2.IMREAD_UNCHANGED))


# ---- converters: Cityscapes inputs ----

def polygons(root):
    return root / 'gtFine' / 'val' / 'fakevalcity' / f'{VAL_NAME}_gtFine_polygons.json'


def test_cityscapes_json_size_differing_from_the_image_is_bad(tmp_path):
    root = make_fake_cityscapes(tmp_path / 'cs', splits=('val', ), n=1)
    content = json.loads(polygons(root).read_text())
    content['imgWidth'] = 128
    polygons(root).write_text(json.dumps(content))
    summary = convert_cityscapes(str(root))
    message = summary.bad[str(polygons(root))]
    assert message.startswith(str(polygons(root))) and 'imgWidth x imgHeight 128x32' in message
    assert f'{VAL_NAME}_leftImg8bit.png size 64x32' in message
    assert not val_label(root).exists()


def test_cityscapes_unknown_label_name_is_named_without_usage_text(tmp_path, capsys):
    root = make_fake_cityscapes(tmp_path / 'cs', splits=('val', ), n=1)
    content = json.loads(polygons(root).read_text())
    content['objects'][2]['label'] = 'raod'
    polygons(root).write_text(json.dumps(content))
    assert load_cli('cityscapes').main([str(root)]) == 1
    out = capsys.readouterr().out
    assert f"{polygons(root)}: object 2 has the unknown label name 'raod'" in out
    assert 'USAGE' not in out and 'SystemExit' not in out


def test_cityscapes_root_without_polygons_is_a_clear_error(tmp_path, capsys):
    root = make_fake_cityscapes(tmp_path / 'cs', splits=('val', ), n=1, convert=True)
    polygons(root).unlink()
    assert load_cli('cityscapes').main([str(root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f'error: no *_gtFine_polygons.json files under {root / "gtFine"}; '
                          'it holds 1 *_gtFine_labelTrainIds.png files')
    assert 'Traceback' not in err


def test_cityscapes_labels_without_images_and_stray_files_are_counted(tmp_path, capsys):
    root = make_fake_cityscapes(tmp_path / 'cs', splits=('val', ), n=2)
    orphan = (root / 'leftImg8bit' / 'val' / 'fakevalcity' /
              'fakevalcity_000000_000001_leftImg8bit.png')
    orphan.unlink()
    stray = root / 'gtFine' / 'val' / 'notes.txt'
    stray.write_text('x')
    assert load_cli('cityscapes').main([str(root)]) == 0
    out = capsys.readouterr().out
    assert 'converted: 1,' in out and 'labels without image: 1, stray files: 1' in out
    assert f'no image {orphan}' in out and f'{stray}: not a Cityscapes gtFine file' in out


# ---- converters: GTA5 and SYNTHIA inputs ----

def test_gta_labels_without_images_and_stray_files_are_counted(gta):
    (gta / 'images' / '00002.png').unlink()
    (gta / 'labels' / 'Thumbs.db').write_bytes(b'\0')
    leftover = gta / 'labels' / '00001_labelTrainIds.tmp4242.png'
    leftover.write_bytes(b'\x89PNG')
    summary = convert_gta(str(gta))
    assert summary.skipped == ['00001'] and not summary.bad
    assert sorted(Path(p).name for p in summary.no_image) == [
        '00002.png', '00002_labelTrainIds.png']
    assert sorted(Path(p).name for p in summary.stray) == [
        '00001_labelTrainIds.tmp4242.png', 'Thumbs.db']
    assert 'interrupted run' in summary.stray[str(leftover)]
    assert (gta / 'train.txt').read_text() == '00001\n'


def test_gta_16bit_source_label_is_bad(tmp_path):
    root = make_fake_gta(tmp_path / 'gta', n=2)
    Image.fromarray(np.full((32, 64), 7 + 256, np.uint16)).save(root / 'labels' / '00001.png')
    summary = convert_gta(str(root))
    assert 'labels/00001.png: expected a palette or grey label PNG, got mode I;16' in \
        summary.bad['00001']


def test_synthia_ids_in_the_wrong_channel_are_bad(tmp_path, capsys):
    root = make_fake_synthia(tmp_path / 'synthia', n=2)
    label = root / 'GT' / 'LABELS' / '0000001.png'
    bgr = cv2.imread(str(label), cv2.IMREAD_UNCHANGED)
    cv2.imwrite(str(label), bgr[:, :, ::-1].copy())  # class ids written to B instead of R
    assert load_cli('synthia').main([str(root)]) == 1
    out = capsys.readouterr().out
    assert f'{label}: class ids are all 0 (void) in the first (R) channel' in out
    assert 'third (B) channel holds plausible class ids' in out
    assert not (root / 'GT' / 'LABELS' / '0000001_labelTrainIds.png').exists()
    assert (root / 'train.txt').read_text() == '0000000\n'
    summary = convert_synthia(str(root))
    assert list(summary.bad) == ['0000001'] and summary.skipped == ['0000000']


def test_progress_is_summary_lines_when_stdout_is_not_a_terminal(tmp_path, capsys):
    root = make_fake_gta(tmp_path / 'gta', n=3)
    assert load_cli('gta').main([str(root), '--nproc', '2']) == 0
    out = capsys.readouterr().out
    assert '\r' not in out
    assert out.splitlines()[:4] == ['processed 1/3', 'processed 2/3', 'processed 3/3',
                                    out.splitlines()[3]]
    assert out.splitlines()[3].startswith('converted: 3,')
