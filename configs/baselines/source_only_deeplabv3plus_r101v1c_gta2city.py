# Source-only baseline of backbones/clan_deeplabv3plus_r101v1c_gta2city.py: DeepLabV3+
# ResNet-101-V1c (one decoder) trained on labelled GTA alone, same schedule, no discriminator.
_base_ = ['../backbones/clan_deeplabv3plus_r101v1c_gta2city.py']
model = dict(decode_head=dict(num_classifiers=1), discriminator=None, use_weight_loss=False)
# The discriminator's optimiser and schedule are not built without a discriminator.
# No target images: UDADataset yields dict(source=...) only, so none is read or decoded.
train_dataloader = dict(dataset=dict(target=None))
