"""UDAIoUMetric against cityscapesscripts' own pixel-level evaluation, and format-only output."""
import math

import cityscapesscripts.evaluation.evalPixelLevelSemanticLabeling as cs_eval
import numpy as np
import pytest
import torch
from cityscapesscripts.helpers.labels import id2label, trainId2label
from mmseg.registry import METRICS
from PIL import Image

import mmseg_clan  # noqa: F401
from mmseg_clan.datasets import GTADataset
from mmseg_clan.evaluation import (
    UDAIoUMetric,
    class_iou,
    class_iou_from_metrics,
    class_iou_prefix,
)

CLASSES = GTADataset.METAINFO['classes']  # mmseg's CityscapesDataset classes
SUBSETS = dict(
    mIoU13=['road', 'sidewalk', 'building', 'traffic light', 'traffic sign', 'vegetation', 'sky',
            'person', 'rider', 'car', 'bus', 'motorcycle', 'bicycle'])
SUBSETS['mIoU16'] = SUBSETS['mIoU13'] + ['wall', 'fence', 'pole']


def to_train_ids(label_ids):
    lookup = np.full(256, 255, np.uint8)
    for label_id, label in id2label.items():
        if label_id >= 0 and 0 <= label.trainId < 255:
            lookup[label_id] = label.trainId
    return lookup[label_ids]


def to_label_ids(train_ids):
    lookup = np.zeros(256, np.uint8)
    for train_id in range(19):
        lookup[train_id] = trainId2label[train_id].id
    return lookup[train_ids]


def sample(pred, gt=None, img_path='x_leftImg8bit.png'):
    result = dict(pred_sem_seg=dict(data=torch.from_numpy(pred.astype(np.int64))[None]),
                  img_path=img_path)
    if gt is not None:
        result['gt_sem_seg'] = dict(data=torch.from_numpy(gt.astype(np.int64))[None])
    return result


def test_metric_agrees_with_cityscapesscripts(tmp_path):
    rng = np.random.default_rng(0)
    label_ids = [i for i in range(34) if id2label[i].trainId != 16]  # 'train' never occurs
    predictable = [c for c in range(19) if c != 16]
    metric = UDAIoUMetric(class_subsets=SUBSETS)
    metric.dataset_meta = dict(classes=CLASSES)
    pred_files, gt_files = [], []
    for i in range(3):
        gt = rng.choice(label_ids, size=(24, 48)).astype(np.uint8)
        truth = to_train_ids(gt)
        # mostly right, with errors, so IoUs spread over (0, 1)
        pred = np.where(rng.random(gt.shape) < 0.6, truth, rng.choice(predictable, gt.shape))
        pred[pred == 255] = rng.choice(predictable, int((pred == 255).sum()))
        gt_files.append(str(tmp_path / f'{i}_gtFine_labelIds.png'))
        pred_files.append(str(tmp_path / f'{i}_pred.png'))
        Image.fromarray(gt).save(gt_files[-1])
        Image.fromarray(to_label_ids(pred.astype(np.uint8))).save(pred_files[-1])
        metric.process({}, [sample(pred, truth)])
    cs_eval.args.quiet = True
    cs_eval.args.JSONOutput = False
    cs_eval.args.evalInstLevelScore = False
    official = cs_eval.evaluateImgLists(pred_files, gt_files, cs_eval.args)
    official_iou = np.array([official['classScores'][name] for name in CLASSES], dtype=float)
    assert np.isnan(official_iou[16])

    ours = class_iou(metric.results)
    np.testing.assert_allclose(ours, official_iou, rtol=1e-9, equal_nan=True)
    results = metric.compute_metrics(metric.results)
    assert results['mIoU'] == pytest.approx(100 * official['averageScoreClasses'], abs=0.006)
    for name, subset in SUBSETS.items():
        expected = np.mean([official['classScores'][c] for c in subset])
        assert results[name] == pytest.approx(100 * expected, abs=0.006)


def test_unknown_subset_class_is_named():
    metric = UDAIoUMetric(class_subsets=dict(mIoU1=['roads']))
    metric.dataset_meta = dict(classes=CLASSES)
    metric.process({}, [sample(np.zeros((4, 4)), np.zeros((4, 4)))])
    with pytest.raises(KeyError, match='roads'):
        metric.compute_metrics(metric.results)


