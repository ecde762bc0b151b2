"""Robustness to corruptions: accuracy per corruption and severity, mCA and the relative drop.

Example:
    >>> import numpy as np, torch
    >>> from genaug.data import LabeledData
    >>> class Uniform:  # a classifier that ignores its input
    ...     def predict_proba(self, data):
    ...         return np.full((len(data), 2), 0.5)
    >>> d = LabeledData(torch.rand(6, 1, 8, 8), [0, 1] * 3, ("a", "b"), "image")
    >>> r = evaluate_corruptions(Uniform(), d, severities=(1, 3))
    >>> r["clean_accuracy"], r["mca"], r["relative_drop"]
    (0.5, 0.5, 0.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import torch

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.modalities import get_modality
from genaug.rng import Seed, derive_seed, draw_seed
from genaug.train.corruptions import SuiteModality, corruption_suite
from genaug.validation import check_int

__all__ = ["evaluate_corruptions"]



class _PredictsProba(Protocol):
    def predict_proba(self, data: LabeledData) -> np.ndarray: ...


def has_corruption_suite(modality: str) -> bool:
    """Whether ``modality`` has a corruption suite (robustness can be measured)."""
    return get_modality(modality).corruption_suite is not None


def _resolve_suite(suite: str | Sequence[str], modality: str) -> tuple[SuiteModality, list[str]]:
    own = get_modality(modality).corruption_suite
    if own is None:
        have = [m for m in registry.available("modality") if get_modality(m).corruption_suite]
        raise ValueError(
            f"data.modality must be one of {have} for corruption robustness; got {modality!r}"
        )
    if isinstance(suite, str):
        if suite not in ("default", own, *(("signal", "audio") if own != "image" else ())):
            raise ValueError(
                f"suite must be 'default', {own!r} or a list of corruption names for "
                f"{modality} data; got {suite!r}"
            )
        return own, list(corruption_suite(own))
    names = list(suite)
    valid = list(corruption_suite(own))
    bad = [n for n in names if n not in valid]
    if not names or bad:
        raise ValueError(f"suite must list corruptions from {valid}; got {names!r}")
    if len(set(names)) != len(names):
        raise ValueError(f"suite must not repeat corruptions; got {names!r}")
    return own, names


def _check_severities(severities: Sequence[int]) -> list[int]:
    if isinstance(severities, str | bytes) or not isinstance(severities, Sequence) or not severities:
        raise ValueError(f"severities must be a non-empty sequence of ints in [1, 5]; got {severities!r}")
    out = [check_int("severities[]", s, low=1, high=5) for s in severities]
    if len(set(out)) != len(out):
        raise ValueError(f"severities must not repeat; got {list(severities)!r}")
    return out


def _accuracy(clf: Any, data: LabeledData) -> float:
    probs = np.asarray(clf.predict_proba(data))
    if probs.ndim != 2 or probs.shape != (len(data), data.num_classes):
        raise ValueError(
            f"clf.predict_proba must return an array of shape (N, K) = ({len(data)}, "
            f"{data.num_classes}); got shape {probs.shape}"
        )
    return float(np.mean(probs.argmax(axis=1) == data.y))


def evaluate_corruptions(
    clf: _PredictsProba,
    data: LabeledData,
    *,
    suite: str | Sequence[str] = "default",
    severities: Sequence[int] = (1, 2, 3, 4, 5),
    generator: Seed = 0,
    batch_size: int = 1024,
) -> dict[str, Any]:
    """Accuracy of ``clf`` on corrupted copies of ``data``, per corruption and severity.

    Each (corruption, severity) pair is corrupted with its own generator seeded by
    ``derive_seed(seed, name, severity)``, so a result does not depend on which other
    corruptions or severities are evaluated.

    Args:
        clf: any object with ``predict_proba(LabeledData) -> (N, K) array`` (duck-typed).
        data: labeled evaluation data (image, signal or audio; usually the test set).
        suite: ``"default"`` (the suite of ``data.modality``), that suite's name (``"image"``,
            ``"signal"``/``"audio"``), or a list of corruption names from it.
        severities: severities to evaluate, each in 1 .. 5.
        generator: seed or ``torch.Generator`` (one seed is drawn from a generator).
        batch_size: samples corrupted at once (bounds memory; results depend on it only through
            how random draws are split).

    Returns:
        A dict with

        * ``"clean_accuracy"``: accuracy on ``data``;
        * ``"accuracy"``: ``{corruption: {severity: accuracy}}``;
        * ``"corruption_accuracy"``: ``{corruption: mean over severities}``;
        * ``"mca"``: mean corruption accuracy, over every corruption and severity;
        * ``"relative_drop"``: ``(clean_accuracy - mca) / clean_accuracy`` (``nan`` when the
          clean accuracy is 0);
        * ``"suite"``, ``"severities"``, ``"n_samples"``: what was evaluated.

    Shape:
        ``data.x``: (N, C, H, W) in [0, 1] for images, (N, C, T) for signals/audio.

    Example:
        See the module docstring.
    """
    if not isinstance(data, LabeledData):
        raise TypeError(f"data must be a LabeledData; got {type(data).__name__}")
    if len(data) == 0:
        raise ValueError("data is empty; robustness needs at least one sample")
    if not callable(getattr(clf, "predict_proba", None)):
        raise TypeError(f"clf must have a predict_proba(LabeledData) method; got {type(clf).__name__}")
    modality, names = _resolve_suite(suite, data.modality)
    levels = _check_severities(severities)
    batch_size = check_int("batch_size", batch_size, low=1)
    functions = corruption_suite(modality)
    seed = draw_seed(generator)

    clean = _accuracy(clf, data)
    accuracy: dict[str, dict[int, float]] = {}
    for name in names:
        accuracy[name] = {}
        for level in levels:
            g = torch.Generator().manual_seed(derive_seed(seed, "corruption", name, level))
            parts = [
                functions[name](data.x[i:i + batch_size], level, generator=g)
                for i in range(0, len(data), batch_size)
            ]
            x = torch.cat(parts) if isinstance(parts[0], torch.Tensor) else [t for p in parts for t in p]
            corrupted = LabeledData(x, data.y, data.class_names, data.modality, data.meta)
            accuracy[name][level] = _accuracy(clf, corrupted)
    per_corruption = {name: float(np.mean(list(acc.values()))) for name, acc in accuracy.items()}
    mca = float(np.mean([a for acc in accuracy.values() for a in acc.values()]))
    drop = (clean - mca) / clean if clean > 0 else math.nan
    return {
        "clean_accuracy": clean,
        "accuracy": accuracy,
        "corruption_accuracy": per_corruption,
        "mca": mca,
        "relative_drop": float(drop),
        "suite": names,
        "severities": levels,
        "n_samples": len(data),
    }
