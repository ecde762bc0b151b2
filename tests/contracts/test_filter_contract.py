"""Contract suite for every registered ``filter``, on every modality it takes (tabular included).

The contract (:mod:`genaug.quality.filters`): ``fit(real) -> self``; use before ``fit`` raises
scikit-learn's ``NotFittedError`` naming the class; ``score(synthetic)`` is one finite float
per sample; ``filt(synthetic)`` keeps a subset of the input (original order) with the same class
names and modality, the scores in ``meta["filter_score_<name>"]``, the same for the same input;
a ``threshold`` only ever removes more samples as it rises; empty input gives empty output.

A newly registered filter fails ``test_every_filter_has_test_params`` until it gets an entry in
``PARAMS`` (tiny options) and, when it has a ``threshold``, in ``THRESHOLDS``.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.quality.filters import Filter


def _names() -> list[str]:
    return [n for n in registry.available("filter")
            if getattr(registry.get("filter", n), "__module__", "").startswith("genaug.")]  # fmt: skip


NAMES = _names()

# Tiny options of each filter.
# The k-NN probe: the default logistic regression takes ~0.3 s per fit on 128 features.
KNN_FIDELITY = {"name": "label_fidelity", "probe": "knn"}
PARAMS: dict[str, dict] = {
    "audio_energy": {"min_db": -3.0},
    "dedup": {},
    "label_fidelity": {"threshold": 0.5, "probe": "knn"},
    "pipeline": {"filters": ["dedup", {**KNN_FIDELITY, "threshold": 0.4}]},
    "tabular_copies": {},
    "topk_per_class": {"k": 3, "by": KNN_FIDELITY},
}
# Data each filter is checked on ("mixed": a DataFrame with categorical and bool columns).
DATA: dict[str, tuple[str, ...]] = {"tabular_copies": ("mixed", "tabular"), "audio_energy": ("audio",)}
DEFAULT_DATA = ("image", "signal", "tabular", "text")
# Increasing thresholds, and how a sample's score decides whether it is kept.
THRESHOLDS: dict[str, tuple[tuple[float, ...], str]] = {
    "label_fidelity": ((0.0, 0.4, 0.8, 1.0), ">="),
    "dedup": ((0.0, 1.0, 2.0, 1e9), ">"),
    "tabular_copies": ((0.0, 1.0, 1e9), ">"),
}
# Options that make the kept set exactly the threshold rule (dedup also drops synthetic twins).
RULE_EXACT: dict[str, dict] = {"dedup": {"within_synthetic": False}}

CASES = [(n, m) for n in NAMES for m in DATA.get(n, DEFAULT_DATA)]
IDS = [f"{n}-{m}" for n, m in CASES]


def make(name: str, **overrides) -> Filter:
    return registry.create("filter", name, **{**PARAMS.get(name, {}), **overrides})


def real_and_synthetic(make_data, modality: str) -> tuple[LabeledData, LabeledData]:
    real = make_data(modality, per_class=8, seed=0)
    synthetic = make_data(modality, per_class=6, seed=1)
    # Two exact copies of real samples and a duplicated synthetic sample: dedup-style filters
    # must be able to tell them apart.
    extra = real.subset([0, 9]).concat(synthetic.subset([3]))
    synthetic = synthetic.concat(extra)
    return real, synthetic.with_meta(row=np.arange(len(synthetic)))


def _core(data: LabeledData) -> LabeledData:
    """Samples, labels and the input row number (the scores a filter adds left out)."""
    return LabeledData(data.x, data.y, data.class_names, data.modality, {"row": data.meta["row"]})


def test_every_filter_has_test_params() -> None:
    for name in NAMES:
        assert name in PARAMS, f"add tiny test options for filter {name!r} to PARAMS"
        if "threshold" in inspect.signature(registry.get("filter", name)).parameters:
            assert name in THRESHOLDS, f"add thresholds and the keep rule of {name!r} to THRESHOLDS"


@pytest.mark.parametrize("name", NAMES)
def test_registered_class_is_a_filter(name: str) -> None:
    cls = registry.get("filter", name)
    assert isinstance(cls, type) and issubclass(cls, Filter)
    assert make(name).meta_key == f"filter_score_{cls.name}"


@pytest.mark.parametrize(("name", "modality"), CASES, ids=IDS)
def test_use_before_fit_raises_not_fitted_naming_the_class(name, modality, make_data) -> None:
    _, synthetic = real_and_synthetic(make_data, modality)
    f = make(name)
    for use in (f.score, f, f.select):
        with pytest.raises(NotFittedError, match=type(f).__name__):
            use(synthetic)


@pytest.mark.parametrize(("name", "modality"), CASES, ids=IDS)
def test_fit_score_and_filter(name, modality, make_data, same) -> None:
    real, synthetic = real_and_synthetic(make_data, modality)
    f = make(name)
    assert f.fit(real) is f
    scores = np.asarray(f.score(synthetic))
    assert scores.shape == (len(synthetic),) and np.issubdtype(scores.dtype, np.floating)
    assert np.isfinite(scores).all(), scores
    kept = f(synthetic)
    assert isinstance(kept, LabeledData)
    assert (kept.modality, kept.class_names) == (synthetic.modality, synthetic.class_names)
    rows = kept.meta["row"]
    assert len(set(rows.tolist())) == len(rows) and np.all(np.diff(rows) > 0), "a subset, in order"
    assert same(_core(kept), _core(synthetic.subset(rows))), "kept samples are input samples, unchanged"
    assert f.meta_key in kept.meta and len(kept.meta[f.meta_key]) == len(kept)
    # select agrees with __call__; the same input gives the same output, also after a new fit.
    index, select_scores = f.select(synthetic)
    np.testing.assert_array_equal(index, rows)
    assert select_scores.shape == (len(synthetic),)
    assert same(f(synthetic), kept)
    assert same(make(name).fit(real)(synthetic), kept)


@pytest.mark.parametrize(("name", "modality"), CASES, ids=IDS)
def test_empty_input_gives_empty_output(name, modality, make_data) -> None:
    real, synthetic = real_and_synthetic(make_data, modality)
    empty = synthetic.subset([])
    f = make(name).fit(real)
    assert np.asarray(f.score(empty)).shape == (0,)
    kept = f(empty)
    assert len(kept) == 0 and kept.class_names == real.class_names and kept.modality == real.modality


@pytest.mark.parametrize(("name", "modality"), CASES, ids=IDS)
def test_other_classes_or_modality_are_refused(name, modality, make_data) -> None:
    real, synthetic = real_and_synthetic(make_data, modality)
    f = make(name).fit(real)
    renamed = LabeledData(synthetic.x, synthetic.y, ("x", "y", "z"), synthetic.modality)
    with pytest.raises(ValueError, match="class_names"):
        f(renamed)
    with pytest.raises(TypeError, match="LabeledData"):
        f.score(synthetic.x)
    other = make_data("signal" if modality == "image" else "image", per_class=2)
    with pytest.raises(ValueError, match="modality"):
        f(other)


THRESHOLD_CASES = [(n, m) for n, m in CASES if n in THRESHOLDS]


@pytest.mark.parametrize(("name", "modality"), THRESHOLD_CASES,
                         ids=[f"{n}-{m}" for n, m in THRESHOLD_CASES])
def test_threshold_keeps_by_score_and_only_removes_as_it_rises(name, modality, make_data) -> None:
    real, synthetic = real_and_synthetic(make_data, modality)
    thresholds, rule = THRESHOLDS[name]
    previous: set[int] | None = None
    for t in thresholds:
        f = make(name, threshold=t, **RULE_EXACT.get(name, {})).fit(real)
        scores = np.asarray(f.score(synthetic))
        passes = set(np.flatnonzero(scores >= t if rule == ">=" else scores > t).tolist())
        kept = set(f(synthetic).meta["row"].tolist())
        assert kept == passes, f"threshold {t}: kept {sorted(kept)}, the rule says {sorted(passes)}"
        if previous is not None:
            assert kept <= previous, f"raising the threshold to {t} kept new samples"
        previous = kept
    if rule == ">":
        assert previous == set(), "a distance threshold above every distance drops everything"
    if name in RULE_EXACT:  # with its default options the filter keeps no sample the rule drops
        t = thresholds[1]
        f = make(name, threshold=t).fit(real)
        scores = np.asarray(f.score(synthetic))
        assert set(f(synthetic).meta["row"].tolist()) <= set(np.flatnonzero(scores > t).tolist())
