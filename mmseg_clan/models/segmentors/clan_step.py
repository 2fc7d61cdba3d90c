"""One CLAN iteration as the paper's four terms, back-propagated in the official order:

1. segmentation: focal loss of both classifiers on the source (D frozen; its backward frees the
   source graph before the target forward);
2. adversarial: the fused target prediction through the frozen D, labelled "source", each pixel
   weighted by eps + lambda_local * M after the preheat;
3. weight discrepancy: cos(W1, W2) + 1 of the two classifiers;
4. discriminator: D unfrozen, on the detached source and target predictions.
"""
from contextlib import nullcontext
from typing import Callable, ContextManager, Dict, List, NamedTuple, Tuple

import torch
import torch.nn.functional as F
from mmseg.models.utils import resize
from torch import Tensor, nn

from ...utils import unwrap_model
from ..decode_heads.clan_head import CLANHead
from ..losses import adversarial_bce_loss, alignment_map, at_least_fp32, weight_discrepancy_loss
from ..utils import fuse_logits
from .batch_geometry import (
    SourceGeometry,
    TargetGeometry,
    TargetGroup,
    source_logits_at_label_size,
    target_groups,
    weighted_mean,
)
from .clan_schedule import StepSchedule
from .clan_weights import CLANWeights

SOURCE_DOMAIN_LABEL = 0.0  # official: source = 0
TARGET_DOMAIN_LABEL = 1.0  # official: target = 1

Backward = Callable[[str, Tensor], None]
Context = Callable[[], ContextManager]


class NetworkPass(NamedTuple):
    """How one network's terms run: their backward, and the context of the network's forwards
    (e.g. autocast)."""
    backward: Backward
    context: Context = nullcontext


class StepOutputs(NamedTuple):
    """Detached results of one iteration: log values; the fused source probabilities at label
    size; per target group its batch indices, each classifier's logits, M and D's upsampled
    output as the generator's adversarial term saw them; cos(W1, W2) with two classifiers."""
    log_vars: Dict[str, Tensor]
    source_probs: Tensor
    target_indices: List[List[int]]
    target_logits: List[List[Tensor]]
    alignment_maps: List[Tensor | None]
    discriminator_target_logits: List[Tensor]
    classifier_cosine: Tensor | None


class TermBackward:
    """Back-propagates named loss terms through the generator's or the discriminator's
    optimiser wrapper and records every term for the non-finite guard."""

    def __init__(self, generator_wrapper, discriminator_wrapper=None) -> None:
        self.generator_wrapper = generator_wrapper
        self.discriminator_wrapper = discriminator_wrapper
        self.terms: List[Tuple[str, Tensor]] = []

    def generator(self, name: str, loss: Tensor) -> None:
        """Back-propagate a generator term."""
        self.terms.append((name, loss.detach()))
        self.generator_wrapper.backward(loss)

    def discriminator(self, name: str, loss: Tensor) -> None:
        """Back-propagate a discriminator term."""
        self.terms.append((name, loss.detach()))
        self.discriminator_wrapper.backward(loss)


def set_requires_grad(module: nn.Module | None, requires_grad: bool) -> None:
    """Freeze or unfreeze every parameter of ``module`` (None: nothing)."""
    if module is not None:
        for param in module.parameters():
            param.requires_grad_(requires_grad)


def discriminate(discriminator: nn.Module, probs: Tensor, size: Tuple[int, int],
                 context: Context = nullcontext) -> Tensor:
    """Discriminator logits of class probabilities, upsampled (bilinear, align_corners=True,
    official) to ``size``."""
    with context():
        logits = discriminator(probs.to(next(discriminator.parameters()).dtype))
    return resize(at_least_fp32(logits), size=tuple(size), mode='bilinear', align_corners=True,
                  warning=False)


def segmentation_step(head: CLANHead, source_logits: List[Tensor], source: SourceGeometry,
                      backward: Backward) -> Tuple[Dict[str, Tensor], Tensor]:
    """Segmentation loss of every classifier of ``head`` on the source labels; returns its log
    values and the detached fused source probabilities at label size (D's input)."""
    logits = [source_logits_at_label_size(at_least_fp32(z), source, head.upsample)
              for z in source_logits]
    losses = head.classifier_losses(logits, source.labels)
    backward('loss_seg', sum(losses.values()))
    return ({k: v.detach() for k, v in losses.items()},
            F.softmax(fuse_logits(logits).detach(), dim=1))


def target_alignment_maps(groups: List[TargetGroup]) -> List[Tensor | None]:
    """M = 1 - cos(p1, p2) of each target group (None with one classifier); not detached."""
    return [alignment_map(F.softmax(g.logits[0], dim=1), F.softmax(g.logits[1], dim=1))
            if len(g.logits) == 2 else None for g in groups]


def adversarial_step(discriminator: nn.Module, groups: List[TargetGroup],
                     maps: List[Tensor | None], weights: CLANWeights, factor: float,
                     adaptive: bool, generator: NetworkPass
                     ) -> Tuple[Tensor, List[Tensor], List[Tensor]]:
    """``factor`` (lambda_adv * damping) times the adversarial loss of the target predictions
    through the frozen D against the source label; returns the loss and, detached, the fused
    target probabilities and D's outputs."""
    probs = [F.softmax(fuse_logits(g.logits), dim=1) for g in groups]
    disc_logits = [discriminate(discriminator, p, g.size, generator.context)
                   for p, g in zip(probs, groups)]
    loss = factor * weighted_mean([
        adversarial_bce_loss(d, SOURCE_DOMAIN_LABEL, m if adaptive else None,
                             weights.adaptive_eps, weights.lambda_local)
        for d, m in zip(disc_logits, maps)], [g.share for g in groups])
    generator.backward('loss_adv', loss)
    return loss.detach(), [p.detach() for p in probs], [d.detach() for d in disc_logits]


