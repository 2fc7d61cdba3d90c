# CLAN GTA5 -> Cityscapes with mmseg's DeepLabV3+ on ResNet-101-V1c (two DeepLabV3+ decoders),
# the official CLAN schedule with standard SGD (each parameter updated once), on 512x512 crops, 2
# per domain and iteration (the DAFormer / MIC data): the ASPP image-pooling branch normalises
# one 1x1 value per image, which BN cannot do in training on one image, nor on the official
# whole-image batches of jittered sizes, which the CLAN step runs image by image on the target.
_base_ = [
    '../_base_/models/clan_deeplabv3plus_r101v1c.py',
    '../_base_/datasets/gta2cityscapes_daformer_512x512.py', '../_base_/schedules/clan_100k.py',
    '../_base_/default_runtime.py'
]
model = dict(lambda_local=40.0)  # official LAMBDA_LOCAL for GTA5
optim_wrapper = dict(
    generator=dict(
        optimizer=dict(type='SGD', _delete_=True, lr=2.5e-4, momentum=0.9, weight_decay=5e-4),
        paramwise_cfg=dict(official_repeated_backbone_updates=False)))
