"""Shared plumbing of the tabular synthesizers: input checks, table <-> arrays, save/load.

Every tabular synthesizer sees a table as two arrays (built from the :class:`TableSchema`):

* ``num``: (N, P) float64, the numeric columns in schema order;
* ``codes``: (N, Q) int64, the categorical/boolean columns as indices into their categories.

Subclasses implement ``_fit(num, codes, y, generator)``, ``_sample_class(c, n, generator)``
(returning ``num``/``codes`` for n rows of class c) and ``_state()``/``_set_state()`` for
save/load. The base class turns samples back into a DataFrame with the training dtypes
(integer columns rounded; numeric values clipped to each column's training range
[min, max]; categorical values only from the training categories) and marks them
``meta["source"] = "synthetic"``.
"""

from __future__ import annotations

import inspect
import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
import torch
from sklearn.exceptions import NotFittedError

from genaug.data.labeled import LabeledData
from genaug.data.tabular import TableSchema, table_schema
from genaug.modalities.base import accepts, is_modality
from genaug.rng import Seed, as_generator
from genaug.serialization import load_model_dir, save_model_dir

__all__ = [
    "NotFittedError",
    "TabularSynthesizer",
    "class_batch_sampler",
    "draw_batch",
    "frame_to_arrays",
    "progress_bar",
]


def frame_to_arrays(frame: pd.DataFrame, schema: TableSchema) -> tuple[np.ndarray, np.ndarray]:
    """Split ``frame`` into ``num`` (N, P) float64 and ``codes`` (N, Q) int64 (see module doc).

    Raises:
        ValueError: a missing value, or a categorical value outside the schema's categories.
    """
    n = len(frame)
    num = np.empty((n, len(schema.numeric)), dtype=np.float64)
    for j, spec in enumerate(schema.numeric):
        num[:, j] = frame[spec.name].to_numpy(dtype=np.float64, na_value=np.nan)
    if not np.isfinite(num).all():
        bad = [s.name for j, s in enumerate(schema.numeric) if not np.isfinite(num[:, j]).all()]
        raise ValueError(
            f"numeric column(s) {bad} hold missing or infinite values; impute or drop them "
            "first (genaug.data.tabular.from_frame(missing=...))"
        )
    codes = np.empty((n, len(schema.discrete)), dtype=np.int64)
    for j, spec in enumerate(schema.discrete):
        lookup = {v: i for i, v in enumerate(spec.categories)}
        values = frame[spec.name].astype(object).to_numpy()
        idx = np.fromiter(
            (lookup.get(v.item() if isinstance(v, np.generic) else v, -1) for v in values),
            dtype=np.int64,
            count=n,
        )
        if (idx < 0).any():
            bad = values[idx < 0][0]
            raise ValueError(
                f"column {spec.name!r} has value {bad!r} outside its categories "
                f"{list(spec.categories)} (or a missing value)"
            )
        codes[:, j] = idx
    return num, codes


def class_batch_sampler(y: np.ndarray, n_classes: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Class probabilities proportional to ``log(1 + n_c)`` and the row indices of each class."""
    counts = np.bincount(y, minlength=n_classes)
    weights = np.log1p(counts).astype(np.float64)
    return weights / weights.sum(), [np.flatnonzero(y == c) for c in range(n_classes)]


def draw_batch(
    probs: np.ndarray, members: list[np.ndarray], batch_size: int, generator: torch.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices and classes of one batch: a class per row, then a random row of that class."""
    classes = torch.multinomial(
        torch.from_numpy(probs), batch_size, replacement=True, generator=generator
    ).numpy()
    u = torch.rand(batch_size, generator=generator, dtype=torch.float64).numpy()
    sizes = np.array([len(m) for m in members])
    pick = np.minimum((u * sizes[classes]).astype(np.int64), sizes[classes] - 1)
    rows = np.array([members[c][i] for c, i in zip(classes, pick, strict=True)], dtype=np.int64)
    return rows, classes


@contextmanager
def progress_bar(description: str, total: int, enabled: bool) -> Iterator[Callable[[float], None]]:
    """A rich progress bar; yields ``advance(loss)`` (a no-op when ``enabled`` is False)."""
    if not enabled:
        yield lambda loss: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("loss {task.fields[loss]}"),
    )
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(description, total=total, loss="-")

        def advance(loss: float) -> None:
            bar.update(task, advance=1, loss=f"{loss:.4f}")

        yield advance


