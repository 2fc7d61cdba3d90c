# CLAN with the faithful DeepLab-v2 ResNet-101 (CLAN reference README, "Model"): Caffe BGR mean
# without std, dual ASPP-v2 classifiers (official layer5/layer6), FC discriminator (ndf 64).
# Backbone init: convert DeepLab_resnet_pretrained_init-f81d91e8.pth with
# tools/model_converters/deeplabv2_init.py into checkpoints/deeplabv2_r101_init.pth.
norm_cfg = dict(type='BN', requires_grad=False)  # official: BN affine frozen, BN in train mode
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[104.00698793, 116.66876762, 122.67891434],  # official Caffe BGR mean
    std=[1.0, 1.0, 1.0],
    bgr_to_rgb=False,  # images stay BGR, as the official loader feeds them
    pad_val=0,
    seg_pad_val=255,
    size_divisor=1)  # pad a batch to its largest image (jittered sizes differ)
model = dict(
    type='CLAN',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='DeepLabV2ResNet',
        depth=101,
        norm_cfg=norm_cfg,
        norm_eval=False,
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/deeplabv2_r101_init.pth')),
    decode_head=dict(
        type='DualASPPV2Head',
        in_channels=2048,
        in_index=3,
        num_classes=19,
        dilations=(6, 12, 18, 24),  # official ASPP rates
        align_corners=True,
        loss_decode=dict(type='SoftmaxFocalLoss', gamma=2.0)),  # official focal loss, gamma 2
    discriminator=dict(type='FCDiscriminator', num_classes=19, ndf=64),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
