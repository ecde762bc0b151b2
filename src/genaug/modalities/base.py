"""The modality contract: everything genaug knows about one kind of data, in one place.

A modality is a class registered under the registry kind ``"modality"``. It holds what the
stages used to branch on modality strings for:

* **batch checks** (:meth:`Modality.check_x`), **take/concat/length** of a batch of ``x``;
* **Arrow conversion** for the synthetic-data store (:meth:`to_arrow`, :meth:`from_arrow`);
* the **per-stage defaults**, as plain registry configs so that this package imports no stage:
  the default classical augmenter, the feature extractor for quality metrics, the default
  classifier, the corruption suite for robustness, the classifier's input normalisation, and
  the value range and spatial rank that generators need.

:class:`~genaug.data.labeled.LabeledData` delegates its checks to its modality; stages ask
:func:`get_modality` instead of comparing strings (a test greps ``src`` for such branches).

Adding a modality is adding a file: subclass :class:`Modality`, set ``name`` and the defaults,
and decorate it with ``@register("modality", name)``. See ``docs/architecture.md``.

Example:
    >>> from genaug.modalities import get_modality
    >>> m = get_modality("image")
    >>> m.tensor_ndim, m.value_range, m.default_model
    (4, (0.0, 1.0), {'name': 'small_cnn', 'steps': 200})
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import torch

__all__ = ["Modality", "TensorModality", "get_modality"]


class Modality:
    """Base class of a data modality (``x`` of any type; override what differs).

    Class attributes (the per-stage defaults):
        name: the registry name, stored in ``LabeledData.modality``.
        shape_doc: how ``x`` looks, for error messages.
        tensor_ndim: ndim of ``x`` when it is a float tensor batch; ``None`` otherwise.
        value_range: ``(low, high)`` every value must lie in, or ``None``.
        spatial_dims: number of spatial/temporal axes after (N, C) for tensor modalities.
        default_model: classifier config used when none is named (auto's trial model); ``None``.
        feature_extractor: quality-metric feature space, ``{"name": ...}`` of
            ``genaug.quality.features``; ``None`` when there is none.
        corruption_suite: name of the corruption suite for robustness; ``None`` when none.
        standardize_inputs: whether classifiers standardise features per column by default.
        numeric: whether ``x`` is numeric (array-like), so that classifiers can take it as is.
        infer_from_ndim: whether a raw float batch of ``tensor_ndim`` dims is taken as this
            modality when no modality is given (one modality per ndim).
    """

    name: ClassVar[str] = ""
    shape_doc: ClassVar[str] = "a batch"
    tensor_ndim: ClassVar[int | None] = None
    value_range: ClassVar[tuple[float, float] | None] = None
    spatial_dims: ClassVar[int] = 0
    default_model: ClassVar[dict[str, Any] | None] = None
    feature_extractor: ClassVar[dict[str, Any] | None] = None
    corruption_suite: ClassVar[str | None] = None
    standardize_inputs: ClassVar[bool] = False
    infer_from_ndim: ClassVar[bool] = False
    numeric: ClassVar[bool] = True

    # ----- batches -------------------------------------------------------------------------
    def check_x(self, x: Any) -> None:
        """Raise TypeError/ValueError when ``x`` is not a valid batch of this modality."""

    def length(self, x: Any) -> int:
        """Number of samples in ``x``."""
        if isinstance(x, torch.Tensor | np.ndarray):
            return int(x.shape[0]) if x.ndim else 0
        return len(x)

    def sample_shape(self, x: Any) -> tuple[int, ...]:
        """Shape of one sample; ``()`` where samples have no fixed shape."""
        if hasattr(x, "shape"):
            return tuple(x.shape[1:])
        return ()

    def take(self, x: Any, idx: np.ndarray) -> Any:
        """The samples of ``x`` at integer positions ``idx``."""
        if isinstance(x, torch.Tensor):
            return x[torch.as_tensor(idx, dtype=torch.long)]
        if isinstance(x, np.ndarray):
            return x[idx]
        if hasattr(x, "iloc"):
            return x.iloc[idx].reset_index(drop=True)
        if hasattr(x, "take"):  # pyarrow Table
            return x.take(idx)
        return [x[i] for i in idx]

    def concat(self, a: Any, b: Any) -> Any:
        """Samples of ``a`` then ``b``."""
        if isinstance(a, torch.Tensor):
            return torch.cat([a, torch.as_tensor(b, dtype=a.dtype)])
        if isinstance(a, np.ndarray):
            return np.concatenate([a, b])
        if hasattr(a, "iloc"):
            import pandas as pd

            return pd.concat([a, b], ignore_index=True)
        return list(a) + list(b)

    # ----- report ------------------------------------------------------------------------
    preview_max_numel: ClassVar[int] = 3 * 32 * 32
    """Samples larger than this many values are not previewed in the report."""

    def preview(self, x: Any, idx: Sequence[int]) -> list[Any] | None:
        """The samples of ``x`` at ``idx`` as JSON-able values for the report, or None when
        they are too large to preview (tensors: nested lists rounded to 3 decimals, drawn as a
        sample grid; other batches: the samples as they are, e.g. strings)."""
        idx = [int(i) for i in idx]
        if isinstance(x, torch.Tensor | np.ndarray):
            if int(np.prod(x.shape[1:], dtype=np.int64)) > self.preview_max_numel:
                return None
            arr = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
            return np.round(arr[idx].astype(np.float32), 3).tolist()
        return [x[i] for i in idx]

    # ----- files ---------------------------------------------------------------------------
    array_ndims: ClassVar[tuple[int, ...]] = ()
    """ndims of a stored NumPy array (.npz) that :meth:`from_numpy` accepts."""
    array_doc: ClassVar[str] = ""

    def from_numpy(self, x: np.ndarray, *, scale: str | None, where: str) -> Any:
        """``x`` read from a file (already checked numeric and finite) as this modality's batch.

        Raises:
            ValueError: values this modality cannot hold; the message names ``where``.
        """
        if self.tensor_ndim is None:
            return x
        return torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))

    # ----- store ---------------------------------------------------------------------------
    arrow_dtype: ClassVar[str] = "float32"

    def to_arrow(self, x: Any) -> Any:
        """``x`` as one Arrow column (fixed-size float32 lists, one per sample)."""
        import pyarrow as pa

        arr = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
        if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
            raise TypeError(f"x must be numeric to be stored; got dtype {arr.dtype}")
        if arr.ndim < 1:
            raise TypeError("x must be a batch (N, ...) to be stored")
        arr = np.ascontiguousarray(arr, dtype=np.float32)
        width = int(np.prod(arr.shape[1:], dtype=np.int64))
        return pa.FixedSizeListArray.from_arrays(pa.array(arr.reshape(-1), type=pa.float32()), width)

    def from_arrow(self, column: Any, n: int, sample_shape: Sequence[int]) -> Any:
        """Inverse of :meth:`to_arrow`."""
        flat = column.flatten().to_numpy(zero_copy_only=False)
        arr = np.array(flat, dtype=np.float32).reshape((n, *sample_shape))
        return torch.from_numpy(arr) if self.tensor_ndim is not None else arr

    def store_shape(self, x: Any) -> list[int]:
        """The sample shape written to a store's schema."""
        if not isinstance(x, torch.Tensor | np.ndarray):
            raise TypeError(
                f"the store holds tensors, numeric arrays or text; got x of type {type(x).__name__} "
                "(convert a DataFrame with .to_numpy() first)"
            )
        return [int(s) for s in x.shape[1:]]

    # ----- per-stage defaults ------------------------------------------------------------------
    def default_augmenter(self, sample_shape: Sequence[int] | None) -> list[dict[str, Any]] | None:
        """Config list of the default classical augmenter; ``None`` when there is none."""
        return None

    def symmetry_variants(self, sample_shape: Sequence[int] | None) -> dict[str, list[dict[str, Any]]]:
        """Variants of :meth:`default_augmenter` that add (or drop) a symmetry which may or may
        not preserve this data's labels (a mirror flip keeps "shirt" a shirt but turns a "b"
        into a "d"); ``auto`` with ``symmetries: true`` scores each on validation instead of
        assuming. Name -> augmenter config list; empty when there are none."""
        return {}

    def weak_augmenter(self, sample_shape: Sequence[int] | None) -> list[dict[str, Any]] | None:
        """Config list of the *weak* augmenter of consistency training (FixMatch's pseudo-label
        view): the default classical augmenter unless a modality says otherwise."""
        return self.default_augmenter(sample_shape)

    def strong_augmenter(self, sample_shape: Sequence[int] | None) -> list[dict[str, Any]] | None:
        """Config list of the *strong* augmenter of consistency training and of contrastive
        pretraining views (FixMatch: RandAugment + Cutout for images); ``None`` when there is none."""
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class TensorModality(Modality):
    """A modality whose ``x`` is a float tensor batch of ``tensor_ndim`` dims."""

    tensor_ndim: ClassVar[int | None] = 3

    def check_x(self, x: Any) -> None:
        if not isinstance(x, torch.Tensor) or not torch.is_floating_point(x):
            raise TypeError(
                f"x for modality {self.name!r} must be a floating torch.Tensor {self.shape_doc}; "
                f"got {type(x).__name__}"
            )
        if x.ndim != self.tensor_ndim:
            raise ValueError(
                f"x for modality {self.name!r} must have shape {self.shape_doc}; got {tuple(x.shape)}"
            )
        if not torch.isfinite(x).all():
            raise ValueError("x contains NaN or infinite values")
        if self.value_range is not None and x.numel():
            lo, hi = self.value_range
            if x.min() < lo or x.max() > hi:
                raise ValueError(
                    f"{self.name} values must be in [{lo:g}, {hi:g}]; got min {float(x.min()):.3g}, "
                    f"max {float(x.max()):.3g}"
                )

    def check_sample_shape(self, sample_shape: Any) -> tuple[int, ...]:
        """``sample_shape`` as a tuple of positive ints of rank ``tensor_ndim - 1``."""
        rank = (self.tensor_ndim or 1) - 1
        expected = self.shape_doc.replace("(N, ", "(")
        bad = f"sample_shape must be {expected} for modality {self.name!r}; got {sample_shape!r}"
        if sample_shape is None or isinstance(sample_shape, str) or not isinstance(sample_shape, Sequence):
            raise ValueError(bad)
        shape = tuple(sample_shape)
        if len(shape) != rank or not all(isinstance(s, int) and s > 0 for s in shape):
            raise ValueError(bad)
        return shape


def get_modality(name: Any) -> Modality:
    """The registered modality called ``name`` (an instance).

    Raises:
        ValueError: unknown name; the message lists the registered modalities.
    """
    from genaug import registry

    if isinstance(name, Modality):
        return name
    table = registry._REGISTRY["modality"]
    if not isinstance(name, str) or name not in table:
        import genaug.modalities  # noqa: F401  (registers the built-ins)

        if not isinstance(name, str) or name not in table:
            raise ValueError(f"modality must be one of {sorted(table)}; got {name!r}")
    cls = table[name]
    inst = _INSTANCES.get(name)
    if inst is None or type(inst) is not cls:
        inst = cls()
        _INSTANCES[name] = inst
    return inst


def modality_for_ndim(ndim: int) -> Modality | None:
    """The modality a raw float batch of ``ndim`` dims is taken as (``infer_from_ndim``)."""
    import genaug.modalities  # noqa: F401
    from genaug import registry

    for name in sorted(registry._REGISTRY["modality"]):
        m = get_modality(name)
        if m.infer_from_ndim and m.tensor_ndim == ndim:
            return m
    return None


_INSTANCES: dict[str, Modality] = {}


def accepts(
    modality: str, *, names: Sequence[str] | None = None, tensor_ndims: Sequence[int] | None = None
) -> bool:
    """Whether a component that lists ``names`` (or, when ``names`` is None, takes float tensor
    batches of ``tensor_ndims`` dims) accepts data of ``modality``.

    Example:
        >>> accepts("audio", tensor_ndims=(3, 4)), accepts("text", tensor_ndims=(3, 4))
        (True, False)
    """
    if names is not None:
        return modality in tuple(names)
    return tensor_ndims is not None and get_modality(modality).tensor_ndim in tuple(tensor_ndims)


def is_modality(data: Any, name: str) -> bool:
    """Whether ``data`` (a LabeledData) holds ``name`` data; False for anything else.

    Components written for one modality (tabular resamplers, tabular synthesizers) use it to
    guard their input, so that no stage compares modality strings itself.
    """
    return getattr(data, "modality", None) == name
