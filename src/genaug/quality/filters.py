"""Filters that keep the good synthetic samples (the ``Filter`` contract).

``fit(real) -> self`` learns from the real *training* data, ``score(synthetic)`` returns one
float per sample (higher = keep) and ``__call__(synthetic)`` returns the kept samples, in their
original order, with the scores in ``meta["filter_score_<name>"]``.

Example:
    >>> from genaug.quality import FilterPipeline
    >>> keep = FilterPipeline(["dedup", {"name": "label_fidelity", "threshold": 0.6}])
    >>> kept = keep.fit(real)(synthetic)                     # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Self

import numpy as np
from scipy.spatial.distance import cdist
from sklearn.exceptions import NotFittedError  # the one NotFittedError, everywhere

from genaug.data.labeled import LabeledData
from genaug.quality import functional as Fq
from genaug.quality.features import FeatureExtractor, FeatureSpec, extract_features, resolve_features
from genaug.quality.probe import FeatureProbe, ProbeKind
from genaug.registry import register
from genaug.validation import check_int, check_probability, check_range

__all__ = [
    "NotFittedError",
    "Filter",
    "LabelFidelityFilter",
    "DedupFilter",
    "TopKPerClassFilter",
    "FilterPipeline",
    "FilterSpec",
    "as_filter",
]


class Filter:
    """Base class of the filters: subclasses implement ``_fit``, ``score`` and ``_keep``."""

    name: ClassVar[str] = "filter"

    @property
    def meta_key(self) -> str:
        """The metadata key the scores are written to: ``filter_score_<name>``."""
        return f"filter_score_{self.name}"

    def fit(self, real: LabeledData) -> Self:
        """Learn what a good sample looks like from the real training data; returns ``self``."""
        if not isinstance(real, LabeledData):
            raise TypeError(f"real must be a LabeledData; got {type(real).__name__}")
        self._fit(real)
        self.modality_ = real.modality
        self.class_names_ = real.class_names
        return self

    def _fit(self, real: LabeledData) -> None:
        """Subclass hook of :meth:`fit`."""

    def _check(self, synthetic: Any) -> LabeledData:
        if not hasattr(self, "class_names_"):
            raise NotFittedError(
                f"this {type(self).__name__} instance is not fitted yet; call fit(real) before using it"
            )
        if not isinstance(synthetic, LabeledData):
            raise TypeError(f"synthetic must be a LabeledData; got {type(synthetic).__name__}")
        if synthetic.modality != self.modality_ or synthetic.class_names != self.class_names_:
            raise ValueError(
                "synthetic must have the modality and class_names of the data passed to fit; got "
                f"{synthetic.modality}/{list(synthetic.class_names)} and "
                f"{self.modality_}/{list(self.class_names_)}"
            )
        return synthetic

    def score(self, synthetic: LabeledData) -> np.ndarray:  # pragma: no cover - abstract
        """(M,) float64 scores, higher = keep."""
        raise NotImplementedError

    def _keep(self, synthetic: LabeledData, scores: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def select(self, synthetic: LabeledData) -> tuple[np.ndarray, np.ndarray]:
        """Indices to keep (ascending) and the scores of every sample.

        Returns:
            ``(index, scores)``: (K,) int64 and (M,) float64.
        """
        scores = np.asarray(self.score(synthetic), dtype=np.float64)
        keep = self._keep(synthetic, scores)
        return np.sort(np.asarray(keep, dtype=np.int64)), scores

    def __call__(self, synthetic: LabeledData) -> LabeledData:
        """The kept samples (original order) with ``meta["filter_score_<name>"]``."""
        index, scores = self.select(synthetic)
        return synthetic.with_meta(**{self.meta_key: scores}).subset(index)

    def __repr__(self) -> str:
        args = ", ".join(
            f"{k}={v!r}" for k, v in vars(self).items() if not k.endswith("_") and not k.startswith("_")
        )
        return f"{type(self).__name__}({args})"


FilterSpec = str | Mapping[str, Any] | Filter


def as_filter(spec: FilterSpec) -> Filter:
    """A Filter from a registry name, a ``{"name": ..., **config}`` mapping or a Filter."""
    from genaug import registry

    if isinstance(spec, Filter):
        return spec
    if isinstance(spec, str):
        return registry.create("filter", spec)
    if isinstance(spec, Mapping) and "name" in spec:
        return registry.create("filter", spec["name"], **{k: v for k, v in spec.items() if k != "name"})
    raise TypeError(f"a filter must be a name, a mapping with 'name', or a Filter; got {spec!r}")


@register("filter", "label_fidelity")
class LabelFidelityFilter(Filter):
    """Keep samples that an independent classifier trained on real data assigns to their label.

    Score: the classifier's probability of the intended label; kept when ``>= threshold``.

    Args:
        threshold: minimum confidence in the intended label, in [0, 1].
        features: feature space of the default probe (see :mod:`genaug.quality.features`).
        probe: ``"logreg"`` or ``"knn"``; trained on the real data in ``fit``.
        classifier: an already fitted classifier with ``predict_proba(LabeledData)`` (columns
            = class indices) used instead of the probe; ``fit`` then only records the classes.

    Example:
        >>> f = LabelFidelityFilter(threshold=0.8).fit(real)      # doctest: +SKIP
        >>> confident = f(synthetic)                               # doctest: +SKIP
    """

    name = "label_fidelity"

    def __init__(self, *, threshold: float = 0.5, features: FeatureSpec = None,
                 probe: ProbeKind = "logreg", classifier: Any = None) -> None:
        self.threshold = threshold
        self.features = features
        self.probe = probe
        self.classifier = classifier
        check_probability("threshold", threshold)
        FeatureProbe(probe)
        if classifier is not None and not callable(getattr(classifier, "predict_proba", None)):
            raise TypeError(f"classifier must have predict_proba; got {type(classifier).__name__}")

    def _fit(self, real: LabeledData) -> None:
        if self.classifier is None:
            self.extractor_ = resolve_features(self.features, real.modality)
            self.probe_ = FeatureProbe(self.probe).fit(
                extract_features(real, self.extractor_), real.y, real.num_classes
            )

    def score(self, synthetic: LabeledData) -> np.ndarray:
        """Probability of each sample's intended label, (M,)."""
        synthetic = self._check(synthetic)
        if len(synthetic) == 0:
            return np.zeros(0)
        if self.classifier is not None:
            proba = np.asarray(self.classifier.predict_proba(synthetic), dtype=np.float64)
        else:
            proba = self.probe_.predict_proba(extract_features(synthetic, self.extractor_))
        expected = (len(synthetic), len(self.class_names_))
        if proba.shape != expected:
            raise ValueError(f"predict_proba must return shape {expected}; got {proba.shape}")
        return proba[np.arange(len(synthetic)), synthetic.y]

    def _keep(self, synthetic: LabeledData, scores: np.ndarray) -> np.ndarray:
        return np.flatnonzero(scores >= self.threshold)


