"""The low-data split: a few labeled samples per class, a validation set, a test set, the rest.

Learning curves over labeled-set sizes are only fair when the sizes differ in nothing else.
:func:`split` therefore draws **one permutation per class** from the seed and cuts it in a
fixed order -- test, then validation, then labeled, then unlabeled -- so that for one seed the
test and validation parts never depend on ``labeled_per_class``, and the 5-per-class labeled set
is a subset of the 10-per-class one.

Example:
    >>> from genaug.data import load_dataset
    >>> from genaug.data.splits import split
    >>> parts = split(load_dataset("digits"), labeled_per_class=5, val_per_class=10, seed=0)
    >>> len(parts.labeled), len(parts.val)
    (50, 100)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from genaug.data.labeled import LabeledData
from genaug.rng import derive_seed, draw_seed
from genaug.validation import check_int, check_range

__all__ = ["Split", "split"]

_ORIGINAL_SPLIT_KEY = "original_split"


@dataclass(frozen=True)
class Split:
    """The four disjoint parts of a low-data split.

    Each part carries ``meta["index"]``: the positions of its samples in the data that was
    split. Parts keep the original order of the samples.

    Attributes:
        labeled: ``labeled_per_class`` samples per class: the only labels a runner may train on.
        unlabeled: the rest of the training pool (empty when ``unlabeled=False``). Its labels are
            kept so that analyses can use them (e.g. the accuracy of pseudo-labels), but a
            runner must **not** use them for training: that would make the low-data setting a
            lie. Semi-supervised methods and generators may use its inputs ``x`` only.
        val: ``val_per_class`` samples per class, for model selection and early stopping.
        test: the held-out test part; touch it only for the final evaluation.
    """

    labeled: LabeledData
    unlabeled: LabeledData
    val: LabeledData
    test: LabeledData

    def counts(self) -> dict[str, list[int]]:
        """Samples per class in each part, e.g. ``{"labeled": [5, 5], ...}``."""
        return {name: getattr(self, name).class_counts().tolist()
                for name in ("labeled", "unlabeled", "val", "test")}


def split(
    data: LabeledData,
    *,
    labeled_per_class: int | Literal["all"] | None,
    val_per_class: int,
    test_fraction: float = 0.3,
    unlabeled: bool = True,
    seed: int | torch.Generator,
    use_original_split: bool = False,
    test_index: Sequence[int] | np.ndarray | None = None,
    val_fraction: float | None = None,
) -> Split:
    """Split ``data`` into labeled / unlabeled / validation / test parts, stratified by class.

    For each class, the class's samples are permuted once (the permutation depends only on the
    seed and the class), then cut in this order:

    1. test: the first ``round(test_fraction * n_class)`` samples (halves round up), unless the
       test part is given by ``use_original_split`` or ``test_index``;
    2. val: the next ``val_per_class`` (or ``round(val_fraction * n)`` of the class's ``n``
       samples outside the test part, at least 1, when ``val_fraction`` is given);
    3. labeled: the next ``labeled_per_class`` (all the rest when ``None``);
    4. unlabeled: whatever remains.

    Hence the same seed gives the same split, and with the same seed, splits that differ only in
    ``labeled_per_class`` share test and val parts and their labeled parts are nested.

    Args:
        data: the samples to split; at least two classes must be present.
        labeled_per_class: labeled samples per class, >= 1; ``None`` (or ``"all"``) takes every sample left
            after test and val (a "full data" baseline; the unlabeled part is then empty).
        val_per_class: validation samples per class, >= 0.
        test_fraction: share of each class held out for testing, in (0, 1). Ignored when the test
            part is given by ``use_original_split`` or ``test_index``.
        unlabeled: keep the remaining training samples as the ``unlabeled`` part; when ``False``
            that part is empty.
        seed: an int, or a ``torch.Generator`` (one draw is consumed). Required: a split must be
            reproducible.
        use_original_split: take as test part the samples whose ``meta["original_split"]`` is
            ``"test"`` (e.g. MNIST-1D's 1,000 paper test samples); val, labeled and unlabeled come
            from the others.
        test_index: explicit positions (ints, or a boolean mask of length ``len(data)``) of the
            test samples; the others form the pool.
        val_fraction: a stratified share of each class's non-test samples for validation, in
            (0, 1), instead of ``val_per_class`` (imbalanced data: a fixed count per class gives
            the majority class as few validation rows as the minority).

    Returns:
        A :class:`Split`; each part has ``meta["index"]``, the positions in ``data`` (an existing
        ``meta["index"]`` is replaced).

    Raises:
        ValueError: empty data; fewer than two classes present; a class with fewer samples
            outside the test part than ``labeled_per_class + val_per_class`` (the message names
            the class, the count available and the count requested); bad ``test_index``; no
            ``meta["original_split"]``; both ``use_original_split`` and ``test_index``.
        TypeError: ``data`` is not ``LabeledData``; ``seed`` is not an int or generator.

    Example:
        >>> from genaug.data import load_dataset
        >>> data = load_dataset("mnist1d")
        >>> paper = split(data, labeled_per_class=None, val_per_class=0, seed=0,
        ...               use_original_split=True)
        >>> len(paper.labeled), len(paper.test)
        (4000, 1000)
    """
    if not isinstance(data, LabeledData):
        raise TypeError(f"data must be a LabeledData; got {type(data).__name__}")
    if labeled_per_class == "all":  # the experiment spec's spelling of None
        labeled_per_class = None
    if labeled_per_class is not None:
        labeled_per_class = check_int("labeled_per_class", labeled_per_class, 1)
    val_per_class = check_int("val_per_class", val_per_class, 0)
    if val_fraction is not None:
        check_range("val_fraction", val_fraction, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    if not isinstance(unlabeled, bool):
        raise TypeError(f"unlabeled must be a bool; got {unlabeled!r}")
    if seed is None or isinstance(seed, bool) or not isinstance(seed, int | np.integer | torch.Generator):
        raise TypeError(
            f"seed must be an int or a torch.Generator (a split must be reproducible); got {seed!r}"
        )
    n = len(data)
    if n == 0:
        raise ValueError("data must not be empty; got 0 samples")
    present = np.flatnonzero(data.class_counts())
    if len(present) < 2:
        raise ValueError(
            f"data must hold at least 2 classes to split; got only class "
            f"{data.class_names[int(present[0])]!r} ({n} samples)"
        )

    in_test = _test_mask(data, test_fraction, use_original_split, test_index)
    base = draw_seed(seed)
    parts: dict[str, list[np.ndarray]] = {"labeled": [], "unlabeled": [], "val": [], "test": []}
    for c, name in enumerate(data.class_names):
        members = np.flatnonzero(data.y == c)
        rng = np.random.default_rng(derive_seed(base, "split", c))
        perm = members[rng.permutation(len(members))]
        if in_test is None:
            n_test = int(np.floor(test_fraction * len(members) + 0.5))
            test, pool = perm[:n_test], perm[n_test:]
        else:
            test, pool = perm[in_test[perm]], perm[~in_test[perm]]
        if val_fraction is not None:
            val_per_class = max(1, int(np.floor(val_fraction * len(pool) + 0.5)))
        n_lab = len(pool) - val_per_class if labeled_per_class is None else labeled_per_class
        need = val_per_class + n_lab
        if len(pool) < need or n_lab < 1:
            request = (
                f"labeled_per_class + val_per_class = {labeled_per_class} + {val_per_class} = {need}"
                if labeled_per_class is not None
                else f"val_per_class = {val_per_class} plus at least 1 labeled sample"
            )
            raise ValueError(
                f"class {name!r} has {len(pool)} samples available outside the test part "
                f"({len(members)} in all, {len(test)} in test), but {request} were requested"
            )
        parts["test"].append(test)
        parts["val"].append(pool[:val_per_class])
        parts["labeled"].append(pool[val_per_class:need])
        if unlabeled:
            parts["unlabeled"].append(pool[need:])

    def take(chunks: list[np.ndarray]) -> LabeledData:
        idx = np.sort(np.concatenate(chunks)) if chunks else np.zeros(0, np.int64)
        idx = idx.astype(np.int64)
        return data.subset(idx).with_meta(index=idx)

    return Split(**{name: take(chunks) for name, chunks in parts.items()})


def _test_mask(
    data: LabeledData,
    test_fraction: float,
    use_original_split: bool,
    test_index: Sequence[int] | np.ndarray | None,
) -> np.ndarray | None:
    """Boolean test mask when the test part is given; ``None`` when it is drawn by fraction."""
    n = len(data)
    if not isinstance(use_original_split, bool):
        raise TypeError(f"use_original_split must be a bool; got {use_original_split!r}")
    if use_original_split and test_index is not None:
        raise ValueError("pass either use_original_split=True or test_index, not both")
    if use_original_split:
        if _ORIGINAL_SPLIT_KEY not in data.meta:
            raise ValueError(
                f"use_original_split=True needs meta[{_ORIGINAL_SPLIT_KEY!r}] ('train'/'test' per "
                f"sample); meta keys present: {sorted(data.meta)}"
            )
        mask = np.asarray(data.meta[_ORIGINAL_SPLIT_KEY]).astype(str) == "test"
        if not mask.any():
            raise ValueError(f"meta[{_ORIGINAL_SPLIT_KEY!r}] marks no sample as 'test'")
        return mask
    if test_index is not None:
        index = np.asarray(test_index)
        if index.dtype == bool:
            if index.shape != (n,):
                raise ValueError(
                    f"a boolean test_index must have shape ({n},), one entry per sample; got {index.shape}"
                )
            mask = index.copy()
        else:
            if index.ndim != 1 or (index.size and not np.issubdtype(index.dtype, np.integer)):
                raise ValueError(
                    f"test_index must be 1-D int positions or a boolean mask; got shape {index.shape}, "
                    f"dtype {index.dtype}"
                )
            if index.size and (index.min() < 0 or index.max() >= n):
                raise ValueError(f"test_index values must be in [0, {n - 1}]; got min {index.min()}, "
                                 f"max {index.max()}")
            if len(np.unique(index)) != len(index):
                raise ValueError("test_index must not repeat positions")
            mask = np.zeros(n, dtype=bool)
            mask[index.astype(np.int64)] = True
        if not mask.any():
            raise ValueError("test_index selects no sample; the test part must not be empty")
        return mask
    if "split" in data.meta:  # a dataset that brings its own test file (genaug.data.file_datasets)
        mask = np.asarray(data.meta["split"]).astype(str) == "test"
        if mask.any():
            return mask
    check_range("test_fraction", test_fraction, 0.0, 1.0, low_inclusive=False, high_inclusive=False)
    return None
