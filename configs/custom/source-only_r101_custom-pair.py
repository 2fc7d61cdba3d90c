# Lower bound for the custom pair: the CLAN template with one classifier trained on the labelled
# source alone (no discriminator, no weight-discrepancy loss, no target images), same schedule.
_base_ = ['./clan_r101_custom-pair.py']
model = dict(
    decode_head=dict(num_classifiers=1),
    discriminator=None,
    use_weight_loss=False)
optim_wrapper = dict(
    _delete_=True,
    constructor='CLANOptimWrapperConstructor',
    generator={{_base_.optim_wrapper.generator}})
param_scheduler = dict(_delete_=True, generator={{_base_.param_scheduler.generator}})
train_dataloader = dict(dataset=dict(target=None))
