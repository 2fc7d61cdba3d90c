"""CLAN's loss weights and switches, fixed when the segmentor is built."""
from dataclasses import dataclass


@dataclass(frozen=True)
class CLANWeights:
    """The constants of CLAN's loss terms; defaults are the official ones (see ``CLAN``)."""
    lambda_adv: float = 0.001  # official LAMBDA_ADV_TARGET
    lambda_weight: float = 0.01  # official LAMBDA_WEIGHT
    lambda_local: float = 40.0  # official LAMBDA_LOCAL: 40 GTA5, 10 SYNTHIA
    adaptive_eps: float = 0.4  # official EPSILON
    preheat_iters: int = 5000  # official PREHEAT_STEPS (adaptive for it > this)
    use_weight_loss: bool = True  # ablation / AdaptSegNet: False
    use_adaptive_weighting: bool = True  # ablation / AdaptSegNet: False
