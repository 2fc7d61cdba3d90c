"""Published results of the configs that reproduce a setting of the CLAN paper (Luo et al.,
CVPR 2019, Tables 1 and 2; mIoU in % on Cityscapes val), keyed by config name."""
from typing import NamedTuple


class PaperResult(NamedTuple):
    """The paper's number for a config: the setting, the metric it is in, the value."""
    setting: str
    metric: str
    value: float


_GTA_R101 = 'GTA5 -> Cityscapes, DeepLab-v2 ResNet-101'
_SYNTHIA_R101 = 'SYNTHIA -> Cityscapes, DeepLab-v2 ResNet-101 (13 classes)'
PAPER_RESULTS = {
    'source_only_gta2city': PaperResult(_GTA_R101, 'mIoU', 36.6),
    'adaptsegnet_gta2city': PaperResult(_GTA_R101, 'mIoU', 42.4),
    'clan_gta2city': PaperResult(_GTA_R101, 'mIoU', 43.2),
    # the same setting with plain SGD instead of the official repeated backbone updates
    'clan_gta2city_standard_sgd': PaperResult(_GTA_R101, 'mIoU', 43.2),
    'clan_vgg16_gta2city': PaperResult('GTA5 -> Cityscapes, VGG-16', 'mIoU', 36.6),
    'adaptsegnet_synthia2city': PaperResult(_SYNTHIA_R101, 'mIoU13', 46.7),
    'clan_synthia2city': PaperResult(_SYNTHIA_R101, 'mIoU13', 47.8),
    'clan_synthia2city_standard_sgd': PaperResult(_SYNTHIA_R101, 'mIoU13', 47.8),
}


def paper_result(config_name: str | None, metric: str) -> PaperResult | None:
    """The paper's result for a config in ``metric``; None for other configs or metrics."""
    result = PAPER_RESULTS.get(config_name or '')
    return result if result is not None and result.metric == metric else None
