# CLAN with SegFormer (Xie et al. 2021): the MiT-B5 encoder and two independent all-MLP
# SegformerHead decoders over all four stages (DualDecodeHead) as CLAN's C1/C2; the
# weight-discrepancy loss compares their final classifiers (conv_seg). Encoder as mmseg's
# configs/_base_/models/segformer_mit-b0.py at B5 size. Weights: convert the ImageNet MiT-B5
# (mit_b5.pth) with mmseg's tools/model_converters/mit2mmseg.py into checkpoints/mit_b5_mmseg.pth.
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],  # ImageNet RGB mean/std of the MiT weights
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size_divisor=1)
model = dict(
    type='CLAN',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='MixVisionTransformer',
        in_channels=3,
        embed_dims=64,  # MiT-B5
        num_stages=4,
        num_layers=[3, 6, 40, 3],  # MiT-B5
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
    decode_head=dict(
        type='DualDecodeHead',
        discrepancy_params='classifier',  # CLAN's C1/C2: each decoder's conv_seg
        head=dict(
            type='SegformerHead',
            in_channels=[64, 128, 320, 512],  # the four MiT-B5 stages (strides 4, 8, 16, 32)
            in_index=[0, 1, 2, 3],
            channels=768,  # SegFormer paper: decoder dimension C = 768 for MiT-B2..B5
            dropout_ratio=0.1,
            num_classes=19,
            norm_cfg=norm_cfg,
            align_corners=False,
            loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0))),
    discriminator=dict(type='FCDiscriminator', num_classes=19, ndf=64),  # official CLAN D
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
