"""evaluate / evaluate_split / per_class_accuracy on a stub classifier with known probabilities."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from genaug.data.labeled import LabeledData
from genaug.train import evaluate, evaluate_split, per_class_accuracy

NAMES = ("a", "b", "c")


class _Fixed:
    """Predicts class 0 with 0.8 on samples whose first pixel is 0, else class 1 with 0.6."""

    classes_ = NAMES

    def predict_proba(self, data: LabeledData) -> np.ndarray:
        first = data.x.reshape(len(data), -1)[:, 0].numpy()
        return np.where(first[:, None] == 0, [0.8, 0.1, 0.1], [0.2, 0.6, 0.2])


def _data(first_pixels: list[float], y: list[int]) -> LabeledData:
    x = torch.zeros(len(y), 1, 2, 2)
    x[:, 0, 0, 0] = torch.tensor(first_pixels)
    return LabeledData(x, y, NAMES, "image")


def test_evaluate_values() -> None:
    data = _data([0, 0, 1, 1], [0, 1, 1, 2])  # predictions 0, 0, 1, 1: two right
    out = evaluate(_Fixed(), data)
    assert set(out) == {"accuracy", "macro_f1", "nll", "ece", "brier"}
    assert out["accuracy"] == 0.5
    assert out["nll"] == pytest.approx(-(math.log(0.8) + math.log(0.1) + math.log(0.6) + math.log(0.2)) / 4)


def test_evaluate_split_gaps() -> None:
    train = _data([0, 1], [0, 1])  # all right
    test = _data([0, 1], [1, 1])  # half right
    out = evaluate_split(_Fixed(), train, test)
    assert out["train_accuracy"] == 1.0 and out["test_accuracy"] == 0.5
    assert out["gap_accuracy"] == pytest.approx(0.5)
    assert out["gap_loss"] == pytest.approx(out["test_nll"] - out["train_nll"])
    test_nll, train_nll = (-math.log(0.1) - math.log(0.6)) / 2, (-math.log(0.8) - math.log(0.6)) / 2
    assert out["gap_loss"] == pytest.approx(test_nll - train_nll)
    assert {f"{s}_{m}" for s in ("train", "test") for m in ("ece", "brier", "macro_f1")} <= set(out)


def test_per_class_accuracy_with_absent_class() -> None:
    out = per_class_accuracy(_Fixed(), _data([0, 0, 1], [0, 1, 1]))
    assert list(out) == list(NAMES)
    assert out["a"] == 1.0 and out["b"] == 0.5 and math.isnan(out["c"])


def test_class_name_mismatch_and_empty_data() -> None:
    other = LabeledData(torch.zeros(2, 1, 2, 2), [0, 1], ("x", "y", "z"), "image")
    with pytest.raises(ValueError, match="class_names"):
        evaluate(_Fixed(), other)
    with pytest.raises(ValueError, match="empty"):
        evaluate(_Fixed(), _data([0], [0]).subset([]))
