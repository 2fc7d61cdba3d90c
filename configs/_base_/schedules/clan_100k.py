# The official CLAN schedule (Luo et al. 2019, official code): 100k iterations, two optimizers,
# 5000-iteration linear warm-up from 0, then poly 0.9; snapshot/validation every 2000 iterations.
max_iters = 100000
warmup_iters = 5000

optim_wrapper = dict(
    constructor='CLANOptimWrapperConstructor',
    generator=dict(
        type='OptimWrapper',
        # official: SGD lr 2.5e-4, momentum 0.9, weight decay 5e-4; classifiers at 10x lr
        optimizer=dict(type='SGD', lr=2.5e-4, momentum=0.9, weight_decay=5e-4),
        paramwise_cfg=dict(custom_keys={'decode_head': dict(lr_mult=10.0)})),
    discriminator=dict(
        type='OptimWrapper',
        # official: Adam lr 1e-4, betas (0.9, 0.99)
        optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.99))))

_warmup_then_poly = [
    dict(type='LinearLR', start_factor=1e-6, end_factor=1.0, by_epoch=False, begin=0,
         end=warmup_iters),
    dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=False, begin=warmup_iters,
         end=max_iters),
]
param_scheduler = dict(generator=_warmup_then_poly, discriminator=_warmup_then_poly)

train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=2000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # keep the best snapshot on val (what the paper reported) and the last one
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=2000, max_keep_ckpts=1,
                    save_best='mIoU', rule='greater', save_last=True),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
custom_hooks = [dict(type='CLANProgressHook')]