class TabularSynthesizer(ABC):
    """Base class of the class-conditional tabular synthesizers (``Synthesizer`` contract).

    ``__init__`` of a subclass stores its keyword-only arguments unchanged; learned state ends
    in ``_``. ``fit`` then ``sample`` (conditional on the class) then ``save``/``load``.
    """

    modalities: ClassVar[tuple[str, ...]] = ("tabular",)

    @classmethod
    def supports(cls, modality: str) -> bool:
        """Whether ``fit`` accepts data of ``modality`` (the same test as image synthesizers)."""
        return accepts(modality, names=cls.modalities)

    # ----------------------------------------------------------------------------- params
    def get_params(self) -> dict[str, Any]:
        """Constructor arguments by name."""
        sig = inspect.signature(type(self).__init__)
        return {
            k: getattr(self, k) for k, p in sig.parameters.items() if k != "self" and p.kind is p.KEYWORD_ONLY
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_params().items())})"

    # -------------------------------------------------------------------------------- fit
    def fit(
        self, data: LabeledData | Any, y: Any = None, *, unlabeled: Any = None, generator: Seed = None
    ) -> Self:
        """Fit on tabular data (every class; sampling is conditional on the class).

        Args:
            data: tabular LabeledData (``x`` a DataFrame or (N, F) array), or ``x`` with ``y``.
            y: int class indices when ``data`` is not a LabeledData.
            unlabeled: an unlabeled pool (tabular LabeledData, DataFrame or array) or None.
                Accepted for the ``Synthesizer`` contract (the ``generative`` experiment
                strategy passes its pool) and ignored: these models are class-conditional and
                learn only from labeled rows. Its labels are never read.
            generator: int seed, ``torch.Generator`` or None; the only randomness (including
                parameter initialisation).

        Returns:
            self.

        Raises:
            ValueError: fewer than two classes, missing values.
            TypeError: ``data`` is not tabular; ``unlabeled`` is not tabular.
        """
        data = self._as_labeled(data, y)
        if unlabeled is not None and not (
            isinstance(unlabeled, pd.DataFrame | np.ndarray)
            or is_modality(unlabeled, "tabular")
        ):
            raise TypeError(
                "unlabeled must be None or tabular (LabeledData with modality 'tabular', DataFrame, "
                f"ndarray); got {type(unlabeled).__name__}"
            )
        present = np.unique(data.y)
        if len(present) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least two classes to fit a class-conditional model; "
                f"got only class {data.class_names[int(present[0])]!r}"
                if len(present)
                else f"{type(self).__name__} cannot fit on empty data"
            )
        x = data.x
        self.input_kind_ = "array" if isinstance(x, np.ndarray) else "frame"
        if isinstance(x, np.ndarray):
            x = pd.DataFrame(x, columns=[f"x{i}" for i in range(x.shape[1])])
            self.array_dtype_ = str(data.x.dtype)
        self.schema_ = table_schema(x)
        if self.input_kind_ == "frame":
            self.dtypes_ = {c: str(x[c].dtype) for c in x.columns}
        num, codes = frame_to_arrays(x, self.schema_)
        self.num_min_ = num.min(axis=0) if len(num) else np.zeros(num.shape[1])
        self.num_max_ = num.max(axis=0) if len(num) else np.zeros(num.shape[1])
        self.class_names_ = data.class_names
        self.class_counts_ = data.class_counts()
        self.cardinalities_ = [len(s.categories) for s in self.schema_.discrete]
        self._fit(num, codes, data.y, as_generator(generator))
        self.is_fitted_ = True
        return self

    def _as_labeled(self, data: Any, y: Any) -> LabeledData:
        if isinstance(data, LabeledData):
            if y is not None:
                raise ValueError("pass y only with a raw x; data is already a LabeledData")
            if not is_modality(data, "tabular"):
                raise TypeError(f"{type(self).__name__} needs modality 'tabular'; got {data.modality!r}")
            return data
        if y is None:
            raise TypeError(
                f"data must be a tabular LabeledData, or x with y; got {type(data).__name__} without y"
            )
        y = np.asarray(y)
        n_classes = int(y.max()) + 1 if y.size else 1
        return LabeledData(data, y, tuple(str(i) for i in range(n_classes)), "tabular")

    def _check_fitted(self) -> None:
        if not getattr(self, "is_fitted_", False):
            raise NotFittedError(
                f"this {type(self).__name__} instance is not fitted yet; call fit() "
                "(or load()) before sample() or save()"
            )

    # ----------------------------------------------------------------------------- sample
    def _resolve_counts(self, n_per_class: int | Mapping[int | str, int]) -> dict[int, int]:
        names = self.class_names_
        if isinstance(n_per_class, Mapping):
            counts = {}
            for key, n in n_per_class.items():
                if isinstance(key, str) and key in names:
                    c = names.index(key)
                elif (
                    isinstance(key, int | np.integer) and not isinstance(key, bool) and 0 <= key < len(names)
                ):
                    c = int(key)
                else:
                    raise ValueError(
                        f"n_per_class names unseen label {key!r}; labels are 0..{len(names) - 1} "
                        f"or class names {list(names)}"
                    )
                counts[c] = self._check_n(n, key)
        else:
            n = self._check_n(n_per_class, "all")
            counts = {c: n for c in range(len(names))}
        for c, n in counts.items():
            if n > 0 and self.class_counts_[c] == 0:
                raise ValueError(f"class {names[c]!r} (label {c}) had no training rows; cannot sample it")
        return counts

    @staticmethod
    def _check_n(n: Any, key: Any) -> int:
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
            raise ValueError(f"n_per_class[{key!r}] must be a non-negative int; got {n!r}")
        return int(n)

    def sample(self, n_per_class: int | Mapping[int | str, int], *, generator: Seed = None) -> LabeledData:
        """Draw labeled synthetic rows, conditional on the class.

        Args:
            n_per_class: rows per class (int: the same for every class) or ``{label: n}`` with
                int labels or class names.
            generator: int seed, ``torch.Generator`` or None; same seed, same rows.

        Returns:
            Tabular LabeledData ordered by class, with the training columns and dtypes
            (DataFrame, or array if fit on an array) and ``meta["source"] = "synthetic"``.

        Raises:
            NotFittedError: before ``fit``/``load``.
            ValueError: unseen label, negative count, or a class without training rows.
        """
        self._check_fitted()
        counts = self._resolve_counts(n_per_class)
        gen = as_generator(generator)
        nums, codes, ys = [], [], []
        for c in sorted(counts):
            n = counts[c]
            if n == 0:
                continue
            num, code = self._sample_class(c, n, gen)
            nums.append(np.asarray(num, dtype=np.float64).reshape(n, len(self.schema_.numeric)))
            codes.append(np.asarray(code, dtype=np.int64).reshape(n, len(self.schema_.discrete)))
            ys.append(np.full(n, c, dtype=np.int64))
        p, q = len(self.schema_.numeric), len(self.schema_.discrete)
        num = np.concatenate(nums) if nums else np.zeros((0, p))
        code = np.concatenate(codes) if codes else np.zeros((0, q), dtype=np.int64)
        y = np.concatenate(ys) if ys else np.zeros(0, dtype=np.int64)
        x = self._to_output(num, code)
        meta = {"source": np.full(len(y), "synthetic"), "source_index": np.full(len(y), -1)}
        return LabeledData(x, y, self.class_names_, "tabular", meta)

    def _to_output(self, num: np.ndarray, codes: np.ndarray) -> pd.DataFrame | np.ndarray:
        num = np.clip(np.nan_to_num(num, nan=0.0), self.num_min_, self.num_max_)
        cols: dict[str, Any] = {}
        for j, spec in enumerate(self.schema_.numeric):
            v = np.round(num[:, j]) if spec.integer else num[:, j]
            cols[spec.name] = v
        for j, spec in enumerate(self.schema_.discrete):
            card = len(spec.categories)
            idx = np.clip(codes[:, j], 0, card - 1)
            values = np.empty(card, dtype=object)
            values[:] = list(spec.categories)
            cols[spec.name] = values[idx]
        if self.input_kind_ == "array":
            return np.stack([cols[n] for n in self.schema_.names], axis=1).astype(self.array_dtype_)
        out = {}
        for spec in self.schema_.columns:
            dtype = self.dtypes_[spec.name]
            if dtype == "category":
                out[spec.name] = pd.Categorical(cols[spec.name], categories=list(spec.categories))
            else:
                out[spec.name] = pd.Series(cols[spec.name]).astype(dtype)
        frame = pd.DataFrame(out, columns=self.schema_.names)
        frame.attrs["genaug_schema"] = self.schema_.to_dict()
        return frame

    # ------------------------------------------------------------------------- save / load
    def save(self, path: str | os.PathLike[str]) -> None:
        """Save to folder ``path``: ``config.json`` (settings, schema, categories, class names,
        normalizer parameters) + ``weights.safetensors`` (network weights, quantile tables)."""
        self._check_fitted()
        model_config, tensors = self._state()
        config = {
            "synthesizer": getattr(type(self), "registry_name", type(self).__name__),
            "params": self.get_params(),
            "schema": self.schema_.to_dict(),
            "input_kind": self.input_kind_,
            "dtypes": getattr(self, "dtypes_", None),
            "array_dtype": getattr(self, "array_dtype_", None),
            "class_names": list(self.class_names_),
            "class_counts": self.class_counts_.tolist(),
            "model": model_config,
        }
        tensors = {
            **tensors,
            "num_min": torch.from_numpy(self.num_min_.copy()),
            "num_max": torch.from_numpy(self.num_max_.copy()),
        }
        save_model_dir(path, config, tensors)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Self:
        """Load a synthesizer written by :meth:`save` (called on the base class, the class is
        looked up in the registry)."""
        config, tensors = load_model_dir(path)
        name = config["synthesizer"]
        klass: type[TabularSynthesizer] = cls
        if getattr(cls, "registry_name", None) != name:
            from genaug import registry

            klass = registry.get("synthesizer", name)
            if not issubclass(klass, cls):
                raise TypeError(f"{path} holds a {klass.__name__}, not a {cls.__name__}")
        obj = klass(**config["params"])
        obj.schema_ = TableSchema.from_dict(config["schema"])
        obj.input_kind_ = config["input_kind"]
        if config.get("dtypes") is not None:
            obj.dtypes_ = config["dtypes"]
        if config.get("array_dtype") is not None:
            obj.array_dtype_ = config["array_dtype"]
        obj.class_names_ = tuple(config["class_names"])
        obj.class_counts_ = np.asarray(config["class_counts"], dtype=np.int64)
        obj.cardinalities_ = [len(s.categories) for s in obj.schema_.discrete]
        obj.num_min_ = tensors.pop("num_min").numpy()
        obj.num_max_ = tensors.pop("num_max").numpy()
        obj._set_state(config["model"], tensors)
        obj.is_fitted_ = True
        return obj

    # ----------------------------------------------------------------------- subclass API
    @abstractmethod
    def _fit(self, num: np.ndarray, codes: np.ndarray, y: np.ndarray, generator: torch.Generator) -> None:
        """Learn from ``num`` (N, P) float64, ``codes`` (N, Q) int64 and labels ``y`` (N,)."""

    @abstractmethod
    def _sample_class(self, c: int, n: int, generator: torch.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``num`` (n, P) and ``codes`` (n, Q) for n rows of class ``c``."""

    @abstractmethod
    def _state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        """JSON-able model config and named tensors."""

    @abstractmethod
    def _set_state(self, config: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        """Inverse of :meth:`_state`."""
