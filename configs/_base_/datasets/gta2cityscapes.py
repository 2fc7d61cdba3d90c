# GTA5 -> Cityscapes, the official CLAN data pipeline (CLAN reference README, "Data" and
# "Evaluation"): whole-image resize (bicubic images, nearest labels), image-only scale jitter,
# flip 0.5, images kept BGR (the model's data_preprocessor subtracts the Caffe mean).
# Prepare the data with tools/dataset_converters/{gta,cityscapes}.py. Labels are read by
# CheckedLoadAnnotations: 8-bit train ids 0..18 or 255 at the original image's size, else an error.
# For the Cityscapes test server, set test_dataloader's data_prefix to leftImg8bit/test and
# test_evaluator = dict(type='CityscapesMetric', format_only=True, keep_results=True,
# output_dir='work_dirs/format_results'): it writes *_leftImg8bit.png label-id files.
gta_data_root = 'data/gta'
cityscapes_data_root = 'data/cityscapes'

source_train_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='CheckedLoadAnnotations'),
    dict(type='Resize', scale=(1280, 720), keep_ratio=False, interpolation='bicubic'),
    dict(type='ImageScaleJitter', scale_factors=(0.8, 1.0, 1.1), probs=(0.3, 0.4, 0.3)),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
target_meta_keys = ('img_path', 'ori_shape', 'img_shape', 'pad_shape', 'scale_factor', 'flip',
                    'flip_direction', 'nominal_shape')
target_train_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=(1024, 512), keep_ratio=False, interpolation='bicubic'),
    dict(type='ImageScaleJitter', scale_factors=(0.8, 1.0, 1.1), probs=(0.3, 0.4, 0.3)),
    dict(type='RandomFlip', prob=0.5),
    # nominal_shape (the 1024x512 before jitter): target predictions, M and D's output are
    # computed at this size, as the official fixed interp_target does
    dict(type='PackSegInputs', meta_keys=target_meta_keys),
]
# The image is resized to 1024x512; the label stays at the full 2048x1024.
test_pipeline = [
    # mmseg_clan's CheckedLoadImageFromFile, by the name mmseg's inference APIs look for
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(1024, 512), keep_ratio=False, interpolation='bicubic'),
    dict(type='CheckedLoadAnnotations'),
    dict(type='PackSegInputs'),
]

train_dataloader = dict(
    batch_size=1,  # CLAN: 1 source + 1 target image per iteration
    # tools/benchmark_data.py (docs/benchmarks.md): one worker makes about 13 pairs per CPU
    # second (~85% of it decoding the PNGs), so a 0.061 s/it step needs 2 workers and a 0.030 s/it
    # step 3; 6 leaves 2x headroom (official PIL loader: 7 pairs/s, 3 and 5 workers). Lower it on
    # hosts with few cores.
    num_workers=6,
    persistent_workers=True,
    pin_memory=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='UDADataset',
        source=dict(
            type='GTADataset',
            data_root=gta_data_root,
            ann_file='train.txt',
            pipeline=source_train_pipeline),
        target=dict(
            type='CityscapesDataset',
            data_root=cityscapes_data_root,
            data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
            pipeline=target_train_pipeline)))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='CityscapesDataset',
        data_root=cityscapes_data_root,
        data_prefix=dict(img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# Cityscapes val gtFine labels are 2048x1024, and the official evaluation scores predictions
# upsampled to that size; the metric warns, naming the size, when the labels are any other.
val_evaluator = dict(type='UDAIoUMetric', iou_metrics=['mIoU'], full_label_size=(2048, 1024))
test_evaluator = val_evaluator

# Test-time augmentation for tools/test.py --tta: multi-scale around the 1024x512 input, with flips.
tta_scales = [(int(1024 * r), int(512 * r)) for r in (0.75, 1.0, 1.25)]
tta_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(
        type='TestTimeAug',
        transforms=[
            [dict(type='Resize', scale=s, keep_ratio=False, interpolation='bicubic')
             for s in tta_scales],
            [dict(type='RandomFlip', prob=0.0, direction='horizontal'),
             dict(type='RandomFlip', prob=1.0, direction='horizontal')],
            [dict(type='CheckedLoadAnnotations')],
            [dict(type='PackSegInputs')],
        ])
]
