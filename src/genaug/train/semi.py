"""Consistency training on an unlabeled pool (FixMatch, Sohn et al. 2020; UDA, Xie et al. 2020).

Each training step of a torch classifier also draws ``ratio * batch_size`` pool samples, makes
a *weak* and a *strong* view of each (augmenters from :mod:`genaug.ops`; by default the
modality's ``weak_augmenter``/``strong_augmenter``: for images the classical jitter and
RandAugment + Cutout), and adds

``weight * mean_i[ 1{max p(y | weak_i) >= threshold} * CE(argmax p(y | weak_i), f(strong_i)) ]``

to the supervised loss (hard pseudo-labels; ``soft=True`` gives UDA's sharpened soft targets
with temperature ``temperature``). The labeled batch and both views go through the network in
one forward pass, as in FixMatch, so batch-norm statistics see all of them. With ``ema_decay``
the pseudo-labels come from an exponential moving average of the weights (a mean teacher),
which is also the model that is validated and kept.

Pure math is :func:`consistency_loss`; :class:`FixMatch` holds the settings and builds the
augmenters for the data (:meth:`FixMatch.bind`); the loop lives in
:class:`genaug.train.torch_classifier.TorchClassifier` (``fit(unlabeled=, consistency=)``).

Step budget: the papers train 2**20 steps; genaug classifiers train a fixed few hundred. The
paper values of ``threshold`` (0.95), ``ratio`` (7) and ``weight`` (1) are kept, since none of
them is a per-step rate; the EMA teacher is off by default because FixMatch's decay (0.999)
averages over a horizon longer than the whole budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F

from genaug.memory import retain_freed_memory
from genaug.validation import check_int, check_range

__all__ = ["FixMatch", "consistency_loss"]

def consistency_loss(
    logits_weak: torch.Tensor, logits_strong: torch.Tensor, *, threshold: float, soft: bool = False,
    temperature: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor]:
    """FixMatch's (or, with ``soft``, UDA's) unlabeled loss.

    Args:
        logits_weak: logits of the weak views, (B, K); no gradient flows through them.
        logits_strong: logits of the strong views, (B, K).
        threshold: confidence a weak view's top class needs for the sample to count, in [0, 1].
        soft: train on the sharpened distribution ``softmax(logits_weak / temperature)``
            (UDA) instead of its argmax (FixMatch).
        temperature: sharpening temperature for ``soft`` (> 0).

    Returns:
        ``(loss, mask)``: the scalar loss (mean over all B samples, masked ones count 0) and
        the float mask (B,) of samples above the threshold.

    Example:
        >>> lw = torch.tensor([[5.0, 0.0], [0.1, 0.0]])
        >>> loss, mask = consistency_loss(lw, torch.zeros(2, 2), threshold=0.9)
        >>> mask.tolist(), round(float(loss), 4)
        ([1.0, 0.0], 0.3466)
    """
    if logits_weak.shape != logits_strong.shape or logits_weak.ndim != 2:
        raise ValueError(
            f"logits_weak and logits_strong must both be (B, K); got {tuple(logits_weak.shape)} "
            f"and {tuple(logits_strong.shape)}"
        )
    probs = torch.softmax(logits_weak.detach().float(), dim=1)
    conf, pseudo = probs.max(dim=1)
    mask = (conf >= threshold).float()
    log_q = F.log_softmax(logits_strong, dim=1)
    if soft:
        target = torch.softmax(logits_weak.detach().float() / temperature, dim=1)
        per = -(target * log_q).sum(dim=1)
    else:
        per = F.nll_loss(log_q, pseudo, reduction="none")
    return (per * mask).mean(), mask


class FixMatch:
    """Settings of consistency training; passed to a torch classifier's ``fit(consistency=...)``.

    Args:
        weak: augmenter config of the weak (pseudo-labelling) view; ``None``: the modality's
            ``weak_augmenter`` (its classical default).
        strong: augmenter config of the strong (trained) view; ``None``: the modality's
            ``strong_augmenter`` (images: RandAugment + Cutout).
        threshold: confidence threshold of a pseudo-label, in [0, 1] (FixMatch: 0.95).
        ratio: unlabeled samples per labeled sample in a step (FixMatch's mu: 7).
        weight: weight of the unlabeled loss (FixMatch's lambda_u: 1).
        soft: UDA-style soft targets instead of hard pseudo-labels.
        temperature: UDA's sharpening temperature (only with ``soft``; UDA: 0.4).
        ema_decay: decay of an EMA teacher that makes the pseudo-labels and is the model kept;
            ``None``: no teacher (the online model labels its own weak views).

    Attributes (after :meth:`bind`):
        weak_, strong_: the built augmenters.

    Example:
        >>> fm = FixMatch(threshold=0.9).bind("image", (1, 8, 8))
        >>> fm.strong_(torch.rand(2, 1, 8, 8), generator=0).shape
        torch.Size([2, 1, 8, 8])
    """

    def __init__(self, *, weak: dict[str, Any] | list[Any] | None = None,
                 strong: dict[str, Any] | list[Any] | None = None, threshold: float = 0.95,
                 ratio: int = 7, weight: float = 1.0, soft: bool = False, temperature: float = 0.4,
                 ema_decay: float | None = None) -> None:
        self.weak = weak
        self.strong = strong
        self.threshold = threshold
        self.ratio = ratio
        self.weight = weight
        self.soft = soft
        self.temperature = temperature
        self.ema_decay = ema_decay
        check_range("threshold", threshold, 0.0, 1.0)
        check_int("ratio", ratio, 1)
        check_range("weight", weight, 0.0)
        if not isinstance(soft, bool):
            raise TypeError(f"soft must be a bool; got {soft!r}")
        check_range("temperature", temperature, 0.0, low_inclusive=False)
        if ema_decay is not None:
            check_range("ema_decay", ema_decay, 0.0, 1.0, high_inclusive=False)
        # Build explicit configs now, so a bad one fails when the spec is read.
        from genaug import ops

        for config in (weak, strong):
            if config is not None:
                ops.build_augmenter(config)

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments (stored unchanged)."""
        return {k: v for k, v in vars(self).items() if not k.endswith("_")}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"FixMatch({args})"

    def bind(self, modality: str, sample_shape: Sequence[int]) -> FixMatch:
        """Build the weak and strong augmenters for data of ``modality`` and ``sample_shape``.

        Returns:
            ``self``, with ``weak_`` and ``strong_``.

        Raises:
            ValueError: a view left to the modality default where the modality has none
                (tabular, text): pass ``weak``/``strong`` configs.
        """
        from genaug import ops
        from genaug.modalities import get_modality

        contract = get_modality(modality)
        views = {}
        for view, config in (("weak", self.weak), ("strong", self.strong)):
            if config is None:
                config = getattr(contract, f"{view}_augmenter")(tuple(sample_shape))
            if config is None:
                raise ValueError(
                    f"consistency training needs a {view} augmenter and modality {modality!r} has "
                    f"no default one; pass {view}={{'name': ...}} explicitly"
                )
            views[view] = ops.build_augmenter(config)
        self.weak_, self.strong_ = views["weak"], views["strong"]
        retain_freed_memory()  # the large per-step batches would otherwise page-fault anew each step
        return self

    def loss(self, logits_weak: torch.Tensor,
             logits_strong: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """:func:`consistency_loss` with these settings, times ``weight``."""
        loss, mask = consistency_loss(logits_weak, logits_strong, threshold=self.threshold,
                                      soft=self.soft, temperature=self.temperature)
        return self.weight * loss, mask


def as_consistency(value: Any) -> FixMatch | None:
    """A :class:`FixMatch` from ``None``, an instance, or its config dict (YAML)."""
    if value is None or isinstance(value, FixMatch):
        return value
    if isinstance(value, dict):
        return FixMatch(**value)
    raise TypeError(f"consistency must be None, a FixMatch or a mapping of its options; got {value!r}")