def weight_discrepancy_step(head: CLANHead, factor: float,
                            backward: Backward) -> Tuple[Tensor, Tensor]:
    """``factor`` (2 * lambda_weight * damping) times cos(W1, W2) + 1 of the two classifiers;
    returns the detached loss and cos(W1, W2)."""
    discrepancy = weight_discrepancy_loss(*head.discrepancy_parameters())
    loss = factor * discrepancy
    backward('loss_weight', loss)
    return loss.detach(), discrepancy.detach() - 1.0


def classifier_cosine(head: CLANHead) -> Tensor | None:
    """cos(W1, W2) of a two-classifier head without a gradient (None with one classifier)."""
    if head.num_classifiers != 2:
        return None
    with torch.no_grad():
        return weight_discrepancy_loss(*head.discrepancy_parameters()) - 1.0


def discriminator_step(discriminator: nn.Module, source_probs: Tensor,
                       target_probs: List[Tensor], groups: List[TargetGroup],
                       maps: List[Tensor | None], weights: CLANWeights, adaptive: bool,
                       network: NetworkPass) -> Dict[str, Tensor]:
    """D's losses on the detached predictions (source label 0, target label 1; the target's
    weighted by eps + lambda_local * M.detach() after the preheat); unscaled (official)."""
    set_requires_grad(discriminator, True)
    disc_source = discriminate(discriminator, source_probs, source_probs.shape[-2:],
                               network.context)
    loss_d_source = adversarial_bce_loss(disc_source, SOURCE_DOMAIN_LABEL)
    network.backward('loss_d_source', loss_d_source)
    shares = [g.share for g in groups]
    disc_targets = [discriminate(discriminator, p, g.size, network.context)
                    for p, g in zip(target_probs, groups)]
    loss_d_target = weighted_mean([
        adversarial_bce_loss(d, TARGET_DOMAIN_LABEL, m.detach() if adaptive else None,
                             weights.adaptive_eps, weights.lambda_local)
        for d, m in zip(disc_targets, maps)], shares)
    network.backward('loss_d_target', loss_d_target)
    return dict(
        loss_d_source=loss_d_source.detach(), loss_d_target=loss_d_target.detach(),
        # mean sigmoid probability of "target" that D assigns in each domain
        disc_prob_source=torch.sigmoid(disc_source.detach()).mean(),
        disc_prob_target=weighted_mean([torch.sigmoid(d.detach()).mean() for d in disc_targets],
                                       shares))


def backward_terms(head: nn.Module, discriminator: nn.Module | None, weights: CLANWeights,
                   schedule: StepSchedule, source_features: Callable[[], List[Tensor]],
                   source: SourceGeometry,
                   target_features: Callable[[], List[List[Tensor]]] | None,
                   target: TargetGeometry | None, generator: NetworkPass,
                   discriminator_pass: NetworkPass) -> StepOutputs:
    """Forward and backward of the four terms on lazily computed features (the source graph
    is freed before the target forward); the loss math runs in at least fp32, and D is
    trainable again afterwards, also when a term fails. ``head`` is a
    :class:`~..decode_heads.CLANHead`, possibly DDP-wrapped;
    ``target_features()`` returns the feature list of each input of
    :func:`~.batch_geometry.target_forward_inputs`."""
    set_requires_grad(discriminator, False)
    try:
        bare_head = unwrap_model(head)
        with generator.context():
            source_logits = head(source_features(), return_classifier_logits=True)
        log_vars, source_probs = segmentation_step(bare_head, source_logits, source,
                                                   generator.backward)
        del source_logits
        generator_terms = [torch.stack(list(log_vars.values())).sum()]
        indices, maps, disc_target, target_logits = [], [], [], []
        if discriminator is not None:
            with generator.context():
                target_logits = [head(features, return_classifier_logits=True)
                                 for features in target_features()]
            groups = target_groups(target_logits, target,
                                   lambda z, size: bare_head.upsample(at_least_fp32(z), size))
            del target_logits
            maps = target_alignment_maps(groups)
            adaptive = schedule.adaptive and maps[0] is not None
            if maps[0] is not None:
                log_vars['alignment_map_mean'] = weighted_mean(
                    [m.detach().mean() for m in maps], [g.share for g in groups])
            log_vars['loss_adv'], target_probs, disc_target = adversarial_step(
                discriminator, groups, maps, weights, schedule.adversarial_factor, adaptive,
                generator)
            generator_terms.append(log_vars['loss_adv'])
            indices = [g.indices for g in groups]
            target_logits = [[z.detach() for z in g.logits] for g in groups]
        if weights.use_weight_loss:
            log_vars['loss_weight'], cosine = weight_discrepancy_step(
                bare_head, schedule.weight_factor, generator.backward)
            generator_terms.append(log_vars['loss_weight'])
        else:
            cosine = classifier_cosine(bare_head)
        log_vars['loss'] = torch.stack(generator_terms).sum()
        if discriminator is not None:
            log_vars.update(discriminator_step(discriminator, source_probs, target_probs,
                                               groups, maps, weights, adaptive,
                                               discriminator_pass))
    finally:
        set_requires_grad(discriminator, True)
    return StepOutputs(log_vars, source_probs, indices, target_logits,
                       [None if m is None else m.detach() for m in maps], disc_target, cosine)
