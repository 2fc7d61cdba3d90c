# Ablation (paper Table 3): the toy CLAN setting without the weight-discrepancy loss.
_base_ = ['./clan_r18-narrow_toy.py']
model = dict(use_weight_loss=False)
