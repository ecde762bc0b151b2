"""Strategies that add generated samples: fit a synthesizer, sample, filter, fuse with real data.

Registered as ``generative`` and ``generative+classical`` (the same, plus on-the-fly classical
augmentation of every batch). The test split is never seen; the unlabeled pool is used only as
unlabeled data (its labels are never read).
"""

from __future__ import annotations

import time
from typing import Any

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.experiment.strategies import ClassicalAugmentation, Strategy, TrainingPlan
from genaug.rng import Seed, derive_seed, draw_seed
from genaug.validation import check_int


def _named(config: dict[str, Any] | str, what: str) -> tuple[str, dict[str, Any]]:
    if isinstance(config, str):
        return config, {}
    if not isinstance(config, dict) or "name" not in config:
        raise ValueError(f"{what} must be a name or a mapping with a 'name' key; got {config!r}")
    options = {k: v for k, v in config.items() if k != "name"}
    return config["name"], options


def unlabeled_view(pool: LabeledData | None) -> LabeledData | None:
    """The pool with its labels hidden (all zeros), so no generator can use them by accident."""
    if pool is None or len(pool) == 0:
        return None
    import numpy as np

    return LabeledData(pool.x, np.zeros(len(pool), dtype=np.int64), pool.class_names, pool.modality)


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
        self.mix_config = mix
        self.augment = augment
        check_int("n_per_class", n_per_class, low=1)
        name, _ = _named(synthesizer, "synthesizer")
        registry.get("synthesizer", name)
        for f in self._filter_configs():
            registry.get("filter", _named(f, "filter")[0])
        registry.get("fusion", _named(mix or "mix_concat", "mix")[0])

    def _filter_configs(self) -> list[Any]:
        if self.filter is None:
            return []
        return list(self.filter) if isinstance(self.filter, list) else [self.filter]

    def prepare(self, split: Any, *, generator: Seed = None) -> TrainingPlan:
        base = draw_seed(generator)
        labeled: LabeledData = split.labeled
        name, options = _named(self.synthesizer, "synthesizer")
        synth = registry.create("synthesizer", name, **options)
        pool = unlabeled_view(getattr(split, "unlabeled", None)) if self.use_pool else None
        t0 = time.perf_counter()
        synth.fit(labeled, unlabeled=pool, generator=derive_seed(base, "fit"))
        t1 = time.perf_counter()
        synthetic = synth.sample(self.n_per_class, generator=derive_seed(base, "sample"))
        t2 = time.perf_counter()
        n_sampled = len(synthetic)
        for config in self._filter_configs():
            fname, fopts = _named(config, "filter")
            synthetic = registry.create("filter", fname, **fopts).fit(labeled)(synthetic)
        t3 = time.perf_counter()
        mname, mopts = _named(self.mix_config or "mix_concat", "mix")
        fusion = registry.create("fusion", mname, **mopts)
        train = fusion.mix(labeled, synthetic, generator=derive_seed(base, "mix"))
        # A curriculum fusion (mix_curriculum) also decides each training batch.
        batch_sampler = (fusion.sampler(train, generator=derive_seed(base, "batches"))
                         if hasattr(fusion, "sampler") and len(synthetic) else None)
        augmenter = mixer = None
        if self.classical or self.augment is not None:
            classical = ClassicalAugmentation(augment=self.augment)
            augmenter, mixer = classical._build(sample_shape=labeled.sample_shape,
                                                modality=labeled.modality)
        info = {
            "synthesizer": name, "n_sampled": n_sampled, "n_kept": len(synthetic),
            "n_train": len(train), "used_pool": pool is not None,
            "seconds_fit": t1 - t0, "seconds_sample": t2 - t1, "seconds_filter": t3 - t2,
        }
        return TrainingPlan(train=train, augmenter=augmenter, mixer=mixer, info=info,
                            batch_sampler=batch_sampler)


@registry.register("strategy", "generative+classical")
class GenerativeClassicalAugmentation(GenerativeAugmentation):
    """:class:`GenerativeAugmentation` plus the modality's classical augmentation on every batch."""

    classical = True
