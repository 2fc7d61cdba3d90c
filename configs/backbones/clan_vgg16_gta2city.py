# CLAN GTA5 -> Cityscapes with the DeepLab-v2 VGG-16 backbone (the paper's second backbone; the
# official code never released it). The schedule and constants are the ResNet-101 run's, with
# standard SGD; see configs/_base_/models/clan_deeplabv2_vgg16.py for the weights.
_base_ = [
    '../_base_/models/clan_deeplabv2_vgg16.py', '../_base_/datasets/gta2cityscapes.py',
    '../_base_/schedules/clan_100k.py', '../_base_/default_runtime.py'
]
model = dict(lambda_local=40.0)  # official LAMBDA_LOCAL for GTA5
optim_wrapper = dict(
    generator=dict(
        optimizer=dict(type='SGD', _delete_=True, lr=2.5e-4, momentum=0.9, weight_decay=5e-4),
        paramwise_cfg=dict(official_repeated_backbone_updates=False)))
