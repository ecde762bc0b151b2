"""Metric classes: known values, registry entries, evaluate_quality."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.quality import (
    CAS,
    FID,
    KID,
    PRDC,
    Diversity,
    FeatureExtractor,
    LabelFidelity,
    Memorization,
    evaluate_quality,
)

NAMES = ("a", "b")


def _blobs(n_per_class: int = 40, seed: int = 0, shift: float = 0.0, dim: int = 4) -> LabeledData:
    """Two well-separated Gaussian classes (tabular)."""
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], n_per_class)
    x = rng.normal(size=(len(y), dim)) + 6.0 * y[:, None] + shift
    return LabeledData(x, y, NAMES, "tabular")


def _images(n_per_class: int = 20, seed: int = 0, low: float = 0.0, high: float = 1.0) -> LabeledData:
    """Class a bright on top, class b bright at the bottom, values in [low, high]."""
    g = torch.Generator().manual_seed(seed)
    y = np.repeat([0, 1], n_per_class)
    x = torch.rand(len(y), 1, 8, 8, generator=g) * 0.3
    x[y == 0, :, :4] += 0.7
    x[y == 1, :, 4:] += 0.7
    return LabeledData(low + (high - low) * x, y, NAMES, "image")


class _Oracle:
    """A stand-in classifier that knows the true label (from a meta column)."""

    def __init__(self, wrong: bool = False) -> None:
        self.wrong = wrong

    def predict_proba(self, data: LabeledData) -> np.ndarray:
        truth = data.meta["true_y"]
        if self.wrong:
            truth = 1 - truth
        return np.eye(2)[truth]


def test_registered_metrics() -> None:
    names = registry.available("metric")
    for name in ("fid", "kid", "prdc", "cas", "label_fidelity", "memorization", "diversity"):
        assert name in names
        metric = registry.create("metric", name)
        assert metric.name == name
        assert isinstance(metric.higher_is_better, bool)
    assert registry.get("metric", "fid") is FID
    assert not FID.higher_is_better and not KID.higher_is_better and not Memorization.higher_is_better
    assert PRDC.higher_is_better and CAS.higher_is_better


def test_identical_sets_in_default_image_space() -> None:
    real = _images()
    out = evaluate_quality(real, real, ["fid", "prdc", "memorization", "diversity"])
    assert abs(out["fid"]) < 1e-4
    assert out["precision"] == out["recall"] == out["coverage"] == 1.0
    assert out["memorization"] == 1.0 and out["dcr"] == 0.0
    assert out["diversity"] == pytest.approx(1.0)


def test_fid_shift_in_flatten_space_equals_closed_form() -> None:
    real = _blobs(200)
    shifted = LabeledData(real.x + np.array([1.0, 0, 0, -1.0]), real.y, NAMES, "tabular")
    assert FID()(real, shifted)["fid"] == pytest.approx(2.0, abs=1e-5)


def test_kid_same_vs_different_distribution() -> None:
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 100)

    def gauss(shift: float) -> LabeledData:
        return LabeledData(rng.normal(size=(200, 4)) + shift, y, NAMES, "tabular")

    kid = KID(n_subsets=10, subset_size=100)
    same = kid(gauss(0.0), gauss(0.0))
    different = kid(gauss(0.0), gauss(1.0))
    assert abs(same["kid"]) < 0.05 < 0.5 < different["kid"]
    assert set(same) == {"kid", "kid_std"}


def test_memorization_pixel_space_copies_and_far_samples() -> None:
    real = _images(low=0.0, high=0.3)
    metric = Memorization(features="flatten")
    assert metric(real, real.subset(np.arange(10)))["memorization"] == 1.0
    far = _images(seed=3, low=0.7, high=1.0)
    out = metric(real, far)
    assert out["memorization"] == 0.0 and out["dcr"] > out["memorization_threshold"]


def test_label_fidelity_with_stand_in_classifiers() -> None:
    syn = _blobs(seed=2)
    syn = syn.with_meta(true_y=syn.y.copy())
    assert LabelFidelity(classifier=_Oracle())(_blobs(), syn) == {
        "label_fidelity": 1.0, "label_confidence": 1.0,
    }
    assert LabelFidelity(classifier=_Oracle(wrong=True))(_blobs(), syn)["label_fidelity"] == 0.0


def test_label_fidelity_default_probe_detects_wrong_labels() -> None:
    real, syn = _blobs(), _blobs(seed=2)
    good = LabelFidelity()(real, syn)
    flipped = LabelFidelity()(real, LabeledData(syn.x, 1 - syn.y, NAMES, "tabular"))
    assert good["label_fidelity"] == 1.0 and good["label_confidence"] > 0.9
    assert flipped["label_fidelity"] == 0.0


def test_cas_train_on_synthetic_test_on_real() -> None:
    real, syn = _blobs(), _blobs(seed=2)
    assert CAS()(real, syn)["cas"] == 1.0
    assert CAS(probe="knn")(real, syn)["cas"] == 1.0
    flipped = LabeledData(syn.x, 1 - syn.y, NAMES, "tabular")
    assert CAS()(real, flipped)["cas"] == 0.0

    class Stub:
        fitted_on: LabeledData | None = None

        def fit(self, train, val=None, *, generator=None):
            Stub.fitted_on = train
            return self

        def predict_proba(self, data):
            return np.eye(2)[(data.x[:, 0] > 3).astype(int)]

    out = CAS(model=Stub)(real, syn)
    assert Stub.fitted_on is syn and out == {"cas": 1.0, "cas_balanced": 1.0}


def test_diversity_ratios() -> None:
    real = _blobs(50)
    x = real.x.copy()
    for c in (0, 1):  # class a twice as spread out, class b collapsed to its mean
        m = x[real.y == c].mean(0)
        x[real.y == c] = m + (2.0 if c == 0 else 0.0) * (x[real.y == c] - m)
    out = Diversity()(real, LabeledData(x, real.y, NAMES, "tabular"))
    assert out["diversity/a"] == pytest.approx(2.0)
    assert out["diversity/b"] == pytest.approx(0.0)
    assert out["diversity"] == pytest.approx(1.0)


class _CountingFlatten(FeatureExtractor):
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, data):
        self.calls += 1
        return np.asarray(data.x, dtype=np.float64).reshape(len(data), -1)


def test_evaluate_quality_shares_features_and_merges_keys() -> None:
    counting = _CountingFlatten()
    out = evaluate_quality(
        _blobs(), _blobs(seed=1),
        ["fid", {"name": "kid", "n_subsets": 5, "subset_size": 20}, "prdc", "cas", "label_fidelity",
         "memorization", "diversity"],
        features=counting,
    )
    assert counting.calls == 2  # once for real, once for synthetic
    for key in ("fid", "kid", "kid_std", "precision", "recall", "density", "coverage", "cas",
                "cas_balanced", "label_fidelity", "label_confidence", "memorization", "dcr",
                "diversity", "diversity/a", "diversity/b"):
        assert isinstance(out[key], float), key
    with pytest.raises(ValueError, match="same keys"):
        evaluate_quality(_blobs(), _blobs(seed=1), ["fid", FID()])


def test_metrics_are_deterministic() -> None:
    real, syn = _images(), _images(seed=5)
    assert evaluate_quality(real, syn, ["kid", "diversity", "cas"]) == evaluate_quality(
        real, syn, ["kid", "diversity", "cas"]
    )


def test_incompatible_inputs_are_rejected() -> None:
    other = LabeledData(np.zeros((2, 4)), [0, 1], ("x", "y"), "tabular")
    with pytest.raises(ValueError, match="class_names"):
        FID()(_blobs(), other)
    with pytest.raises(TypeError, match="LabeledData"):
        FID()(_blobs(), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="quantile"):
        Memorization(quantile=1.5)
    with pytest.raises(ValueError, match="kind"):
        CAS(probe="svm")
