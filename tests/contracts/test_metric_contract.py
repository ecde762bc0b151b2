"""Contract suite for every registered ``metric`` (``metric(real, synthetic) -> dict[str, float]``),
on every modality it takes (tabular metrics on numeric and mixed tables).

The contract (:mod:`genaug.quality.metrics`): on tiny real-vs-synthetic data the result is a
non-empty dict of finite floats holding the headline key; the same inputs (and seed) give the
same values; identical inputs score as "the same data" (FID 0, diversity 1, every sample an
exact copy, ...) and better, in the metric's ``higher_is_better`` direction, than clearly
different data -- except privacy metrics, for which copies are the worst case; bad input (other
classes, another modality, an empty synthetic set) raises ValueError naming the problem.

A newly registered metric fails ``test_every_metric_has_test_params`` until it has an entry in
``SPEC``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest
import torch

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.quality.features import HashingTextFeatures
from genaug.quality.metrics import FeatureMetric, Metric


def _names() -> list[str]:
    return [n for n in registry.available("metric")
            if getattr(registry.get("metric", n), "__module__", "").startswith("genaug.")]  # fmt: skip


FEATURE_DATA = ("image", "signal", "tabular", "text")
TABLE_DATA = ("tabular", "mixed")


@dataclass
class Case:
    """How a metric is checked.

    Attributes:
        params: tiny options.
        data: the data kinds it takes.
        headline: keys the result must hold.
        same: ``{key: (value, tolerance)}`` for identical real and synthetic data.
        copies_are_best: identical data scores best in the ``higher_is_better`` direction
            (False for privacy metrics, where copies are the worst case).
        sizes: samples per class of the real and the synthetic data.
        num_classes: classes of the data.
        seed: the name of the seed option, if any.
    """

    params: dict = field(default_factory=dict)
    data: tuple[str, ...] = FEATURE_DATA
    headline: tuple[str, ...] = ()
    same: dict[str, tuple[float, float]] = field(default_factory=dict)
    copies_are_best: bool = True
    sizes: tuple[int, int] = (8, 6)
    num_classes: int = 3
    seed: str | None = None


SPEC: dict[str, Case] = {
    # The k-NN probe: the default logistic regression takes ~0.3 s per fit on 128 features.
    "cas": Case(params={"probe": "knn"}, headline=("cas", "cas_balanced"), seed="generator"),
    "detection_auc": Case(params={"n_folds": 2, "max_rows": 20}, data=TABLE_DATA, headline=("detection_auc",),
                          same={"detection_auc": (0.5, 0.15)}, seed="seed"),
    "diversity": Case(headline=("diversity",), same={"diversity": (1.0, 1e-9)}, seed="generator"),
    "fid": Case(headline=("fid",), same={"fid": (0.0, 1e-6)}),
    "kid": Case(params={"n_subsets": 5, "subset_size": 10}, headline=("kid", "kid_std"), seed="generator"),
    "label_fidelity": Case(params={"probe": "knn"}, headline=("label_fidelity", "label_confidence")),
    "memorization": Case(headline=("memorization", "dcr"), copies_are_best=False,
                         same={"memorization": (1.0, 0.0), "dcr": (0.0, 1e-9)}),
    "prdc": Case(params={"k": 3}, headline=("precision", "recall", "density", "coverage"),
                 same={"precision": (1.0, 0.0), "recall": (1.0, 0.0), "coverage": (1.0, 0.0)}),
    "tabular_fidelity": Case(data=TABLE_DATA, headline=("ks_mean", "marginal_mean", "corr_diff_mean"),
                             same={"ks_mean": (0.0, 1e-9), "marginal_mean": (0.0, 1e-9),
                                   "corr_diff_mean": (0.0, 1e-9)}),
    "tabular_privacy": Case(data=TABLE_DATA, headline=("dcr_median", "exact_copy_share"),
                            copies_are_best=False,
                            same={"dcr_median": (0.0, 1e-9), "exact_copy_share": (1.0, 0.0)}),
    "distinct_n": Case(data=("text",), headline=("distinct_1", "distinct_2")),
    "self_bleu": Case(data=("text",), headline=("self_bleu",)),
    "ngram_copy": Case(params={"n": 3}, data=("text",), headline=("ngram_copy", "exact_copy"),
                       copies_are_best=False, same={"ngram_copy": (1.0, 0.0), "exact_copy": (1.0, 0.0)}),
    # hist_gb inside TSTR needs 40+ training rows to split at all (min_samples_leaf=20); two
    # classes: one tree per boosting round instead of three.
    "tstr": Case(data=TABLE_DATA, headline=("tstr_pr_auc", "tstr_balanced_accuracy"), sizes=(24, 20),
                 num_classes=2, seed="seed"),
}
NAMES = _names()
CASES = [(n, m) for n in NAMES if n in SPEC for m in SPEC[n].data]
IDS = [f"{n}-{m}" for n, m in CASES]

# Known bugs, each an xfail(strict=True) case until fixed: {(test, metric): what is wrong}.
BUGS: dict[tuple[str, str], str] = {}


def _marked(test: str, cases: list[tuple[str, ...]]) -> list:
    out = []
    for case in cases:
        reason = BUGS.get((test, case[0]))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(*case, marks=marks, id="-".join(case)))
    return out


def make(name: str, modality: str = "image", **overrides) -> Metric:
    params = dict(SPEC[name].params)
    if modality == "text" and issubclass(registry.get("metric", name), FeatureMetric):
        params["features"] = HashingTextFeatures(n_features=32)  # FID on 512 dims takes seconds
    return registry.create("metric", name, **{**params, **overrides})


def same_values(a: dict[str, float], b: dict[str, float]) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k], equal_nan=True) for k in a)


def pair(make_data, name: str, modality: str) -> tuple[LabeledData, LabeledData]:
    (n_real, n_syn), k = SPEC[name].sizes, SPEC[name].num_classes
    return (make_data(modality, per_class=n_real, seed=0, num_classes=k),
            make_data(modality, per_class=n_syn, seed=1, num_classes=k))


def far_from(real: LabeledData, n_per_class: int) -> LabeledData:
    """Synthetic data nothing like ``real``: one point outside its support (plus a little noise),
    every label rotated by one class."""
    k = real.num_classes
    y = (np.repeat(np.arange(k), n_per_class) + 1) % k
    n = len(y)
    rng = np.random.default_rng(5)
    x: object
    if real.modality == "text":
        x = [f"zzz qqq {i % 3}" for i in range(n)]
    elif isinstance(real.x, pd.DataFrame):
        x = pd.DataFrame({
            "amount": 50.0 + rng.random(n), "count": np.full(n, 40, dtype=np.int64),
            "channel": pd.Categorical(["web"] * n, categories=real.x["channel"].cat.categories),
            "flag": np.ones(n, dtype=bool),
        })  # fmt: skip
    elif isinstance(real.x, np.ndarray):
        x = 6.0 + 0.01 * rng.random((n, *real.sample_shape))
    else:
        noise = 0.01 * torch.rand((n, *real.sample_shape), generator=torch.Generator().manual_seed(5))
        x = (0.99 + noise).clamp(0, 1) if real.modality == "image" else 6.0 + noise
    return LabeledData(x, y, real.class_names, real.modality)


def test_every_metric_has_test_params() -> None:
    for name in NAMES:
        assert name in SPEC, f"add test options and expectations for metric {name!r} to SPEC"
        cls = registry.get("metric", name)
        assert issubclass(cls, Metric) and isinstance(cls.higher_is_better, bool) and cls.name == name


@pytest.mark.parametrize(("name", "modality"), CASES, ids=IDS)
def test_finite_values_and_the_same_values_for_the_same_inputs(name, modality, make_data) -> None:
    real, synthetic = pair(make_data, name, modality)
    out = make(name, modality)(real, synthetic)
    assert isinstance(out, dict) and out
    assert set(SPEC[name].headline) <= set(out), sorted(out)
    assert all(isinstance(v, float) for v in out.values()), out
    assert all(np.isfinite(out[k]) for k in SPEC[name].headline), out
    assert same_values(make(name, modality)(real, synthetic), out)
    seed = SPEC[name].seed
    if seed is not None:
        again = make(name, modality, **{seed: 11})(real, synthetic)
        assert all(np.isfinite(again[k]) for k in SPEC[name].headline)
        if name == "kid":  # subsets of 10 out of 18 and 24 samples: another seed draws others
            assert not same_values(again, out)


@pytest.mark.parametrize(("name", "modality"), CASES, ids=IDS)
def test_identical_inputs_score_as_the_same_data(name, modality, make_data) -> None:
    real, _ = pair(make_data, name, modality)
    metric = make(name, modality)
    same = metric(real, real)
    for key, (value, tol) in SPEC[name].same.items():
        assert abs(same[key] - value) <= tol, (key, same[key], value)
    far = metric(real, far_from(real, SPEC[name].sizes[1]))
    better = metric.higher_is_better == SPEC[name].copies_are_best
    for key in SPEC[name].headline[:1]:
        if better:
            assert same[key] > far[key], f"{key}: identical {same[key]} should beat different {far[key]}"
        else:
            assert same[key] < far[key], f"{key}: identical {same[key]} should be below different {far[key]}"


@pytest.mark.parametrize(("name", "modality"), _marked("empty", CASES))
def test_bad_input_raises_naming_the_problem(name, modality, make_data) -> None:
    real, synthetic = pair(make_data, name, modality)
    metric = make(name, modality)
    renamed = LabeledData(synthetic.x, synthetic.y, ("x", "y", "z")[: synthetic.num_classes],
                          synthetic.modality)
    with pytest.raises(ValueError, match="class_names"):
        metric(real, renamed)
    other = make_data("image" if modality != "image" else "signal", per_class=6)
    with pytest.raises(ValueError, match="modality"):
        metric(real, other)
    with pytest.raises(TypeError, match="LabeledData"):
        metric(real, synthetic.x)
    # An empty synthetic set: a ValueError that says so, or NaN (undefined); never a number.
    try:
        out = metric(real, synthetic.subset([]))
    except ValueError as err:
        assert any(w in str(err) for w in ("empty", "at least", "non-empty")), str(err)
    else:
        assert all(np.isnan(out[k]) for k in SPEC[name].headline), out


# Metrics that take one modality only (tabular or text) refuse the others, naming theirs.
SINGLE = [(n, SPEC[n].data[0]) for n in NAMES if n in SPEC and "image" not in SPEC[n].data]


@pytest.mark.parametrize(("name", "takes"), _marked("modality", SINGLE))
def test_single_modality_metrics_refuse_other_modalities(name, takes, make_data) -> None:
    real, synthetic = make_data("image", per_class=6, seed=0), make_data("image", per_class=6, seed=1)
    with pytest.raises(TypeError, match="tabular" if takes == "mixed" else takes):
        make(name)(real, synthetic)
