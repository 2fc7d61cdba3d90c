# CLAN with the DeepLab-v2 VGG-16 of AdaptSegNet (the paper's second backbone; the official CLAN
# code never released it): pool4/pool5 removed, conv5 dilation 2, fc6/fc7 3x3 dilation 4, 1024
# channels. Backbone init: the Caffe-converted VGG-16 in torchvision layout used by AdaptSegNet
# (vgg16-00b39a1b-updated.pth, BGR, Caffe mean), converted with
# tools/model_converters/torchvision_vgg16.py into checkpoints/deeplabv2_vgg16_init.pth.
# torchvision's own vgg16-397923af.pth expects RGB / ImageNet mean-std instead: change
# data_preprocessor to mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
# bgr_to_rgb=True when using it.
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[104.00698793, 116.66876762, 122.67891434],  # Caffe BGR mean, as AdaptSegNet
    std=[1.0, 1.0, 1.0],
    bgr_to_rgb=False,
    pad_val=0,
    seg_pad_val=255,
    size_divisor=1)  # pad a batch to its largest image (jittered sizes differ)
model = dict(
    type='CLAN',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='DeepLabV2VGG',
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/deeplabv2_vgg16_init.pth')),
    decode_head=dict(
        type='DualASPPV2Head',
        in_channels=1024,
        in_index=0,
        num_classes=19,
        dilations=(6, 12, 18, 24),  # AdaptSegNet / CLAN ASPP rates
        align_corners=True,
        loss_decode=dict(type='SoftmaxFocalLoss', gamma=2.0)),  # official focal loss, gamma 2
    discriminator=dict(type='FCDiscriminator', num_classes=19, ndf=64),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
