# SYNTHIA (RAND-CITYSCAPES) -> Cityscapes, the official CLAN data pipeline (CLAN reference
# README, "Data" and "Evaluation"): the GTA5 -> Cityscapes pipeline with SYNTHIA as the source,
# resized to 1280x760, and mIoU-16/13 reported beside mIoU-19.
# Prepare the data with tools/dataset_converters/{synthia,cityscapes}.py.
_base_ = ['./gta2cityscapes.py']
synthia_data_root = 'data/synthia'

source_train_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='CheckedLoadAnnotations'),
    dict(type='Resize', scale=(1280, 760), keep_ratio=False, interpolation='bicubic'),
    dict(type='ImageScaleJitter', scale_factors=(0.8, 1.0, 1.1), probs=(0.3, 0.4, 0.3)),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    dataset=dict(
        source=dict(
            type='SynthiaDataset',
            data_root=synthia_data_root,
            ann_file='train.txt',
            pipeline=source_train_pipeline)))

# Trained on 19 classes; SYNTHIA results are reported as mIoU-16 and mIoU-13 (CLAN reference).
miou13_classes = [
    'road', 'sidewalk', 'building', 'traffic light', 'traffic sign', 'vegetation', 'sky',
    'person', 'rider', 'car', 'bus', 'motorcycle', 'bicycle'
]
miou16_classes = miou13_classes + ['wall', 'fence', 'pole']
val_evaluator = dict(class_subsets=dict(mIoU16=miou16_classes, mIoU13=miou13_classes))
test_evaluator = val_evaluator
