# One-time backbone pretraining on the toy pretraining corpus (data/toy/pretrain: neither the
# source nor the target; the role ImageNet plays for the official run): the source-only setting,
# trained from scratch on the corpus' own labels. tools/toy_benchmark.py runs it once, keeps the
# backbone weights under work_dirs/toy_pretrain/<checksum of the settings>/ and every method
# starts from them.
_base_ = ['./source-only_r18-narrow_toy.py']
pretrain_root = 'data/toy/pretrain'
max_iters = 1500
warmup_iters = 75  # 5%, as the toy schedules
# From scratch; the head at the official init: the methods' classifier calibration
# (init_std, clan_r18-narrow_toy.py) is not the pretraining's, whose backbone stays as it was.
model = dict(backbone=dict(init_cfg=None), decode_head=dict(init_std=0.01))
# From scratch: lr 5e-3 (the lr that converged for the earlier from-scratch toy runs).
optim_wrapper = dict(generator=dict(optimizer=dict(lr=5e-3)))
_warmup_then_poly = [
    dict(type='WarmupPolyLR', warmup_iters=warmup_iters, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
param_scheduler = dict(generator=_warmup_then_poly)
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
default_hooks = dict(checkpoint=dict(interval=max_iters))
train_dataloader = dict(dataset=dict(source=dict(data_root=pretrain_root)))
# No validation: the pretraining never sees target images.
val_dataloader = None
val_cfg = None
val_evaluator = None
