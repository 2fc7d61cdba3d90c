"""CLAN segmentor: dual-classifier segmentation network trained against a discriminator."""
from contextlib import nullcontext
from typing import Dict, List

import torch
from mmengine.optim import OptimWrapperDict
from mmengine.structures import PixelData
from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, OptMultiConfig, OptSampleList, SampleList
from torch import Tensor

from ..decode_heads.clan_head import CLANHead
from .batch_geometry import (
    SourceGeometry,
    TargetGeometry,
    source_geometry,
    target_forward_inputs,
    target_geometry,
)
from .clan_hyperparameters import check_clan_hyperparameters
from .clan_schedule import StepSchedule, check_progress, step_schedule
from .clan_step import Backward, NetworkPass, StepOutputs, TermBackward, backward_terms
from .clan_weights import CLANWeights
from .nonfinite_guard import NonFiniteGuard, NonFiniteLossError
from .speed_options import apply_speed_options, channels_last_input
from .step_record import StepRecord


@MODELS.register_module()
class CLAN(EncoderDecoder):
    """Category-Level Adversarial Network (Luo et al., CVPR 2019) as an mmseg segmentor.

    Inference is mmseg's (``decode_head(feats)`` sums the classifiers' logits);
    ``discriminator=None`` gives a source-only model. One training iteration::

     train_step(data, optim_wrapper)
      |-> forward_backward(data): data_preprocessor(source, target)     # -> batch_geometry
      |    -> forward_backward_on_features: step_schedule(weights, it, T)  # clan_schedule
      |    -> backward_terms(head, D, weights, schedule, generator and D passes)  # clan_step
      |    |-> (D frozen) extract_feat(source) -> decode_head: z1_s, z2_s
      |    |-> segmentation_step: FL(z1_s, y) + FL(z2_s, y)       -> generator backward
      |    |-> extract_feat(target) -> decode_head -> upsample to the nominal size: z1_t, z2_t
      |    |-> adversarial_step: M = 1 - cos(p1, p2); D(softmax(z1_t + z2_t)):
      |    |     lambda_adv * damping * mean((eps + lambda_local * M) * BCE(D, source))
      |    |                                                      -> generator backward
      |    |-> weight_discrepancy_step: 2 * lambda_weight * damping * (cos(W1, W2) + 1)
      |    |                                                      -> generator backward
      |    |-> discriminator_step (D unfrozen, detached predictions):
      |            BCE(D(source), source) + mean((eps + lambda_local * M) * BCE(D(target), target))
      |                                                      -> discriminator backward
      |-> NonFiniteGuard.step_is_finite(terms, gradients)
      |-> generator step, discriminator step

    ``(eps + lambda_local * M)`` applies after the preheat (``clan_schedule``); before it, and
    with ``use_adaptive_weighting=False`` (AdaptSegNet), the weight is 1. After
    ``record_next_step()``, the next step's detached outputs stay in ``last_step``
    (:class:`~.step_record.StepRecord`) for the hooks.
    """

    def __init__(self,
                 backbone: ConfigType,
                 decode_head: ConfigType,
                 discriminator: OptConfigType = None,
                 lambda_adv: float = 0.001,  # official LAMBDA_ADV_TARGET
                 lambda_weight: float = 0.01,  # official LAMBDA_WEIGHT
                 lambda_local: float = 40.0,  # official LAMBDA_LOCAL: 40 GTA5, 10 SYNTHIA
                 adaptive_eps: float = 0.4,  # official EPSILON
                 preheat_iters: int = 5000,  # official PREHEAT_STEPS (adaptive for it > this)
                 use_weight_loss: bool = True,  # ablation / AdaptSegNet: False
                 use_adaptive_weighting: bool = True,  # ablation / AdaptSegNet: False
                 nonfinite_policy: str = 'raise',  # official: no guard; 'skip' skips a step
                 max_consecutive_skips: int = 10,  # 'skip': stop after this many in a row
                 max_total_skips: int = 100,  # 'skip': stop after this many in all
                 channels_last: bool = False,  # speed: NHWC layout (no effect on the math)
                 compile_cfg: dict | None = None,  # speed: torch.compile kwargs; None = eager
                 neck: OptConfigType = None,
                 auxiliary_head: OptConfigType = None,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 pretrained: str | None = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(backbone, decode_head, neck, auxiliary_head, train_cfg, test_cfg,
                         data_preprocessor, pretrained, init_cfg)
        self._check_components(auxiliary_head, use_weight_loss)
        check_clan_hyperparameters(lambda_adv, lambda_weight, lambda_local, adaptive_eps,
                                   preheat_iters)
        self.discriminator = None if discriminator is None else MODELS.build(discriminator)
        if self.discriminator is not None:
            disc_classes = getattr(self.discriminator, 'num_classes', None)
            if disc_classes != self.decode_head.out_channels:
                raise ValueError(
                    f'CLAN: discriminator.num_classes={disc_classes} must equal the decode '
                    f'head\'s out_channels={self.decode_head.out_channels}')
        self.weights = CLANWeights(lambda_adv, lambda_weight, lambda_local, adaptive_eps,
                                   preheat_iters, use_weight_loss, use_adaptive_weighting)
        self.nonfinite_guard = NonFiniteGuard(nonfinite_policy, max_consecutive_skips,
                                              max_total_skips)
        self.train_iter: int | None = None
        self.max_iters: int | None = None
        self.applied_updates = 0  # optimiser steps applied in this process
        self.last_step: StepRecord | None = None
        self._record_next_step = False
        self.channels_last = channels_last
        apply_speed_options(self, channels_last, compile_cfg)

    def _check_components(self, auxiliary_head: OptConfigType, use_weight_loss: bool) -> None:
        """Refuse configurations the CLAN training step cannot run."""
        if auxiliary_head is not None:
            raise ValueError('CLAN: auxiliary_head is not supported by the CLAN training step')
        if not isinstance(self.decode_head, CLANHead):
            raise TypeError('CLAN: decode_head must be a CLANHead (num_classifiers, classifier_'
                            'losses, upsample, discrepancy_parameters; e.g. DualASPPV2Head), got '
                            f'{type(self.decode_head).__name__}')
        if use_weight_loss and self.decode_head.num_classifiers != 2:
            raise ValueError('CLAN: use_weight_loss=True needs decode_head.num_classifiers=2')
        preprocessor = self.data_preprocessor
        if getattr(preprocessor, 'size', None) is None and getattr(
                preprocessor, 'size_divisor', 0) is None:
            raise ValueError('CLAN: set data_preprocessor.size_divisor=1 (or size): '
                             'SegDataPreProcessor needs one of them to stack training batches')

    def extract_feat(self, inputs: Tensor) -> List[Tensor]:
        """Backbone (and neck) features, the input in channels-last layout if configured."""
        return super().extract_feat(channels_last_input(inputs) if self.channels_last else inputs)

    @property
    def with_discriminator(self) -> bool:
        """Whether the model has a discriminator (adversarial training)."""
        return self.discriminator is not None

    @property
    def optimizer_names(self) -> List[str]:
        """The ``OptimWrapperDict`` entries the training step uses."""
        return ['generator'] + (['discriminator'] if self.with_discriminator else [])

    def set_train_progress(self, train_iter: int, max_iters: int) -> None:
        """Record the runner's 0-based iteration and total iterations (damping, preheat)."""
        check_progress(train_iter, max_iters)
        self.train_iter = train_iter
        self.max_iters = max_iters

    @property
    def schedule(self) -> StepSchedule:
        """This iteration's damping, adaptive switch and loss factors."""
        self._check_progress()
        return step_schedule(self.weights, self.train_iter, self.max_iters)

    damping = property(lambda self: self.schedule.damping, doc='1 - it / max_iters (official).')
    adaptive_active = property(lambda self: self.schedule.adaptive,
                               doc='Whether M weights the adversarial losses this iteration.')
    # the weights the official formulas name, read-only (set them through the constructor)
    lambda_adv = property(lambda self: self.weights.lambda_adv)
    lambda_local = property(lambda self: self.weights.lambda_local)
    adaptive_eps = property(lambda self: self.weights.adaptive_eps)

    def _check_progress(self) -> None:
        if self.train_iter is None:
            raise RuntimeError('CLAN: training progress unknown; add '
                               "custom_hooks=[dict(type='CLANProgressHook')] to the config "
                               'or call model.set_train_progress(iter, max_iters)')

    def record_next_step(self) -> None:
        """Keep the next training step's detached outputs in ``last_step`` for the hooks."""
        self._record_next_step = True

    # ------------------------------------------------------------------ training
    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> Dict[str, Tensor]:
        """One CLAN iteration on ``dict(source=batch, target=batch)`` (``target`` only with a
        discriminator) with the ``generator`` (and ``discriminator``) optimisers."""
        self._check_progress()
        self.last_step = None
        wrappers = [optim_wrapper[name] for name in self.optimizer_names]
        backward = TermBackward(*wrappers)
        try:
            outputs = self.forward_backward(data, backward.generator, wrappers,
                                            backward.discriminator)
        finally:
            self._record_next_step = False
        if self.nonfinite_guard.step_is_finite(backward.terms, wrappers, self.train_iter):
            for wrapper in wrappers:
                wrapper.step()
            self.nonfinite_guard.check_updated_parameters(self, self.train_iter)
            self.applied_updates += 1
        for wrapper in wrappers:
            wrapper.zero_grad()
        skips = torch.tensor(float(self.nonfinite_guard.total_skips))
        if self.nonfinite_guard.consecutive_skips:
            return dict(nonfinite_skips=skips)
        return {**outputs.log_vars, 'nonfinite_skips': skips}

    def forward_backward(self, data: dict, backward: Backward, wrappers: list,
                         discriminator_backward: Backward | None = None) -> StepOutputs:
        """Preprocess both domains and run the four terms' forward and backward passes (D's
        terms through ``discriminator_backward``, None: ``backward``) in the ``wrappers``'
        contexts; kept in ``last_step`` when ``record_next_step()`` asked for it."""
        if not isinstance(data, dict) or 'source' not in data or (
                self.with_discriminator and 'target' not in data):
            raise KeyError('CLAN.train_step expects data=dict(source=..., target=...) (target '
                           'only with a discriminator), got '
                           f'{list(data) if isinstance(data, dict) else type(data).__name__}')
        for wrapper in wrappers:
            wrapper.zero_grad()
        source = self.data_preprocessor(data['source'], True)
        target, target_features, geometry = None, None, None
        if self.with_discriminator:
            target = self.data_preprocessor(data['target'], True)
            geometry = target_geometry(target)

            def target_features() -> List[List[Tensor]]:
                return [self.extract_feat(inputs)
                        for inputs in target_forward_inputs(target['inputs'], geometry)]
        contexts = [lambda w=w: w.optim_context(self) for w in wrappers]
        geometry_of_source = source_geometry(source)
        outputs = self.forward_backward_on_features(
            lambda: self.extract_feat(source['inputs']), geometry_of_source,
            target_features, geometry, backward, *contexts,
            discriminator_backward=discriminator_backward)
        if self._record_next_step:
            self.last_step = StepRecord(outputs, source, geometry_of_source.labels, target,
                                        self.weights.adaptive_eps, self.weights.lambda_local)
        return outputs

    def forward_backward_on_features(self, source_features, source: SourceGeometry,
                                     target_features, target: TargetGeometry | None,
                                     backward: Backward, generator_context=nullcontext,
                                     discriminator_context=nullcontext,
                                     discriminator_backward: Backward | None = None
                                     ) -> StepOutputs:
        """:func:`~.clan_step.backward_terms` of this model's head, D, weights and current
        schedule on lazily computed features (D's terms through ``discriminator_backward``,
        None: ``backward``)."""
        return backward_terms(
            self.decode_head, self.discriminator, self.weights, self.schedule, source_features,
            source, target_features, target, NetworkPass(backward, generator_context),
            NetworkPass(discriminator_backward or backward, discriminator_context))

    # ----------------------------------------------------------------- inference
    def predict(self, inputs: Tensor, data_samples: OptSampleList = None) -> SampleList:
        """mmseg predict; whole-image mode upsamples the fused logits once to ``ori_shape``."""
        if not self._upsample_once_applies(data_samples):
            return super().predict(inputs, data_samples)
        fused = self._forward(inputs, data_samples)
        for i, sample in enumerate(data_samples):
            meta = sample.metainfo
            logits = fused[i:i + 1]
            if meta.get('flip', False):
                logits = logits.flip(dims=(3, ) if meta.get('flip_direction') ==
                                     'horizontal' else (2, ))
            logits = resize(logits, size=tuple(meta['ori_shape']), mode='bilinear',
                            align_corners=self.align_corners, warning=False).squeeze(0)
            if logits.shape[0] > 1:
                pred = logits.argmax(dim=0, keepdim=True)
            else:
                logits = logits.sigmoid()
                pred = (logits > self.decode_head.threshold).to(logits)
            sample.set_data(dict(seg_logits=PixelData(data=logits),
                                 pred_sem_seg=PixelData(data=pred)))
        return data_samples

    def _upsample_once_applies(self, data_samples: OptSampleList) -> bool:
        """Whole mode, ``test_cfg.upsample_once`` (default True), metas present, no padding."""
        if data_samples is None or self.test_cfg is None or self.test_cfg.get(
                'mode', 'whole') != 'whole' or not self.test_cfg.get('upsample_once', True):
            return False
        metas = [sample.metainfo for sample in data_samples]
        return all('ori_shape' in meta and not any(meta.get(
            'img_padding_size', meta.get('padding_size', [0] * 4))) for meta in metas)


__all__ = ['CLAN', 'NonFiniteLossError']
