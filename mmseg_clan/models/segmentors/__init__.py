from .batch_geometry import SourceGeometry, TargetGeometry
from .clan import CLAN
from .clan_step import StepOutputs
from .nonfinite_guard import NonFiniteGuard, NonFiniteLossError

__all__ = [
    'CLAN', 'NonFiniteGuard', 'NonFiniteLossError', 'SourceGeometry', 'StepOutputs',
    'TargetGeometry'
]
