"""UDAVisualizationHook and step_debug_maps: panels and alignment scalars from real tiny runs."""
import json
import math

import cv2
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.optim import build_optim_wrapper
from mmengine.runner import Runner
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch.utils.data import DataLoader, Dataset

import mmseg_clan  # noqa: F401
from mmseg_clan.datasets import GTADataset
from mmseg_clan.engine.hooks.uda_visualization_hook import (
    colorize_labels,
    compose_panel,
    per_class_mean,
)
from mmseg_clan.models.segmentors import step_debug_maps
from tests.test_models.test_clan_builders import (
    NUM_CLASSES,
    build_tiny_clan,
    fake_domain_batch,
    optim_wrapper_cfg,
    tiny_clan_cfg,
)

SOURCE_HW, LABEL_HW, TARGET_HW = (40, 56), (32, 48), (32, 64)
BATCH_SIZE = 2
ONE_HEAD = dict(type='DualASPPV2Head', in_channels=64, num_classes=NUM_CLASSES,
                num_classifiers=1)


class _UDAItems(Dataset):
    """Items shaped like UDADataset's, with GTA5's (Cityscapes') classes and palette."""

    metainfo = GTADataset.METAINFO

    def __len__(self):
        return 8

    def __getitem__(self, idx):
        source = fake_domain_batch(1, SOURCE_HW, LABEL_HW, seed=idx)
        target = fake_domain_batch(1, TARGET_HW, seed=100 + idx)
        return {domain: dict(inputs=batch['inputs'][0], data_samples=batch['data_samples'][0])
                for domain, batch in (('source', source), ('target', target))}


def _train(work_dir, max_iters, hook=None, model=None, optim_wrapper=None, backends=('Local', ),
           logger_interval=1, extra_hooks=(), log_level='WARNING'):
    model = model or tiny_clan_cfg()
    train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
    runner = Runner(
        model=model,
        work_dir=str(work_dir),
        train_dataloader=DataLoader(_UDAItems(), batch_size=BATCH_SIZE, shuffle=False,
                                    collate_fn=pseudo_collate),
        train_cfg=train_cfg,
        optim_wrapper=optim_wrapper or optim_wrapper_cfg(),
        custom_hooks=[dict(type='CLANProgressHook')] + ([hook] if hook else []) + list(extra_hooks),
        default_hooks=dict(checkpoint=None,
                           logger=dict(type='LoggerHook', interval=logger_interval)),
        visualizer=dict(type='Visualizer', name=f'uda_vis_{work_dir.parent.name}_{work_dir.name}',
                        vis_backends=[dict(type=f'{b}VisBackend') for b in backends]),
        randomness=dict(seed=0),
        default_scope='mmseg',
        log_level=log_level,
        cfg=dict(model=model, train_cfg=train_cfg))  # logged as a tools/train.py run's config
    runner.train()
    return runner


def _records(work_dir):
    scalars = next(work_dir.glob('*/vis_data/scalars.json'))
    return [json.loads(line) for line in scalars.read_text().splitlines()]


