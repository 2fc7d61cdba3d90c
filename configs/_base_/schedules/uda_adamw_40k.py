# The optimisation recipe of the transformer UDA works (DAFormer, Hoyer et al. CVPR 2022, Sec. 4.1
# and configs/_base_/schedules/adamw.py + poly10warm.py; MIC, CVPR 2023, the same): AdamW with
# lr 6e-5 for the encoder and 10x (6e-4) for the decoder, betas (0.9, 0.999), weight decay 0.01,
# linear warm-up over 1500 iterations, then polynomial decay with power 1.0, 40k iterations.
# CLAN's discriminator keeps its official Adam (lr 1e-4, betas (0.9, 0.99)) on the same schedule.
_base_ = ['./clan_100k.py']
max_iters = 40000
warmup_iters = 1500

optim_wrapper = dict(
    generator=dict(
        optimizer=dict(_delete_=True, type='AdamW', lr=6e-5, betas=(0.9, 0.999),
                       weight_decay=0.01),
        paramwise_cfg=dict(
            _delete_=True,
            custom_keys=dict(
                decode_head=dict(lr_mult=10.0),  # DAFormer: decoder at 10x lr
                pos_block=dict(decay_mult=0.0),  # DAFormer/SegFormer: no decay on these
                norm=dict(decay_mult=0.0)))))
_warmup_then_poly = [
    dict(type='WarmupPolyLR', warmup_iters=warmup_iters, power=1.0, begin=0, end=max_iters,
         by_epoch=False)
]
param_scheduler = dict(generator=_warmup_then_poly, discriminator=_warmup_then_poly)
train_cfg = dict(max_iters=max_iters, val_interval=4000)  # DAFormer: evaluation every 4000
default_hooks = dict(checkpoint=dict(interval=4000))
