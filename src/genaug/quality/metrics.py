"""Metrics that compare synthetic data with real data (the ``Metric`` contract).

Each metric is a class with ``name``, ``higher_is_better`` and
``__call__(real, synthetic) -> dict[str, float]``, registered under ``metric``/``name``.
``higher_is_better`` refers to the headline key (the one named like the metric, or every key of
``prdc``); auxiliary keys (``kid_std``, ``dcr``, ...) are documented per class. ``real`` is the
real *training* data the generator was fitted on (never the test split).

Example:
    >>> from genaug import registry
    >>> fid = registry.create("metric", "fid")              # doctest: +SKIP
    >>> fid(real, synthetic)                                 # doctest: +SKIP
    {'fid': 3.2}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from genaug.data.labeled import LabeledData
from genaug.quality import functional as Fq
from genaug.quality.features import FeatureExtractor, FeatureSpec, extract_features, resolve_features
from genaug.quality.probe import FeatureProbe, ProbeKind
from genaug.registry import register
from genaug.rng import Seed, numpy_rng
from genaug.validation import check_int, check_probability

__all__ = [
    "Metric",
    "FeatureMetric",
    "FID",
    "KID",
    "PRDC",
    "CAS",
    "LabelFidelity",
    "Memorization",
    "Diversity",
    "evaluate_quality",
    "DEFAULT_METRICS",
]


def check_pair(real: Any, synthetic: Any) -> None:
    """Raise unless ``real`` and ``synthetic`` are LabeledData of one modality and class list."""
    for name, d in (("real", real), ("synthetic", synthetic)):
        if not isinstance(d, LabeledData):
            raise TypeError(f"{name} must be a LabeledData; got {type(d).__name__}")
    if real.modality != synthetic.modality:
        raise ValueError(
            f"real and synthetic must share a modality; got {real.modality!r} and {synthetic.modality!r}"
        )
    if real.class_names != synthetic.class_names:
        raise ValueError(
            f"real and synthetic must share class_names; got {list(real.class_names)} and "
            f"{list(synthetic.class_names)}"
        )


class Metric:
    """Base class of the metrics: holds settings, ``__call__`` does the comparison."""

    name: ClassVar[str]
    higher_is_better: ClassVar[bool]

    def __call__(self, real: LabeledData, synthetic: LabeledData) -> dict[str, float]:  # pragma: no cover
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


class FeatureMetric(Metric):
    """A metric computed from feature matrices; ``evaluate_quality`` shares features between them."""

    features: FeatureSpec

    def uses_features(self) -> bool:
        """Whether ``__call__`` reduces to :meth:`from_features` (True unless a model is set)."""
        return True

    def __call__(self, real: LabeledData, synthetic: LabeledData) -> dict[str, float]:
        """Compare ``synthetic`` with ``real`` in this metric's feature space."""
        check_pair(real, synthetic)
        extractor = resolve_features(self.features, real.modality)
        return self.from_features(
            extract_features(real, extractor), real.y, extract_features(synthetic, extractor),
            synthetic.y, real.class_names,
        )

    def from_features(self, real_f: np.ndarray, real_y: np.ndarray, syn_f: np.ndarray,
                      syn_y: np.ndarray, class_names: Sequence[str]) -> dict[str, float]:  # pragma: no cover
        """The metric from (N, D) / (M, D) features, their int labels and the class names."""
        raise NotImplementedError


@register("metric", "fid")
class FID(FeatureMetric):
    """Fréchet distance between Gaussian fits of real and synthetic features (lower is better).

    In the default random-conv space the values are *not* comparable to Inception FID numbers
    from papers; compare runs only within one feature space.

    Args:
        features: feature space (see :mod:`genaug.quality.features`).
        eps: covariance ridge for small samples.

    Returns (from ``__call__``):
        ``{"fid": d}``; 0 for identical sets.
    """

    name = "fid"
    higher_is_better = False

    def __init__(self, *, features: FeatureSpec = None, eps: float = 1e-6) -> None:
        self.features = features
        self.eps = eps
        if eps < 0:
            raise ValueError(f"eps must be >= 0; got {eps!r}")

    def from_features(self, real_f, real_y, syn_f, syn_y, class_names):
        return {"fid": Fq.fid_from_features(real_f, syn_f, eps=self.eps)}


