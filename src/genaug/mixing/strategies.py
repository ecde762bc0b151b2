"""Fusion strategies: how real and synthetic samples are combined into the training set.

Registered under kind ``"fusion"`` (used as a generative strategy's ``mix:`` option), with a
``mix_`` prefix:

==================  ==========================================================================
name                what ``mix(real, synthetic)`` returns
==================  ==========================================================================
``mix_concat``      real + every synthetic sample
``mix_ratio``       real + enough synthetic samples that they make ``synthetic_fraction`` of
                    the result (globally or in every class)
``mix_topup``       real + synthetic samples only for classes below the largest (or a target)
                    count, so that classes end up balanced
``mix_weighted``    real + every synthetic sample, synthetic ones with loss weight
                    ``synthetic_weight`` (``meta["weight"]``)
``mix_curriculum``  real + every synthetic sample, plus :meth:`MixCurriculum.sampler`: batches
                    that are real-only during a warm-up, then hold a fixed synthetic fraction
==================  ==========================================================================

Every result lists the real samples first (original order), then the synthetic ones, and
carries ``meta["source"]``, ``meta["source_index"]`` and ``meta["weight"]``.

Example:
    >>> import torch
    >>> from genaug import registry
    >>> from genaug.data import LabeledData
    >>> real = LabeledData(torch.rand(6, 1, 8, 8), [0, 0, 0, 0, 1, 1], ("a", "b"), "image")
    >>> fake = LabeledData(torch.rand(4, 1, 8, 8), [0, 1, 1, 1], ("a", "b"), "image")
    >>> mixed = registry.create("fusion", "mix_topup").mix(real, fake, generator=0)
    >>> mixed.class_counts().tolist()
    [4, 4]
"""

from __future__ import annotations

import numpy as np

from genaug.data.labeled import LabeledData
from genaug.mixing.base import MixingStrategy, draw_indices, fuse, is_synthetic, round_half_up
from genaug.mixing.sampler import MixedBatchSampler
from genaug.registry import register
from genaug.rng import Seed, as_generator
from genaug.validation import check_int, check_range

__all__ = ["MixConcat", "MixCurriculum", "MixRatio", "MixTopUp", "MixWeighted"]


def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool; got {value!r} ({type(value).__name__})")
    return value


@register("fusion", "mix_concat")
class MixConcat(MixingStrategy):
    """Train on the union of real and all synthetic samples (every weight 1).

    Example:
        >>> import torch
        >>> from genaug.data import LabeledData
        >>> real = LabeledData(torch.rand(2, 1, 4, 4), [0, 1], ("a", "b"), "image")
        >>> fake = LabeledData(torch.rand(3, 1, 4, 4), [0, 1, 1], ("a", "b"), "image")
        >>> MixConcat().mix(real, fake).meta["source"].tolist()
        ['real', 'real', 'synthetic', 'synthetic', 'synthetic']
    """

    def _mix(self, real: LabeledData, synthetic: LabeledData, *, generator: Seed) -> LabeledData:
        return fuse(real, synthetic)


