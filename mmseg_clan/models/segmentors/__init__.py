from .batch_geometry import SourceGeometry, TargetGeometry
from .clan import CLAN
from .clan_step import StepOutputs
from .debug_maps import step_debug_maps
from .nonfinite_guard import NonFiniteGuard, NonFiniteLossError
from .step_record import RecordsTrainSteps, StepRecord
from .uda_protocols import CountsAppliedUpdates, NamesOptimizers, TracksTrainProgress

__all__ = [
    'CLAN', 'CountsAppliedUpdates', 'NamesOptimizers', 'NonFiniteGuard', 'NonFiniteLossError',
    'RecordsTrainSteps', 'SourceGeometry', 'StepOutputs', 'StepRecord', 'TargetGeometry',
    'TracksTrainProgress', 'step_debug_maps'
]