def test_format_only_writes_label_id_pngs(tmp_path):
    metric = METRICS.build(dict(type='CityscapesMetric', output_dir=str(tmp_path / 'out'),
                                format_only=True, keep_results=True))
    pred = np.arange(19).repeat(2).reshape(2, 19)
    img_path = 'leftImg8bit/test/a/a_000000_000001_leftImg8bit.png'
    metric.process({}, [sample(pred, img_path=img_path)])
    assert metric.compute_metrics(metric.results) == {}
    written = np.asarray(Image.open(tmp_path / 'out' / 'a_000000_000001_leftImg8bit.png'))
    np.testing.assert_array_equal(written, to_label_ids(pred.astype(np.uint8)))


def test_present_and_all_class_means_are_both_reported():
    metric = UDAIoUMetric(class_subsets=dict(mIoU2=['road', 'sky']))
    metric.dataset_meta = dict(classes=CLASSES)
    road, sky = CLASSES.index('road'), CLASSES.index('sky')
    gt = np.full((4, 8), road)
    gt[:, 4:] = 255  # ignored
    pred = gt.copy()
    pred[0, 0] = sky  # sky predicted where the label says road: sky IoU 0, road IoU 15/16
    metric.process({}, [sample(pred, gt)])
    results = metric.compute_metrics(metric.results)
    assert results['num_classes_present'] == 2
    assert results['mIoU'] == pytest.approx(100 * (15 / 16 + 0) / 2, abs=0.006)
    assert results['mIoU_all'] == pytest.approx(100 * (15 / 16) / 19, abs=0.006)
    assert results['mIoU2'] == results['mIoU']
    assert results['mIoU2_all'] == results['mIoU']  # both classes of the subset are present


def printed_class_table(log: str) -> dict:
    """{class: IoU} read from the text of mmseg's 'per class results' table."""
    lines = log.split('per class results:')[1].splitlines()
    rows = [[c.strip() for c in line.strip('|').split('|')] for line in lines
            if line.startswith('|')]
    assert rows[0][:2] == ['Class', 'IoU']
    return {row[0]: float(row[1]) for row in rows[1:len(CLASSES) + 1]}


def test_per_class_iou_keys_are_the_printed_table(log_output):
    rng = np.random.default_rng(1)
    metric = UDAIoUMetric(class_subsets=SUBSETS)
    metric.dataset_meta = dict(classes=CLASSES)
    for _ in range(2):
        no_train = [c for c in range(19) if c != 16]  # 'train' absent: NaN
        gt = rng.choice(no_train, size=(24, 48))
        pred = np.where(rng.random(gt.shape) < 0.7, gt, rng.choice(no_train, gt.shape))
        metric.process({}, [sample(pred, gt)])
    results = metric.compute_metrics(metric.results)
    printed = printed_class_table(log_output())
    logged = class_iou_from_metrics(results)
    assert list(logged) == list(CLASSES)
    assert logged == pytest.approx(printed, nan_ok=True)
    assert math.isnan(logged['train']) and not math.isnan(logged['road'])
    assert logged != pytest.approx(dict(printed, road=printed['road'] + 0.01), nan_ok=True)
    assert class_iou_from_metrics(results, 'mIoU_all') == logged
    for name, subset in SUBSETS.items():
        assert class_iou_prefix(name) == name[1:]
        assert class_iou_from_metrics(results, name) == {c: logged[c] for c in subset}
    assert class_iou_from_metrics(results, 'mIoU7') == {}


@pytest.mark.parametrize('label_size, warns', [((48, 24), False), ((64, 32), True)])
def test_label_size_is_logged_and_checked(label_size, warns, log_output):
    metric = UDAIoUMetric(full_label_size=(48, 24))
    metric.dataset_meta = dict(classes=CLASSES)
    width, height = label_size
    for _ in range(3):
        metric.process({}, [sample(np.zeros((height, width)), np.zeros((height, width)))])
    metric.compute_metrics(metric.results)
    log = log_output()
    assert log.count(f'scored against labels of {width}x{height} (3 images)') == 1
    assert log.count(f'{width}x{height} (3 images) are not the full 48x24 ones') == warns
