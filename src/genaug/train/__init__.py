"""genaug.train: classifier zoo, trainer and evaluation metrics.

Registered models (``registry.create("model", name, **cfg)``): ``small_cnn``, ``cnn1d``, ``mlp``
(torch, :class:`TorchClassifier`) and ``svm_rbf``, ``hist_gb``, ``logreg`` (scikit-learn).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from genaug.serialization import CONFIG_NAME
from genaug.train import metrics, nets
from genaug.train.base import BaseClassifier, Classifier, NotFittedError
from genaug.train.corruptions import (
    IMAGE_CORRUPTIONS,
    SIGNAL_CORRUPTIONS,
    available_corruptions,
    corrupt,
    corruption_suite,
)
from genaug.train.evaluate import evaluate, evaluate_split, per_class_accuracy
from genaug.train.metrics import (
    ReliabilityBins,
    accuracy,
    brier,
    classification_metrics,
    ece,
    macro_f1,
    nll,
    reliability_bins,
)
from genaug.train.nets import build_net
from genaug.train.robustness import evaluate_corruptions
from genaug.train.sklearn_models import HistGBClassifier, LogRegClassifier, SklearnClassifier, SVMClassifier
from genaug.train.torch_classifier import (
    CNN1DClassifier,
    MLPNetClassifier,
    SmallCNNClassifier,
    TorchClassifier,
)


def load_classifier(path: str | os.PathLike[str]) -> BaseClassifier:
    """Load any classifier saved with ``save(path)``, dispatching on the saved class.

    Args:
        path: folder holding ``config.json`` and ``weights.safetensors``.

    Returns:
        The fitted classifier.
    """
    config_path = Path(path) / CONFIG_NAME
    if not config_path.is_file():
        raise FileNotFoundError(f"{config_path} not found; expected a folder written by save()")
    name = json.loads(config_path.read_text(encoding="utf-8")).get("class")
    if name in ("TorchClassifier", "SmallCNNClassifier", "CNN1DClassifier", "MLPNetClassifier"):
        return TorchClassifier.load(path)
    if name in ("SVMClassifier", "HistGBClassifier", "LogRegClassifier"):
        return SklearnClassifier.load(path)
    raise ValueError(f"{path} does not hold a genaug.train classifier (class {name!r})")


__all__ = [
    "IMAGE_CORRUPTIONS",
    "SIGNAL_CORRUPTIONS",
    "BaseClassifier",
    "CNN1DClassifier",
    "Classifier",
    "HistGBClassifier",
    "LogRegClassifier",
    "MLPNetClassifier",
    "NotFittedError",
    "ReliabilityBins",
    "SVMClassifier",
    "SklearnClassifier",
    "SmallCNNClassifier",
    "TorchClassifier",
    "accuracy",
    "available_corruptions",
    "brier",
    "build_net",
    "classification_metrics",
    "corrupt",
    "corruption_suite",
    "ece",
    "evaluate",
    "evaluate_corruptions",
    "evaluate_split",
    "load_classifier",
    "macro_f1",
    "metrics",
    "nets",
    "nll",
    "per_class_accuracy",
    "reliability_bins",
]
