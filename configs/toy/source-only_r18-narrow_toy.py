# Source-only baseline on the toy benchmark: the toy CLAN setting with one classifier trained on
# the labelled source alone (no discriminator, no weight-discrepancy loss), same schedule.
_base_ = ['./clan_r18-narrow_toy.py']
model = dict(decode_head=dict(num_classifiers=1), discriminator=None, use_weight_loss=False)
# The discriminator's optimiser and schedule are not built without a discriminator.
# No target images: UDADataset yields dict(source=...) only, so none is read or decoded.
train_dataloader = dict(dataset=dict(target=None))
