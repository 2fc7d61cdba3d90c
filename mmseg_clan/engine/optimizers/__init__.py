from .clan_optim_wrapper_constructor import (
                                             CLANOptimWrapperConstructor,
                                             official_update_multiplicity,
)
from .repeated_sgd import RepeatedSGD
from .warmup_poly_lr import WarmupPolyLR, WarmupPolyParamScheduler

__all__ = [
    'CLANOptimWrapperConstructor', 'RepeatedSGD', 'WarmupPolyLR', 'WarmupPolyParamScheduler',
    'official_update_multiplicity'
]
