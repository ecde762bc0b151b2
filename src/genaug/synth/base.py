"""The ``Synthesizer`` base class: input checks, the fit/sample/save/load skeleton, progress bars.

A subclass implements four hooks:

* ``_fit(data, pool, generator)``: train; set fitted attributes (ending in ``_``).
* ``_sample(y, generator)``: return samples for the int labels ``y`` in *data space*
  (images in [0, 1], signals in their original units).
* ``_state()``/``_tensors()``: JSON-able fitted state and the tensors needed to sample.
* ``_restore(state, tensors)``: the inverse of the two above (used by :meth:`Synthesizer.load`).
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
from genaug.modalities.base import accepts, get_modality, modality_for_ndim
from genaug.rng import Seed, as_generator
from genaug.serialization import load_model_dir, save_model_dir
from genaug.validation import check_int

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


class Synthesizer(ABC):
    """Base class of generative models that fit on labeled data and sample labeled data.

    Constructor arguments are keyword-only and stored unchanged under their own names; fitted
    state ends in ``_``: ``class_names_``, ``modality_``, ``sample_shape_``, ``history_``.

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
    """

    modalities: ClassVar[tuple[str, ...] | None] = None
    tensor_ndims: ClassVar[tuple[int, ...]] = (3, 4)

    @classmethod
    def supports(cls, modality: str) -> bool:
        """Whether ``fit`` accepts data of ``modality``."""
        return accepts(modality, names=cls.modalities, tensor_ndims=cls.tensor_ndims)

    @classmethod
    def accepted_modalities(cls) -> list[str]:
        """The registered modalities this synthesizer accepts."""
        from genaug import registry

        return [m for m in registry.available("modality") if cls.supports(m)]
    uses_unlabeled: ClassVar[bool] = True
    requires_unlabeled: ClassVar[bool] = False
    seeded_sampling: ClassVar[bool] = True
    registry_name: ClassVar[str]

    # ----- configuration --------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """Constructor arguments, enough to rebuild an unfitted copy with ``type(self)(**cfg)``."""
        sig = inspect.signature(type(self).__init__)
        return {name: getattr(self, name) for name in sig.parameters if name != "self"}

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
        X: LabeledData | torch.Tensor | np.ndarray,
        y: Any = None,
        *,
        unlabeled: LabeledData | torch.Tensor | np.ndarray | None = None,
        generator: Seed = None,
    ) -> Self:
        """Fit on labeled data, and also on an unlabeled pool when one is given.

        Args:
            X: a ``LabeledData`` (then ``y`` must be None) or a float batch (N, C, H, W) of
                images in [0, 1] / (N, C, T) of signals, with labels ``y``.
            y: int labels (N,) when ``X`` is a raw batch; classes are named "0".."K-1".
            unlabeled: extra samples of the same shape whose labels are unknown (a
                ``LabeledData`` whose ``y`` is ignored, or a raw batch).
            generator: the only source of randomness (parameter init, batches, noise).

        Returns:
            ``self``.

        Raises:
            ValueError: wrong shape or modality, NaN/inf, labels out of range, a class without
                labeled samples, or a pool whose sample shape differs.
        """
        data = as_labeled_data(X, y, name="X")
        self._check_data(data)
        pool = self._check_pool(unlabeled, data)
        self.class_names_ = data.class_names
        self.modality_ = data.modality
        self.sample_shape_ = tuple(int(s) for s in data.sample_shape)
        self.history_: dict[str, Any] = {}
        try:
            self._fit(data, pool, as_generator(generator))
        except BaseException:
            for attr in ("class_names_", "modality_", "sample_shape_", "history_"):
                self.__dict__.pop(attr, None)
            raise
        return self

    def sample(self, n_per_class: int | Mapping[int | str, int], *, generator: Seed = None) -> LabeledData:
        """Draw labeled synthetic samples.

        Args:
            n_per_class: samples for every class (int), or ``{class index or name: count}``
                (classes left out get none).
            generator: the only source of randomness; same seed, same samples.

        Returns:
            ``LabeledData`` sorted by class, with ``class_names`` from fit and
            ``meta["source"] == "synthetic"``, ``meta["source_index"] == -1``.

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
            x = torch.zeros((0, *self.sample_shape_))
        return self._wrap(x, y, **meta)

    def save(self, path: str | Path) -> None:
        """Write ``config.json`` (arguments and fitted state) and ``weights.safetensors``."""
        save_model_dir(path, *self.export_state())

    def export_state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        """``(config, tensors)`` as :meth:`save` writes them (JSON-able config, named tensors)."""
        self._check_fitted()
        state = {
            "class_names_": list(self.class_names_),
            "modality_": self.modality_,
            "sample_shape_": list(self.sample_shape_),
            "history_": self.history_,
            **self._state(),
        }
        config = {"synthesizer": self.registry_name, "params": self.get_config(), "state": state}
        return config, self._tensors()

    @classmethod
    def load(cls, path: str | Path) -> Self:
        """Rebuild a fitted synthesizer written by :meth:`save`; it samples identically.

        Called on the base class (``Synthesizer.load(path)``), the class is looked up in the
        registry by the name stored in ``config.json``.
        """
        config, tensors = load_model_dir(path)
        return cls.from_state(config, tensors, where=str(path))

    @classmethod
    def from_state(
        cls, config: dict[str, Any], tensors: dict[str, torch.Tensor], *, where: str = "state"
    ) -> Self:
        """Inverse of :meth:`export_state` (dispatching through the registry like :meth:`load`)."""
        name = config.get("synthesizer")
        if cls is Synthesizer or getattr(cls, "registry_name", None) != name:
            from genaug import registry

            klass = registry.get("synthesizer", name)
            if not (isinstance(klass, type) and issubclass(klass, cls)):
                raise ValueError(f"{where} holds a {name!r} synthesizer, not a {cls.__name__}")
            if klass is not cls:
                return klass.from_state(config, tensors, where=where)
        params = dict(config["params"])
        sig = inspect.signature(cls.__init__)
        for key, value in params.items():
            default = sig.parameters[key].default if key in sig.parameters else None
            if isinstance(default, tuple) and isinstance(value, list):
                params[key] = tuple(value)
        obj = cls(**params)
        state = config["state"]
        obj.class_names_ = tuple(state["class_names_"])
        obj.modality_ = state["modality_"]
        obj.sample_shape_ = tuple(state["sample_shape_"])
        obj.history_ = state["history_"]
        obj._restore(state, tensors)
        return obj

    # ----- hooks ----------------------------------------------------------------------------
    @abstractmethod
    def _fit(self, data: LabeledData, pool: torch.Tensor | None, generator: torch.Generator) -> None:
        """Train on ``data`` (+ ``pool``, (M, *sample_shape) or None)."""

    @abstractmethod
    def _sample(
        self, y: torch.Tensor, generator: torch.Generator
    ) -> torch.Tensor | tuple[torch.Tensor, dict[str, np.ndarray]]:
        """Samples in data space for labels ``y`` (N,), optionally with per-sample meta arrays."""

    @abstractmethod
    def _state(self) -> dict[str, Any]:
        """JSON-able fitted state beyond the common attributes."""

    @abstractmethod
    def _tensors(self) -> dict[str, torch.Tensor]:
        """Tensors needed to sample (EMA weights where used)."""

    @abstractmethod
    def _restore(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        """Rebuild fitted attributes from ``_state()`` and ``_tensors()`` output."""

    # ----- helpers --------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "class_names_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit(...) or "
                f"{type(self).__name__}.load(path) before using it"
            )

    def _check_data(self, data: LabeledData) -> None:
        if not self.supports(data.modality):
            raise ValueError(
                f"{type(self).__name__} accepts the modalities {self.accepted_modalities()}; "
                f"got data with modality {data.modality!r}"
            )
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

    def _check_pool(self, unlabeled: Any, data: LabeledData) -> torch.Tensor | None:
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
        counts = np.zeros(k, dtype=np.int64)
        if isinstance(n_per_class, Mapping):
            for key, value in n_per_class.items():
                if isinstance(key, str):
                    if key not in self.class_names_:
                        raise ValueError(
                            f"n_per_class key {key!r} is not a class; accepted: class indices "
                            f"0..{k - 1} or names {list(self.class_names_)}"
                        )
                    c = self.class_names_.index(key)
                else:
                    c = check_int("n_per_class key", key, 0, k - 1)
                counts[c] = check_int(f"n_per_class[{key}]", value, 0)
        else:
            counts[:] = check_int("n_per_class", n_per_class, 0)
        return counts

    def _wrap(self, x: torch.Tensor, y: np.ndarray, **meta: Any) -> LabeledData:
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


def load_synthesizer(path: str | Path) -> Synthesizer:
    """Load any synthesizer saved with ``save(path)``; its class comes from ``config.json``.

    Example:
        >>> synth = load_synthesizer("runs/cvae")  # doctest: +SKIP
    """
    import json

    from genaug import registry
    from genaug.serialization import CONFIG_NAME

    config_path = Path(path) / CONFIG_NAME
    if not config_path.is_file():
        raise FileNotFoundError(f"{config_path} not found; expected a folder written by save()")
    name = json.loads(config_path.read_text(encoding="utf-8")).get("synthesizer")
    if not isinstance(name, str):
        raise ValueError(f"{config_path} does not name a synthesizer (key 'synthesizer'); got {name!r}")
    return registry.get("synthesizer", name).load(path)


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

    def _restore(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        from genaug.synth.nn import empty_module

        net = empty_module(self._sampling_net)
        net.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
        self.model_ = net.to(self.device).eval()
        self.mean_, self.std_ = tensors["mean_"], tensors["std_"]
