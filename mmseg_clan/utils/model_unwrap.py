"""The segmentor inside the wrappers mmengine and mmseg put around it."""
from mmengine.model import BaseTTAModel, is_model_wrapper
from torch import nn


def unwrap_model(model: nn.Module, through_tta: bool = False) -> nn.Module:
    """The model inside DDP-style wrappers and, with ``through_tta``, inside test-time
    augmentation models (``BaseTTAModel.module``)."""
    while is_model_wrapper(model) or (through_tta and isinstance(model, BaseTTAModel)):
        model = model.module
    return model
