"""evaluate_corruptions with stand-in classifiers (no dependency on the classifier zoo)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from genaug.data.labeled import LabeledData
from genaug.train.robustness import evaluate_corruptions

NAMES = ("dark", "bright")


class NearestCentroid:
    """Tiny stand-in classifier: softmax over negative distances to class means of flattened x."""

    def fit(self, data: LabeledData) -> NearestCentroid:
        x = data.x.reshape(len(data), -1).double()
        y = torch.as_tensor(data.y)
        self.centroids_ = torch.stack([x[y == c].mean(0) for c in range(data.num_classes)])
        return self

    def predict_proba(self, data: LabeledData) -> np.ndarray:
        x = data.x.reshape(len(data), -1).double()
        return torch.softmax(-torch.cdist(x, self.centroids_), dim=1).numpy()


class IgnoresInput:
    """Always predicts class 0, whatever the input."""

    def __init__(self, k: int) -> None:
        self.k = k

    def predict_proba(self, data: LabeledData) -> np.ndarray:
        p = np.zeros((len(data), self.k))
        p[:, 0] = 1.0
        return p


def image_data(n_per_class: int = 12, side: int = 8, seed: int = 0) -> LabeledData:
    """Two classes of smooth images: a dark left half vs a dark right half."""
    g = torch.Generator().manual_seed(seed)
    base = torch.full((2, 1, side, side), 0.45)
    base[0, :, :, side // 2:] = 0.55
    base[1, :, :, : side // 2] = 0.55
    y = np.repeat([0, 1], n_per_class)
    noise = 0.2 * F.interpolate(torch.rand(len(y), 1, 4, 4, generator=g), size=(side, side), mode="bilinear")
    x = (base[y] + noise - 0.1).clamp(0, 1)
    return LabeledData(x, y, NAMES, "image")


def signal_data(n_per_class: int = 10, length: int = 40) -> LabeledData:
    g = torch.Generator().manual_seed(0)
    t = torch.linspace(0, 1, length)
    y = np.repeat([0, 1], n_per_class)
    freq = torch.as_tensor(np.where(y == 0, 2.0, 5.0), dtype=torch.float32)
    noise = 0.1 * torch.randn(len(y), 1, length, generator=g)
    x = torch.sin(2 * math.pi * freq[:, None] * t)[:, None, :] + noise
    return LabeledData(x, y, NAMES, "signal")


def test_structure_and_consistency_for_images():
    data = image_data()
    clf = NearestCentroid().fit(data)
    r = evaluate_corruptions(clf, data, severities=(1, 3, 5), generator=0)
    suite = ["gaussian_noise", "shot_noise", "gaussian_blur", "contrast", "brightness", "affine",
             "elastic", "pixelate"]
    assert r["suite"] == suite and r["severities"] == [1, 3, 5] and r["n_samples"] == 24
    assert set(r["accuracy"]) == set(suite)
    for name in suite:
        assert set(r["accuracy"][name]) == {1, 3, 5}
        assert all(0.0 <= a <= 1.0 for a in r["accuracy"][name].values())
        assert r["corruption_accuracy"][name] == pytest.approx(np.mean(list(r["accuracy"][name].values())))
    all_acc = [a for acc in r["accuracy"].values() for a in acc.values()]
    assert r["mca"] == pytest.approx(np.mean(all_acc))
    assert r["clean_accuracy"] == 1.0
    assert r["relative_drop"] == pytest.approx((r["clean_accuracy"] - r["mca"]) / r["clean_accuracy"])
    # the corruptions hurt a nearest-centroid classifier somewhere, and strong noise hurts most
    assert r["mca"] < 1.0 and r["relative_drop"] > 0
    assert r["accuracy"]["gaussian_noise"][5] <= r["accuracy"]["gaussian_noise"][1]


def test_classifier_that_ignores_its_input_has_zero_drop():
    data = image_data()
    r = evaluate_corruptions(IgnoresInput(2), data, severities=(2, 4))
    assert r["clean_accuracy"] == 0.5
    assert r["mca"] == 0.5 and r["relative_drop"] == 0.0
    assert all(a == 0.5 for acc in r["accuracy"].values() for a in acc.values())


def test_deterministic_per_generator_and_independent_of_the_subset():
    data = image_data()
    clf = NearestCentroid().fit(data)
    a = evaluate_corruptions(clf, data, suite=["gaussian_noise", "elastic"], severities=(5,), generator=3)
    b = evaluate_corruptions(clf, data, suite=["elastic"], severities=(5,), generator=3)
    c = evaluate_corruptions(clf, data, suite=["gaussian_noise", "elastic"], severities=(5,),
                             generator=torch.Generator().manual_seed(3))
    d = evaluate_corruptions(clf, data, suite=["gaussian_noise", "elastic"], severities=(5,),
                             generator=torch.Generator().manual_seed(3))
    assert a == evaluate_corruptions(clf, data, suite=["gaussian_noise", "elastic"], severities=(5,),
                                     generator=3)
    assert a["accuracy"]["elastic"] == b["accuracy"]["elastic"]
    assert c == d


def test_batch_size_only_splits_the_work_for_deterministic_corruptions():
    data = image_data()
    clf = NearestCentroid().fit(data)
    kw = {"suite": ["gaussian_blur", "pixelate", "contrast"], "severities": (1, 5)}
    assert evaluate_corruptions(clf, data, batch_size=5, **kw) == evaluate_corruptions(clf, data, **kw)


def test_signal_suite():
    data = signal_data()
    clf = NearestCentroid().fit(data)
    r = evaluate_corruptions(clf, data, severities=(1, 5))
    assert r["suite"] == ["gaussian_noise", "shift", "amplitude_scale", "time_warp", "lowpass", "dropout"]
    assert r["clean_accuracy"] == 1.0 and 0 <= r["mca"] <= 1
    r2 = evaluate_corruptions(IgnoresInput(2), data, suite="signal", severities=(3,))
    assert r2["relative_drop"] == 0.0


def test_zero_clean_accuracy_gives_nan_drop():
    data = image_data()
    data = LabeledData(data.x, np.ones(len(data), dtype=np.int64), NAMES, "image")
    r = evaluate_corruptions(IgnoresInput(2), data, suite=["contrast"], severities=(1,))
    assert r["clean_accuracy"] == 0.0 and math.isnan(r["relative_drop"])


@pytest.mark.parametrize(("kwargs", "exc", "match"), [
    ({"suite": "signal"}, ValueError, "suite"),
    ({"suite": ["fog"]}, ValueError, "suite"),
    ({"suite": []}, ValueError, "suite"),
    ({"suite": ["affine", "affine"]}, ValueError, "repeat"),
    ({"severities": (0,)}, ValueError, "severities"),
    ({"severities": (6,)}, ValueError, "severities"),
    ({"severities": ()}, ValueError, "severities"),
    ({"severities": (1, 1)}, ValueError, "repeat"),
    ({"batch_size": 0}, ValueError, "batch_size"),
])
def test_bad_args(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        evaluate_corruptions(IgnoresInput(2), image_data(), **kwargs)


def test_bad_classifier_and_data():
    data = image_data()
    with pytest.raises(TypeError, match="predict_proba"):
        evaluate_corruptions(object(), data)
    with pytest.raises(ValueError, match="shape"):
        evaluate_corruptions(IgnoresInput(3), data)
    with pytest.raises(TypeError, match="data"):
        evaluate_corruptions(IgnoresInput(2), data.x)
    tab = LabeledData(np.zeros((4, 2)), [0, 1, 0, 1], NAMES, "tabular")
    with pytest.raises(ValueError, match="modality"):
        evaluate_corruptions(IgnoresInput(2), tab)
