# CLAN on the toy street-scene benchmark (tools/toy_benchmark.py): a narrow ResNet-18 (ResNetV1c,
# output stride 4) initialised from a backbone pretrained on the toy pretraining corpus (the
# role ImageNet plays in the official run; configs/toy/pretrain_r18-narrow_toy-corpus.py), the
# 192x96 toy images at their own size and a short schedule, so that the methods train on 2 CPU
# cores. Everything else (losses, lambdas, epsilon, optimizers' kinds, data pipeline) is the
# official GTA5 -> Cityscapes setting inherited from configs/_base_.
_base_ = [
    '../_base_/models/clan_deeplabv2_r101.py', '../_base_/datasets/gta2cityscapes.py',
    '../_base_/schedules/clan_100k.py', '../_base_/default_runtime.py'
]
toy_root = 'data/toy'  # written by tools/toy_benchmark.py (tools/generate_toy_data.py)
# tools/toy_benchmark.py pretrains it once (cached by a checksum of its settings) and links it here
pretrained_backbone = 'work_dirs/toy_pretrain/backbone.pth'
image_size = (192, 96)  # (width, height) of the generated images of every corpus
max_iters = 1000
warmup_iters = 50  # official 5000 of 100k (5%)
preheat_iters = 50  # official PREHEAT_STEPS 5000 of 100k (5%)

model = dict(
    backbone=dict(
        _delete_=True,
        type='ResNetV1c',
        depth=18,
        stem_channels=16,
        base_channels=16,  # 1/4 of ResNet-18's width: layer4 gives 128 channels
        # Output stride 4 (stages 2-4 dilated): a 48x24 map of the 192x96 toy images, nearer the
        # official 161x91 of 1280x720 at stride 8 than stride 8's 24x12; chosen on the oracle and
        # source-only runs only (docs/toy_benchmark.md).
        strides=(1, 1, 1, 1),
        dilations=(1, 2, 4, 8),
        out_indices=(3, ),
        norm_cfg={{_base_.norm_cfg}},
        norm_eval=False,
        init_cfg=dict(type='Pretrained', checkpoint=pretrained_backbone)),
    decode_head=dict(
        in_channels=128,
        in_index=0,
        dilations=(2, 4, 6, 8),  # official (6, 12, 18, 24) / 3, for a 48x24 instead of 161x91 map
        # CLAN's regime (docs/toy_benchmark.md, "Calibration"): at the official N(0, 0.01) the
        # 128-channel classifiers learn a weight part 2.5x the norm of their random part and
        # collapse into one (cos(W1, W2) 0.86); from N(0, 0.1) they stay apart (|cos| <= 0.05)
        # as the official 2048-channel ones do. Chosen on regime statistics and the oracle only.
        init_std=0.1),
    discriminator=dict(ndf=16),  # official 64; a quarter keeps the CPU time of D near the network's
    preheat_iters=preheat_iters)

# Short schedule from a pretrained backbone: lr 5e-3 (20x the official 2.5e-4, for 1000 instead
# of 100k iterations; chosen on the source-only and oracle runs only). Plain SGD: the official
# repeated backbone updates are specific to the DeepLab-v2 ResNet's module layout.
optim_wrapper = dict(
    generator=dict(
        optimizer=dict(type='SGD', lr=5e-3),
        paramwise_cfg=dict(official_repeated_backbone_updates=False)),
    # official Adam lr 1e-4 x 5: D has 1000 instead of 100k iterations to learn (regime
    # calibration: D's late source BCE 0.2-0.4 instead of 0.4-0.9; docs/toy_benchmark.md)
    discriminator=dict(optimizer=dict(lr=5e-4)))
_warmup_then_poly = [
    dict(type='WarmupPolyLR', warmup_iters=warmup_iters, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
param_scheduler = dict(generator=_warmup_then_poly, discriminator=_warmup_then_poly)

train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)  # evaluated by tools/test.py
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=max_iters, save_best=None, max_keep_ckpts=1, save_last=True))

source_train_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='CheckedLoadAnnotations'),
    dict(type='Resize', scale=image_size, keep_ratio=False, interpolation='bicubic'),
    dict(type='ImageScaleJitter', scale_factors=(0.8, 1.0, 1.1), probs=(0.3, 0.4, 0.3)),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
target_train_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=image_size, keep_ratio=False, interpolation='bicubic'),
    dict(type='ImageScaleJitter', scale_factors=(0.8, 1.0, 1.1), probs=(0.3, 0.4, 0.3)),
    dict(type='RandomFlip', prob=0.5),
    # predictions, M and D at the nominal (pre-jitter) size, as the official interp_target
    dict(type='PackSegInputs', meta_keys={{_base_.target_meta_keys}}),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),  # mmseg_clan's checked loader, under the name mmseg's APIs find
    dict(type='Resize', scale=image_size, keep_ratio=False, interpolation='bicubic'),
    dict(type='CheckedLoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    num_workers=1,
    persistent_workers=True,
    pin_memory=False,  # a CPU demo: nothing to pin for
    dataset=dict(
        source=dict(data_root=f'{toy_root}/source', pipeline=source_train_pipeline),
        target=dict(data_root=f'{toy_root}/target', pipeline=target_train_pipeline)))
val_dataloader = dict(
    num_workers=1,
    persistent_workers=True,
    dataset=dict(data_root=f'{toy_root}/target', pipeline=test_pipeline))
test_dataloader = val_dataloader
# the toy target's labels are at the generated image size, not Cityscapes' 2048x1024
val_evaluator = dict(full_label_size=image_size)
test_evaluator = val_evaluator
env_cfg = dict(cudnn_benchmark=False)
# --tta: the multi-scale + flip augmentation of the base config, around the toy input size.
tta_scales = [(int(image_size[0] * r), int(image_size[1] * r)) for r in (0.75, 1.0, 1.25)]
tta_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(
        type='TestTimeAug',
        transforms=[
            [dict(type='Resize', scale=s, keep_ratio=False, interpolation='bicubic')
             for s in tta_scales],
            [dict(type='RandomFlip', prob=0.0, direction='horizontal'),
             dict(type='RandomFlip', prob=1.0, direction='horizontal')],
            [dict(type='CheckedLoadAnnotations')],
            [dict(type='PackSegInputs')],
        ])
]
