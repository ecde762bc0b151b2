"""The classifier contract and the checks and conversions every classifier shares."""

from __future__ import annotations

import inspect
from typing import Any, Protocol, Self, runtime_checkable

import numpy as np
import torch
from sklearn.exceptions import NotFittedError  # the one NotFittedError, everywhere

from genaug.data.labeled import LabeledData
from genaug.modalities import get_modality
from genaug.rng import Seed

__all__ = [
    "BaseClassifier",
    "Classifier",
    "NotFittedError",
    "as_matrix",
    "as_tensor",
    "check_fit_data",
    "sample_weights",
]


@runtime_checkable
class Classifier(Protocol):
    """What every registered ``model`` provides.

    ``predict_proba`` columns follow ``classes_`` (the train data's ``class_names``); ``predict``
    returns int indices into it.
    """

    def fit(
        self, train: LabeledData, val: LabeledData | None = None, *, augmenter: Any = None,
        mixer: Any = None, generator: Seed = None,
    ) -> Self: ...

    def predict_proba(self, data: LabeledData) -> np.ndarray: ...

    def predict(self, data: LabeledData) -> np.ndarray: ...


class BaseClassifier:
    """Shared plumbing: parameters from the ``__init__`` signature, fitted checks, ``predict``."""

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments by name (what ``__init__`` stored unchanged)."""
        names: list[str] = []
        for klass in type(self).__mro__:  # a subclass __init__ taking **kwargs defers to its parent
            init = klass.__dict__.get("__init__")
            if init is None:
                continue
            params = inspect.signature(init).parameters.values()
            names += [p.name for p in params if p.kind is p.KEYWORD_ONLY and p.name not in names]
            if not any(p.kind is p.VAR_KEYWORD for p in params):
                break
        return {name: getattr(self, name) for name in names}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def _check_fitted(self) -> None:
        if not hasattr(self, "classes_"):
            raise NotFittedError(
                f"this {type(self).__name__} instance is not fitted yet; call fit() before using it"
            )

    def _check_predict_input(self, data: Any) -> Any:
        """Return the x of ``data`` (a LabeledData or a raw batch) after checking its sample shape."""
        self._check_fitted()
        x = data.x if isinstance(data, LabeledData) else data
        shape = tuple(x.shape[1:]) if hasattr(x, "shape") else None
        if shape != tuple(self.input_shape_):
            raise ValueError(
                f"data must have samples of shape {tuple(self.input_shape_)} (as in fit); got {shape}"
            )
        return x

    def predict_proba(self, data: LabeledData) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def predict(self, data: LabeledData | Any) -> np.ndarray:
        """Most probable class index per sample.

        Args:
            data: a :class:`LabeledData` (or a raw batch) shaped like the training data.

        Returns:
            (N,) int64 indices into ``classes_``.
        """
        return self.predict_proba(data).argmax(axis=1).astype(np.int64)


def check_fit_data(train: Any, val: Any = None) -> None:
    """Raise ValueError/TypeError unless ``train`` (and ``val``) can train a classifier.

    Checks: LabeledData instances; train is non-empty and holds at least two classes; val (if
    given) is non-empty and has the same ``class_names``, modality and sample shape as train.
    """
    if not isinstance(train, LabeledData):
        raise TypeError(f"train must be a LabeledData; got {type(train).__name__}")
    if len(train) == 0:
        raise ValueError("train is empty; fit needs at least one sample of each of two classes")
    present = np.unique(train.y)
    if len(present) < 2:
        name = train.class_names[int(present[0])]
        raise ValueError(
            f"train holds a single class ({name!r}); a classifier needs at least two classes"
        )
    if not get_modality(train.modality).numeric:
        raise TypeError(
            f"{train.modality} data is not supported by the genaug.train classifiers; embed it first"
        )
    if val is None:
        return
    if not isinstance(val, LabeledData):
        raise TypeError(f"val must be a LabeledData or None; got {type(val).__name__}")
    if len(val) == 0:
        raise ValueError("val is empty; pass None to train without validation")
    if val.class_names != train.class_names:
        raise ValueError(
            f"val.class_names must equal train.class_names; got {list(val.class_names)} "
            f"and {list(train.class_names)}"
        )
    if val.modality != train.modality or val.sample_shape != train.sample_shape:
        raise ValueError(
            f"val must have the modality and sample shape of train; got {val.modality} "
            f"{val.sample_shape} and {train.modality} {train.sample_shape}"
        )


def as_tensor(x: Any) -> torch.Tensor:
    """Float32 CPU tensor of a batch (tensor, ndarray or DataFrame); shape unchanged.

    DataFrame columns of ``category`` dtype become their category codes (the categories are
    fixed by the dtype, so codes agree across splits and synthetic rows), bool columns 0/1.
    """
    if isinstance(x, LabeledData):
        x = x.x
    if isinstance(x, torch.Tensor):
        return x.detach().to(device="cpu", dtype=torch.float32)
    if hasattr(x, "select_dtypes"):  # a DataFrame
        x = x.assign(**{c: x[c].cat.codes for c in x.select_dtypes(include="category").columns})
        x = x.assign(**{c: x[c].astype(np.float64) for c in x.select_dtypes(include="bool").columns})
    if hasattr(x, "to_numpy"):
        x = x.to_numpy()
    arr = np.asarray(x)
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"x must be numeric; got dtype {arr.dtype} (encode categorical columns first)")
    return torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32))


def as_matrix(x: Any) -> np.ndarray:
    """Float64 (N, F) matrix of a batch: every sample flattened."""
    t = as_tensor(x)
    return t.reshape(t.shape[0], -1).numpy().astype(np.float64)


def sample_weights(data: LabeledData) -> np.ndarray | None:
    """``data.meta["weight"]`` as float64 (N,), scaled to mean 1; ``None`` when absent.

    Raises:
        ValueError: if a weight is negative or not finite, or all weights are zero.
    """
    if "weight" not in data.meta:
        return None
    w = np.asarray(data.meta["weight"], dtype=np.float64)
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("meta['weight'] must hold finite, non-negative per-sample weights")
    if w.sum() <= 0:
        raise ValueError("meta['weight'] is zero for every sample; nothing to train on")
    return w / w.mean()
