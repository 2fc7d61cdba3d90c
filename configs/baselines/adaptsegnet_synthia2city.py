# AdaptSegNet-style global adversarial baseline: one classifier, the discriminator on its output,
# no alignment-map weighting and no weight-discrepancy loss.
_base_ = ['../clan_synthia2city.py']
model = dict(
    decode_head=dict(num_classifiers=1),
    use_weight_loss=False,
    use_adaptive_weighting=False)
