"""Per-class mean of CLAN's alignment map M on a labelled dataset (the toy benchmark's
mechanism check: is M high on the classes whose appearance shifts?)."""
from typing import Dict, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, MODELS

from mmseg_clan.cli.tool_config import ConfigOptionsAction, load_tool_config
from mmseg_clan.models.losses.alignment_map import alignment_map
from mmseg_clan.utils.checkpoint import load_checked_checkpoint


def class_mean_alignment(config_file: str, options: Sequence[str],
                         checkpoint: str) -> Dict[str, float]:
    """Mean M of a two-classifier checkpoint per class over the labelled pixels of the config's
    test set; ``options`` are the ``KEY=VALUE`` overrides the checkpoint was tested with."""
    init_default_scope('mmseg')
    overrides = dict(o.split('=', 1) for o in options)
    cfg = load_tool_config(config_file, 'none', {key: ConfigOptionsAction._parse_iterable(value)
                                                 for key, value in overrides.items()}, None)
    cfg.model.backbone.init_cfg = None  # the checkpoint holds every weight
    model = MODELS.build(cfg.model)
    load_checked_checkpoint(model, checkpoint)
    model.eval()
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    num_classes = len(dataset.metainfo['classes'])
    sums, counts = np.zeros(num_classes), np.zeros(num_classes)
    for index in range(len(dataset)):
        sample = dataset[index]
        batch = model.data_preprocessor(pseudo_collate([sample]), False)
        with torch.no_grad():
            logits = model.decode_head(model.extract_feat(batch['inputs']),
                                       return_classifier_logits=True)
        labels = sample['data_samples'].gt_sem_seg.data[0].numpy().astype(np.int64)
        probs = [F.softmax(model.decode_head.upsample(z, labels.shape), dim=1) for z in logits]
        m_map = alignment_map(probs[0], probs[1])[0, 0].numpy()
        valid = labels < num_classes
        sums += np.bincount(labels[valid], weights=m_map[valid], minlength=num_classes)
        counts += np.bincount(labels[valid], minlength=num_classes)
    return {name: float(sums[i] / counts[i]) if counts[i] else float('nan')
            for i, name in enumerate(dataset.metainfo['classes'])}
