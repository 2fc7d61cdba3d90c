# AdaptSegNet-style global adversarial baseline of backbones/clan_deeplabv3plus_r101v1c_gta2city.py:
# one decoder, the discriminator on its output, no alignment-map weighting, no weight discrepancy.
_base_ = ['../backbones/clan_deeplabv3plus_r101v1c_gta2city.py']
model = dict(decode_head=dict(num_classifiers=1), use_weight_loss=False,
             use_adaptive_weighting=False)
