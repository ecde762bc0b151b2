"""The classifier contract and the checks and conversions every classifier shares.

Saved classifiers use the one save layout of :mod:`genaug.serialization` (``config.json``
naming the registry ``model`` entry + ``weights.safetensors``), shared with the synthesizers.
"""

from __future__ import annotations

import inspect
import os
from typing import Any, ClassVar, Protocol, Self, runtime_checkable

import numpy as np
import torch
from sklearn.exceptions import NotFittedError  # the one NotFittedError, everywhere

from genaug.data.labeled import LabeledData
from genaug.modalities import TensorModality, get_modality
from genaug.rng import Seed
from genaug.serialization import SavedModel

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


class BaseClassifier(SavedModel):
    """Shared plumbing: parameters from the ``__init__`` signature, fitted checks, ``predict``,
    and ``save``/``load`` in the one save layout (:class:`genaug.serialization.SavedModel`).

    A subclass implements ``_state()``/``_tensors()`` (JSON-able fitted state and tensors beyond
    the common ``classes_``, ``input_shape_``, ``modality_``), ``_restore_state(state)``,
    ``_expected_tensors()`` and ``_restore(state, tensors)``.
    """

    registry_kind: ClassVar[str] = "model"
    #: The ``auto`` strategy's fallback prior for this model (see ``genaug.experiment.auto``):
    #: ``"best"`` (classical augmentation on a tie with none: models that learn their features)
    #: or ``"none"`` (classical must prove itself: models on fixed features).
    auto_reference: ClassVar[str] = "best"
    _not_saved: ClassVar[tuple[str, ...]] = ()  # constructor arguments never written (callbacks)

    @classmethod
    def _param_names(cls) -> list[str]:
        names: list[str] = []
        for klass in cls.__mro__:  # a subclass __init__ taking **kwargs defers to its parent
            init = klass.__dict__.get("__init__")
            if init is None:
                continue
            params = inspect.signature(init).parameters.values()
            names += [p.name for p in params if p.kind is p.KEYWORD_ONLY and p.name not in names]
            if not any(p.kind is p.VAR_KEYWORD for p in params):
                break
        return names

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments by name (what ``__init__`` stored unchanged)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # ----- saving and loading --------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> Any:
        """Save to folder ``path``: ``config.json`` (registry entry, params, fitted state) and
        ``weights.safetensors`` (no pickle).

        Returns:
            The folder path.
        """
        return super().save(path)

    @classmethod
    def load(cls, path: str | os.PathLike[str], **load_args: Any) -> Self:
        """Rebuild a classifier saved by :meth:`save`; it predicts identically.

        Called on a base class (``BaseClassifier.load``), the class comes from the registry
        entry ``config.json`` names.

        Args:
            path: folder written by ``save``.
            **load_args: ``device=`` overrides the saved device (torch classifiers; e.g. load a
                GPU-trained model on CPU).

        Raises:
            FileNotFoundError: a missing file; genaug.errors.ModelFileError: a bad one.
        """
        return super().load(path, **load_args)

    def _saved_params(self) -> dict[str, Any]:
        return {k: v for k, v in self.get_params().items() if k not in self._not_saved}

    def _export(self) -> tuple[dict[str, Any], dict[str, Any]]:
        state = {
            "classes_": list(self.classes_),
            "input_shape_": list(self.input_shape_),
            "modality_": self.modality_,
            **self._state(),
        }
        return state, self._tensors()

    @classmethod
    def _upgrade_state(cls, state: dict[str, Any], version: int) -> dict[str, Any]:
        if version >= 2:
            return state
        return {f"{k}_": v for k, v in state.items()}  # format 1 saved the attributes without "_"

    def _import_state(self, state: dict[str, Any]) -> None:
        classes = state["classes_"]
        if not isinstance(classes, list) or len(classes) < 2 or not all(isinstance(c, str) for c in classes):
            raise ValueError(f"classes_ must be a list of at least two class names; got {classes!r}")
        shape = state["input_shape_"]
        if not isinstance(shape, list) or not shape or not all(
            isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in shape
        ):
            raise ValueError(f"input_shape_ must be a non-empty list of positive ints; got {shape!r}")
        modality = state["modality_"]
        from genaug import registry

        if not isinstance(modality, str) or modality not in registry.available("modality"):
            raise ValueError(f"modality_ {modality!r} is not a registered modality "
                             f"({registry.available('modality')})")
        contract = get_modality(modality)
        if isinstance(contract, TensorModality):
            contract.check_sample_shape(shape)
        self.classes_ = tuple(classes)
        self.input_shape_ = tuple(shape)
        self.modality_ = modality
        self._restore_state(state)

    def _import_tensors(self, state: dict[str, Any], tensors: dict[str, Any]) -> None:
        self._restore(state, tensors)

    def _state(self) -> dict[str, Any]:
        raise NotImplementedError

    def _tensors(self) -> dict[str, Any]:
        raise NotImplementedError

    def _restore_state(self, state: dict[str, Any]) -> None:
        """Restore the fitted state that needs no tensor (before the weights are checked)."""

    def _restore(self, state: dict[str, Any], tensors: dict[str, Any]) -> None:
        raise NotImplementedError

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