def test_hook_writes_panels_and_scalars_and_leaves_training_unchanged(tmp_path):
    hook = dict(type='UDAVisualizationHook', interval=2, max_samples=2)
    with_hook = _train(tmp_path / 'hook', 4, hook, backends=('Local', 'Tensorboard'))
    without_hook = _train(tmp_path / 'plain', 4)

    final, reference = with_hook.model.state_dict(), without_hook.model.state_dict()
    assert any('running_mean' in k for k in final)
    assert all(torch.equal(final[k], reference[k]) for k in reference)

    panels = sorted(tmp_path.glob('hook/*/vis_data/vis_image/*.png'))
    assert [p.name for p in panels] == ['uda_debug_2.png', 'uda_debug_4.png']
    panel = cv2.imread(str(panels[0]))[..., ::-1]
    # per sample: source row of 3 tiles at the source image size, target row of 5 tiles
    assert panel.shape == (BATCH_SIZE * (SOURCE_HW[0] + TARGET_HW[0]),
                           max(3 * SOURCE_HW[1], 5 * TARGET_HW[1]), 3)
    batch = pseudo_collate([_UDAItems()[i] for i in (2, 3)])  # iteration 2's batch
    source_rgb = batch['source']['inputs'][0].flip(0).permute(1, 2, 0).numpy()
    np.testing.assert_array_equal(panel[:SOURCE_HW[0], :SOURCE_HW[1]], source_rgb)
    target_rgb = batch['target']['inputs'][0].flip(0).permute(1, 2, 0).numpy()
    np.testing.assert_array_equal(
        panel[SOURCE_HW[0]:SOURCE_HW[0] + TARGET_HW[0], :TARGET_HW[1]], target_rgb)

    records = [r for r in _records(tmp_path / 'hook') if any(k.startswith('alignment/M_')
                                                             for k in r)]
    assert [r['step'] for r in records] == [2, 4]
    class_names = {f'alignment/M_{c.replace(" ", "_")}' for c in GTADataset.METAINFO[
        'classes']}
    for record in records:
        values = {k: v for k, v in record.items() if k.startswith('alignment/M_')}
        assert set(values) <= class_names
        assert all(0.0 <= v <= 1.0 for v in values.values())

    events = next(tmp_path.glob('hook/*/vis_data/events.out.tfevents.*'))
    accumulator = EventAccumulator(str(events.parent)).Reload()
    assert [e.step for e in accumulator.Images('uda_debug')] == [2, 4]
    logged_class = sorted(set(records[0]) & class_names)[0]
    assert [e.step for e in accumulator.Scalars(logged_class)][0] == 2


def test_source_only_model_gets_source_panels_without_alignment_or_discriminator(tmp_path):
    optim_wrapper = optim_wrapper_cfg()
    del optim_wrapper['discriminator']
    _train(tmp_path / 'run', 2, dict(type='UDAVisualizationHook', interval=2),
           model=tiny_clan_cfg(decode_head=ONE_HEAD, discriminator=None, use_weight_loss=False),
           optim_wrapper=optim_wrapper)
    panels = list(tmp_path.glob('run/*/vis_data/vis_image/*.png'))
    assert [p.name for p in panels] == ['uda_debug_2.png']
    # one sample: the source row of 3 tiles only (the step computes nothing on the target)
    assert cv2.imread(str(panels[0])).shape == (SOURCE_HW[0], 3 * SOURCE_HW[1], 3)
    assert not any(k.startswith('alignment/') for r in _records(tmp_path / 'run') for k in r)


def _recorded_step(model, data, optim_wrapper=None):
    """Train one step of ``model`` on ``data`` with its outputs recorded."""
    model.train()
    model.set_train_progress(6000, 10000)  # after the preheat
    model.record_next_step()
    model.train_step(data, build_optim_wrapper(model, optim_wrapper or optim_wrapper_cfg()))
    return model.last_step


class _NoForward(Exception):
    pass


def _forbid_forward(model, monkeypatch):
    def refuse(*args, **kwargs):
        raise _NoForward

    monkeypatch.setattr(model, 'extract_feat', refuse)
    for module in (model.decode_head, getattr(model, 'discriminator', None)):
        if module is not None:
            monkeypatch.setattr(module, 'forward', refuse)