@register("metric", "kid")
class KID(FeatureMetric):
    """Kernel distance: unbiased MMD² with the cubic polynomial kernel, averaged over subsets.

    Unbiased, so it works with few samples and can be slightly negative when distributions match.
    The kernel ``(a·b / D + 1)^3`` is scale-sensitive: it expects features of roughly unit scale
    (as the random-conv space gives); standardise raw tabular columns first.

    Args:
        features: feature space.
        n_subsets: random subsets averaged.
        subset_size: rows per subset (capped at the smaller set).
        generator: seed of the subset draws.

    Returns (from ``__call__``):
        ``{"kid": mean, "kid_std": std over subsets}``.
    """

    name = "kid"
    higher_is_better = False

    def __init__(self, *, features: FeatureSpec = None, n_subsets: int = 100, subset_size: int = 1000,
                 generator: Seed = 0) -> None:
        self.features = features
        self.n_subsets = n_subsets
        self.subset_size = subset_size
        self.generator = generator
        check_int("n_subsets", n_subsets, low=1)
        check_int("subset_size", subset_size, low=2)

    def from_features(self, real_f, real_y, syn_f, syn_y, class_names):
        mean, std = Fq.kid_from_features(real_f, syn_f, n_subsets=self.n_subsets,
                                         subset_size=self.subset_size, generator=self.generator)
        return {"kid": mean, "kid_std": std}


@register("metric", "prdc")
class PRDC(FeatureMetric):
    """Precision, recall, density and coverage with k-NN balls (Naeem et al., 2020).

    Precision/density: synthetic samples fall where real ones are (fidelity); recall/coverage:
    real samples are reached by synthetic ones (diversity). All higher is better; density is
    about 1 for matched distributions and can exceed 1.

    Args:
        features: feature space.
        k: neighbourhood size (both sets need more than k samples).

    Returns (from ``__call__``):
        ``{"precision", "recall", "density", "coverage"}``.
    """

    name = "prdc"
    higher_is_better = True

    def __init__(self, *, features: FeatureSpec = None, k: int = 5) -> None:
        self.features = features
        self.k = k
        check_int("k", k, low=1)

    def from_features(self, real_f, real_y, syn_f, syn_y, class_names):
        return Fq.prdc(real_f, syn_f, k=self.k)


def _make_model(model: str | Callable[[], Any], config: Mapping[str, Any] | None) -> Any:
    if isinstance(model, str):
        from genaug import registry

        return registry.create("model", model, **dict(config or {}))
    if callable(model):
        return model(**dict(config or {}))
    raise TypeError(f"model must be a registry name or a factory; got {type(model).__name__}")


