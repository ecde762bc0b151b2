"""The generative path, written once: fit -> sample -> filter -> fuse, and what was added.

Every strategy that trains on generated samples goes through this module: the ``generative``
strategies, ``auto`` (for each synthesizer it searches) and the tabular ``synthesize``
strategy. It owns

* :func:`fit_and_sample`: fit a synthesizer config on the labeled data (and the label-hidden
  pool), draw samples, time both;
* :func:`apply_filters` / :func:`filter_scores`: quality filters, applied or only scored (auto
  searches the threshold on scores computed once);
* :func:`fuse`: combine real and synthetic data with a registered fusion (kind ``"fusion"``)
  into a :class:`~genaug.experiment.strategies.TrainingPlan` whose ``synthetic`` field holds
  exactly the synthetic samples in the training set;
* :func:`synthetic_details`: what the runner records about those samples (per-class counts,
  quality metrics and a preview), computed from ``plan.synthetic`` where they were produced,
  never pulled back out of a fused training set.

Seeds are passed in explicitly (``fit_seed``, ``sample_seed``, ...), so each caller keeps its
own random stream.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.experiment.strategies import TrainingPlan
from genaug.mixing.base import is_synthetic
from genaug.modalities.base import get_modality

__all__ = [
    "Generated", "QUALITY_METRICS", "apply_filters", "check_config", "filter_scores", "fit_and_sample",
    "fuse", "named", "synthetic_details", "unlabeled_view", "yield_warnings",
]

#: Quality metrics recorded for the synthetic part of a training set (first seed only).
QUALITY_METRICS: tuple[str, ...] = ("fid", "prdc", "label_fidelity", "memorization")
_PREVIEW_PER_CLASS = 4

#: Below this share of the requested synthetic samples kept, a strategy records a warning.
MIN_KEPT_SHARE = 0.2


def named(config: dict[str, Any] | str, what: str) -> tuple[str, dict[str, Any]]:
    """``(name, options)`` of a component config: a name or ``{name: ..., **options}``.

    Raises:
        ValueError: naming ``what`` when the config is neither.

    Example:
        >>> named({"name": "cvae", "steps": 10}, "synthesizer")
        ('cvae', {'steps': 10})
    """
    if isinstance(config, str):
        return config, {}
    if not isinstance(config, dict) or not isinstance(config.get("name"), str):
        raise ValueError(f"{what} must be a name or a mapping with a 'name' key; got {config!r}")
    return config["name"], {k: v for k, v in config.items() if k != "name"}


def check_config(kind: str, config: dict[str, Any] | str, what: str) -> None:
    """Build ``config`` of registry ``kind`` once, so a bad option fails when the spec is read.

    Constructors only store and check their arguments, so this is cheap; the instance is
    dropped (each run builds its own).

    Raises:
        ValueError: naming ``what`` and the component, e.g. ``synthesizer 'cvae': steps must
            be an int; got 'abc' (str)``.
    """
    name, options = named(config, what)
    try:
        registry.get(kind, name)
    except ValueError as exc:  # the registry's message lists the available names
        raise ValueError(f"{what}: {exc}") from None
    try:
        registry.create(kind, name, **options)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{what} {name!r}: {exc}") from None


def unlabeled_view(pool: LabeledData | None) -> LabeledData | None:
    """The pool with its labels hidden (all zeros), so no generator can use them by accident."""
    if pool is None or len(pool) == 0:
        return None
    return LabeledData(pool.x, np.zeros(len(pool), dtype=np.int64), pool.class_names, pool.modality)


@dataclass
class Generated:
    """Samples drawn from one fitted synthesizer, before filtering.

    Attributes:
        synthesizer: the fitted synthesizer (kept so a caller can draw again).
        data: the samples.
        info: ``synthesizer`` (name or label), ``used_pool``, ``n_sampled``, ``seconds_fit``,
            ``seconds_sample``.
    """

    synthesizer: Any
    data: LabeledData
    info: dict[str, Any] = field(default_factory=dict)


def fit_and_sample(config: dict[str, Any] | str, labeled: LabeledData, *,
                   pool: LabeledData | None, n_per_class: Any, fit_seed: int, sample_seed: int,
                   label: str | None = None) -> Generated:
    """Fit the synthesizer ``config`` on ``labeled`` (and ``pool``) and draw ``n_per_class``.

    Args:
        config: a synthesizer name or ``{name: ..., **options}`` (registry kind ``synthesizer``).
        labeled: the labeled real data.
        pool: unlabeled data with labels hidden (see :func:`unlabeled_view`), or None.
        n_per_class: an int, or ``{class index: count}`` (tabular minority top-up).
        fit_seed, sample_seed: the seeds of the fit and of the draw.
        label: what ``info["synthesizer"]`` says (default: the registry name).

    Returns:
        The fitted synthesizer, its samples and their timings.
    """
    name, options = named(config, "synthesizer")
    synth = registry.create("synthesizer", name, **options)
    t0 = time.perf_counter()
    synth.fit(labeled, unlabeled=pool, generator=fit_seed)
    t1 = time.perf_counter()
    data = synth.sample(n_per_class, generator=sample_seed)
    t2 = time.perf_counter()
    info = {"synthesizer": label or name, "used_pool": pool is not None, "n_sampled": len(data),
            "seconds_fit": t1 - t0, "seconds_sample": t2 - t1}
    return Generated(synthesizer=synth, data=data, info=info)


def apply_filters(synthetic: LabeledData, labeled: LabeledData,
                  filters: list[Any]) -> tuple[LabeledData, float]:
    """Apply each filter config in turn (each fitted on ``labeled``); return the kept samples
    and the seconds it took."""
    t0 = time.perf_counter()
    for config in filters:
        fname, fopts = named(config, "filter")
        synthetic = registry.create("filter", fname, **fopts).fit(labeled)(synthetic)
    return synthetic, time.perf_counter() - t0


def filter_scores(config: dict[str, Any] | str, labeled: LabeledData,
                  synthetic: LabeledData) -> np.ndarray | None:
    """The filter's per-sample scores (keep where ``score >= threshold``), or None if empty."""
    if not len(synthetic):
        return None
    fname, fopts = named(config, "filter")
    filt = registry.create("filter", fname, **fopts)
    return np.asarray(filt.fit(labeled).score(synthetic), dtype=np.float64)


