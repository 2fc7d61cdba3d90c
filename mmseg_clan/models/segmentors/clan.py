"""CLAN segmentor: dual-classifier segmentation network trained against a discriminator."""
import math
from contextlib import nullcontext
from typing import Callable, ContextManager, Dict, List, NamedTuple, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import is_model_wrapper
from mmengine.optim import AmpOptimWrapper, OptimWrapperDict
from mmengine.structures import PixelData
from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, OptMultiConfig, OptSampleList, SampleList
from torch import Tensor

from ..losses import adversarial_bce_loss, alignment_map, at_least_fp32, weight_discrepancy_loss
from .speed_options import channels_last_input, compile_modules, to_channels_last

SOURCE_DOMAIN_LABEL = 0.0  # official: source = 0
TARGET_DOMAIN_LABEL = 1.0  # official: target = 1
NONFINITE_POLICIES = ('raise', 'skip')


class _TargetGroup(NamedTuple):
    """Target samples sharing one size: fused prediction, alignment map M, size, batch share."""
    prediction: Tensor
    alignment_map: Tensor | None
    size: Tuple[int, int]
    share: float


def _weighted_mean(values: List[Tensor], shares: List[float]) -> Tensor:
    """Mean of per-group values weighted by their share of the batch (one group: itself)."""
    if len(values) == 1:
        return values[0]
    return torch.stack([v * w for v, w in zip(values, shares)]).sum()


def _copy_of_batch(batch: dict) -> dict:
    """A copy of a collated domain batch that the data preprocessor may pad in place."""
    return dict(inputs=list(batch['inputs']),
                data_samples=[sample.clone() for sample in batch['data_samples']])


class NonFiniteLossError(FloatingPointError):
    """A loss term became NaN or Inf during a CLAN training step."""


