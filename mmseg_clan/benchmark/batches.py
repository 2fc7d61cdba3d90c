"""What the benchmark tools time on: a config's model with its optimisers, and random
batches in the layout the data loader yields."""
from typing import Sequence

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

IGNORE_INDEX = 255


def random_domain_batch(batch_size: int, image_hw: Sequence[int], num_classes: int,
                        generator: torch.Generator, with_labels: bool = True) -> dict:
    """A pseudo-collated batch of random uint8 BGR images (and labels), as the loader yields."""
    inputs, samples = [], []
    for _ in range(batch_size):
        inputs.append(torch.randint(0, 256, (3, *image_hw), generator=generator,
                                    dtype=torch.uint8))
        sample = SegDataSample(metainfo=dict(img_shape=tuple(image_hw),
                                             ori_shape=tuple(image_hw)))
        if with_labels:
            labels = torch.randint(0, num_classes, (1, *image_hw), generator=generator)
            labels[:, :image_hw[0] // 8] = IGNORE_INDEX  # an ignored band, as sky/ego car
            sample.gt_sem_seg = PixelData(data=labels)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def build_model_and_optimizers(cfg: Config, device: torch.device):
    """The config's model (random init, no checkpoint) and its OptimWrapperDict."""
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = MODELS.build(cfg.model).to(device)
    model.train()
    return model, build_optim_wrapper(model, cfg.optim_wrapper)