@register("filter", "dedup")
class DedupFilter(Filter):
    """Drop near-copies of real training samples and near-duplicates among the synthetic ones.

    A sample is dropped when its distance to any real training sample is ``<= threshold``
    (``against_real``), or, scanning in order, to an already kept synthetic sample
    (``within_synthetic``); ``threshold=0`` drops exact duplicates only. Score: the distance to
    the nearest real training sample (farther = keep).

    Args:
        threshold: distance in feature space; ``None`` uses the ``quantile`` of the real
            train-to-train nearest-neighbour distances (learned in ``fit``).
        quantile: used when ``threshold`` is None; a generator sampling fresh points from the
            real distribution loses about this share to the real-copy check.
        features: feature space; ``"flatten"`` compares raw pixels/values.
        against_real: drop samples too close to real training samples.
        within_synthetic: drop samples too close to an earlier kept synthetic sample.

    Example:
        >>> kept = DedupFilter(threshold=0.0, features="flatten").fit(real)(synthetic)  # doctest: +SKIP
    """

    name = "dedup"

    def __init__(self, *, threshold: float | None = None, quantile: float = 0.05,
                 features: FeatureSpec = None, against_real: bool = True,
                 within_synthetic: bool = True) -> None:
        self.threshold = threshold
        self.quantile = quantile
        self.features = features
        self.against_real = against_real
        self.within_synthetic = within_synthetic
        if threshold is not None:
            check_range("threshold", threshold, 0.0)
        check_probability("quantile", quantile)

    def _fit(self, real: LabeledData) -> None:
        if len(real) == 0:
            raise ValueError("real is empty; dedup needs the real training samples")
        self.extractor_: FeatureExtractor = resolve_features(self.features, real.modality)
        self.real_features_ = extract_features(real, self.extractor_)
        if self.threshold is not None:
            self.threshold_ = float(self.threshold)
        else:
            if len(real) < 2:
                raise ValueError("threshold=None needs at least 2 real samples to set a threshold")
            nn = Fq.nearest_distances(self.real_features_, self.real_features_, exclude_self=True)
            self.threshold_ = float(np.quantile(nn, self.quantile))

    def _synthetic_features(self, synthetic: LabeledData) -> np.ndarray:
        return extract_features(synthetic, self.extractor_)

    def score(self, synthetic: LabeledData) -> np.ndarray:
        """Distance of each sample to its nearest real training sample, (M,)."""
        synthetic = self._check(synthetic)
        if len(synthetic) == 0:
            return np.zeros(0)
        return Fq.nearest_distances(self._synthetic_features(synthetic), self.real_features_)

    def select(self, synthetic: LabeledData) -> tuple[np.ndarray, np.ndarray]:
        """Indices kept (ascending) and the distance-to-real scores."""
        synthetic = self._check(synthetic)
        if len(synthetic) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        feats = self._synthetic_features(synthetic)
        scores = Fq.nearest_distances(feats, self.real_features_)
        alive = scores > self.threshold_ if self.against_real else np.ones(len(scores), dtype=bool)
        if self.within_synthetic:
            alive = _greedy_unique(feats, alive, self.threshold_)
        return np.flatnonzero(alive), scores

    def _keep(self, synthetic: LabeledData, scores: np.ndarray) -> np.ndarray:  # pragma: no cover
        return self.select(synthetic)[0]


