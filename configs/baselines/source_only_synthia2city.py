# Source-only baseline: DeepLab-v2 (one ASPP classifier) trained on labelled SYNTHIA alone,
# with the same schedule and no discriminator.
_base_ = ['../clan_synthia2city.py']
model = dict(
    decode_head=dict(num_classifiers=1),
    discriminator=None,
    use_weight_loss=False)
optim_wrapper = dict(
    _delete_=True,
    constructor='CLANOptimWrapperConstructor',
    generator={{_base_.optim_wrapper.generator}})
param_scheduler = dict(_delete_=True, generator={{_base_.param_scheduler.generator}})
# No target images: UDADataset yields dict(source=...) only, so none is read or decoded.
train_dataloader = dict(dataset=dict(target=None))
