"""Strategies that add generated samples: fit a synthesizer, sample, filter, fuse with real data.

Registered as ``generative`` and ``generative+classical`` (the same, plus on-the-fly classical
augmentation of every batch). The test split is never seen; the unlabeled pool is used only as
unlabeled data (its labels are never read). The path itself lives in
:mod:`genaug.experiment.generation`.
"""

from __future__ import annotations

from typing import Any

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.experiment import generation
from genaug.experiment.generation import unlabeled_view
from genaug.experiment.strategies import ClassicalAugmentation, Strategy, TrainingPlan
from genaug.rng import Seed, derive_seed, draw_seed
from genaug.validation import check_int

__all__ = ["GenerativeAugmentation", "GenerativeClassicalAugmentation", "unlabeled_view"]


@registry.register("strategy", "generative")
class GenerativeAugmentation(Strategy):
    """Fit a synthesizer on the labeled data (and the unlabeled pool), add filtered samples.

    Args:
        synthesizer: the synthesizer, e.g. ``{name: diffusion, steps: 2000}`` (see
            ``registry.available("synthesizer")``).
        n_per_class: synthetic samples drawn per class before filtering.
        use_pool: fit on the unlabeled pool too (labels hidden) when the split has one.
        filter: an optional filter config or list of them (``registry.available("filter")``).
        mix: the fusion config (registry kind ``fusion``; default ``{name: mix_concat}``).
        augment: on-the-fly classical augmenter config; ``None`` means none for ``generative``
            and the modality default for ``generative+classical``.
    """

    classical: bool = False

    def __init__(self, *, synthesizer: dict[str, Any] | str, n_per_class: int = 50,
                 use_pool: bool = True, filter: dict[str, Any] | list[Any] | None = None,
                 mix: dict[str, Any] | str | None = None,
                 augment: dict[str, Any] | list[Any] | None = None) -> None:
        self.synthesizer = synthesizer
        self.n_per_class = n_per_class
        self.use_pool = use_pool
        self.filter = filter
        self.mix = mix
        self.augment = augment
        check_int("n_per_class", n_per_class, low=1)
        generation.check_config("synthesizer", synthesizer, "synthesizer")
        for f in self._filter_configs():
            generation.check_config("filter", f, "filter")
        generation.check_config("fusion", mix or "mix_concat", "mix")

    def _filter_configs(self) -> list[Any]:
        if self.filter is None:
            return []
        return list(self.filter) if isinstance(self.filter, list) else [self.filter]

    def prepare(self, split: Any, *, generator: Seed = None) -> TrainingPlan:
        base = draw_seed(generator)
        labeled: LabeledData = split.labeled
        pool = unlabeled_view(getattr(split, "unlabeled", None)) if self.use_pool else None
        made = generation.fit_and_sample(
            self.synthesizer, labeled, pool=pool, n_per_class=self.n_per_class,
            fit_seed=derive_seed(base, "fit"), sample_seed=derive_seed(base, "sample"))
        synthetic, seconds_filter = generation.apply_filters(made.data, labeled, self._filter_configs())
        augmenter = mixer = None
        if self.classical or self.augment is not None:
            classical = ClassicalAugmentation(augment=self.augment)
            augmenter, mixer = classical._build(sample_shape=labeled.sample_shape,
                                                modality=labeled.modality)
        info: dict[str, Any] = {**made.info, "seconds_filter": seconds_filter}
        warnings = generation.yield_warnings(self.n_per_class, synthetic) if self._filter_configs() else []
        if warnings:
            info["warnings"] = warnings
        # A curriculum fusion (mix_curriculum) also decides each training batch.
        return generation.fuse(
            labeled, synthetic, self.mix or "mix_concat", mix_seed=derive_seed(base, "mix"),
            batch_seed=derive_seed(base, "batches"), augmenter=augmenter, mixer=mixer, info=info)


@registry.register("strategy", "generative+classical")
class GenerativeClassicalAugmentation(GenerativeAugmentation):
    """:class:`GenerativeAugmentation` plus the modality's classical augmentation on every batch."""

    classical = True
