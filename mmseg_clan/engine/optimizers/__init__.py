from .clan_optim_wrapper_constructor import (
                                             CLANOptimWrapperConstructor,
                                             official_update_multiplicity,
)
from .repeated_sgd import RepeatedSGD

__all__ = ['CLANOptimWrapperConstructor', 'RepeatedSGD', 'official_update_multiplicity']
