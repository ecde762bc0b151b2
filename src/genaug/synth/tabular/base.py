"""The tabular side of the one :class:`~genaug.synth.base.Synthesizer` contract.

:class:`TabularSynthesizer` is a ``Synthesizer`` for modality ``"tabular"``: the same
``fit``/``sample``/``save``/``load``, the same fitted check (``class_names_``), config layout
(``config.json`` naming the registry entry + ``weights.safetensors``), ``supports(modality)``
and ``uses_unlabeled`` (False: these models are class-conditional and learn only from labeled
rows; a pool is accepted and ignored). What is tabular is the data handling: every tabular
synthesizer sees a table as two arrays (built from the :class:`TableSchema`):

* ``num``: (N, P) float64, the numeric columns in schema order;
* ``codes``: (N, Q) int64, the categorical/boolean columns as indices into their categories.

Subclasses implement ``_fit_table(num, codes, y, generator)``, ``_sample_class(c, n, generator)``
(returning ``num``/``codes`` for n rows of class c) and extend the save hooks of
``Synthesizer`` (``_state``/``_tensors``/``_restore_state``/``_expected_tensors``/``_restore``,
calling ``super()``). The base class turns samples back into a DataFrame with the training
dtypes (integer columns rounded; numeric values clipped to each column's training range
[min, max]; categorical values only from the training categories) and marks them
``meta["source"] = "synthetic"``.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
import torch
from sklearn.exceptions import NotFittedError
from torch import nn

from genaug.data.labeled import LabeledData
from genaug.data.tabular import TableSchema, table_schema
from genaug.modalities.base import is_modality
from genaug.rng import Seed, draw_seed
from genaug.serialization import TensorSpec
from genaug.synth.base import Synthesizer, progress_bar
from genaug.synth.nn import build_module, empty_module
from genaug.synth.tabular.transformer import TableEncoder

__all__ = [
    "EncodedTabularSynthesizer",
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


class TabularSynthesizer(Synthesizer):
    """Base class of the class-conditional tabular synthesizers (the ``Synthesizer`` contract).

    ``__init__`` of a subclass stores its keyword-only arguments unchanged; learned state ends
    in ``_``. ``fit`` then ``sample`` (conditional on the class) then ``save``/``load``.

    Fitted attributes beyond the common ones: ``schema_``, ``input_kind_`` (``"frame"`` or
    ``"array"``), ``dtypes_`` / ``array_dtype_``, ``num_min_``/``num_max_``, ``class_counts_``,
    ``cardinalities_``.
    """

    modalities: ClassVar[tuple[str, ...]] = ("tabular",)
    tensor_ndims: ClassVar[tuple[int, ...]] = ()
    uses_unlabeled: ClassVar[bool] = False

    # -------------------------------------------------------------------------------- fit
    def fit(self, data: Any, y: Any = None, *, unlabeled: Any = None, generator: Seed = None) -> Self:
        """Fit on tabular data (every class; sampling is conditional on the class).

        Args:
            data: tabular LabeledData (``x`` a DataFrame or (N, F) array), or ``x`` with ``y``.
            y: int class indices when ``data`` is not a LabeledData.
            unlabeled: an unlabeled pool (tabular LabeledData, DataFrame or array) or None.
                Accepted for the ``Synthesizer`` contract (the ``generative`` experiment
                strategy passes its pool) and ignored (``uses_unlabeled`` is False): these
                models are class-conditional and learn only from labeled rows. Its labels are
                never read.
            generator: int seed, ``torch.Generator`` or None; the only randomness (including
                parameter initialisation).

        Returns:
            self.

        Raises:
            ValueError: fewer than two classes, missing values, data of another modality.
            TypeError: ``data`` without ``y`` is not a LabeledData; ``unlabeled`` is not tabular.
        """
        return super().fit(data, y, unlabeled=unlabeled, generator=generator)

    def _as_data(self, data: Any, y: Any) -> LabeledData:
        if isinstance(data, LabeledData):
            if y is not None:
                raise ValueError("y must be None when data is a LabeledData (pass y only with a raw x)")
            return data
        if y is None:
            raise TypeError(
                f"data must be a tabular LabeledData, or x with y; got {type(data).__name__} without y"
            )
        y = np.asarray(y)
        n_classes = int(y.max()) + 1 if y.size else 1
        return LabeledData(data, y, tuple(str(i) for i in range(n_classes)), "tabular")

    def _check_data(self, data: LabeledData) -> None:
        self._check_modality(data)
        present = np.unique(data.y)
        if len(present) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least two classes to fit a class-conditional model; "
                f"got only class {data.class_names[int(present[0])]!r}"
                if len(present)
                else f"{type(self).__name__} cannot fit on empty data"
            )

    def _check_pool(self, unlabeled: Any, data: LabeledData) -> None:
        if unlabeled is not None and not (
            isinstance(unlabeled, pd.DataFrame | np.ndarray) or is_modality(unlabeled, "tabular")
        ):
            raise TypeError(
                "unlabeled must be None or tabular (LabeledData with modality 'tabular', DataFrame, "
                f"ndarray); got {type(unlabeled).__name__}"
            )
        return None

    def _fit(self, data: LabeledData, pool: Any, generator: torch.Generator) -> None:
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
        self.class_counts_ = data.class_counts()
        self.cardinalities_ = [len(s.categories) for s in self.schema_.discrete]
        self._fit_table(num, codes, data.y, generator)

    # ----------------------------------------------------------------------------- sample
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
        return super().sample(n_per_class, generator=generator)

    def _check_counts(self, counts: np.ndarray) -> None:
        for c, n in enumerate(counts):
            if n > 0 and self.class_counts_[c] == 0:
                raise ValueError(
                    f"class {self.class_names_[c]!r} (label {c}) had no training rows; cannot sample it"
                )

    def _sample(self, y: torch.Tensor, generator: torch.Generator) -> pd.DataFrame | np.ndarray:
        labels = y.numpy()
        p, q = len(self.schema_.numeric), len(self.schema_.discrete)
        nums, codes = [], []
        for c in np.unique(labels):  # classes in order, as sample() sorts them
            n = int((labels == c).sum())
            num, code = self._sample_class(int(c), n, generator)
            nums.append(np.asarray(num, dtype=np.float64).reshape(n, p))
            codes.append(np.asarray(code, dtype=np.int64).reshape(n, q))
        return self._to_output(np.concatenate(nums), np.concatenate(codes))

    def _empty_sample(self) -> pd.DataFrame | np.ndarray:
        p, q = len(self.schema_.numeric), len(self.schema_.discrete)
        return self._to_output(np.zeros((0, p)), np.zeros((0, q), dtype=np.int64))

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
    def _state(self) -> dict[str, Any]:
        return {
            "schema_": self.schema_.to_dict(),
            "input_kind_": self.input_kind_,
            "dtypes_": getattr(self, "dtypes_", None),
            "array_dtype_": getattr(self, "array_dtype_", None),
            "class_counts_": self.class_counts_.tolist(),
            "model": {},
        }

    def _tensors(self) -> dict[str, torch.Tensor]:
        return {
            "num_min": torch.from_numpy(np.ascontiguousarray(self.num_min_, dtype=np.float64)),
            "num_max": torch.from_numpy(np.ascontiguousarray(self.num_max_, dtype=np.float64)),
        }

    @classmethod
    def _upgrade_state(cls, state: dict[str, Any], version: int) -> dict[str, Any]:
        if version >= 2 or "schema" not in state:
            return state
        # format 1: {"schema", "input_kind", "dtypes", "array_dtype", "class_names",
        # "class_counts", "model"} at the top of config.json
        schema = state["schema"]
        columns = schema.get("columns", []) if isinstance(schema, dict) else []
        return {
            "class_names_": state.get("class_names"),
            "modality_": "tabular",
            "sample_shape_": [len(columns)],
            "history_": {},
            "schema_": schema,
            "input_kind_": state.get("input_kind"),
            "dtypes_": state.get("dtypes"),
            "array_dtype_": state.get("array_dtype"),
            "class_counts_": state.get("class_counts"),
            "model": state.get("model", {}),
        }

    def _restore_state(self, state: dict[str, Any]) -> None:
        self.schema_ = TableSchema.from_dict(state["schema_"])
        kind = state["input_kind_"]
        if kind not in ("frame", "array"):
            raise ValueError(f"input_kind_ must be 'frame' or 'array'; got {kind!r}")
        self.input_kind_ = kind
        if kind == "frame":
            dtypes = state["dtypes_"]
            if not isinstance(dtypes, dict) or set(dtypes) != set(self.schema_.names):
                raise ValueError(f"dtypes_ must map every column {self.schema_.names} to a dtype")
            self.dtypes_ = dtypes
        else:
            self.array_dtype_ = str(np.dtype(state["array_dtype_"]))
        counts = np.asarray(state["class_counts_"], dtype=np.int64)
        if counts.shape != (len(self.class_names_),):
            raise ValueError(
                f"class_counts_ must hold one count per class ({len(self.class_names_)}); "
                f"got {counts.tolist()}"
            )
        self.class_counts_ = counts
        self.cardinalities_ = [len(s.categories) for s in self.schema_.discrete]
        if tuple(self.sample_shape_) != (len(self.schema_.names),):
            raise ValueError(
                f"sample_shape_ {list(self.sample_shape_)} disagrees with the {len(self.schema_.names)} "
                "columns of schema_"
            )
        self._restore_model_state(state.get("model") or {})

    def _restore_model_state(self, model: dict[str, Any]) -> None:
        """Restore the subclass's JSON state (``state["model"]``) before the weights are read."""

    def _expected_tensors(self) -> dict[str, TensorSpec]:
        p = len(self.schema_.numeric)
        specs = {"num_min": TensorSpec((p,), torch.float64), "num_max": TensorSpec((p,), torch.float64)}
        for prefix, (_, factory) in self._nets().items():
            with torch.device("meta"):
                net = factory()
            for k, v in net.state_dict().items():
                specs[f"{prefix}.{k}"] = TensorSpec(tuple(v.shape), v.dtype)
        return specs

    def _restore(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        self.num_min_ = tensors["num_min"].numpy()
        self.num_max_ = tensors["num_max"].numpy()
        for prefix, (attr, factory) in self._nets().items():
            net = empty_module(factory)
            start = len(prefix) + 1
            net.load_state_dict({k[start:]: v for k, v in tensors.items() if k.startswith(prefix + ".")})
            setattr(self, attr, net.eval())

    # -------------------------------------------------------------------- networks
    def _nets(self) -> dict[str, tuple[str, Callable[[], nn.Module]]]:
        """``{tensor prefix: (attribute, factory)}`` of the networks, in the order they are
        built (the factories read the fitted layout); empty for models without networks."""
        return {}

    def _build_nets(self, generator: torch.Generator) -> None:
        """Build every network of :meth:`_nets`, initialised from ``generator`` in order."""
        for attr, factory in self._nets().values():
            setattr(self, attr, build_module(factory, generator))

    def _net_tensors(self) -> dict[str, torch.Tensor]:
        out: dict[str, torch.Tensor] = {}
        for prefix, (attr, _) in self._nets().items():
            out.update({f"{prefix}.{k}": v for k, v in getattr(self, attr).state_dict().items()})
        return out

    # ----------------------------------------------------------------------- subclass API
    @abstractmethod
    def _fit_table(
        self, num: np.ndarray, codes: np.ndarray, y: np.ndarray, generator: torch.Generator
    ) -> None:
        """Learn from ``num`` (N, P) float64, ``codes`` (N, Q) int64 and labels ``y`` (N,)."""

    @abstractmethod
    def _sample_class(self, c: int, n: int, generator: torch.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``num`` (n, P) and ``codes`` (n, Q) for n rows of class ``c``."""


class EncodedTabularSynthesizer(TabularSynthesizer):
    """A tabular synthesizer whose networks learn in the ``"modes"`` space of the
    :class:`~genaug.synth.tabular.transformer.TableEncoder` (CTGAN, TVAE): the encoder is fit
    in :meth:`_encode_table` and saved with the model state. Subclasses take ``max_modes``."""

    max_modes: int

    def _encode_table(self, num: np.ndarray, codes: np.ndarray, generator: torch.Generator) -> torch.Tensor:
        """Fit ``encoder_`` (one seed drawn from ``generator``) and encode the training rows.

        Shape:
            (N, P), (N, Q) -> (N, D) float32.
        """
        seed = draw_seed(generator)
        self.encoder_ = TableEncoder(numeric="modes", max_modes=self.max_modes).fit_arrays(
            num, self.cardinalities_, seed=seed
        )
        return torch.from_numpy(self.encoder_.encode(num, codes, np.random.default_rng(seed)))

    def _state(self) -> dict[str, Any]:
        return {**super()._state(), "model": {"encoder": self.encoder_.to_dict()}}

    def _restore_model_state(self, model: dict[str, Any]) -> None:
        self.encoder_ = TableEncoder.from_dict(model["encoder"])