def fuse(labeled: LabeledData, synthetic: LabeledData, fusion: dict[str, Any] | str, *,
         mix_seed: int, batch_seed: int | None = None, augmenter: Any = None, mixer: Any = None,
         info: dict[str, Any] | None = None) -> TrainingPlan:
    """Fuse ``labeled`` and ``synthetic`` with the registered ``fusion`` into a training plan.

    Args:
        labeled: the real training data.
        synthetic: the kept synthetic samples (may be empty).
        fusion: a fusion config (registry kind ``fusion``), e.g. ``{name: mix_weighted,
            synthetic_weight: 0.5}``.
        mix_seed: seed of the fusion (fusions that subsample).
        batch_seed: seed of the batch curriculum for fusions that have one (``mix_curriculum``);
            None: no curriculum.
        augmenter, mixer: the on-the-fly classical augmenter and label mixer of the plan.
        info: facts to record; ``n_kept`` and ``n_train`` are added.

    Returns:
        The plan; ``plan.synthetic`` is the synthetic part of ``plan.train`` (what the
        classifier really sees, after fusions that subsample).
    """
    name, options = named(fusion, "mix")
    strategy = registry.create("fusion", name, **options)
    train = strategy.mix(labeled, synthetic, generator=mix_seed)
    batch_sampler = None
    if batch_seed is not None and hasattr(strategy, "sampler") and len(synthetic):
        batch_sampler = strategy.sampler(train, generator=batch_seed)
    used = train.subset(np.flatnonzero(is_synthetic(train)))
    info = {**(info or {}), "n_kept": len(synthetic), "n_train": len(train)}
    return TrainingPlan(train=train, augmenter=augmenter, mixer=mixer, info=info,
                        batch_sampler=batch_sampler, synthetic=used)


