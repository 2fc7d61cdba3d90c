# Source-only baseline: DeepLab-v2 (one ASPP classifier) trained on labelled GTA alone,
# with the same schedule and no discriminator.
_base_ = ['../clan_gta2city.py']
model = dict(decode_head=dict(num_classifiers=1), discriminator=None, use_weight_loss=False)
# The discriminator's optimiser and schedule are not built without a discriminator.
# No target images: UDADataset yields dict(source=...) only, so none is read or decoded.
train_dataloader = dict(dataset=dict(target=None))
