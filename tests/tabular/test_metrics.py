"""Imbalanced binary metrics (against scikit-learn) and their place in evaluate_split."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from genaug.data.labeled import LabeledData
from genaug.train import evaluate_split
from genaug.train.tabular_metrics import (
    average_precision,
    imbalanced_metrics,
    minority_class,
    recall_at_precision,
    roc_auc,
)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.random(300) < 0.1
    s = np.clip(0.3 * y + rng.random(300) * 0.7, 0, 1).round(2)  # rounded: ties included
    assert average_precision(s, y) == pytest.approx(skm.average_precision_score(y, s))
    assert roc_auc(s, y) == pytest.approx(skm.roc_auc_score(y, s))
    out = imbalanced_metrics(s, y)
    pred = s >= 0.5
    assert out["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, pred))
    assert out["f1_minority"] == pytest.approx(skm.f1_score(y, pred, zero_division=0))
    p, r, _ = skm.precision_recall_curve(y, s)
    assert out["recall_at_p50"] == pytest.approx(r[p >= 0.5].max())


def test_known_answers() -> None:
    y = np.array([1, 0, 1, 0, 0])
    s = np.array([0.9, 0.8, 0.7, 0.2, 0.1])
    # thresholds: 0.9 -> P 1, R .5; 0.8 -> P .5, R .5; 0.7 -> P 2/3, R 1
    assert recall_at_precision(s, y, 0.9) == 0.5
    assert recall_at_precision(s, y, 0.6) == 1.0
    assert average_precision(s, y) == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)
    assert recall_at_precision(np.array([0.9, 0.1]), np.array([0, 1]), 0.99) == 0.0
    assert np.isnan(average_precision(s, np.zeros(5)))
    assert minority_class([700, 300]) == 1 and minority_class([5, 9]) == 0 and minority_class([4, 4]) == 1


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="min_precision"):
        recall_at_precision([0.5], [1], 0.0)
    with pytest.raises(ValueError, match="y_true must be boolean or 0/1"):
        average_precision([0.5, 0.2], [2, 0])
    with pytest.raises(ValueError, match="same|equal length"):
        average_precision([0.5, 0.2], [1])


class _Fixed:
    classes_ = ("ok", "fraud")

    def predict_proba(self, data: LabeledData) -> np.ndarray:
        p = np.asarray(data.meta["p"], dtype=float)
        return np.stack([1 - p, p], axis=1)


def test_evaluate_split_adds_binary_metrics() -> None:
    def data(y, p):
        return LabeledData(np.zeros((len(y), 2)), y, ("ok", "fraud"), "tabular", {"p": p})

    train = data([0, 0, 0, 1], [0.1, 0.2, 0.3, 0.9])
    test = data([0, 0, 1, 1], [0.1, 0.6, 0.7, 0.4])
    out = evaluate_split(_Fixed(), train, test)
    expected = skm.average_precision_score([0, 0, 1, 1], [0.1, 0.6, 0.7, 0.4])
    assert out["test_pr_auc"] == pytest.approx(expected)
    assert out["test_balanced_accuracy"] == pytest.approx(0.5)
    assert out["train_pr_auc"] == 1.0
    assert {"test_recall_at_p50", "test_f1_minority", "test_roc_auc", "test_accuracy"} <= set(out)


@pytest.mark.parametrize("model", ["hist_gb", "logreg"])
def test_classifiers_take_mixed_frames(model: str, mixed: LabeledData) -> None:
    from genaug import registry

    clf = registry.create("model", model, select_on_val=False).fit(mixed, generator=0)
    out = evaluate_split(clf, mixed, mixed)
    assert 0.0 <= out["test_pr_auc"] <= 1.0 and out["test_accuracy"] > 0.5
