# GTA5 -> Cityscapes as the transformer UDA works train (DAFormer, Hoyer et al. CVPR 2022, and
# MIC, CVPR 2023, configs/_base_/datasets/uda_gta_to_cityscapes_512x512.py): GTA5 resized to
# 1280x720 and Cityscapes to 1024x512 (aspect kept), random 512x512 crops (source crops with at
# most 75% of one class), flip 0.5, batch 2 per domain. Test: 1024x512 whole images, inherited.
_base_ = ['./gta2cityscapes.py']
crop_size = (512, 512)
source_train_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='CheckedLoadAnnotations'),
    dict(type='Resize', scale=(1280, 720), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
target_train_pipeline = [
    dict(type='CheckedLoadImageFromFile'),
    dict(type='Resize', scale=(1024, 512), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=2,  # DAFormer / MIC: 2 source + 2 target crops per iteration
    dataset=dict(
        source=dict(pipeline=source_train_pipeline),
        target=dict(pipeline=target_train_pipeline)))
