from .deeplabv2_resnet import DeepLabV2ResNet
from .deeplabv2_vgg import DeepLabV2VGG

__all__ = ['DeepLabV2ResNet', 'DeepLabV2VGG']
