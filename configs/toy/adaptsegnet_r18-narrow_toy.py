# AdaptSegNet-style global adversarial baseline on the toy benchmark: the toy CLAN setting with
# one classifier, the discriminator on its output, no alignment-map weighting and no
# weight-discrepancy loss.
_base_ = ['./clan_r18-narrow_toy.py']
model = dict(
    decode_head=dict(num_classifiers=1),
    use_weight_loss=False,
    use_adaptive_weighting=False)
