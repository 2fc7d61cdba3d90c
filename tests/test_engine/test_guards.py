"""Guarded training inputs through tools/train.py: each gives a clear error naming the cause."""
import runpy
import sys

import pytest
import torch

import mmseg_clan  # noqa: F401
from tests.test_engine.test_resume import TRAIN, make_data, write_config
from tests.test_models.test_clan_builders import tiny_clan_cfg


@pytest.fixture(scope='module')
def roots(tmp_path_factory):
    return make_data(tmp_path_factory.mktemp('guards'))


def run_train(monkeypatch, config, work_dir, *args):
    """tools/train.py in this process (saves the interpreter start-up)."""
    monkeypatch.setattr(sys, 'argv', ['train.py', str(config), '--work-dir', str(work_dir),
                                      *args])
    runpy.run_path(str(TRAIN), run_name='__main__')


def test_class_count_mismatch_between_model_and_dataset(tmp_path, roots, monkeypatch):
    model = tiny_clan_cfg()
    model['decode_head']['num_classes'] = model['discriminator']['num_classes'] = 18
    config = write_config(tmp_path / 'cfg.py', roots, model=model)
    with pytest.raises(ValueError, match=r'class counts differ: dataset UDADataset classes=19, '
                                         r'decode_head.num_classes=18'):
        run_train(monkeypatch, config, tmp_path / 'work')


def test_missing_data_root(tmp_path, roots, monkeypatch):
    missing = tmp_path / 'no_such_gta'
    config = write_config(tmp_path / 'cfg.py', roots)
    with pytest.raises(Exception, match='no_such_gta'):
        run_train(monkeypatch, config, tmp_path / 'work', '--cfg-options',
                  f'train_dataloader.dataset.source.data_root={missing}')


@pytest.mark.parametrize('start', ['resume', 'load_from'])
def test_truncated_checkpoint(tmp_path, roots, monkeypatch, start):
    work_dir = tmp_path / 'work'
    work_dir.mkdir()
    checkpoint = work_dir / 'iter_2.pth'
    torch.save(dict(meta=dict(iter=2, seed=0), state_dict={'w': torch.randn(1000)}), checkpoint)
    checkpoint.write_bytes(checkpoint.read_bytes()[:2000])
    (work_dir / 'last_checkpoint').write_text(str(checkpoint))
    config = write_config(tmp_path / 'cfg.py', roots)
    args = ['--resume'] if start == 'resume' else ['--cfg-options', f'load_from={checkpoint}']
    with pytest.raises(RuntimeError, match=r'iter_2.pth cannot be read \(truncated'):
        run_train(monkeypatch, config, work_dir, *args)


def test_checkpoint_of_another_architecture(tmp_path, roots, monkeypatch):
    checkpoint = tmp_path / 'other.pth'
    torch.save(dict(meta=dict(), state_dict={'backbone.conv1.weight': torch.zeros(8, 3, 3, 3),
                                             'layer5.conv2d_list.0.weight': torch.zeros(1)}),
               checkpoint)
    config = write_config(tmp_path / 'cfg.py', roots, load_from=str(checkpoint))
    with pytest.raises(ValueError, match=r'(?s)does not match the model CLAN.*missing in '
                                         r'checkpoint: .*unexpected in checkpoint: '
                                         r'layer5.conv2d_list.0.weight.*shape mismatch: '
                                         r'backbone.conv1.weight'):
        run_train(monkeypatch, config, tmp_path / 'work')


@pytest.mark.parametrize('policy', ['raise', 'skip'])
def test_corrupted_image_mid_run(tmp_path, roots, monkeypatch, policy):
    import shutil
    gta = shutil.copytree(roots[0], tmp_path / 'gta')
    broken = sorted((gta / 'images').glob('*.png'))[1]
    broken.write_bytes(b'\x89PNG not really')
    config = write_config(tmp_path / 'cfg.py', (gta, roots[1]), max_iters=8,
                          checkpoint_interval=100)
    args = ['--cfg-options', 'train_dataloader.dataset.source.pipeline.0.on_error=skip'] \
        if policy == 'skip' else []
    if policy == 'raise':
        with pytest.raises(OSError, match=f'cannot load image {broken}'):
            run_train(monkeypatch, config, tmp_path / 'work', *args)
        return
    run_train(monkeypatch, config, tmp_path / 'work', *args)
    log = next((tmp_path / 'work').glob('*/*.log')).read_text()
    assert 'Iter(train) [8/8]' in log and (tmp_path / 'work' / 'iter_8.pth').exists()
    assert f'skipped: cannot load image {broken}' in log


def test_checkpoint_guard_sees_through_test_time_augmentation():
    """tools/test.py --tta wraps the segmentor in SegTTAModel; the guard checks the segmentor."""
    from mmengine.registry import init_default_scope
    from mmseg.models import SegTTAModel

    from mmseg_clan.engine.hooks import TrainingGuardHook
    from tests.test_models.test_clan_builders import build_tiny_clan

    init_default_scope('mmseg')
    segmentor = build_tiny_clan()
    runner = type('Runner', (), {'model': SegTTAModel(module=segmentor)})()
    TrainingGuardHook().after_load_checkpoint(runner, {'state_dict': segmentor.state_dict()})
    broken = {k: v for k, v in segmentor.state_dict().items() if not k.startswith('decode_head')}
    with pytest.raises(ValueError, match='decode_head'):
        TrainingGuardHook().after_load_checkpoint(runner, {'state_dict': broken})



def test_optimiser_wrappers_must_be_the_models():
    from types import SimpleNamespace

    from mmengine.optim import OptimWrapper, OptimWrapperDict
    from mmseg.datasets import CityscapesDataset

    from mmseg_clan.engine.hooks import TrainingGuardHook
    from tests.test_models.test_clan_builders import build_tiny_clan
    model = build_tiny_clan()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    runner = SimpleNamespace(model=model, optim_wrapper=wrapper, train_dataloader=SimpleNamespace(
        dataset=SimpleNamespace(metainfo=CityscapesDataset.METAINFO)))
    with pytest.raises(ValueError, match=r"trains with the optimiser wrappers \['generator', "
                                         r"'discriminator'\], optim_wrapper builds \[\]"):
        TrainingGuardHook().before_train(runner)
    runner.optim_wrapper = OptimWrapperDict(generator=wrapper, discriminator=wrapper)
    TrainingGuardHook().before_train(runner)
