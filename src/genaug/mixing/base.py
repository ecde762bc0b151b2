"""Shared plumbing of the fusion strategies: input checks, source marking, meta alignment, sampling.

Every fused :class:`~genaug.data.LabeledData` carries three per-sample metadata arrays that the
rest of the library relies on:

* ``meta["source"]``: ``"real"`` or ``"synthetic"``;
* ``meta["source_index"]``: for a synthetic sample, the index of the real sample it came from
  (``-1`` when unknown, and for real samples);
* ``meta["weight"]``: the per-sample loss weight (``1.0`` unless a strategy sets it).

Metadata keys present on only one side of a fusion (e.g. ``meta["index"]`` of a split part) are
filled on the other side with a "missing" value chosen by dtype: ``-1`` for integers, ``nan``
for floats, ``False`` for booleans, ``""`` for strings and ``None`` for objects.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np
import torch

from genaug.data.labeled import LabeledData
from genaug.rng import Seed

__all__ = ["MixingStrategy", "composition", "fuse", "mark_source"]

REAL = "real"
SYNTHETIC = "synthetic"


class MixingStrategy(ABC):
    """Base class of the fusion strategies (registry kind ``"fusion"``: ``mix(real, synthetic)``).

    Subclasses store every keyword-only constructor argument unchanged under its own name and
    implement :meth:`_mix`; :meth:`mix` checks the inputs and handles empty synthetic data.
    """

    def mix(
        self, real: LabeledData, synthetic: LabeledData | None, *, generator: Seed = None
    ) -> LabeledData:
        """Fuse ``real`` and ``synthetic`` into training data.

        Args:
            real: the real labeled samples.
            synthetic: synthetic labeled samples of the same modality, class names and sample
                shape, or ``None``/empty (the result is then ``real`` with its sources marked).
            generator: seed or ``torch.Generator`` for strategies that subsample.

        Returns:
            Real samples first (original order), then the chosen synthetic samples, with
            ``meta["source"]``, ``meta["source_index"]`` and ``meta["weight"]`` filled.
        """
        check_pair(real, synthetic)
        if synthetic is None or len(synthetic) == 0:
            return self._mix_real_only(mark_source(real, REAL))
        return self._mix(mark_source(real, REAL), mark_source(synthetic, SYNTHETIC), generator=generator)

    @abstractmethod
    def _mix(self, real: LabeledData, synthetic: LabeledData, *, generator: Seed) -> LabeledData:
        """Fuse non-empty, checked, source-marked inputs."""

    def _mix_real_only(self, real: LabeledData) -> LabeledData:
        return real

    def get_config(self) -> dict[str, Any]:
        """Constructor arguments (stored unchanged under their own names)."""
        return {k: v for k, v in vars(self).items() if not k.startswith("_") and not k.endswith("_")}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def check_pair(real: Any, synthetic: Any) -> None:
    """Raise TypeError/ValueError unless ``real`` and ``synthetic`` can be fused."""
    if not isinstance(real, LabeledData):
        raise TypeError(f"real must be a LabeledData; got {type(real).__name__}")
    if synthetic is None:
        return
    if not isinstance(synthetic, LabeledData):
        raise TypeError(f"synthetic must be a LabeledData or None; got {type(synthetic).__name__}")
    if synthetic.modality != real.modality:
        raise ValueError(
            f"synthetic.modality must equal real.modality {real.modality!r}; got {synthetic.modality!r}"
        )
    if synthetic.class_names != real.class_names:
        raise ValueError(
            f"synthetic.class_names must equal real.class_names {list(real.class_names)}; "
            f"got {list(synthetic.class_names)}"
        )
    if len(synthetic) and len(real) and synthetic.sample_shape != real.sample_shape:
        raise ValueError(
            f"synthetic samples must have the shape of real samples {real.sample_shape}; "
            f"got {synthetic.sample_shape}"
        )


def mark_source(data: LabeledData, source: str) -> LabeledData:
    """``data`` with ``meta["source"]``/``["source_index"]``/``["weight"]`` filled where missing.

    Existing values are kept (so already-fused data stays as it is); missing ones become
    ``source``, ``-1`` and ``1.0``.
    """
    n = len(data)
    missing: dict[str, np.ndarray] = {}
    if "source" not in data.meta:
        missing["source"] = np.full(n, source)
    if "source_index" not in data.meta:
        missing["source_index"] = np.full(n, -1, dtype=np.int64)
    if "weight" not in data.meta:
        missing["weight"] = np.ones(n, dtype=np.float64)
    return data.with_meta(**missing) if missing else data


def _missing_fill(arr: np.ndarray, n: int) -> np.ndarray:
    shape = (n, *arr.shape[1:])
    kind = arr.dtype.kind
    if kind in "iu":
        return np.full(shape, -1, dtype=np.int64)
    if kind in "fc":
        return np.full(shape, np.nan, dtype=arr.dtype)
    if kind == "b":
        return np.zeros(shape, dtype=bool)
    if kind in "US":
        return np.full(shape, "", dtype=arr.dtype)
    if kind == "O":
        return np.full(shape, None, dtype=object)
    raise ValueError(f"cannot fill a missing value for a meta array of dtype {arr.dtype}")


def fuse(first: LabeledData, second: LabeledData) -> LabeledData:
    """``first`` then ``second``, with metadata keys missing on one side filled (see module doc)."""
    fill_first = {k: _missing_fill(v, len(first)) for k, v in second.meta.items() if k not in first.meta}
    fill_second = {k: _missing_fill(v, len(second)) for k, v in first.meta.items() if k not in second.meta}
    if fill_first:
        first = first.with_meta(**fill_first)
    if fill_second:
        second = second.with_meta(**fill_second)
    return first.concat(second)


def is_synthetic(data: LabeledData) -> np.ndarray:
    """Boolean mask (N,) of the samples whose ``meta["source"]`` is ``"synthetic"``."""
    if "source" not in data.meta:
        return np.zeros(len(data), dtype=bool)
    return np.asarray(data.meta["source"]).astype(str) == SYNTHETIC


def composition(data: LabeledData) -> dict[str, list[int]]:
    """Samples per class from each source.

    Args:
        data: labeled data, possibly fused (``meta["source"]``; missing means all real).

    Returns:
        ``{"real": [n per class], "synthetic": [n per class]}``.

    Example:
        >>> import torch
        >>> d = LabeledData(torch.rand(3, 1, 4, 4), [0, 1, 1], ("a", "b"), "image")
        >>> composition(d)
        {'real': [1, 2], 'synthetic': [0, 0]}
    """
    syn = is_synthetic(data)
    k = data.num_classes
    return {
        REAL: np.bincount(data.y[~syn], minlength=k).tolist(),
        SYNTHETIC: np.bincount(data.y[syn], minlength=k).tolist(),
    }


def draw_indices(
    pool: np.ndarray, n: int, generator: torch.Generator, *, repeat: bool, what: str
) -> np.ndarray:
    """``n`` indices from ``pool``: without replacement, or (``repeat``) whole copies + a remainder.

    Raises:
        ValueError: if ``n > len(pool)`` and ``repeat`` is False; ``what`` names the shortage.
    """
    m = len(pool)
    if n <= 0:
        return np.empty(0, dtype=np.int64)
    if n > m and not repeat:
        raise ValueError(
            f"{what}: need {n} synthetic samples but only {m} are available; generate more, "
            "lower the target, or pass repeat=True to reuse synthetic samples"
        )
    if m == 0:
        raise ValueError(f"{what}: need {n} synthetic samples but none are available")
    copies, rest = divmod(n, m)
    perm = torch.randperm(m, generator=generator).numpy()
    chosen = np.sort(pool[perm[:rest]])
    return np.concatenate([np.tile(pool, copies), chosen]).astype(np.int64)


def round_half_up(x: float) -> int:
    """Round half away from zero for non-negative ``x`` (``round`` would round halves to even)."""
    return int(np.floor(x + 0.5))
