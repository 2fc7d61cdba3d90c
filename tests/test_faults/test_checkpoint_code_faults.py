"""A checkpoint's stored config is data: mmengine's inferencer (``MMSegInferencer(None,
weights=...)``) and mmseg's ``init_model`` never execute it, whatever it holds."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

import mmseg_clan  # noqa: F401  (must precede mmseg.apis)

# isort: split
from mmseg.apis import MMSegInferencer, init_model

from mmseg_clan.utils.checkpoint_config import UnsafeConfigTextError, config_from_text

REPO = Path(__file__).resolve().parents[2]
TOY_SOURCE_ONLY = REPO / 'configs' / 'toy' / 'source-only_r18-narrow_toy.py'


def payloads(marker: Path) -> dict:
    """Config texts that create ``marker`` when executed, the way an attacker would hide it."""
    command = f'open({str(marker)!r}, "w").write("ran")'
    return {
        'statement': f"import builtins\nbuiltins.exec({command!r})\nmodel = dict(type='CLAN')\n",
        'inside a dict': f"model = dict(type='CLAN', x=exec({command!r}))\n",
        'attribute': f"model = dict(type=__import__('builtins').exec({command!r}))\n",
    }


def malicious_checkpoint(path: Path, text: str, where: str = 'message_hub') -> Path:
    state_dict = init_model(str(TOY_SOURCE_ONLY), None, device='cpu').state_dict()
    stored = ({'message_hub': {'runtime_info': {'cfg': text}}} if where == 'message_hub'
              else {'meta': {'cfg': text}})
    torch.save({'state_dict': state_dict, 'meta': {}} | stored, path)
    return path


@pytest.mark.parametrize('kind', ['statement', 'inside a dict', 'attribute'])
def test_the_payload_runs_when_executed(tmp_path, kind):
    """The failing case: mmengine's Config.fromstring runs each payload."""
    marker = tmp_path / 'marker'
    try:
        Config.fromstring(payloads(marker)[kind], file_format='.py')
    except Exception:
        pass  # the payload ran before the config failed to build
    assert marker.exists()


@pytest.mark.parametrize('where', ['message_hub', 'meta'])
@pytest.mark.parametrize('kind', ['statement', 'inside a dict', 'attribute'])
def test_inferencer_refuses_a_stored_config_that_is_code(tmp_path, kind, where):
    marker = tmp_path / 'marker'
    checkpoint = malicious_checkpoint(tmp_path / 'evil.pth', payloads(marker)[kind], where)
    with pytest.raises(UnsafeConfigTextError, match=(
            f'checkpoint {checkpoint}: the stored config is not plain data .*refused, not '
            'executed')):
        MMSegInferencer(None, weights=str(checkpoint), device='cpu')
    assert not marker.exists()


def test_init_model_never_reads_the_stored_config(tmp_path):
    marker = tmp_path / 'marker'
    checkpoint = malicious_checkpoint(tmp_path / 'evil.pth', payloads(marker)['statement'])
    model = init_model(str(TOY_SOURCE_ONLY), str(checkpoint), device='cpu')
    assert type(model).__name__ == 'CLAN'
    assert not marker.exists()


def test_inferencer_builds_from_a_plain_stored_config(tmp_path):
    text = Config.fromfile(str(TOY_SOURCE_ONLY)).pretty_text
    checkpoint = malicious_checkpoint(tmp_path / 'plain.pth', text)
    inferencer = MMSegInferencer(None, weights=str(checkpoint), device='cpu')
    assert type(inferencer.model).__name__ == 'CLAN'
    assert inferencer.cfg.model.backbone.type == Config.fromfile(
        str(TOY_SOURCE_ONLY)).model.backbone.type


def test_config_text_reader_keeps_the_values():
    assert config_from_text("a = dict(b=[1, -2.5, (None, True)], c={'d': 'e'})\nf = 'g'\n") == {
        'a': {'b': [1, -2.5, (None, True)], 'c': {'d': 'e'}}, 'f': 'g'}
    with pytest.raises(UnsafeConfigTextError, match="line 1: 'b'"):
        config_from_text('a = b\n')
