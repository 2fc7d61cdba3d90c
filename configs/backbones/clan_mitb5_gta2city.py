# CLAN GTA5 -> Cityscapes with SegFormer MiT-B5 and two all-MLP decoders over all four stages, in
# the data and optimisation recipe of DAFormer / MIC (512x512 crops, batch 2, AdamW 6e-5, decoder
# 10x, warm-up + poly, 40k iterations); CLAN's losses and constants as the official run.
_base_ = [
    '../_base_/models/clan_segformer_mitb5.py',
    '../_base_/datasets/gta2cityscapes_daformer_512x512.py',
    '../_base_/schedules/uda_adamw_40k.py', '../_base_/default_runtime.py'
]
model = dict(lambda_local=40.0)  # official LAMBDA_LOCAL for GTA5
