"""tools/benchmark_data.py at tiny sizes: the config's pipeline beside the official PIL loader."""
import json
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image

from tests.tool_modules import load_tool

REPO = Path(__file__).parents[2]
CONFIG = REPO / 'configs' / 'clan_gta2city.py'
benchmark_data = load_tool('benchmark_data.py')


def test_reports_pairs_per_s_and_workers_for_ours_and_the_official_loader(capsys):
    benchmark_data.main([str(CONFIG), '--num-samples', '2', '--num-pairs', '2',
                         '--source-size', '53', '96', '--target-size', '51', '102',
                         '--variants', 'cv2_pillow', 'cv2_cv2'])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1
    report = json.loads(lines[0])
    assert report['tool'] == 'benchmark_data' and report['source_png_size'] == [53, 96]
    assert set(report['ours']) == {'cv2_pillow', 'cv2_cv2'}
    for result in [*report['ours'].values(), report['official']]:
        assert result['pairs_per_s'] == pytest.approx(1 / result['s_per_pair'])
        assert result['cpu_pairs_per_s'] == pytest.approx(1 / result['cpu_s_per_pair'])
        assert result['workers_needed'] == {
            step: int(np.ceil(1 / (float(step) * result['cpu_pairs_per_s'])))
            for step in ('0.061', '0.03')}
    assert set(report['ours_breakdown_ms']['cv2_pillow']['source']) == {
        'CheckedLoadImageFromFile', 'CheckedLoadAnnotations', 'Resize', 'ImageScaleJitter',
        'RandomFlip', 'PackSegInputs'}
    assert report['fastest_variant'] in report['ours']
    assert min(report['files'].values()) > 0


def test_official_loader_restatement_maps_ids_and_subtracts_the_mean(tmp_path):
    Image.fromarray(np.full((6, 8, 3), (10, 20, 30), np.uint8)).save(tmp_path / 'img.png')
    ids = np.zeros((6, 8), np.uint8)
    ids[:, 4:] = 26  # car; id 0 is unlabelled -> 255
    label = Image.fromarray(ids, mode='L').convert('P')
    label.putpalette([0] * 768)
    label.save(tmp_path / 'label.png')
    rng = np.random.default_rng(0)
    image, train_ids = benchmark_data.official_sample(
        str(tmp_path / 'img.png'), str(tmp_path / 'label.png'), (8, 6), rng)
    assert image.dtype == np.float32 and image.shape[0] == 3 and image.flags.c_contiguous
    np.testing.assert_allclose(image[:, 0, 0], np.array([30, 20, 10]) - np.array(
        [104.00698793, 116.66876762, 122.67891434]), atol=1e-4)  # BGR minus the Caffe mean
    assert train_ids.shape == (6, 8) and set(np.unique(train_ids)) == {13.0, 255.0}


def test_config_without_whole_image_resize_is_a_clear_error():
    cfg = Config.fromfile(CONFIG)
    pipeline = [t for t in cfg.train_dataloader.dataset.source.pipeline if t['type'] != 'Resize']
    with pytest.raises(ValueError, match=r'needs a Resize\(keep_ratio=False\)'):
        benchmark_data.resize_scale(pipeline)
