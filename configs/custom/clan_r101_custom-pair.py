# Template: CLAN between two datasets of your own in mmseg's layout (docs/custom_datasets.md).
#   data/my_source/{img_dir,ann_dir}/train/*      labelled source (e.g. rural tiles, day, simulator)
#   data/my_target/{img_dir,ann_dir}/{train,val}/* unlabelled target train split, labelled val split
# Labels are single-channel 8-bit PNGs holding 0..len(classes)-1 and ignore_index. Edit the block
# below; everything else is the official CLAN setting (configs/clan_gta2city.py) made class-generic.
_base_ = [
    '../_base_/models/clan_deeplabv2_r101.py', '../_base_/schedules/clan_100k.py',
    '../_base_/default_runtime.py'
]
# ----- your data ---------------------------------------------------------------------------------
classes = ('background', 'building', 'road', 'water', 'barren', 'forest', 'agricultural')
palette = [[255, 255, 255], [255, 0, 0], [255, 255, 0], [0, 0, 255], [159, 129, 183],
           [0, 255, 0], [255, 195, 128]]
ignore_index = 255  # label value that is neither trained on nor evaluated
source_root = 'data/my_source'
target_root = 'data/my_target'
img_suffix, seg_map_suffix = '.png', '.png'
source_scale = (1280, 720)  # (w, h) the source images are resized to (official GTA5 setting)
target_scale = (1024, 512)  # (w, h) the target images are resized to (official Cityscapes)
lambda_local = 40.0  # official GTA5 value; 10 for SYNTHIA: revisit for your pair
# --------------------------------------------------------------------------------------------------
num_classes = len(classes)
metainfo = dict(classes=classes, palette=palette)

model = dict(
    data_preprocessor=dict(seg_pad_val=ignore_index),
    decode_head=dict(num_classes=num_classes, ignore_index=ignore_index),
    discriminator=dict(num_classes=num_classes),
    lambda_local=lambda_local)

load_labels = dict(type='CheckedLoadAnnotations', num_classes=num_classes,
                   ignore_index=ignore_index)
source_train_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    load_labels,
    dict(type='Resize', scale=source_scale, keep_ratio=False, interpolation='bicubic'),
    dict(type='ImageScaleJitter', scale_factors=(0.8, 1.0, 1.1), probs=(0.3, 0.4, 0.3)),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
target_meta_keys = ('img_path', 'ori_shape', 'img_shape', 'pad_shape', 'scale_factor', 'flip',
                    'flip_direction', 'nominal_shape')
target_train_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=target_scale, keep_ratio=False, interpolation='bicubic'),
    dict(type='ImageScaleJitter', scale_factors=(0.8, 1.0, 1.1), probs=(0.3, 0.4, 0.3)),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs', meta_keys=target_meta_keys),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),  # mmseg_clan's checked loader, by the name mmseg's APIs find
    dict(type='Resize', scale=target_scale, keep_ratio=False, interpolation='bicubic'),
    load_labels,  # after Resize: the prediction is compared at the label's original size
    dict(type='PackSegInputs'),
]
dataset_type = 'BaseSegDataset'
train_dataloader = dict(
    batch_size=1,  # CLAN: 1 source + 1 target image per iteration
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='UDADataset',
        source=dict(
            type=dataset_type, metainfo=metainfo, data_root=source_root,
            data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, pipeline=source_train_pipeline),
        target=dict(
            type=dataset_type, metainfo=metainfo, data_root=target_root,
            data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
            img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
            pipeline=target_train_pipeline)))  # target labels are never read in training
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type, metainfo=metainfo, data_root=target_root,
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='UDAIoUMetric', iou_metrics=['mIoU'], ignore_index=ignore_index)
test_evaluator = val_evaluator
