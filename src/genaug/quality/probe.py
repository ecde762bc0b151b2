"""Cheap classifiers on feature matrices, used by CAS, label fidelity and the label filter."""

from __future__ import annotations

from typing import Literal

import numpy as np

from genaug.validation import check_choice

ProbeKind = Literal["logreg", "knn"]
PROBES: tuple[str, ...] = ("logreg", "knn")

__all__ = ["FeatureProbe", "PROBES", "ProbeKind"]


class FeatureProbe:
    """Standardised features + logistic regression (or k-NN); probabilities over all classes.

    Deterministic (lbfgs / exact neighbours). A class absent from the training rows gets
    probability 0; a training set with one class predicts it with probability 1.

    Args:
        kind: ``"logreg"`` (L2, ``C``) or ``"knn"`` (``k`` neighbours, distance-weighted).
        C: inverse regularisation strength of ``logreg``.
        k: neighbours of ``knn`` (capped at the training size).

    Example:
        >>> import numpy as np
        >>> p = FeatureProbe().fit(np.array([[0.0], [1.0], [5.0], [6.0]]), np.array([0, 0, 1, 1]), 3)
        >>> p.predict_proba(np.array([[0.5], [5.5]])).argmax(1).tolist()
        [0, 1]
    """

    def __init__(self, kind: ProbeKind = "logreg", *, C: float = 1.0, k: int = 5) -> None:
        self.kind = kind
        self.C = C
        self.k = k
        check_choice("kind", kind, PROBES)

    def fit(self, features: np.ndarray, y: np.ndarray, num_classes: int) -> FeatureProbe:
        """Fit on (N, D) ``features`` with int labels ``y`` in ``[0, num_classes)``."""
        from sklearn.neighbors import KNeighborsClassifier
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        x = np.asarray(features, dtype=np.float64)
        y = np.asarray(y, dtype=np.int64)
        if len(x) == 0:
            raise ValueError("cannot fit a probe on zero samples")
        self.num_classes_ = int(num_classes)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            self.model_ = None
            return self
        if self.kind == "logreg":
            from sklearn.linear_model import LogisticRegression

            head = LogisticRegression(C=self.C, max_iter=2000)
        else:
            head = KNeighborsClassifier(n_neighbors=min(self.k, len(x)), weights="distance")
        self.model_ = make_pipeline(StandardScaler(), head).fit(x, y)
        return self

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """(M, num_classes) probabilities; columns are class indices."""
        if not hasattr(self, "classes_"):
            raise ValueError("this FeatureProbe instance is not fitted yet; call fit() first")
        x = np.asarray(features, dtype=np.float64)
        out = np.zeros((len(x), self.num_classes_))
        if self.model_ is None:
            out[:, self.classes_[0]] = 1.0
        elif len(x):
            out[:, self.classes_] = self.model_.predict_proba(x)
        return out
