# Target-supervised oracle on the toy benchmark: the source-only setting trained on the labelled
# target train split instead of the source (the only run that sees target labels).
_base_ = ['./source-only_r18-narrow_toy.py']
train_dataloader = dict(
    dataset=dict(
        source=dict(
            _delete_=True,
            type='CityscapesDataset',
            data_root='data/toy/target',
            data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
            pipeline={{_base_.source_train_pipeline}})))
