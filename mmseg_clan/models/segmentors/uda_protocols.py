"""What the engine's hooks need of a UDA segmentor, as Protocols (CLAN implements them all)."""
from typing import List, Protocol, runtime_checkable


@runtime_checkable
class TracksTrainProgress(Protocol):
    """A model whose schedule depends on the runner's iteration."""

    def set_train_progress(self, train_iter: int, max_iters: int) -> None:
        """Record the 0-based iteration about to run and the total iterations."""


@runtime_checkable
class NamesOptimizers(Protocol):
    """A model whose ``train_step`` uses named ``OptimWrapperDict`` entries."""

    @property
    def optimizer_names(self) -> List[str]:
        """The entries ``train_step`` uses."""


@runtime_checkable
class CountsAppliedUpdates(Protocol):
    """A model that counts the optimiser updates it applied in this process."""

    applied_updates: int