def _accuracies(proba: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    pred = np.asarray(proba).argmax(axis=1)
    acc = float((pred == y).mean())
    recalls = [float((pred[y == c] == c).mean()) for c in np.unique(y)]
    return acc, float(np.mean(recalls))


@register("metric", "cas")
class CAS(FeatureMetric):
    """Classification accuracy score: train on synthetic, test on real (higher is better).

    By default a fast probe (standardised logistic regression or k-NN) on features; with
    ``model`` a full classifier from the registry is trained on the synthetic data instead
    (``fit(synthetic, None, generator=...)``) and evaluated on ``real``.

    Args:
        features: feature space of the probe.
        probe: ``"logreg"`` or ``"knn"``.
        model: a ``registry.available("model")`` name, or a zero-argument factory of an object
            with ``fit``/``predict_proba``; ``None`` uses the probe.
        model_config: keyword arguments of the model.
        generator: seed of the model's training.

    Returns (from ``__call__``):
        ``{"cas": accuracy on real, "cas_balanced": mean per-class recall on real}``.
    """

    name = "cas"
    higher_is_better = True

    def __init__(self, *, features: FeatureSpec = None, probe: ProbeKind = "logreg",
                 model: str | Callable[[], Any] | None = None,
                 model_config: Mapping[str, Any] | None = None, generator: Seed = 0) -> None:
        self.features = features
        self.probe = probe
        self.model = model
        self.model_config = model_config
        self.generator = generator
        FeatureProbe(probe)

    def uses_features(self) -> bool:
        return self.model is None

    def __call__(self, real: LabeledData, synthetic: LabeledData) -> dict[str, float]:
        """Accuracy on ``real`` of a classifier trained on ``synthetic``."""
        if self.uses_features():
            return super().__call__(real, synthetic)
        check_pair(real, synthetic)
        clf = _make_model(self.model, self.model_config)
        clf.fit(synthetic, None, generator=self.generator)
        acc, bal = _accuracies(clf.predict_proba(real), real.y)
        return {"cas": acc, "cas_balanced": bal}

    def from_features(self, real_f, real_y, syn_f, syn_y, class_names):
        if len(syn_f) == 0:
            raise ValueError("synthetic is empty; CAS needs synthetic training samples")
        probe = FeatureProbe(self.probe).fit(syn_f, syn_y, len(class_names))
        acc, bal = _accuracies(probe.predict_proba(real_f), real_y)
        return {"cas": acc, "cas_balanced": bal}


@register("metric", "label_fidelity")
class LabelFidelity(FeatureMetric):
    """How often an independent classifier trained on real data agrees with the synthetic labels.

    Args:
        features: feature space of the default probe.
        probe: ``"logreg"`` or ``"knn"``.
        classifier: an already fitted classifier (trained on real data, independent of the one
            being evaluated) with ``predict_proba(LabeledData) -> (N, num_classes)``; replaces
            the probe.

    Returns (from ``__call__``):
        ``{"label_fidelity": share whose argmax is the intended label,
        "label_confidence": mean probability of the intended label}``.
    """

    name = "label_fidelity"
    higher_is_better = True

    def __init__(self, *, features: FeatureSpec = None, probe: ProbeKind = "logreg",
                 classifier: Any = None) -> None:
        self.features = features
        self.probe = probe
        self.classifier = classifier
        FeatureProbe(probe)
        if classifier is not None and not callable(getattr(classifier, "predict_proba", None)):
            raise TypeError(f"classifier must have predict_proba; got {type(classifier).__name__}")

    def uses_features(self) -> bool:
        return self.classifier is None

    def __call__(self, real: LabeledData, synthetic: LabeledData) -> dict[str, float]:
        """Agreement of the real-trained classifier with ``synthetic.y``."""
        if self.uses_features():
            return super().__call__(real, synthetic)
        check_pair(real, synthetic)
        return _fidelity(np.asarray(self.classifier.predict_proba(synthetic)), synthetic.y)

    def from_features(self, real_f, real_y, syn_f, syn_y, class_names):
        probe = FeatureProbe(self.probe).fit(real_f, real_y, len(class_names))
        return _fidelity(probe.predict_proba(syn_f), syn_y)


def _fidelity(proba: np.ndarray, y: np.ndarray) -> dict[str, float]:
    if len(y) == 0:
        return {"label_fidelity": float("nan"), "label_confidence": float("nan")}
    if proba.ndim != 2 or proba.shape[0] != len(y) or proba.shape[1] <= int(y.max()):
        raise ValueError(f"predict_proba must return (N, num_classes); got shape {proba.shape}")
    return {
        "label_fidelity": float((proba.argmax(axis=1) == y).mean()),
        "label_confidence": float(proba[np.arange(len(y)), y].mean()),
    }


@register("metric", "memorization")
class Memorization(FeatureMetric):
    """Share of synthetic samples closer to a training sample than training samples are to each other.

    The threshold is the ``quantile`` of train-to-train nearest-neighbour distances; a
    synthetic sample closer than that to its nearest training record (or an exact copy)
    counts. A generator that draws fresh samples from the real distribution scores about
    ``quantile``; exact copies score 1. Lower is better.

    Args:
        features: feature space; ``"flatten"`` compares in pixel/raw space.
        quantile: quantile of the train-to-train distances used as threshold.

    Returns (from ``__call__``):
        ``{"memorization", "dcr" (mean distance to closest record), "dcr_median",
        "memorization_threshold"}``.
    """

    name = "memorization"
    higher_is_better = False

    def __init__(self, *, features: FeatureSpec = None, quantile: float = 0.5) -> None:
        self.features = features
        self.quantile = quantile
        check_probability("quantile", quantile)

    def from_features(self, real_f, real_y, syn_f, syn_y, class_names):
        if len(syn_f) == 0:
            raise ValueError("synthetic is empty; nothing to measure")
        return Fq.memorization(real_f, syn_f, quantile=self.quantile)


@register("metric", "diversity")
class Diversity(FeatureMetric):
    """Per-class mean pairwise feature distance of synthetic data over that of real data.

    1.0 means as diverse as the real data, below 1 mode collapse, above 1 more spread than
    real (often noise). Classes with fewer than two samples on either side are left out.

    Args:
        features: feature space.
        max_per_class: random subsample per class and side (bounds the quadratic cost).
        generator: seed of the subsampling.

    Returns (from ``__call__``):
        ``{"diversity": mean over classes, "diversity/<class name>": ratio per class}``.
    """

    name = "diversity"
    higher_is_better = True

    def __init__(self, *, features: FeatureSpec = None, max_per_class: int = 1000,
                 generator: Seed = 0) -> None:
        self.features = features
        self.max_per_class = max_per_class
        self.generator = generator
        check_int("max_per_class", max_per_class, low=2)

    def from_features(self, real_f, real_y, syn_f, syn_y, class_names):
        rng = numpy_rng(self.generator)
        out: dict[str, float] = {}
        for c, name in enumerate(class_names):
            r, s = real_f[real_y == c], syn_f[syn_y == c]
            if len(r) < 2 or len(s) < 2:
                continue
            if len(r) > self.max_per_class:
                r = r[rng.choice(len(r), self.max_per_class, replace=False)]
            if len(s) > self.max_per_class:
                s = s[rng.choice(len(s), self.max_per_class, replace=False)]
            denom = Fq.mean_pairwise_distance(r)
            if denom > 0:
                out[f"diversity/{name}"] = Fq.mean_pairwise_distance(s) / denom
        values = list(out.values())
        return {"diversity": float(np.mean(values)) if values else float("nan"), **out}


DEFAULT_METRICS: tuple[str, ...] = (
    "fid", "kid", "prdc", "cas", "label_fidelity", "memorization", "diversity",
)

MetricSpec = str | Mapping[str, Any] | Metric


def _build_metric(spec: MetricSpec, shared: FeatureExtractor) -> Metric:
    from genaug import registry

    if isinstance(spec, Metric):
        return spec
    if isinstance(spec, str):
        name, config = spec, {}
    elif isinstance(spec, Mapping) and "name" in spec:
        name, config = spec["name"], {k: v for k, v in spec.items() if k != "name"}
    else:
        raise TypeError(f"each metric must be a name, a mapping with 'name', or a Metric; got {spec!r}")
    cls = registry.get("metric", name)
    if isinstance(cls, type) and issubclass(cls, FeatureMetric) and "features" not in config:
        config["features"] = shared
    return cls(**config)


def evaluate_quality(real: LabeledData, synthetic: LabeledData,
                     metrics: Sequence[MetricSpec] = DEFAULT_METRICS, *,
                     features: FeatureSpec = None) -> dict[str, float]:
    """Run several metrics, extracting the shared features only once.

    Args:
        real: the real training data.
        synthetic: the synthetic data (same modality and class_names).
        metrics: registry names, ``{"name": ..., **config}`` mappings or Metric instances.
        features: feature space shared by every metric that does not set its own.

    Returns:
        One flat dict with every metric's keys (e.g. ``fid``, ``kid``, ``precision``, ``cas``).

    Example:
        >>> evaluate_quality(real, synthetic, ["fid", "prdc"])  # doctest: +SKIP
        {'fid': 1.3, 'precision': 0.8, 'recall': 0.7, 'density': 0.9, 'coverage': 0.8}
    """
    check_pair(real, synthetic)
    shared = resolve_features(features, real.modality)
    cache: dict[str, np.ndarray] = {}
    results: dict[str, float] = {}
    for spec in metrics:
        metric = _build_metric(spec, shared)
        if isinstance(metric, FeatureMetric) and metric.uses_features() and (
            resolve_features(metric.features, real.modality) is shared
        ):
            if not cache:
                cache["real"] = extract_features(real, shared)
                cache["synthetic"] = extract_features(synthetic, shared)
            out = metric.from_features(cache["real"], real.y, cache["synthetic"], synthetic.y,
                                       real.class_names)
        else:
            out = metric(real, synthetic)
        clash = set(out) & set(results)
        if clash:
            raise ValueError(f"metrics report the same keys {sorted(clash)}; drop one of them")
        results.update(out)
    return results
