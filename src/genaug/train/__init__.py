"""genaug.train: classifier zoo, trainer and evaluation metrics.

Registered models (``registry.create("model", name, **cfg)``): ``small_cnn``, ``cnn1d``, ``mlp``
(torch, :class:`TorchClassifier`) and ``svm_rbf``, ``hist_gb``, ``logreg`` (scikit-learn).
Fitted classifiers save in the one layout of :mod:`genaug.serialization` and load through the
registry with :func:`load_classifier`.
"""

from __future__ import annotations

import os
from typing import Any

from genaug.train import audio as audio_models  # noqa: F401  (registers audio_cnn, mfcc_svm)
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
from genaug.train.text import NgramNetClassifier, TfidfLogRegClassifier  # text: list[str]
from genaug.train.text_corruptions import TEXT_CORRUPTIONS  # adds the "text" corruption suite
from genaug.train.text_embed import MiniLMLogRegClassifier  # text: MiniLM embeddings + LR
from genaug.train.torch_classifier import (
    CNN1DClassifier,
    MLPNetClassifier,
    SmallCNNClassifier,
    TorchClassifier,
)


def load_classifier(path: str | os.PathLike[str], **load_args: Any) -> BaseClassifier:
    """Load any classifier saved with ``save(path)``; the class is the registry ``model`` entry
    that ``config.json`` names (``BaseClassifier.load``).

    Args:
        path: folder holding ``config.json`` and ``weights.safetensors``.
        **load_args: ``device=`` overrides the saved device of a torch classifier.

    Returns:
        The fitted classifier.

    Raises:
        FileNotFoundError: a missing file; genaug.errors.ModelFileError: a bad one.
    """
    return BaseClassifier.load(path, **load_args)


__all__ = [
    "IMAGE_CORRUPTIONS",
    "TEXT_CORRUPTIONS",
    "MiniLMLogRegClassifier",
    "NgramNetClassifier",
    "TfidfLogRegClassifier",
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
