"""genaug.train.metrics against hand-computed textbook values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import f1_score

from genaug.train import metrics

# Four samples, two classes; confidences 0.9, 0.6, 0.8, 0.55; the second sample is wrong.
PROBS = np.array([[0.9, 0.1], [0.6, 0.4], [0.8, 0.2], [0.55, 0.45]])
Y = np.array([0, 1, 0, 0])


def test_accuracy_from_labels_and_from_probs() -> None:
    assert metrics.accuracy([0, 1, 1, 0], [0, 1, 0, 0]) == 0.75
    assert metrics.accuracy(PROBS, Y) == 0.75


def test_macro_f1_hand_computed() -> None:
    # class 0: TP=1 FP=1 FN=0 -> 2/3; class 1: TP=2 FP=0 FN=1 -> 4/5
    assert metrics.macro_f1([0, 0, 1, 1], [0, 1, 1, 1]) == pytest.approx((2 / 3 + 4 / 5) / 2)


def test_macro_f1_matches_sklearn_on_random_labels() -> None:
    rng = np.random.default_rng(0)
    y, pred = rng.integers(0, 5, 200), rng.integers(0, 5, 200)
    assert metrics.macro_f1(pred, y) == pytest.approx(f1_score(y, pred, average="macro"))


def test_macro_f1_counts_a_predicted_but_absent_class_as_zero() -> None:
    # classes 0 and 1 perfect except one sample predicted as class 2 (never true): F1 = 1, 2/3, 0
    assert metrics.macro_f1([0, 1, 2], [0, 1, 1]) == pytest.approx((1 + 2 / 3 + 0) / 3)


def test_nll_hand_computed_and_clipped() -> None:
    assert metrics.nll([[0.5, 0.5], [0.9, 0.1]], [0, 0]) == pytest.approx((math.log(2) - math.log(0.9)) / 2)
    assert metrics.nll([[1.0, 0.0]], [1]) == pytest.approx(-math.log(1e-12))
    assert metrics.nll([[1.0, 0.0]], [0]) == 0.0


def test_brier_hand_computed() -> None:
    # (0.2^2 + 0.2^2) + (0.7^2 + 0.7^2) = 0.08 + 0.98, mean 0.53
    assert metrics.brier([[0.8, 0.2], [0.3, 0.7]], [0, 0]) == pytest.approx(0.53)
    assert metrics.brier([[0.0, 1.0]], [0]) == pytest.approx(2.0)


def test_ece_hand_computed() -> None:
    # n_bins=10: bin (0.5,0.6] holds 0.6 (wrong) and 0.55 (right): |0.5 - 0.575| * 2/4 = 0.0375
    # bin (0.7,0.8] holds 0.8 (right): 0.2 * 1/4 = 0.05; bin (0.8,0.9] holds 0.9 (right): 0.025
    assert metrics.ece(PROBS, Y, n_bins=10) == pytest.approx(0.1125)


def test_ece_zero_when_calibrated_and_one_bin_is_gap() -> None:
    # confidence 0.5 everywhere (argmax ties -> class 0), half the labels are 0: perfectly calibrated
    probs = np.full((4, 2), 0.5)
    assert metrics.ece(probs, [0, 1, 0, 1]) == pytest.approx(0.0)
    # a single bin: ECE = |accuracy - mean confidence| = |0.75 - 0.7125|
    assert metrics.ece(PROBS, Y, n_bins=1) == pytest.approx(abs(0.75 - 0.7125))


def test_reliability_bins_counts_edges_and_empty_bins() -> None:
    bins = metrics.reliability_bins(PROBS, Y, n_bins=10)
    assert bins.edges.shape == (11,)
    assert bins.count.tolist() == [0, 0, 0, 0, 0, 2, 0, 1, 1, 0]  # 0.8 lands in (0.7, 0.8]
    assert bins.confidence[5] == pytest.approx(0.575) and bins.accuracy[5] == pytest.approx(0.5)
    assert np.isnan(bins.confidence[0]) and np.isnan(bins.accuracy[9])
    assert set(bins.to_dict()) == {"edges", "confidence", "accuracy", "count"}


def test_class_accuracies_nan_for_absent_class() -> None:
    out = metrics.class_accuracies([0, 0, 1], [0, 1, 1], 3)
    assert out[0] == 1.0 and out[1] == 0.5 and np.isnan(out[2])


def test_classification_metrics_keys_and_values() -> None:
    out = metrics.classification_metrics(PROBS, Y)
    assert set(out) == {"accuracy", "macro_f1", "nll", "ece", "brier"}
    assert out["accuracy"] == 0.75
    assert out["nll"] == pytest.approx(metrics.nll(PROBS, Y))
    assert all(isinstance(v, float) for v in out.values())


@pytest.mark.parametrize(
    ("probs", "y", "match"),
    [
        ([[0.5, 0.6]], [0], "sum to 1"),
        ([0.5, 0.5], [0], "shape"),
        ([[0.5, 0.5]], [0, 1], "same length"),
        ([[0.5, 0.5]], [2], "out of range"),
        ([[1.5, -0.5]], [0], "non-negative"),
        (np.zeros((0, 2)), np.zeros(0, dtype=int), "empty"),
    ],
)
def test_bad_inputs_raise_value_error(probs, y, match) -> None:
    with pytest.raises(ValueError, match=match):
        metrics.nll(probs, y)


def test_bad_n_bins() -> None:
    with pytest.raises(ValueError, match="n_bins"):
        metrics.ece(PROBS, Y, n_bins=0)
