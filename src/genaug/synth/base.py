"""The ``Synthesizer`` base class of every modality: input checks, the fit/sample/save/load
skeleton, progress bars.

A subclass implements the hooks:

* ``_fit(data, pool, generator)``: train; set fitted attributes (ending in ``_``).
* ``_sample(y, generator)``: return samples for the int labels ``y`` in *data space*
  (images in [0, 1], signals in their original units, a DataFrame for tables).
* ``_state()``/``_tensors()``: JSON-able fitted state and the tensors needed to sample.
* ``_restore(state, tensors)``: the inverse of the two above (used by :meth:`Synthesizer.load`);
  optionally ``_restore_state(state)`` (what needs no tensor, run first) and
  ``_expected_tensors()`` (names, shapes and dtypes the weights must have, checked before they
  are read).

and may override the input hooks ``_as_data``, ``_check_data``, ``_check_pool`` (the tabular
synthesizers do: :class:`genaug.synth.tabular.TabularSynthesizer`). Saving uses the one layout
of :mod:`genaug.serialization` (``config.json`` naming the registry entry + safetensors).
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import torch
from sklearn.exceptions import NotFittedError

from genaug.data.labeled import LabeledData
from genaug.modalities.base import TensorModality, accepts, get_modality, modality_for_ndim
from genaug.rng import Seed, as_generator
from genaug.serialization import SavedModel, TensorSpec

__all__ = [
    "NotFittedError",
    "Synthesizer",
    "as_labeled_data",
    "fit_scaler",
    "load_synthesizer",
    "progress_bar",
    "scale",
    "unscale",
]


class Synthesizer(SavedModel, ABC):
    """Base class of generative models that fit on labeled data and sample labeled data.

    Constructor arguments are keyword-only and stored unchanged under their own names; fitted
    state ends in ``_``: ``class_names_``, ``modality_``, ``sample_shape_``, ``history_`` (a
    synthesizer is fitted when it has ``class_names_``; before that ``sample`` and ``save``
    raise scikit-learn's ``NotFittedError``).

    Class attributes:
        modalities: the data modalities the synthesizer accepts by name; ``None`` (the
            default) accepts every registered modality whose batches are float tensors of
            ``tensor_ndims`` dims (image, signal, audio, and modalities added later).
        tensor_ndims: batch ranks accepted when ``modalities`` is None.
        uses_unlabeled: whether ``fit`` learns from the unlabeled pool (it is always accepted);
            when True, ``history_["unlabeled_samples"]`` counts the pool samples seen.
        requires_unlabeled: whether ``fit`` refuses to run without an unlabeled pool.
        seeded_sampling: whether ``sample`` draws at random (different seeds, different
            samples); False for deterministic selections such as ``pseudo_label``.
        load_time_params: constructor arguments ``load`` never takes from a saved file.
    """

    registry_kind: ClassVar[str] = "synthesizer"
    modalities: ClassVar[tuple[str, ...] | None] = None
    tensor_ndims: ClassVar[tuple[int, ...]] = (3, 4)
    uses_unlabeled: ClassVar[bool] = True
    requires_unlabeled: ClassVar[bool] = False
    seeded_sampling: ClassVar[bool] = True
    registry_name: ClassVar[str]

    @classmethod
    def supports(cls, modality: str) -> bool:
        """Whether ``fit`` accepts data of ``modality``."""
        return accepts(modality, names=cls.modalities, tensor_ndims=cls.tensor_ndims)

    @classmethod
    def accepted_modalities(cls) -> list[str]:
        """The registered modalities this synthesizer accepts."""
        from genaug import registry

        return [m for m in registry.available("modality") if cls.supports(m)]

    # ----- configuration --------------------------------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [n for n, p in sig.parameters.items() if n != "self" and p.kind is not p.VAR_KEYWORD]

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments, enough to rebuild an unfitted copy with ``type(self)(**cfg)``."""
        return {name: getattr(self, name) for name in self._param_names()}

    def get_params(self) -> dict[str, Any]:
        """The scikit-learn name of :meth:`get_config`."""
        return self.get_config()

    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        """The smallest constructor arguments that still exercise the model (for fast tests)."""
        return {}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    # ----- the contract ---------------------------------------------------------------------
    def fit(
        self,
        X: LabeledData | torch.Tensor | np.ndarray | Any,
        y: Any = None,
        *,
        unlabeled: LabeledData | torch.Tensor | np.ndarray | None = None,
        generator: Seed = None,
    ) -> Self:
        """Fit on labeled data, and also on an unlabeled pool when one is given.

        Args:
            X: a ``LabeledData`` (then ``y`` must be None) or a float batch (N, C, H, W) of
                images in [0, 1] / (N, C, T) of signals (a table for tabular synthesizers),
                with labels ``y``.
            y: int labels (N,) when ``X`` is a raw batch; classes are named "0".."K-1".
            unlabeled: extra samples of the same shape whose labels are unknown (a
                ``LabeledData`` whose ``y`` is ignored, or a raw batch); always accepted, used
                when ``uses_unlabeled``.
            generator: the only source of randomness (parameter init, batches, noise).

        Returns:
            ``self``.

        Raises:
            ValueError: wrong shape or modality, NaN/inf, labels out of range, a class without
                labeled samples, or a pool whose sample shape differs. A failed fit leaves no
                fitted state behind.
        """
        data = self._as_data(X, y)
        self._check_data(data)
        pool = self._check_pool(unlabeled, data)
        self._forget_fit()
        self.class_names_ = data.class_names
        self.modality_ = data.modality
        self.sample_shape_ = tuple(int(s) for s in data.sample_shape)
        self.history_: dict[str, Any] = {}
        try:
            self._fit(data, pool, as_generator(generator))
        except BaseException:
            self._forget_fit()
            raise
        return self

    def _forget_fit(self) -> None:
        """Remove every fitted attribute (public, ending in ``_``)."""
        for attr in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]:
            del self.__dict__[attr]

    def sample(self, n_per_class: int | Mapping[int | str, int], *, generator: Seed = None) -> LabeledData:
        """Draw labeled synthetic samples.

        Args:
            n_per_class: samples for every class (int), or ``{class index or name: count}``
                (classes left out get none).
            generator: the only source of randomness; same seed, same samples.

        Returns:
            ``LabeledData`` sorted by class, with ``class_names`` from fit and
            ``meta["source"] == "synthetic"``, ``meta["source_index"] == -1``.

        Raises:
            NotFittedError: before ``fit``/``load``.
            ValueError: an unseen label or a negative count; TypeError: a count that is no int.

        Shape:
            x: (N, C, H, W) in [0, 1] for images, (N, C, T) for signals, N = sum of counts.

        Example:
            >>> synth.fit(train, unlabeled=pool, generator=0).sample(5, generator=1)  # doctest: +SKIP
        """
        self._check_fitted()
        counts = self._parse_counts(n_per_class)
        y = np.repeat(np.arange(len(counts)), counts)
        g = as_generator(generator)
        meta: dict[str, Any] = {}
        if len(y):
            with torch.no_grad():
                out = self._sample(torch.as_tensor(y, dtype=torch.long), g)
            x, meta = out if isinstance(out, tuple) else (out, {})
        else:
            x = self._empty_sample()
        return self._wrap(x, y, **meta)

    def _empty_sample(self) -> Any:
        """The ``x`` of a sample of zero items."""
        return torch.zeros((0, *self.sample_shape_))

    # ----- saving and loading ---------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path, **load_args: Any) -> Self:
        """Rebuild a fitted synthesizer written by :meth:`save`; it samples identically.

        Called on the base class (``Synthesizer.load(path)``), the class is looked up in the
        registry by the name stored in ``config.json``.

        Args:
            path: the folder written by ``save``.
            **load_args: ``device=`` overrides the saved device (synthesizers with a ``device``
                argument); ``model_dir=`` is required by ``pretrained_diffusion`` (the
                pipeline folder is never taken from the saved file).

        Raises:
            FileNotFoundError: a missing file.
            genaug.errors.ModelFileError: a bad file (module doc of
                :mod:`genaug.serialization`).
        """
        return super().load(path, **load_args)

    def _export(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        state = {
            "class_names_": list(self.class_names_),
            "modality_": self.modality_,
            "sample_shape_": list(self.sample_shape_),
            "history_": self.history_,
            **self._state(),
        }
        return state, self._tensors()

    def _import_state(self, state: dict[str, Any]) -> None:
        names = state["class_names_"]
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise ValueError(f"class_names_ must be a non-empty list of strings; got {names!r}")
        if len(set(names)) != len(names):
            raise ValueError(f"class_names_ must be unique; got {names!r}")
        modality = state["modality_"]
        from genaug import registry

        if not isinstance(modality, str) or modality not in registry.available("modality"):
            raise ValueError(f"modality_ {modality!r} is not a registered modality "
                             f"({registry.available('modality')})")
        if not self.supports(modality):
            raise ValueError(
                f"modality_ {modality!r} is not a modality {type(self).__name__} accepts "
                f"(it declares {self.accepted_modalities()})"
            )
        shape = state["sample_shape_"]
        if not isinstance(shape, list) or not all(
            isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in shape
        ):
            raise ValueError(f"sample_shape_ must be a list of positive ints; got {shape!r}")
        contract = get_modality(modality)
        if isinstance(contract, TensorModality):
            contract.check_sample_shape(shape)
        history = state.get("history_", {})
        if not isinstance(history, dict):
            raise ValueError(f"history_ must be an object; got {history!r}")
        self.class_names_ = tuple(names)
        self.modality_ = modality
        self.sample_shape_ = tuple(shape)
        self.history_ = history
        self._restore_state(state)

    def _import_tensors(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        self._restore(state, tensors)

    # ----- hooks ----------------------------------------------------------------------------
    @abstractmethod
    def _fit(self, data: LabeledData, pool: Any, generator: torch.Generator) -> None:
        """Train on ``data`` (+ ``pool``, (M, *sample_shape) or None)."""

    @abstractmethod
    def _sample(self, y: torch.Tensor, generator: torch.Generator) -> Any:
        """Samples in data space for labels ``y`` (N,), optionally with per-sample meta arrays."""

    @abstractmethod
    def _state(self) -> dict[str, Any]:
        """JSON-able fitted state beyond the common attributes."""

    @abstractmethod
    def _tensors(self) -> dict[str, torch.Tensor]:
        """Tensors needed to sample (EMA weights where used)."""

    def _restore_state(self, state: dict[str, Any]) -> None:
        """Restore the fitted state that needs no tensor (before the weights are checked)."""

    @abstractmethod
    def _restore(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        """Rebuild fitted attributes from ``_state()`` and ``_tensors()`` output."""

    # ----- input hooks and helpers ----------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "class_names_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit(...) or "
                f"{type(self).__name__}.load(path) before using it"
            )

    def _as_data(self, X: Any, y: Any) -> LabeledData:
        """``X`` (+ ``y``) as ``LabeledData`` (raw tensor batches: :func:`as_labeled_data`)."""
        return as_labeled_data(X, y, name="X")

    def _check_modality(self, data: LabeledData) -> None:
        if not self.supports(data.modality):
            raise ValueError(
                f"{type(self).__name__} accepts the modalities {self.accepted_modalities()}; "
                f"got data with modality {data.modality!r}"
            )

    def _check_data(self, data: LabeledData) -> None:
        self._check_modality(data)
        if len(data) == 0:
            raise ValueError("X must hold at least one labeled sample; got 0")
        counts = data.class_counts()
        empty = np.flatnonzero(counts == 0)
        if empty.size:
            k = int(empty[0])
            raise ValueError(
                f"class {data.class_names[k]!r} (label {k}) has no labeled samples; every class "
                "in class_names needs at least one"
            )

    def _check_pool(self, unlabeled: Any, data: LabeledData) -> Any:
        if unlabeled is None:
            return None
        if isinstance(unlabeled, LabeledData):
            if unlabeled.modality != data.modality:
                raise ValueError(
                    f"unlabeled must have the modality of X ({data.modality!r}); got {unlabeled.modality!r}"
                )
            x = unlabeled.x
        else:
            x = _as_float_tensor(unlabeled, "unlabeled")
        if tuple(x.shape[1:]) != tuple(data.sample_shape) or x.ndim != len(data.sample_shape) + 1:
            raise ValueError(
                f"unlabeled must have shape (M, {', '.join(map(str, data.sample_shape))}) like X; "
                f"got {tuple(x.shape)}"
            )
        if not torch.isfinite(x).all():
            raise ValueError("unlabeled contains NaN or infinite values")
        value_range = get_modality(data.modality).value_range
        if value_range is not None and x.numel() and (x.min() < value_range[0] or x.max() > value_range[1]):
            raise ValueError(
                f"unlabeled {data.modality} values must be in [{value_range[0]:g}, {value_range[1]:g}]; "
                f"got min {float(x.min()):.3g}, max {float(x.max()):.3g}"
            )
        if len(x) == 0:
            return None
        return x.detach().to(torch.float32)

    def _parse_counts(self, n_per_class: int | Mapping[int | str, int]) -> np.ndarray:
        k = len(self.class_names_)
        accepted = f"class indices 0..{k - 1} or names {list(self.class_names_)}"
        counts = np.zeros(k, dtype=np.int64)
        if isinstance(n_per_class, Mapping):
            for key, value in n_per_class.items():
                if isinstance(key, str):
                    if key not in self.class_names_:
                        raise ValueError(f"n_per_class key {key!r} is not a class (an unseen label); "
                                         f"accepted: {accepted}")
                    c = self.class_names_.index(key)
                elif isinstance(key, bool) or not isinstance(key, int | np.integer):
                    raise TypeError(
                        f"n_per_class key {key!r} must be a class index or name; accepted: {accepted}"
                    )
                elif not 0 <= key < k:
                    raise ValueError(f"n_per_class key {key!r} is an unseen label; accepted: {accepted}")
                else:
                    c = int(key)
                counts[c] = _check_count(value, f"n_per_class[{key!r}]")
        else:
            counts[:] = _check_count(n_per_class, "n_per_class")
        self._check_counts(counts)
        return counts

    def _check_counts(self, counts: np.ndarray) -> None:
        """Refuse counts the fitted model cannot sample (``counts[c]`` for class c)."""

    def _wrap(self, x: Any, y: np.ndarray, **meta: Any) -> LabeledData:
        if isinstance(x, torch.Tensor):
            x = x.detach().to("cpu", torch.float32)
            value_range = get_modality(self.modality_).value_range
            if value_range is not None:
                x = x.clamp(*value_range)
        n = len(y)
        base = {"source": np.full(n, "synthetic"), "source_index": np.full(n, -1, dtype=np.int64)}
        return LabeledData(x, y, self.class_names_, self.modality_, {**base, **meta})

    @staticmethod
    def _batch_index(n: int, batch_size: int, generator: torch.Generator) -> torch.Tensor:
        """``batch_size`` indices into ``n`` items, drawn with replacement from ``generator``."""
        return torch.randint(0, n, (batch_size,), generator=generator)


def _check_count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be a non-negative int; got {value!r} ({type(value).__name__})")
    if value < 0:
        raise ValueError(f"{name} must be a non-negative int; got {value!r}")
    return int(value)


def as_labeled_data(X: Any, y: Any = None, *, name: str = "X") -> LabeledData:
    """Coerce ``LabeledData`` or a raw image/signal batch plus labels into ``LabeledData``.

    Args:
        X: ``LabeledData`` (``y`` must be None), or a float tensor/array (N, C, H, W) (images in
            [0, 1]) or (N, C, T) (signals).
        y: int labels (N,) for a raw ``X``; classes are named "0".."max(y)".
        name: the argument name used in error messages.

    Returns:
        ``LabeledData``.

    Raises:
        ValueError: wrong number of dimensions, missing ``y``, NaN, labels out of range.
    """
    if isinstance(X, LabeledData):
        if y is not None:
            raise ValueError(f"y must be None when {name} is a LabeledData (its labels are used)")
        return X
    x = _as_float_tensor(X, name)
    if x.ndim not in (3, 4):
        raise ValueError(
            f"{name} must be an image batch (N, C, H, W) or a signal batch (N, C, T); "
            f"got shape {tuple(x.shape)}"
        )
    if not torch.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or infinite values; accepted: finite floats")
    if y is None:
        raise ValueError(f"y is required when {name} is a raw batch; got None")
    labels = np.asarray(y.cpu() if isinstance(y, torch.Tensor) else y)
    if labels.ndim == 1 and labels.size and np.issubdtype(labels.dtype, np.number) and labels.min() < 0:
        raise ValueError(f"label {int(labels.min())} is out of range; labels must be >= 0")
    k = int(labels.max()) + 1 if labels.size and np.issubdtype(labels.dtype, np.number) else 1
    modality = modality_for_ndim(x.ndim)
    if modality is None:
        raise ValueError(f"{name}: no modality takes raw batches of {x.ndim} dims; pass a LabeledData")
    return LabeledData(x, labels, tuple(str(i) for i in range(k)), modality.name)


def load_synthesizer(path: str | Path, **load_args: Any) -> Synthesizer:
    """Load any synthesizer saved with ``save(path)``; its class comes from ``config.json``
    through the registry (``Synthesizer.load``).

    Args:
        path: the folder written by ``save``.
        **load_args: ``device=`` (override the saved device), ``model_dir=`` (required for
            ``pretrained_diffusion``: the pipeline folder you trust; a path stored in the saved
            config is never followed).

    Raises:
        FileNotFoundError: a missing file; genaug.errors.ModelFileError: a bad one.

    Example:
        >>> synth = load_synthesizer("runs/cvae")  # doctest: +SKIP
    """
    return Synthesizer.load(path, **load_args)


def _as_float_tensor(x: Any, name: str) -> torch.Tensor:
    if isinstance(x, np.ndarray):
        if not np.issubdtype(x.dtype, np.number):
            raise TypeError(f"{name} must be numeric; got dtype {x.dtype}")
        x = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a LabeledData, torch.Tensor or numpy array; got {type(x).__name__}")
    if not torch.is_floating_point(x):
        x = x.float()
    return x


@contextmanager
def progress_bar(total: int, description: str, enabled: bool) -> Iterator[Any]:
    """A rich progress bar as a context manager yielding ``advance(**fields)``.

    Args:
        total: number of steps.
        description: text left of the bar.
        enabled: when False, ``advance`` does nothing and nothing is printed.
    """
    if not enabled:
        yield lambda **_: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[status]}"),
    )
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(description, total=total, status="")

        def advance(**fields: float) -> None:
            status = " ".join(f"{k}={v:.4g}" for k, v in fields.items())
            bar.update(task, advance=1, status=status)

        yield advance


