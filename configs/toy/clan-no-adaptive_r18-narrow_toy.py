# Ablation (paper Table 3): the toy CLAN setting without the adaptive adversarial weighting
# (uniform weight instead of epsilon + lambda_local * M).
_base_ = ['./clan_r18-narrow_toy.py']
model = dict(use_adaptive_weighting=False)