@register("fusion", "mix_ratio")
class MixRatio(MixingStrategy):
    """Add synthetic samples so that they make a target fraction of the training set.

    The number of synthetic samples is ``round(f * n_real / (1 - f))`` (halves round up), with
    ``n_real`` the real count of the whole set (``per_class=False``) or of each class
    (``per_class=True``), so that ``n_synthetic / (n_real + n_synthetic)`` equals ``f`` up to
    rounding. Synthetic samples are drawn without replacement; when more are needed than exist,
    ``repeat=True`` uses every synthetic sample as often as needed (whole copies plus a random
    remainder), otherwise a ValueError is raised.

    Args:
        synthetic_fraction: target fraction ``f`` of synthetic samples, in [0, 1).
        per_class: hit the fraction within every class (True) or over the whole set (False).
        repeat: allow reusing synthetic samples when there are too few.

    Example:
        >>> import torch
        >>> from genaug.data import LabeledData
        >>> real = LabeledData(torch.rand(6, 1, 4, 4), [0, 0, 0, 1, 1, 1], ("a", "b"), "image")
        >>> fake = LabeledData(torch.rand(10, 1, 4, 4), [0] * 5 + [1] * 5, ("a", "b"), "image")
        >>> out = MixRatio(synthetic_fraction=0.5, per_class=True).mix(real, fake, generator=0)
        >>> out.class_counts().tolist(), int((out.meta["source"] == "synthetic").sum())
        ([6, 6], 6)
    """

    def __init__(self, *, synthetic_fraction: float, per_class: bool = False, repeat: bool = False) -> None:
        self.synthetic_fraction = synthetic_fraction
        self.per_class = per_class
        self.repeat = repeat
        check_range("synthetic_fraction", synthetic_fraction, 0.0, 1.0, high_inclusive=False)
        _check_bool("per_class", per_class)
        _check_bool("repeat", repeat)

    def _count(self, n_real: int) -> int:
        f = float(self.synthetic_fraction)
        return round_half_up(f * n_real / (1.0 - f))

    def _mix(self, real: LabeledData, synthetic: LabeledData, *, generator: Seed) -> LabeledData:
        g = as_generator(generator)
        if self.per_class:
            counts = real.class_counts()
            parts = [
                draw_indices(
                    np.flatnonzero(synthetic.y == c), self._count(int(counts[c])), g,
                    repeat=self.repeat, what=f"mix_ratio class {real.class_names[c]!r}",
                )
                for c in range(real.num_classes)
            ]
            index = np.concatenate(parts)
        else:
            index = draw_indices(
                np.arange(len(synthetic)), self._count(len(real)), g, repeat=self.repeat,
                what="mix_ratio",
            )
        return fuse(real, synthetic.subset(index))


@register("fusion", "mix_topup")
class MixTopUp(MixingStrategy):
    """Add synthetic samples only to classes below a target count, so classes end up balanced.

    Class ``c`` receives ``max(0, target - n_real[c])`` synthetic samples of class ``c``, drawn
    without replacement (or reused when ``repeat=True``; otherwise too few raises ValueError).
    Classes with more than ``target`` real samples keep all of them, so the result is balanced
    whenever ``target`` is at least the largest real class count (the default).

    Args:
        target: samples per class after top-up; ``None`` means the largest real class count.
        repeat: allow reusing synthetic samples when a class has too few.

    Example:
        >>> import torch
        >>> from genaug.data import LabeledData
        >>> real = LabeledData(torch.rand(4, 1, 4, 4), [0, 0, 0, 1], ("a", "b"), "image")
        >>> fake = LabeledData(torch.rand(6, 1, 4, 4), [0, 0, 1, 1, 1, 1], ("a", "b"), "image")
        >>> MixTopUp(target=5).mix(real, fake, generator=0).class_counts().tolist()
        [5, 5]
    """

    def __init__(self, *, target: int | None = None, repeat: bool = False) -> None:
        self.target = target
        self.repeat = repeat
        if target is not None:
            check_int("target", target, low=1)
        _check_bool("repeat", repeat)

    def _mix(self, real: LabeledData, synthetic: LabeledData, *, generator: Seed) -> LabeledData:
        g = as_generator(generator)
        counts = real.class_counts()
        target = int(counts.max()) if self.target is None else int(self.target)
        parts = [
            draw_indices(
                np.flatnonzero(synthetic.y == c), max(0, target - int(counts[c])), g,
                repeat=self.repeat, what=f"mix_topup class {real.class_names[c]!r}",
            )
            for c in range(real.num_classes)
        ]
        return fuse(real, synthetic.subset(np.concatenate(parts)))