def fit_scaler(
    x: torch.Tensor, pool: torch.Tensor | None, modality: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel ``(mean, std)`` that map data to the model's space.

    Modalities with a value range (images: [0, 1]) map it to [-1, 1]; others (signals, audio)
    are standardised per channel over the labeled data and the pool.

    Shape:
        x: (N, C, ...); pool: (M, C, ...) or None -> mean, std: (C,).
    """
    c = x.shape[1]
    value_range = get_modality(modality).value_range
    if value_range is not None:
        lo, hi = value_range
        return torch.full((c,), (lo + hi) / 2), torch.full((c,), (hi - lo) / 2)
    allx = x if pool is None else torch.cat([x, pool])
    flat = allx.transpose(0, 1).reshape(c, -1).double()
    mean = flat.mean(1)
    std = flat.std(1, unbiased=False).clamp_min(1e-6)
    return mean.float(), std.float()


def scale(x: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """``(x - mean) / std`` per channel (dim 1)."""
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return (x - mean.view(shape).to(x.device)) / std.view(shape).to(x.device)


def unscale(x: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`scale`."""
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return x * std.view(shape).to(x.device) + mean.view(shape).to(x.device)


class NetworkSynthesizer(Synthesizer):
    """A synthesizer whose sampling state is one network (``model_``) plus the data scaler
    (``mean_``, ``std_``); it saves and restores that state. Subclasses build the sampling
    network in :meth:`_sampling_net`."""

    def _sampling_net(self) -> torch.nn.Module:
        """A fresh (untrained) instance of the network stored in ``model_``."""
        raise NotImplementedError

    def _state(self) -> dict[str, Any]:
        return {}

    def _tensors(self) -> dict[str, torch.Tensor]:
        tensors = {f"model.{k}": v for k, v in self.model_.state_dict().items()}
        return {**tensors, "mean_": self.mean_, "std_": self.std_}

    def _expected_tensors(self) -> dict[str, TensorSpec]:
        with torch.device("meta"):
            net = self._sampling_net()
        specs = {f"model.{k}": TensorSpec(tuple(v.shape), v.dtype) for k, v in net.state_dict().items()}
        channels = self.sample_shape_[0]
        specs["mean_"] = specs["std_"] = TensorSpec((channels,), torch.float32)
        return specs

    def _restore(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        from genaug.synth.nn import empty_module

        net = empty_module(self._sampling_net)
        net.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
        self.model_ = net.to(self.device).eval()
        self.mean_, self.std_ = tensors["mean_"], tensors["std_"]
