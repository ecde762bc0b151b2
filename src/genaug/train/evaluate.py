"""Evaluate a fitted classifier on labeled data: metrics, train/test gaps, per-class accuracy."""

from __future__ import annotations

from typing import Any

import numpy as np

from genaug.data.labeled import LabeledData
from genaug.train import metrics
from genaug.train.base import Classifier

__all__ = ["evaluate", "evaluate_split", "per_class_accuracy"]


def _probs(clf: Classifier, data: LabeledData) -> np.ndarray:
    if not isinstance(data, LabeledData):
        raise TypeError(f"data must be a LabeledData; got {type(data).__name__}")
    if len(data) == 0:
        raise ValueError("data is empty; evaluation needs at least one sample")
    classes = getattr(clf, "classes_", None)
    if classes is not None and tuple(classes) != data.class_names:
        raise ValueError(
            f"data.class_names must equal the classifier's classes_; got {list(data.class_names)} "
            f"and {list(classes)}"
        )
    probs = np.asarray(clf.predict_proba(data), dtype=np.float64)
    if probs.shape != (len(data), data.num_classes):
        raise ValueError(
            f"predict_proba must return shape {(len(data), data.num_classes)}; got {probs.shape}"
        )
    return probs


def evaluate(clf: Classifier, data: LabeledData, *, n_bins: int = 15) -> dict[str, float]:
    """Accuracy, macro-F1, NLL, ECE and Brier score of ``clf`` on ``data``.

    Args:
        clf: a fitted classifier (``predict_proba`` returning (N, K)).
        data: labeled data with the classifier's class_names.
        n_bins: bins for the ECE.

    Returns:
        ``{"accuracy", "macro_f1", "nll", "ece", "brier"}``.
    """
    return metrics.classification_metrics(_probs(clf, data), data.y, n_bins=n_bins)


def evaluate_split(
    clf: Classifier, train: LabeledData, test: LabeledData, *, n_bins: int = 15
) -> dict[str, float]:
    """Metrics on train and test plus the generalisation gaps.

    Args:
        clf: a fitted classifier.
        train: the data it was trained on (real samples, usually).
        test: held-out data.
        n_bins: bins for the ECE.

    Returns:
        ``train_<metric>`` and ``test_<metric>`` for every metric of :func:`evaluate`, plus
        ``gap_accuracy = train_accuracy - test_accuracy`` and ``gap_loss = test_nll - train_nll``.
    """
    out: dict[str, float] = {}
    tr = evaluate(clf, train, n_bins=n_bins)
    te = evaluate(clf, test, n_bins=n_bins)
    out.update({f"train_{k}": v for k, v in tr.items()})
    out.update({f"test_{k}": v for k, v in te.items()})
    out["gap_accuracy"] = tr["accuracy"] - te["accuracy"]
    out["gap_loss"] = te["nll"] - tr["nll"]
    return out


def per_class_accuracy(clf: Classifier, data: LabeledData) -> dict[str, Any]:
    """Accuracy (recall) of each class of ``data``.

    Args:
        clf: a fitted classifier.
        data: labeled data with the classifier's class_names.

    Returns:
        ``{class_name: accuracy}``, NaN for classes without samples in ``data``.
    """
    accs = metrics.class_accuracies(_probs(clf, data), data.y, data.num_classes)
    return {name: float(a) for name, a in zip(data.class_names, accs, strict=True)}
