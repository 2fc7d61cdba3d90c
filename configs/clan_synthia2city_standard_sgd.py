# CLAN SYNTHIA -> Cityscapes with standard SGD (see clan_gta2city_standard_sgd.py).
_base_ = ['./clan_synthia2city.py']
optim_wrapper = dict(
    generator=dict(
        optimizer=dict(type='SGD', _delete_=True, lr=2.5e-4, momentum=0.9, weight_decay=5e-4),
        paramwise_cfg=dict(official_repeated_backbone_updates=False)))
