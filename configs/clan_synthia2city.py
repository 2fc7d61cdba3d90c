# CLAN, SYNTHIA -> Cityscapes, DeepLab-v2 ResNet-101: the official run (published 47.8 mIoU-13).
_base_ = [
    '_base_/models/clan_deeplabv2_r101.py', '_base_/datasets/synthia2cityscapes.py',
    '_base_/schedules/clan_100k.py', '_base_/default_runtime.py'
]
model = dict(lambda_local=10.0)  # official LAMBDA_LOCAL for SYNTHIA
# SYNTHIA -> Cityscapes is reported as mIoU over 13 classes: keep the best snapshot by it.
default_hooks = dict(checkpoint=dict(save_best='mIoU13'))
