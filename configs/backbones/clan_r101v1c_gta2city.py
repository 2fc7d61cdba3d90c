# CLAN GTA5 -> Cityscapes with mmseg's ResNetV1c-101 (deep stem, mmseg's ImageNet weights),
# dilated to output stride 8 as in mmseg's DeepLab configs.
_base_ = ['../clan_gta2city_standard_sgd.py']
model = dict(
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(
        _delete_=True,
        type='ResNetV1c',
        depth=101,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        norm_cfg=dict(type='BN', requires_grad=False),  # as the official: BN affine frozen
        norm_eval=False,
        style='pytorch',
        contract_dilation=True,
        init_cfg=dict(type='Pretrained', checkpoint='open-mmlab://resnet101_v1c')))
