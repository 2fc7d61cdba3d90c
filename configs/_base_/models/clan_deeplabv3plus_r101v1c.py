# CLAN with mmseg's DeepLabV3+ (configs/_base_/models/deeplabv3plus_r50-d8.py at depth 101): a
# ResNet-101-V1c dilated to output stride 8 with mmseg's ImageNet weights, and two independent
# DepthwiseSeparableASPPHead decoders (DualDecodeHead) as CLAN's C1/C2; the weight-discrepancy
# loss compares their final classifiers (conv_seg). mmseg's FCN auxiliary head is left out (the
# CLAN step has no auxiliary loss). SyncBN as mmseg (a plain BN on one GPU).
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],  # ImageNet RGB mean/std of mmseg's ResNet-V1c weights
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size_divisor=1)  # pad a batch to its largest image (jittered sizes differ)
model = dict(
    type='CLAN',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='ResNetV1c',
        depth=101,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True,
        init_cfg=dict(type='Pretrained', checkpoint='open-mmlab://resnet101_v1c')),
    decode_head=dict(
        type='DualDecodeHead',
        discrepancy_params='classifier',  # CLAN's C1/C2: each decoder's conv_seg
        head=dict(
            type='DepthwiseSeparableASPPHead',  # mmseg's DeepLabV3+ decoder
            in_channels=2048,
            in_index=3,
            channels=512,
            dilations=(1, 12, 24, 36),
            c1_in_channels=256,
            c1_channels=48,
            dropout_ratio=0.1,
            num_classes=19,
            norm_cfg=norm_cfg,
            align_corners=False,
            loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0))),
    discriminator=dict(type='FCDiscriminator', num_classes=19, ndf=64),  # official CLAN D
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
