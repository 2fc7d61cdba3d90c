# The official CLAN schedule (Luo et al. 2019, official code): 100k iterations, two optimizers,
# linear warm-up lr * it / 5000 for it < 5000, then lr * (1 - it / T) ** 0.9 (WarmupPolyLR);
# snapshot and validation every 2000 iterations.
max_iters = 100000

optim_wrapper = dict(
    constructor='CLANOptimWrapperConstructor',
    generator=dict(
        type='OptimWrapper',
        # official: SGD lr 2.5e-4, momentum 0.9, weight decay 5e-4. RepeatedSGD with
        # official_repeated_backbone_updates reproduces the official run's repeated backbone
        # updates (stem 1x, bottleneck convs 3x, downsample convs 4x per step); the
        # *_standard_sgd configs use plain SGD instead.
        optimizer=dict(type='RepeatedSGD', lr=2.5e-4, momentum=0.9, weight_decay=5e-4),
        paramwise_cfg=dict(
            custom_keys={'decode_head': dict(lr_mult=10.0)},  # official: classifiers at 10x lr
            official_repeated_backbone_updates=True)),
    discriminator=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.99))))  # official Adam settings

_warmup_then_poly = [
    dict(type='WarmupPolyLR', warmup_iters=5000, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
param_scheduler = dict(generator=_warmup_then_poly, discriminator=_warmup_then_poly)

train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=2000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # keep the best snapshot on val (what the paper reported) and the last one; each is written
    # to a temporary file and renamed, old ones are deleted only then: a kill at any moment
    # leaves a complete checkpoint
    checkpoint=dict(type='SafeCheckpointHook', by_epoch=False, interval=2000, max_keep_ckpts=1,
                    save_best='mIoU', rule='greater', save_last=True),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
custom_hooks = [
    dict(type='CLANProgressHook'),  # iteration -> damping and preheat
    # regime/* scalars at the logger interval: cos(W1, W2), M's mean and quantiles, the mean
    # adaptive weight, D's BCE (docs/training.md; tools/analysis/clan_regime.py reads them)
    dict(type='CLANRegimeHook'),
    dict(type='RandomStateHook'),  # RNG states in checkpoints, restored on --resume
    dict(type='TrainingGuardHook'),  # class counts and checkpoint keys checked up front
    # debug panels (predictions, M, D) and per-class mean M at the official snapshot cadence
    dict(type='UDAVisualizationHook', interval=2000),
]
