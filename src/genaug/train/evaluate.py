"""Evaluate a fitted classifier on labeled data: metrics, train/test gaps, per-class accuracy."""

from __future__ import annotations

from typing import Any

import numpy as np

from genaug.data.labeled import LabeledData
from genaug.train import metrics
from genaug.train.base import Classifier
from genaug.train.tabular_metrics import imbalanced_metrics, minority_class

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
        For two-class data also ``test_pr_auc`` (minority-class average precision),
        ``test_recall_at_p50``, ``test_balanced_accuracy``, ``test_f1_minority``,
        ``test_roc_auc`` (:mod:`genaug.train.tabular_metrics`; the minority is the class with
        fewer ``train`` samples) and ``train_pr_auc``.
    """
    out: dict[str, float] = {}
    p_train, p_test = _probs(clf, train), _probs(clf, test)
    tr = metrics.classification_metrics(p_train, train.y, n_bins=n_bins)
    te = metrics.classification_metrics(p_test, test.y, n_bins=n_bins)
    out.update({f"train_{k}": v for k, v in tr.items()})
    out.update({f"test_{k}": v for k, v in te.items()})
    out["gap_accuracy"] = tr["accuracy"] - te["accuracy"]
    out["gap_loss"] = te["nll"] - tr["nll"]
    if test.num_classes == 2:
        pos = minority_class(train.class_counts())
        out.update({f"test_{k}": v for k, v in imbalanced_metrics(p_test[:, pos], test.y == pos).items()})
        out["train_pr_auc"] = imbalanced_metrics(p_train[:, pos], train.y == pos)["pr_auc"]
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
