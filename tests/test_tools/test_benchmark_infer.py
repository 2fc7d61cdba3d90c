"""tools/benchmark_infer.py compares the per-image loop with the optimised path."""
import json
import subprocess
import sys
from pathlib import Path

import torch
from mmengine.config import Config

import mmseg_clan  # noqa: F401
from tests.test_models.test_clan_builders import build_tiny_clan, tiny_clan_cfg
from tests.tool_modules import load_tool

REPO = Path(__file__).parents[2]
TOOL = REPO / 'tools' / 'benchmark_infer.py'
benchmark_infer = load_tool('benchmark_infer.py')


def test_optimised_path_predicts_like_the_per_image_loop():
    baseline_model = build_tiny_clan().eval()
    fast_model = build_tiny_clan(channels_last=True).eval()
    fast_model.load_state_dict(baseline_model.state_dict())
    images = torch.randn(3, 3, 40, 56, generator=torch.Generator().manual_seed(0)) * 60
    with torch.inference_mode():
        reference = benchmark_infer.baseline_predict(baseline_model, images, [80, 112])
        ours = benchmark_infer.optimised_predict(fast_model, images, [80, 112], batch_size=2)
    assert len(ours) == len(reference) == 3
    for expected, actual in zip(reference, ours):
        assert actual.dtype == torch.uint8 and actual.device.type == 'cpu'
        assert actual.shape == expected.shape == (80, 112)
        assert torch.equal(actual.long(), expected)
    assert len(torch.unique(torch.stack(reference))) > 1  # not a constant prediction


def test_reports_one_json_line(tmp_path):
    config = tmp_path / 'tiny_clan.py'
    Config(dict(model=tiny_clan_cfg())).dump(config)
    result = subprocess.run(
        [sys.executable, str(TOOL), str(config), '--device', 'cpu', '--input-size', '32', '64',
         '--output-size', '64', '128', '--num-images', '4', '--batch-size', '2', '--iters', '2'],
        cwd=REPO, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert len(lines) == 1, f'expected one JSON line on stdout, got {lines}'
    report = json.loads(lines[0])
    assert report['tool'] == 'benchmark_infer' and report['device'] == 'cpu'
    assert report['num_images'] == 4 and report['output_size'] == [64, 128]
    for path in ('baseline', 'optimised'):
        assert report[path]['images_per_s'] > 0
        assert report[path]['peak_memory_kind'] == 'cpu_max_rss'
    assert report['speedup'] == report['optimised']['images_per_s'] / report['baseline'][
        'images_per_s']
    assert report['identical_predictions'] == (report['mismatched_pixels'] == 0)
    assert report['versions']['torch'] == torch.__version__


def test_cuda_graphs_on_cpu_is_a_clear_error(tmp_path):
    import pytest
    config = tmp_path / 'tiny_clan.py'
    Config(dict(model=tiny_clan_cfg())).dump(config)
    with pytest.raises(ValueError, match='--cuda-graphs needs a CUDA device'):
        benchmark_infer.main([str(config), '--device', 'cpu', '--cuda-graphs'])
