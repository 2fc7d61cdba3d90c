"""Tiny CLAN model configs shared by the model tests."""
import pytest
from mmengine.config import ConfigDict
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmseg_clan  # noqa: F401  (installs the mmcv.ops fallback before mmseg.models)
from mmseg_clan.models.decode_heads import CLANHead
from mmseg_clan.models.segmentors import (
    CountsAppliedUpdates,
    NamesOptimizers,
    RecordsTrainSteps,
    TracksTrainProgress,
)

NUM_CLASSES = 19


def tiny_clan_cfg(in_channels: int = 64, ndf: int = 16, **kwargs) -> dict:
    """CLAN config on a tiny mmseg ResNet-18 (frozen BN affine) with output stride 8."""
    norm_cfg = dict(type='BN', requires_grad=False)
    cfg = dict(
        type='CLAN',
        data_preprocessor=dict(
            type='SegDataPreProcessor',
            mean=[104.00698793, 116.66876762, 122.67891434],
            std=[1.0, 1.0, 1.0],
            bgr_to_rgb=False,
            size_divisor=1,  # pad to the largest image of the batch (no-op: equal sizes)
            pad_val=0,
            seg_pad_val=255),
        backbone=dict(
            type='ResNet', depth=18, base_channels=8, stem_channels=8, num_stages=4,
            strides=(1, 2, 1, 1), dilations=(1, 1, 2, 4), out_indices=(3, ),
            norm_cfg=norm_cfg, norm_eval=False, contract_dilation=False),
        decode_head=dict(type='DualASPPV2Head', in_channels=in_channels,
                         num_classes=NUM_CLASSES),
        discriminator=dict(type='FCDiscriminator', num_classes=NUM_CLASSES, ndf=ndf),
        test_cfg=ConfigDict(mode='whole'))
    cfg.update(kwargs)
    return cfg


def build_tiny_clan(**kwargs):
    """Build :func:`tiny_clan_cfg` in the mmseg scope."""
    init_default_scope('mmseg')
    return MODELS.build(tiny_clan_cfg(**kwargs))


def test_state_dict_keys_follow_the_architecture_contract():
    model = build_tiny_clan()
    keys = set(model.state_dict())
    head_keys = {k for k in keys if k.startswith('decode_head.')}
    assert head_keys == {f'decode_head.classifier{c}.conv2d_list.{i}.{p}'
                         for c in (1, 2) for i in range(4) for p in ('weight', 'bias')}
    disc_keys = {k for k in keys if k.startswith('discriminator.')}
    assert disc_keys == {f'discriminator.{m}.{p}' for m in
                         ('conv1', 'conv2', 'conv3', 'conv4', 'classifier')
                         for p in ('weight', 'bias')}
    assert all(k.startswith(('backbone.', 'decode_head.', 'discriminator.')) for k in keys)


def test_source_only_model_has_no_discriminator():
    model = build_tiny_clan(discriminator=None, use_weight_loss=False)
    assert not model.with_discriminator
    assert not any(k.startswith('discriminator.') for k in model.state_dict())


def fake_domain_batch(batch_size: int, image_hw, label_hw=None, seed: int = 0) -> dict:
    """A pseudo-collated batch of uint8 BGR images (and labels) as the UDA dataset yields."""
    import torch
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    gen = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(batch_size):
        inputs.append(torch.randint(0, 256, (3, *image_hw), generator=gen, dtype=torch.uint8))
        hw = label_hw or image_hw
        labels = torch.randint(0, NUM_CLASSES, (1, *hw), generator=gen)
        labels[:, :2] = 255
        sample = SegDataSample(metainfo=dict(img_shape=tuple(image_hw), ori_shape=tuple(hw)))
        sample.gt_sem_seg = PixelData(data=labels)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def optim_wrapper_cfg(repeated: bool = False, amp: bool = False, lr_scale: float = 1.0) -> dict:
    """Official CLAN optimisers: SGD 2.5e-4 (heads 10x) and Adam 1e-4."""
    wrapper_type = 'AmpOptimWrapper' if amp else 'OptimWrapper'
    generator_paramwise = dict(custom_keys={'decode_head': dict(lr_mult=10.0)})
    if repeated:
        generator_paramwise['official_repeated_backbone_updates'] = True
    return dict(
        constructor='CLANOptimWrapperConstructor',
        generator=dict(
            type=wrapper_type,
            optimizer=dict(type='RepeatedSGD' if repeated else 'SGD', lr=2.5e-4 * lr_scale,
                           momentum=0.9,
                           weight_decay=5e-4),
            paramwise_cfg=generator_paramwise),
        discriminator=dict(type=wrapper_type,
                           optimizer=dict(type='Adam', lr=1e-4 * lr_scale, betas=(0.9, 0.99))))


def test_a_head_without_the_clan_head_contract_is_refused():
    assert isinstance(build_tiny_clan().decode_head, CLANHead)
    with pytest.raises(TypeError, match='CLANHead .*got FCNHead'):
        build_tiny_clan(decode_head=dict(type='FCNHead', in_channels=64, channels=8,
                                         num_convs=1, num_classes=NUM_CLASSES))


def test_clan_implements_what_the_hooks_need_and_a_plain_segmentor_does_not():
    protocols = (TracksTrainProgress, NamesOptimizers, CountsAppliedUpdates, RecordsTrainSteps)
    assert all(isinstance(build_tiny_clan(), protocol) for protocol in protocols)
    cfg = dict(tiny_clan_cfg(), type='EncoderDecoder')
    del cfg['discriminator']
    plain = MODELS.build(cfg)
    assert not any(isinstance(plain, protocol) for protocol in protocols)