def synthetic_details(real: LabeledData, synthetic: LabeledData | None, *,
                      quality: bool) -> dict[str, Any]:
    """What a run records about the synthetic samples it trained on.

    Args:
        real: the real labeled data.
        synthetic: ``plan.synthetic`` (None: the strategy adds no samples; nothing recorded).
        quality: also compute :data:`QUALITY_METRICS` against ``real`` in a fixed random-conv
            feature space (tensor modalities) and keep a small per-class preview (the
            modality's :meth:`~genaug.modalities.base.Modality.preview`: images, signals,
            table rows); the runner asks for it on the first seed. A metric that cannot run on
            so few samples is recorded as an error message rather than stopping the experiment.

    Returns:
        ``n_synthetic_per_class`` and, with ``quality``, ``quality``, ``quality_seconds`` and
        ``preview``.
    """
    if synthetic is None:
        return {}
    if not len(synthetic):
        return {"n_synthetic_per_class": [0] * real.num_classes}
    out: dict[str, Any] = {"n_synthetic_per_class": synthetic.class_counts().tolist()}
    if not quality:
        return out
    modality = get_modality(real.modality)
    if modality.tensor_ndim is not None:
        from genaug.quality import evaluate_quality

        t0 = time.perf_counter()
        try:
            scores = evaluate_quality(real, synthetic, QUALITY_METRICS)
            out["quality"] = {k: float(v) for k, v in scores.items()}
        except (ValueError, RuntimeError) as exc:
            out["quality"] = {"error": str(exc)}
        out["quality_seconds"] = time.perf_counter() - t0
    real_rows, synthetic_rows = _per_class_preview(real), _per_class_preview(synthetic)
    if real_rows is not None and synthetic_rows is not None:
        out["preview"] = {"real": real_rows, "synthetic": synthetic_rows}
    return out


def yield_warnings(requested: int | dict[int, int], kept: LabeledData, *,
                   min_share: float = MIN_KEPT_SHARE) -> list[str]:
    """Warnings when filters kept too little of what was drawn: under ``min_share`` of the
    requested total, or nothing of a class that was asked for.

    Args:
        requested: samples drawn per class (an int for every class, or ``{class: count}``).
        kept: the synthetic samples left after filtering.
        min_share: the share of the request below which a warning is given.

    Returns:
        Messages naming the share kept and the empty classes (empty when all is well).

    Example:
        >>> import torch
        >>> kept = LabeledData(torch.zeros(3, 1, 2, 2), [0, 0, 0], ("a", "b"), "image")
        >>> yield_warnings(10, kept)[0]
        'filters kept 3 of 20 synthetic samples (15%; below 20%)'
    """
    k = kept.num_classes
    asked = {c: int(requested) for c in range(k)} if isinstance(requested, int) else {
        int(c): int(n) for c, n in requested.items()}
    total = sum(asked.values())
    if total == 0:
        return []
    counts = kept.class_counts() if len(kept) else np.zeros(k, dtype=np.int64)
    out = []
    if len(kept) < min_share * total:
        out.append(f"filters kept {len(kept)} of {total} synthetic samples ({100 * len(kept) / total:.0f}%; "
                   f"below {100 * min_share:.0f}%)")
    empty = [str(kept.class_names[c]) for c, n in asked.items() if n > 0 and counts[c] == 0]
    if empty:
        shown = ", ".join(empty[:10]) + (f" and {len(empty) - 10} more" if len(empty) > 10 else "")
        out.append(f"filters left {len(empty)} of {sum(n > 0 for n in asked.values())} classes without "
                   f"synthetic samples: {shown}")
    return out


def _per_class_preview(data: LabeledData) -> list[list[Any]] | None:
    """Up to ``_PREVIEW_PER_CLASS`` samples of each class (the modality's report preview)."""
    modality = get_modality(data.modality)
    rows = []
    for k in range(data.num_classes):
        idx = np.flatnonzero(np.asarray(data.y) == k)[:_PREVIEW_PER_CLASS]
        values = modality.preview(data.x, idx)
        if values is None:
            return None
        rows.append(values)
    return rows
