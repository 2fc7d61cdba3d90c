# CLAN GTA5 -> Cityscapes with a DeepLab-v2 ResNet-50 (same dilated Caffe-style layout as the
# official ResNet-101), initialised from torchvision's ImageNet ResNet-50:
#   python tools/model_converters/torchvision_resnet.py resnet50-0676ba61.pth \
#       checkpoints/resnet50_torchvision.pth
# torchvision weights expect RGB input normalised by the ImageNet mean/std.
_base_ = ['../clan_gta2city_standard_sgd.py']
model = dict(
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(
        depth=50,
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/resnet50_torchvision.pth')))
