"""What a UDA segmentor keeps of one training step for the hooks that read it."""
from typing import NamedTuple, Protocol, runtime_checkable

from torch import Tensor

from .clan_step import StepOutputs


class StepRecord(NamedTuple):
    """The detached outputs of one training step with the preprocessed batches it ran on and
    the adaptive weighting's constants (``eps + lambda_local * M``)."""
    outputs: StepOutputs
    source: dict  # preprocessed source batch: ``inputs``, ``data_samples``
    source_labels: Tensor  # (N, H, W) source labels at label size
    target: dict | None  # preprocessed target batch (None without a discriminator)
    adaptive_eps: float
    lambda_local: float


@runtime_checkable
class RecordsTrainSteps(Protocol):
    """A model whose next training step can be kept, detached, for the hooks."""

    last_step: StepRecord | None

    def record_next_step(self) -> None:
        """Keep the next ``train_step``'s :class:`StepRecord` in ``last_step``."""
