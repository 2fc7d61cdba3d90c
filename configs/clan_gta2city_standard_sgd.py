# CLAN GTA5 -> Cityscapes with standard SGD: each backbone parameter updated once per step
# (the clean variant of the official run's repeated backbone updates).
_base_ = ['./clan_gta2city.py']
optim_wrapper = dict(
    generator=dict(
        optimizer=dict(type='SGD', _delete_=True, lr=2.5e-4, momentum=0.9, weight_decay=5e-4),
        paramwise_cfg=dict(official_repeated_backbone_updates=False)))
