# CLAN GTA5 -> Cityscapes with a SegFormer MiT-B5 encoder, 512x512 crops and AdamW (the usual
# recipe for transformer UDA backbones, e.g. DAFormer); the dual ASPP-v2 classifiers read the
# last (stride-32) stage. Convert the ImageNet MiT-B5 weights with mmseg's
# tools/model_converters/mit2mmseg.py into checkpoints/mit_b5_mmseg.pth.
_base_ = [
    '../_base_/models/clan_deeplabv2_r101.py', '../_base_/datasets/gta2cityscapes_512x512.py',
    '../_base_/schedules/clan_100k.py', '../_base_/default_runtime.py'
]
model = dict(
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(
        _delete_=True,
        type='MixVisionTransformer',
        in_channels=3,
        embed_dims=64,
        num_stages=4,
        num_layers=[3, 6, 40, 3],
        num_heads=[1, 2, 5, 8],
        patch_sizes=[7, 3, 3, 3],
        sr_ratios=[8, 4, 2, 1],
        out_indices=(0, 1, 2, 3),
        mlp_ratio=4,
        qkv_bias=True,
        drop_rate=0.0,
        attn_drop_rate=0.0,
        drop_path_rate=0.1,
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/mit_b5_mmseg.pth')),
    decode_head=dict(in_channels=512, in_index=3),
    lambda_local=40.0)  # official LAMBDA_LOCAL for GTA5
optim_wrapper = dict(
    generator=dict(
        optimizer=dict(_delete_=True, type='AdamW', lr=6e-5, betas=(0.9, 0.999),
                       weight_decay=0.01),
        paramwise_cfg=dict(
            _delete_=True,
            custom_keys=dict(
                decode_head=dict(lr_mult=10.0),
                pos_block=dict(decay_mult=0.0),
                norm=dict(decay_mult=0.0)))))