def _greedy_unique(feats: np.ndarray, alive: np.ndarray, threshold: float, chunk: int = 512) -> np.ndarray:
    """Scan rows in order; keep a row unless it is within ``threshold`` of an earlier kept row."""
    alive = alive.copy()
    kept = np.zeros((0, feats.shape[1]))
    for start in range(0, len(feats), chunk):
        stop = min(start + chunk, len(feats))
        block = feats[start:stop]
        ok = alive[start:stop]
        if len(kept) and ok.any():
            ok &= cdist(block, kept).min(axis=1) > threshold
        near = cdist(block, block) <= threshold
        for i in range(len(block)):
            if ok[i]:
                ok[i + 1 :] &= ~near[i, i + 1 :]
        alive[start:stop] = ok
        kept = np.concatenate([kept, block[ok]])
    return alive


@register("filter", "topk_per_class")
class TopKPerClassFilter(Filter):
    """Keep the ``k`` best-scoring samples of every class (all of a class that has fewer).

    The score comes from another filter (``by``, fitted in ``fit``) or from a metadata column
    already on the data (``score_key``, e.g. ``"filter_score_label_fidelity"`` written by an
    earlier pipeline step). With neither, ``by`` defaults to ``"label_fidelity"``. Ties keep
    the earlier sample; NaN scores rank last.

    Args:
        k: samples kept per class (>= 1).
        by: a filter (name, ``{"name": ...}`` mapping or instance) whose ``score`` ranks.
        score_key: a ``meta`` key holding the ranking score.

    Example:
        >>> best = TopKPerClassFilter(k=100, by="label_fidelity").fit(real)(synthetic)  # doctest: +SKIP
    """

    name = "topk_per_class"

    def __init__(self, *, k: int, by: FilterSpec | None = None, score_key: str | None = None) -> None:
        self.k = k
        self.by = by
        self.score_key = score_key
        check_int("k", k, low=1)
        if by is not None and score_key is not None:
            raise ValueError(f"pass either by or score_key, not both; got by={by!r}, score_key={score_key!r}")
        if score_key is not None and not isinstance(score_key, str):
            raise TypeError(f"score_key must be a str; got {type(score_key).__name__}")

    def _fit(self, real: LabeledData) -> None:
        if self.score_key is None:
            self.by_ = as_filter("label_fidelity" if self.by is None else self.by).fit(real)

    def score(self, synthetic: LabeledData) -> np.ndarray:
        """The ranking score of each sample, (M,)."""
        synthetic = self._check(synthetic)
        if self.score_key is None:
            return np.asarray(self.by_.score(synthetic), dtype=np.float64)
        if self.score_key not in synthetic.meta:
            raise ValueError(
                f"score_key {self.score_key!r} is not in synthetic.meta; available: "
                f"{sorted(synthetic.meta)}"
            )
        return np.asarray(synthetic.meta[self.score_key], dtype=np.float64)

    def _keep(self, synthetic: LabeledData, scores: np.ndarray) -> np.ndarray:
        ranked = np.where(np.isnan(scores), -np.inf, scores)
        keep = []
        for c in np.unique(synthetic.y):
            idx = np.flatnonzero(synthetic.y == c)
            order = np.argsort(-ranked[idx], kind="stable")
            keep.append(idx[order[: self.k]])
        return np.concatenate(keep) if keep else np.zeros(0, dtype=np.int64)