@MODELS.register_module()
class CLAN(EncoderDecoder):
    """Category-Level Adversarial Network (Luo et al., CVPR 2019) as an mmseg segmentor.

    Inference sums the classifiers' logits; ``discriminator=None`` gives a source-only model.
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
                 nonfinite_policy: str = 'raise',
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
        if auxiliary_head is not None:
            raise ValueError('CLAN: auxiliary_head is not supported by the CLAN training step')
        if not hasattr(self.decode_head, 'classifier_losses'):
            raise TypeError(f'CLAN: decode_head must be a CLAN head with classifier_losses (e.g. '
                            f'DualASPPV2Head), got {type(self.decode_head).__name__}')
        if nonfinite_policy not in NONFINITE_POLICIES:
            raise ValueError(f'CLAN: nonfinite_policy must be one of {NONFINITE_POLICIES}, '
                             f'got {nonfinite_policy!r}')
        if use_weight_loss and getattr(self.decode_head, 'num_classifiers', 1) != 2:
            raise ValueError('CLAN: use_weight_loss=True needs decode_head.num_classifiers=2')
        if discriminator is not None:
            self.discriminator = MODELS.build(discriminator)
            disc_classes = getattr(self.discriminator, 'num_classes', None)
            if disc_classes != self.decode_head.out_channels:
                raise ValueError(
                    f'CLAN: discriminator.num_classes={disc_classes} must equal the decode '
                    f'head\'s out_channels={self.decode_head.out_channels}')
        self.lambda_adv = lambda_adv
        self.lambda_weight = lambda_weight
        self.lambda_local = lambda_local
        self.adaptive_eps = adaptive_eps
        self.preheat_iters = preheat_iters
        self.use_weight_loss = use_weight_loss
        self.use_adaptive_weighting = use_adaptive_weighting
        self.nonfinite_policy = nonfinite_policy
        self.train_iter: int | None = None
        self.max_iters: int | None = None
        self.nonfinite_skips = 0
        self.channels_last = channels_last
        if channels_last:
            to_channels_last(self)
        if compile_cfg is not None:
            compile_modules([self.backbone, self.decode_head, *self._loss_modules] +
                            ([self.discriminator] if self.with_discriminator else []),
                            compile_cfg)

    @property
    def _loss_modules(self) -> List[torch.nn.Module]:
        loss_decode = self.decode_head.loss_decode
        return list(loss_decode) if isinstance(loss_decode, torch.nn.ModuleList) else [loss_decode]

    def extract_feat(self, inputs: Tensor) -> List[Tensor]:
        """Backbone (and neck) features, the input in channels-last layout if configured."""
        return super().extract_feat(channels_last_input(inputs) if self.channels_last else inputs)

    @property
    def with_discriminator(self) -> bool:
        """Whether the model has a discriminator (adversarial training)."""
        return getattr(self, 'discriminator', None) is not None

    def set_train_progress(self, train_iter: int, max_iters: int) -> None:
        """Record the runner's 0-based iteration and total iterations (damping, preheat)."""
        if max_iters <= 0 or not 0 <= train_iter <= max_iters:
            raise ValueError(f'CLAN: invalid train progress iter={train_iter}, '
                             f'max_iters={max_iters}')
        self.train_iter = train_iter
        self.max_iters = max_iters

    @property
    def damping(self) -> float:
        """1 - it / max_iters (official)."""
        self._check_progress()
        return 1.0 - self.train_iter / self.max_iters

    @property
    def adaptive_active(self) -> bool:
        """Whether the alignment map weights the adversarial losses this iteration."""
        self._check_progress()
        return self.use_adaptive_weighting and self.train_iter > self.preheat_iters

    def _check_progress(self) -> None:
        if self.train_iter is None:
            raise RuntimeError('CLAN: training progress unknown; add '
                               "custom_hooks=[dict(type='CLANProgressHook')] to the config "
                               'or call model.set_train_progress(iter, max_iters)')

    # ------------------------------------------------------------------ training
    def train_step(self, data: dict, optim_wrapper: OptimWrapperDict) -> Dict[str, Tensor]:
        """One CLAN iteration on ``dict(source=batch, target=batch)`` with two optimizers."""
        if not isinstance(data, dict) or 'source' not in data or 'target' not in data:
            raise KeyError('CLAN.train_step expects data=dict(source=..., target=...), got '
                           f'{list(data) if isinstance(data, dict) else type(data).__name__}')
        names = ['generator'] + (['discriminator'] if self.with_discriminator else [])
        for name in names:
            if name not in optim_wrapper:
                raise KeyError(f'CLAN.train_step: optim_wrapper has no {name!r} entry '
                               f'(keys: {list(optim_wrapper.keys())})')
        gen_wrapper = optim_wrapper['generator']
        disc_wrapper = optim_wrapper['discriminator'] if self.with_discriminator else None
        wrappers = [w for w in (gen_wrapper, disc_wrapper) if w is not None]
        for wrapper in wrappers:
            wrapper.zero_grad()

        preprocessor = self.data_preprocessor
        if getattr(preprocessor, 'size', None) is None and getattr(
                preprocessor, 'size_divisor', 0) is None:
            raise ValueError('CLAN.train_step: set data_preprocessor.size_divisor=1 (or size): '
                             'SegDataPreProcessor needs one of them to stack training batches')
        source = self.data_preprocessor(data['source'], True)
        target = self.data_preprocessor(data['target'], True)
        source_labels, source_valid_fractions = self._unpadded_source(source)
        target_sizes = self._unpadded_target_sizes(target)

        def source_features() -> List[Tensor]:
            return self.extract_feat(source['inputs'])

        def target_features() -> List[Tensor] | List[List[Tensor]]:
            if target_sizes is None:
                return self.extract_feat(target['inputs'])
            return [self.extract_feat(image[None, :, :height, :width])
                    for image, (height, width) in zip(target['inputs'], target_sizes)]

        backpropagated: List[Tuple[str, Tensor]] = []

        def backward(name: str, loss: Tensor) -> None:
            backpropagated.append((name, loss.detach()))
            wrapper = disc_wrapper if name.startswith('loss_d_') else gen_wrapper
            wrapper.backward(loss)

        try:
            log_vars = self.forward_backward_on_features(
                source_features, source_labels, target_features,
                target['inputs'].shape[-2:], backward,
                source_valid_fractions=source_valid_fractions,
                target_sizes=target_sizes,
                generator_context=lambda: gen_wrapper.optim_context(self),
                discriminator_context=(lambda: disc_wrapper.optim_context(self))
                if disc_wrapper is not None else nullcontext)
            self._guard_finite(backpropagated, [w for w in wrappers
                                                if not isinstance(w, AmpOptimWrapper)])
        except NonFiniteLossError:
            self._set_discriminator_trainable(True)
            for wrapper in wrappers:
                wrapper.zero_grad()
            if self.nonfinite_policy == 'raise':
                raise
            self.nonfinite_skips += 1
            return dict(nonfinite_skips=torch.tensor(float(self.nonfinite_skips)))
        for wrapper in wrappers:
            wrapper.step()
            wrapper.zero_grad()
        log_vars['nonfinite_skips'] = torch.tensor(float(self.nonfinite_skips))
        return log_vars

    def forward_backward_on_features(
            self,
            source_features: Callable[[], List[Tensor]],
            source_labels: Tensor,
            target_features: Callable[[], List[Tensor]],
            target_size: Sequence[int],
            backward: Callable[[str, Tensor], None],
            source_valid_fractions: List[Tuple[float, float]] | None = None,
            target_sizes: List[Tuple[int, int]] | None = None,
            generator_context: Callable[[], ContextManager] = nullcontext,
            discriminator_context: Callable[[], ContextManager] = nullcontext
    ) -> Dict[str, Tensor]:
        """Official CLAN loss order on lazily computed features; ``backward(name, loss)``
        back-propagates each term. Returns detached log values.

        ``source_valid_fractions`` (per sample, of the padded input) crops padded source
        logits. With ``target_sizes`` (targets of different sizes), ``target_features()``
        returns one feature list per sample, and M, the discriminator and the losses run on
        each sample at its own size, averaged over samples. Network
        forwards run in the ``*_context`` (e.g. autocast), loss math outside.
        """
        head = self._head
        log_vars: Dict[str, Tensor] = {}
        generator_total = []
        self._set_discriminator_trainable(False)

        # 1. source: segmentation loss of every classifier; graph freed by its backward
        with generator_context():
            source_logits = self.decode_head(source_features(), return_classifier_logits=True)
        source_logits = [at_least_fp32(z) for z in source_logits]
        if source_valid_fractions is not None:
            source_logits = [self._crop_and_upsample(z, source_valid_fractions,
                                                     source_labels.shape[-2:])
                             for z in source_logits]
        seg_losses = head.classifier_losses(source_logits, source_labels)
        loss_seg = sum(seg_losses.values())
        backward('loss_seg', loss_seg)
        generator_total.append(loss_seg.detach())
        log_vars.update({k: v.detach() for k, v in seg_losses.items()})
        label_size = source_labels.shape[-2:]
        if self.with_discriminator:
            source_pred = F.softmax(
                head.upsample(self._fuse(source_logits).detach(), label_size), dim=1)
        del source_logits, seg_losses, loss_seg

        # 2. target: adversarial loss through the frozen discriminator
        if self.with_discriminator:
            features = target_features()
            with generator_context():
                target_logits = [self.decode_head(f, return_classifier_logits=True) for f in (
                    [features] if target_sizes is None else features)]
            del features
            groups = self._target_groups(target_logits, target_size, target_sizes)
            del target_logits
            shares = [group.share for group in groups]
            adaptive = self.adaptive_active and groups[0].alignment_map is not None
            if groups[0].alignment_map is not None:
                log_vars['alignment_map_mean'] = _weighted_mean(
                    [g.alignment_map.detach().mean() for g in groups], shares)
            loss_adv = self.lambda_adv * self.damping * _weighted_mean([
                adversarial_bce_loss(
                    self._discriminate(g.prediction, g.size, generator_context),
                    SOURCE_DOMAIN_LABEL, g.alignment_map if adaptive else None,
                    self.adaptive_eps, self.lambda_local) for g in groups], shares)
            backward('loss_adv', loss_adv)
            generator_total.append(loss_adv.detach())
            log_vars['loss_adv'] = loss_adv.detach()
            del loss_adv

        # 3. weight discrepancy between the two classifiers
        if self.use_weight_loss:
            loss_weight = 2.0 * self.lambda_weight * self.damping * weight_discrepancy_loss(
                head.classifier1.parameters(), head.classifier2.parameters())
            backward('loss_weight', loss_weight)
            generator_total.append(loss_weight.detach())
            log_vars['loss_weight'] = loss_weight.detach()
        log_vars['loss'] = torch.stack(generator_total).sum()

        # 4. discriminator on detached predictions, unscaled
        if self.with_discriminator:
            self._set_discriminator_trainable(True)
            disc_source = self._discriminate(source_pred, label_size, discriminator_context)
            loss_d_source = adversarial_bce_loss(disc_source, SOURCE_DOMAIN_LABEL)
            backward('loss_d_source', loss_d_source)
            disc_targets = [self._discriminate(g.prediction.detach(), g.size,
                                               discriminator_context) for g in groups]
            loss_d_target = _weighted_mean([
                adversarial_bce_loss(d, TARGET_DOMAIN_LABEL,
                                     g.alignment_map.detach() if adaptive else None,
                                     self.adaptive_eps, self.lambda_local)
                for d, g in zip(disc_targets, groups)], shares)
            backward('loss_d_target', loss_d_target)
            log_vars.update(
                loss_d_source=loss_d_source.detach(),
                loss_d_target=loss_d_target.detach(),
                # mean sigmoid probability of "target" the discriminator assigns per domain
                disc_prob_source=torch.sigmoid(disc_source.detach()).mean(),
                disc_prob_target=_weighted_mean(
                    [torch.sigmoid(d.detach()).mean() for d in disc_targets], shares))
        return log_vars

    def _unpadded_source(self,
                         source: dict) -> Tuple[Tensor, List[Tuple[float, float]] | None]:
        """Source labels with batch padding removed, and each image's share of the padded
        input (None when nothing was padded)."""
        samples = source['data_samples']
        paddings = [s.metainfo.get('padding_size', [0] * 4) for s in samples]
        labels = []
        for sample, (left, right, top, bottom) in zip(samples, paddings):
            label = sample.gt_sem_seg.data
            labels.append(label[..., top:label.shape[-2] - bottom, left:label.shape[-1] - right])
        label_shapes = sorted({tuple(label.shape) for label in labels})
        if len(label_shapes) != 1:
            raise ValueError(f'CLAN.train_step: source labels of one batch must share a size, '
                             f'got {label_shapes}')
        if not any(any(p) for p in paddings):
            return torch.stack(labels), None
        padded_h, padded_w = source['inputs'].shape[-2:]
        fractions = [(s.metainfo['img_shape'][0] / padded_h, s.metainfo['img_shape'][1] / padded_w)
                     for s in samples]
        return torch.stack(labels), fractions

    @staticmethod
    def _unpadded_target_sizes(target: dict) -> List[Tuple[int, int]] | None:
        """Each target image's own size when the batch was padded (None otherwise)."""
        samples = target['data_samples']
        if not any(any(s.metainfo.get('padding_size', [0] * 4)) for s in samples):
            return None
        return [tuple(s.metainfo['img_shape'][:2]) for s in samples]

    def _target_groups(self, logits: List[List[Tensor]], size: Sequence[int],
                       sizes: List[Tuple[int, int]] | None) -> List['_TargetGroup']:
        """Per group of target logits (the batch, or each sample at its own ``sizes``):
        fused prediction and M at input resolution."""
        sizes = [tuple(size)] if sizes is None else sizes
        groups = []
        for group_logits, own_size in zip(logits, sizes):
            upsampled = [self._head.upsample(at_least_fp32(z), own_size) for z in group_logits]
            weight_map = alignment_map(F.softmax(upsampled[0], dim=1),
                                       F.softmax(upsampled[1], dim=1)) if len(
                                           upsampled) == 2 else None
            groups.append(_TargetGroup(F.softmax(self._fuse(upsampled), dim=1), weight_map,
                                       own_size, 1.0 / len(sizes)))
        return groups

    def _crop_and_upsample(self, logits: Tensor, fractions: List[Tuple[float, float]],
                           size: Sequence[int]) -> Tensor:
        """Per sample: keep the top-left share of ``logits`` covering the unpadded image,
        then upsample it to ``size``."""
        height, width = logits.shape[-2:]
        return torch.cat([
            self._head.upsample(
                logits[i:i + 1, :, :math.ceil(height * fh), :math.ceil(width * fw)], size)
            for i, (fh, fw) in enumerate(fractions)
        ])

    @property
    def _head(self):
        """The decode head, unwrapped from a model wrapper (e.g. DDP) if any."""
        return self.decode_head.module if is_model_wrapper(self.decode_head) else self.decode_head

    @staticmethod
    def _fuse(logits: List[Tensor]) -> Tensor:
        return logits[0] if len(logits) == 1 else logits[0] + logits[1]

    def _discriminate(self, probs: Tensor, size: Sequence[int],
                      context: Callable[[], ContextManager]) -> Tensor:
        """Discriminator logits upsampled (bilinear, align_corners=True) to ``size``."""
        with context():
            logits = self.discriminator(probs.to(next(self.discriminator.parameters()).dtype))
        return resize(at_least_fp32(logits), size=tuple(size), mode='bilinear',
                      align_corners=True, warning=False)

    def _set_discriminator_trainable(self, trainable: bool) -> None:
        if self.with_discriminator:
            for param in self.discriminator.parameters():
                param.requires_grad_(trainable)

    def _guard_finite(self, losses: List[Tuple[str, Tensor]], wrappers: list) -> None:
        """Raise NonFiniteLossError naming the first non-finite loss term, or the non-finite
        gradients of ``wrappers``; one host synchronisation for all checks."""
        grads = [p.grad for wrapper in wrappers for group in wrapper.optimizer.param_groups
                 for p in group['params'] if p.grad is not None]
        checks = [torch.isfinite(loss).all() for _, loss in losses]
        if grads:
            grad_norms = torch._foreach_norm([g.float() for g in grads])
            checks.append(torch.isfinite(torch.stack(grad_norms)).all())
        if not checks:
            return
        finite = torch.stack(checks).tolist()
        for (name, loss), ok in zip(losses, finite):
            if not ok:
                raise NonFiniteLossError(
                    f'CLAN: non-finite {name} = {loss.float().item()} at iteration '
                    f'{self.train_iter}; set nonfinite_policy=\'skip\' to skip such steps')
        if grads and not finite[-1]:
            raise NonFiniteLossError(f'CLAN: non-finite gradients at iteration {self.train_iter}')

    # ----------------------------------------------------------------- debugging
    @torch.no_grad()
    def debug_maps(self, data: dict) -> List[Dict[str, Tensor]]:
        """Per-sample display maps (CPU) of a ``dict(source=..., target=...)`` training batch,
        computed in the current (training) mode; parameters, buffers, RNG and ``data`` unchanged.

        Keys: ``source_image``, ``target_image`` (H, W, 3 uint8 RGB); class-id maps
        ``source_label``, ``source_prediction``, ``target_prediction`` (fused) and
        ``target_prediction_classifier{1,2}``; with two classifiers ``alignment_map`` (M), with
        a discriminator ``discriminator_target_prob`` (its sigmoid: probability of "target").
        """
        if not isinstance(data, dict) or 'source' not in data or 'target' not in data:
            raise KeyError('CLAN.debug_maps expects data=dict(source=..., target=...), got '
                           f'{list(data) if isinstance(data, dict) else type(data).__name__}')
        saved_buffers = {name: buffer.clone() for name, buffer in self.named_buffers()}
        cuda_devices = [torch.cuda.current_device()] if (
            torch.cuda.is_available() and torch.cuda.is_initialized()) else []
        try:
            with torch.random.fork_rng(devices=cuda_devices):
                source = self.data_preprocessor(_copy_of_batch(data['source']), True)
                target = self.data_preprocessor(_copy_of_batch(data['target']), True)
                source_maps = self._source_debug_maps(source)
                target_maps = self._target_debug_maps(target)
        finally:
            for name, buffer in self.named_buffers():
                buffer.copy_(saved_buffers[name])
        return [{**s, **t} for s, t in zip(source_maps, target_maps)]

    def _source_debug_maps(self, source: dict) -> List[Dict[str, Tensor]]:
        """Display image, label and fused prediction (at label size) of each source sample."""
        labels, fractions = self._unpadded_source(source)
        label_size = labels.shape[-2:]
        logits = [at_least_fp32(z) for z in self.decode_head(
            self.extract_feat(source['inputs']), return_classifier_logits=True)]
        logits = [self._head.upsample(z, label_size) if fractions is None else
                  self._crop_and_upsample(z, fractions, label_size) for z in logits]
        predictions = self._fuse(logits).argmax(dim=1).cpu()
        return [dict(source_image=image, source_label=label.reshape(label_size).cpu(),
                     source_prediction=prediction)
                for image, label, prediction in zip(self._display_images(source), labels,
                                                    predictions)]

    def _target_debug_maps(self, target: dict) -> List[Dict[str, Tensor]]:
        """Display image, predictions, M and discriminator map of each target sample, at its
        own input size (the whole batch at once when it was not padded, as in training)."""
        sizes = self._unpadded_target_sizes(target)
        if sizes is None:
            groups = [(target['inputs'], tuple(target['inputs'].shape[-2:]))]
        else:
            groups = [(image[None, :, :height, :width], (height, width))
                      for image, (height, width) in zip(target['inputs'], sizes)]
        samples = []
        for inputs, size in groups:
            logits = [self._head.upsample(at_least_fp32(z), size) for z in self.decode_head(
                self.extract_feat(inputs), return_classifier_logits=True)]
            fused = self._fuse(logits)
            maps = dict(target_prediction=fused.argmax(dim=1))
            for index, classifier_logits in enumerate(logits):
                maps[f'target_prediction_classifier{index + 1}'] = classifier_logits.argmax(dim=1)
            if len(logits) == 2:
                maps['alignment_map'] = alignment_map(F.softmax(logits[0], dim=1),
                                                      F.softmax(logits[1], dim=1))[:, 0]
            if self.with_discriminator:
                maps['discriminator_target_prob'] = torch.sigmoid(
                    self._discriminate(F.softmax(fused, dim=1), size, nullcontext))[:, 0]
            samples.extend({name: value[i].cpu() for name, value in maps.items()}
                           for i in range(inputs.shape[0]))
        for sample, image in zip(samples, self._display_images(target)):
            sample['target_image'] = image
        return samples

    def _display_images(self, batch: dict) -> List[Tensor]:
        """The preprocessed inputs of a batch back as (H, W, 3) uint8 RGB, padding removed."""
        preprocessor = self.data_preprocessor
        images = batch['inputs'].float()
        if getattr(preprocessor, '_enable_normalize', False):
            images = images * preprocessor.std + preprocessor.mean
        if not getattr(preprocessor, 'channel_conversion', False):
            images = images.flip(1)  # mmseg loads BGR; the model saw BGR
        shapes = [sample.metainfo['img_shape'][:2] for sample in batch['data_samples']]
        return [image[:, :height, :width].round().clamp(0, 255).to(torch.uint8)
                .permute(1, 2, 0).cpu() for image, (height, width) in zip(images, shapes)]

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
        if data_samples is None or self.test_cfg is None:
            return False
        if self.test_cfg.get('mode', 'whole') != 'whole':
            return False
        if not self.test_cfg.get('upsample_once', True):
            return False
        for sample in data_samples:
            meta = sample.metainfo
            padding = meta.get('img_padding_size', meta.get('padding_size', [0] * 4))
            if any(padding) or 'ori_shape' not in meta:
                return False
        return True


__all__ = ['CLAN', 'NonFiniteLossError']