@register("fusion", "mix_weighted")
class MixWeighted(MixingStrategy):
    """Real + all synthetic samples; synthetic ones get loss weight ``synthetic_weight``.

    The trainer multiplies each sample's loss by ``meta["weight"]`` (real samples keep theirs,
    1.0 by default), so ``synthetic_weight < 1`` trusts synthetic samples less.

    Args:
        synthetic_weight: per-sample loss weight ``w >= 0`` of every synthetic sample.

    Example:
        >>> import torch
        >>> from genaug.data import LabeledData
        >>> real = LabeledData(torch.rand(2, 1, 4, 4), [0, 1], ("a", "b"), "image")
        >>> fake = LabeledData(torch.rand(2, 1, 4, 4), [0, 1], ("a", "b"), "image")
        >>> MixWeighted(synthetic_weight=0.25).mix(real, fake).meta["weight"].tolist()
        [1.0, 1.0, 0.25, 0.25]
    """

    def __init__(self, *, synthetic_weight: float) -> None:
        self.synthetic_weight = synthetic_weight
        check_range("synthetic_weight", synthetic_weight, 0.0, float("inf"), high_inclusive=False)

    def _mix(self, real: LabeledData, synthetic: LabeledData, *, generator: Seed) -> LabeledData:
        weight = np.where(is_synthetic(synthetic), float(self.synthetic_weight),
                          np.asarray(synthetic.meta["weight"], dtype=np.float64))
        return fuse(real, synthetic.with_meta(weight=weight))


@register("fusion", "mix_curriculum")
class MixCurriculum(MixingStrategy):
    """Real + all synthetic samples, with a batch curriculum from :meth:`sampler`.

    :meth:`mix` returns the union (like ``mix_concat``); :meth:`sampler` returns a
    :class:`MixedBatchSampler` over that union whose batches are real-only for
    ``warmup_steps`` steps, then hold ``round(synthetic_fraction * batch_size)`` synthetic
    samples (reached linearly over ``ramp_steps`` steps when ``ramp_steps > 0``).

    Args:
        synthetic_fraction: synthetic share of each batch after warm-up, in [0, 1].
        batch_size: samples per batch (>= 1).
        num_steps: batches per pass of the sampler; ``None`` means ``ceil(N / batch_size)``.
        warmup_steps: leading real-only steps (>= 0).
        ramp_steps: steps of a linear ramp from 0 to ``synthetic_fraction`` after warm-up;
            0 jumps straight to the fraction.

    Example:
        >>> import torch
        >>> from genaug.data import LabeledData
        >>> real = LabeledData(torch.rand(8, 1, 4, 4), [0, 1] * 4, ("a", "b"), "image")
        >>> fake = LabeledData(torch.rand(8, 1, 4, 4), [0, 1] * 4, ("a", "b"), "image")
        >>> strat = MixCurriculum(synthetic_fraction=0.5, batch_size=4, num_steps=3, warmup_steps=1)
        >>> mixed = strat.mix(real, fake)
        >>> source = mixed.meta["source"]
        >>> [int((source[b.numpy()] == "synthetic").sum()) for b in strat.sampler(mixed, generator=0)]
        [0, 2, 2]
    """

    def __init__(
        self, *, synthetic_fraction: float, batch_size: int = 64, num_steps: int | None = None,
        warmup_steps: int = 0, ramp_steps: int = 0,
    ) -> None:
        self.synthetic_fraction = synthetic_fraction
        self.batch_size = batch_size
        self.num_steps = num_steps
        self.warmup_steps = warmup_steps
        self.ramp_steps = ramp_steps
        check_range("synthetic_fraction", synthetic_fraction, 0.0, 1.0)
        check_int("batch_size", batch_size, low=1)
        if num_steps is not None:
            check_int("num_steps", num_steps, low=1)
        check_int("warmup_steps", warmup_steps, low=0)
        check_int("ramp_steps", ramp_steps, low=0)

    def _mix(self, real: LabeledData, synthetic: LabeledData, *, generator: Seed) -> LabeledData:
        return fuse(real, synthetic)

    def sampler(self, data: LabeledData, *, generator: Seed = None) -> MixedBatchSampler:
        """A batch sampler over ``data`` (the output of :meth:`mix`) following the curriculum.

        Args:
            data: fused data with ``meta["source"]``.
            generator: seed of the sampler (batches are a pure function of it and the step).

        Returns:
            A :class:`MixedBatchSampler`; pass it as ``batch_sampler=`` to a DataLoader.
        """
        return MixedBatchSampler(
            data, batch_size=self.batch_size, synthetic_fraction=self.synthetic_fraction,
            num_steps=self.num_steps, warmup_steps=self.warmup_steps,
            ramp_steps=self.ramp_steps, generator=generator,
        )
