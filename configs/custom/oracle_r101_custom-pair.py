# Upper bound for the custom pair: the source-only setting trained on the labelled target train
# split instead of the source (needs target train labels in ann_dir/train; the only run that
# sees target labels). Evaluated on the same target val split.
_base_ = ['./source-only_r101_custom-pair.py']
train_dataloader = dict(
    dataset=dict(
        source=dict(
            data_root={{_base_.target_root}},
            pipeline=[
                dict(type='CheckedLoadImageFromFile'),
                {{_base_.load_labels}},
                dict(type='Resize', scale={{_base_.target_scale}}, keep_ratio=False,
                     interpolation='bicubic'),
                dict(type='ImageScaleJitter', scale_factors=(0.8, 1.0, 1.1),
                     probs=(0.3, 0.4, 0.3)),
                dict(type='RandomFlip', prob=0.5),
                dict(type='PackSegInputs'),
            ])))
