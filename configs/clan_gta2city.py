# CLAN, GTA5 -> Cityscapes, DeepLab-v2 ResNet-101: the official run (published 43.2 mIoU).
_base_ = [
    '_base_/models/clan_deeplabv2_r101.py', '_base_/datasets/gta2cityscapes.py',
    '_base_/schedules/clan_100k.py', '_base_/default_runtime.py'
]
model = dict(lambda_local=40.0)  # official LAMBDA_LOCAL for GTA5