def test_debug_maps_are_the_tensors_the_step_computed_on_jittered_batches(monkeypatch):
    model = build_tiny_clan()
    source = fake_domain_batch(1, SOURCE_HW, LABEL_HW)
    smaller = fake_domain_batch(1, (36, 48), LABEL_HW, seed=1)
    target = fake_domain_batch(1, TARGET_HW, seed=2)
    smaller_target = fake_domain_batch(1, (32, 40), seed=3)
    data = dict(source={k: source[k] + smaller[k] for k in source},
                target={k: target[k] + smaller_target[k] for k in target})
    record = _recorded_step(model, data)
    _forbid_forward(model, monkeypatch)  # the maps need no second forward

    samples = step_debug_maps(record, model.data_preprocessor)

    assert [s['source_image'].shape[:2] for s in samples] == [SOURCE_HW, (36, 48)]
    assert [s['alignment_map'].shape for s in samples] == [TARGET_HW, (32, 40)]
    outputs = record.outputs
    for indices, maps, disc, logits in zip(outputs.target_indices, outputs.alignment_maps,
                                           outputs.discriminator_target_logits,
                                           outputs.target_logits):
        for position, index in enumerate(indices):
            assert torch.equal(samples[index]['alignment_map'], maps[position, 0])
            assert torch.equal(samples[index]['discriminator_target_prob'],
                               torch.sigmoid(disc[position, 0]))
            assert torch.equal(samples[index]['target_prediction_classifier2'],
                               logits[1][position].argmax(dim=0))
    for sample, probs in zip(samples, outputs.source_probs):
        assert sample['source_label'].shape == sample['source_prediction'].shape == LABEL_HW
        assert torch.equal(sample['source_prediction'], probs.argmax(dim=0))
    np.testing.assert_array_equal(samples[1]['target_image'].numpy(),
                                  smaller_target['inputs'][0].flip(0).permute(1, 2, 0).numpy())
    with pytest.raises(_NoForward):  # the guard above would have caught a forward
        model.extract_feat(record.source['inputs'])


def test_a_step_is_kept_only_when_asked_for():
    model = build_tiny_clan()
    data = dict(source=fake_domain_batch(1, SOURCE_HW, LABEL_HW),
                target=fake_domain_batch(1, TARGET_HW, seed=2))
    assert _recorded_step(model, data) is not None
    model.train_step(data, build_optim_wrapper(model, optim_wrapper_cfg()))
    assert model.last_step is None  # the next step, not asked for, drops the record


def test_per_class_mean_averages_values_over_each_predicted_class():
    values = torch.tensor([[0.2, 0.4], [0.9, 0.0]])
    classes = torch.tensor([[0, 0], [2, 255]])
    means = per_class_mean(values, classes, 3)
    assert means[0].item() == pytest.approx(0.3)
    assert math.isnan(means[1].item())
    assert means[2].item() == pytest.approx(0.9)


def test_panel_colours_labels_and_scales_alignment_map():
    palette = [[10, 20, 30], [200, 100, 0]]
    labels = torch.tensor([[0, 1], [255, 1]])
    np.testing.assert_array_equal(colorize_labels(labels, palette),
                                  [[[10, 20, 30], [200, 100, 0]], [[0, 0, 0], [200, 100, 0]]])
    image = torch.zeros(2, 2, 3, dtype=torch.uint8)
    sample = dict(source_image=image, source_label=labels, source_prediction=labels,
                  target_image=image, target_prediction_classifier1=labels,
                  alignment_map=torch.tensor([[0.0, 0.05], [0.1, 0.1]]))
    panel = compose_panel([sample], palette)
    assert panel.shape == (4, 6, 3)
    alignment_tile = panel[2:, 4:6]
    jet_max = cv2.applyColorMap(np.full((1, 1), 255, np.uint8), cv2.COLORMAP_JET)[0, 0, ::-1]
    np.testing.assert_array_equal(alignment_tile[1, 0], jet_max)  # the panel's largest M
    assert not np.array_equal(alignment_tile[0, 0], jet_max)


def test_source_only_steps_give_source_maps_and_a_source_row(monkeypatch):
    model = build_tiny_clan(decode_head=ONE_HEAD, discriminator=None, use_weight_loss=False)
    optim_wrapper = optim_wrapper_cfg()
    del optim_wrapper['discriminator']
    record = _recorded_step(model, dict(source=fake_domain_batch(1, SOURCE_HW, LABEL_HW)),
                            optim_wrapper)
    _forbid_forward(model, monkeypatch)
    samples = step_debug_maps(record, model.data_preprocessor)
    assert set(samples[0]) == {'source_image', 'source_label', 'source_prediction'}
    panel = compose_panel(samples, GTADataset.METAINFO['palette'])
    assert panel.shape == (SOURCE_HW[0], 3 * SOURCE_HW[1], 3)