@register("filter", "pipeline")
class FilterPipeline(Filter):
    """Apply filters one after another; each sees only what the previous ones kept.

    Every step writes its own ``meta["filter_score_<name>"]``, so a later
    ``topk_per_class`` can rank by an earlier step's score. The pipeline's own score is the
    number of consecutive steps a sample passed (kept = passed all).

    Args:
        filters: filters as names, ``{"name": ..., **config}`` mappings or instances.

    Example:
        >>> p = FilterPipeline(["dedup", {"name": "topk_per_class", "k": 50}])
        >>> kept = p.fit(real)(synthetic)                         # doctest: +SKIP
    """

    name = "pipeline"

    def __init__(self, filters: Sequence[FilterSpec] = ()) -> None:
        self.filters = filters
        if isinstance(filters, str | Mapping | Filter) or not isinstance(filters, Sequence):
            raise TypeError(f"filters must be a list of filters; got {filters!r}")
        self.steps_ = [as_filter(f) for f in filters]

    def _fit(self, real: LabeledData) -> None:
        for step in self.steps_:
            step.fit(real)

    def _run(self, synthetic: LabeledData) -> tuple[np.ndarray, np.ndarray, LabeledData]:
        synthetic = self._check(synthetic)
        index = np.arange(len(synthetic))
        passed = np.zeros(len(synthetic))
        current = synthetic
        for step in self.steps_:
            local, scores = step.select(current)
            current = current.with_meta(**{step.meta_key: scores}).subset(local)
            index = index[local]
            passed[index] += 1
        return index, passed, current

    def score(self, synthetic: LabeledData) -> np.ndarray:
        """Number of consecutive steps each sample passed, (M,)."""
        return self._run(synthetic)[1]

    def select(self, synthetic: LabeledData) -> tuple[np.ndarray, np.ndarray]:
        """Indices that passed every step, and the step counts."""
        index, passed, _ = self._run(synthetic)
        return index, passed

    def __call__(self, synthetic: LabeledData) -> LabeledData:
        """Kept samples with every step's score and ``filter_score_pipeline``."""
        index, passed, current = self._run(synthetic)
        return current.with_meta(**{self.meta_key: passed[index]})
