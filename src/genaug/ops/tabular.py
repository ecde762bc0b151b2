"""Classical oversamplers for imbalanced tabular data.

Each resampler is both

* a scikit-learn / imbalanced-learn sampler: ``fit_resample(X, y) -> (X_res, y_res)`` with
  ``get_params``/``set_params``/``clone`` support, so it drops into an ``imblearn.pipeline.Pipeline``
  (randomness from ``random_state``); and
* a genaug op: ``resample(data, *, generator) -> LabeledData`` returning the real rows followed
  by the new rows, with ``meta["source"]`` = ``"real"``/``"synthetic"`` (randomness from
  ``generator``).

They are resamplers, not batch augmenters, so they live under their own registry kind
``"resampler"`` with the names ``smote``, ``borderline_smote``, ``adasyn``, ``smote_nc`` (imbalanced-learn's
implementations), ``tabular_noise`` (Gaussian noise in standardized space) and
``tabular_mixup`` (within-class mixup). ``sampling_strategy`` follows imbalanced-learn
(``"auto"``, ``"minority"``, ``"not majority"``, a float ratio for binary problems, or a dict
``{class: target_count}``).

Generated values keep the column types: integer columns are rounded, categorical and boolean
columns only take observed values, and numeric noise is clipped to each column's observed
range.

Example:
    >>> from imblearn.pipeline import Pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> pipe = Pipeline([("smote", SMOTE(random_state=0)), ("clf", LogisticRegression())])
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from genaug.data.labeled import LabeledData
from genaug.data.tabular import TableSchema, table_schema
from genaug.modalities.base import is_modality
from genaug.registry import register
from genaug.rng import Seed, draw_seed
from genaug.validation import check_choice, check_int, check_range

__all__ = [
    "ADASYN",
    "SMOTE",
    "SMOTENC",
    "BorderlineSMOTE",
    "TabularMixup",
    "TabularNoise",
    "TabularResampler",
]


def _as_frame(X: Any) -> tuple[pd.DataFrame, bool]:
    """``X`` as a DataFrame and whether it came as an array."""
    if isinstance(X, pd.DataFrame):
        return X.reset_index(drop=True), False
    arr = np.asarray(X)
    if arr.ndim != 2:
        raise ValueError(f"X must be 2-D (N, F); got shape {arr.shape}")
    return pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])]), True


def _restore_types(new: pd.DataFrame, like: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
    """Give generated rows the dtypes of ``like`` (ints rounded, categories kept)."""
    out = {}
    for spec in schema.columns:
        col = new[spec.name]
        dtype = like[spec.name].dtype
        if spec.kind == "numeric":
            values = col.to_numpy(dtype=np.float64)
            if spec.integer:
                values = np.round(values)
            out[spec.name] = (
                pd.Series(values).astype(dtype) if pd.api.types.is_integer_dtype(dtype) else values
            )
        elif isinstance(dtype, pd.CategoricalDtype):
            out[spec.name] = pd.Categorical(col.astype(object), dtype=dtype)
        else:
            out[spec.name] = col.astype(dtype)
    return pd.DataFrame(out, columns=list(like.columns))


def _fill_meta(key: str, like: np.ndarray, n: int) -> np.ndarray:
    """Metadata for new rows: weight 1; otherwise NaN (float), -1 (int), False (bool), None."""
    if key == "weight":
        return np.ones(n)
    if np.issubdtype(like.dtype, np.floating):
        return np.full(n, np.nan)
    if np.issubdtype(like.dtype, np.integer):
        return np.full(n, -1, dtype=like.dtype)
    if like.dtype == bool:
        return np.zeros(n, dtype=bool)
    return np.full(n, None, dtype=object)


class TabularResampler(BaseEstimator):
    """Base class: subclasses implement ``_new_rows(X, y, seed) -> (X_new, y_new)``.

    Args:
        sampling_strategy: imbalanced-learn sampling strategy (see module docstring).
        random_state: seed used by ``fit_resample`` (the scikit-learn path).
    """

    modalities: ClassVar[tuple[str, ...]] = ("tabular",)
    _sampling_type: ClassVar[str] = "over-sampling"
    _needs: ClassVar[str] = "any"  # "numeric" (no categoricals), "mixed" (some categoricals) or "any"

    def __init__(self, *, sampling_strategy: Any = "auto", random_state: int | None = None) -> None:
        self.sampling_strategy = sampling_strategy
        self.random_state = random_state

    # ---- scikit-learn / imbalanced-learn API ------------------------------------------------
    def fit(self, X: Any, y: Any) -> TabularResampler:
        """Check the inputs and compute ``sampling_strategy_``; returns self."""
        frame, _ = _as_frame(X)
        y = self._check_y(y, len(frame))
        self._check_columns(table_schema(frame))
        from imblearn.utils import check_sampling_strategy

        self.sampling_strategy_ = check_sampling_strategy(self.sampling_strategy, y, self._sampling_type)
        return self

    def fit_resample(self, X: Any, y: Any) -> tuple[Any, np.ndarray]:
        """Return ``X`` and ``y`` followed by the generated rows (``X``'s type is kept).

        Args:
            X: (N, F) array or DataFrame.
            y: (N,) class labels.

        Returns:
            ``(X_res, y_res)`` with the N original rows first.
        """
        frame, was_array = _as_frame(X)
        y = self._check_y(y, len(frame))
        seed = self.random_state if self.random_state is not None else draw_seed(None)
        new, y_new = self._generate(frame, y, int(seed))
        out = pd.concat([frame, new], ignore_index=True)
        y_out = np.concatenate([y, y_new])
        if was_array:
            return out.to_numpy(dtype=np.asarray(X).dtype), y_out
        return out, y_out

    # ---- genaug API -------------------------------------------------------------------------
    def resample(self, data: LabeledData, *, generator: Seed = None) -> LabeledData:
        """Real rows followed by new ones; ``meta["source"]`` marks which is which.

        Args:
            data: tabular LabeledData (DataFrame or 2-D array ``x``).
            generator: int seed, ``torch.Generator`` or None (fresh entropy).

        Returns:
            LabeledData with ``len(data) + n_new`` rows; ``meta["source"]`` is ``"real"`` then
            ``"synthetic"``; ``meta["source_index"]`` is -1 for new rows; other metadata of new
            rows is filled with weight 1 / NaN / -1 / False / None by dtype.
        """
        if not isinstance(data, LabeledData) or not is_modality(data, "tabular"):
            raise TypeError(f"data must be a tabular LabeledData; got {type(data).__name__}")
        frame, was_array = _as_frame(data.x)
        new, y_new = self._generate(frame, data.y, draw_seed(generator))
        n_new = len(y_new)
        x_new: Any = new.to_numpy(dtype=data.x.dtype) if was_array else new
        if not was_array:
            x_new.attrs = dict(frame.attrs)
        meta = {"source": np.full(n_new, "synthetic"), "source_index": np.full(n_new, -1)}
        for key in sorted(set(data.meta) - set(meta)):
            meta[key] = _fill_meta(key, data.meta[key], n_new)
        synthetic = LabeledData(x_new, y_new, data.class_names, "tabular", meta)
        real = data
        if "source" not in data.meta:
            real = data.with_meta(source=np.full(len(data), "real"))
        return real.concat(synthetic)

    # ---- shared -----------------------------------------------------------------------------
    def _check_y(self, y: Any, n: int) -> np.ndarray:
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != n:
            raise ValueError(f"y must be 1-D with one label per row of X ({n}); got shape {y.shape}")
        if len(np.unique(y)) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least two classes in y; got {np.unique(y).tolist()}"
            )
        return y

    def _check_columns(self, schema: TableSchema) -> None:
        cats = [c.name for c in schema.discrete]
        name = type(self).__name__
        if self._needs == "numeric" and cats:
            raise TypeError(
                f"{name} works on numeric columns only; got categorical/boolean columns {cats}. "
                "Use SMOTENC (registry name 'smote_nc') for mixed data"
            )
        if self._needs == "mixed" and not cats:
            raise TypeError(f"{name} needs at least one categorical column; got none. Use SMOTE ('smote')")
        if self._needs == "mixed" and len(cats) == len(schema.columns):
            raise TypeError(f"{name} needs at least one numeric column; got only categorical columns {cats}")

    def _generate(self, frame: pd.DataFrame, y: np.ndarray, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
        schema = table_schema(frame)
        self._check_columns(schema)
        from imblearn.utils import check_sampling_strategy

        self.sampling_strategy_ = check_sampling_strategy(self.sampling_strategy, y, self._sampling_type)
        new, y_new = self._new_rows(frame, schema, y, seed)
        return _restore_types(new.reset_index(drop=True), frame, schema), np.asarray(y_new)

    def _new_rows(
        self, frame: pd.DataFrame, schema: TableSchema, y: np.ndarray, seed: int
    ) -> tuple[pd.DataFrame, np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError


class _Imblearn(TabularResampler):
    """Delegates to an imbalanced-learn over-sampler and keeps only the rows it appends."""

    def _make(self, seed: int) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _new_rows(
        self, frame: pd.DataFrame, schema: TableSchema, y: np.ndarray, seed: int
    ) -> tuple[pd.DataFrame, np.ndarray]:
        sampler = self._make(seed % 2**32)  # scikit-learn random_state must fit in 32 bits
        if self._needs == "mixed":
            X_in: Any = frame.astype({c.name: "category" for c in schema.discrete})
        else:
            X_in = frame.to_numpy(dtype=np.float64)
        X_res, y_res = sampler.fit_resample(X_in, y)
        n = len(frame)
        new = (
            X_res.iloc[n:]
            if isinstance(X_res, pd.DataFrame)
            else pd.DataFrame(X_res[n:], columns=frame.columns)
        )
        return new.reset_index(drop=True), np.asarray(y_res)[n:]


@register("resampler", "smote")
class SMOTE(_Imblearn):
    """SMOTE (imbalanced-learn): interpolate between a minority row and a same-class neighbour.

    Args:
        sampling_strategy: imbalanced-learn sampling strategy.
        k_neighbors: neighbours to interpolate with.
        random_state: seed for ``fit_resample``.
    """

    _needs = "numeric"

    def __init__(
        self, *, sampling_strategy: Any = "auto", k_neighbors: int = 5, random_state: int | None = None
    ) -> None:
        super().__init__(sampling_strategy=sampling_strategy, random_state=random_state)
        self.k_neighbors = k_neighbors
        check_int("k_neighbors", k_neighbors, 1)

    def _make(self, seed: int) -> Any:
        from imblearn.over_sampling import SMOTE as _SMOTE

        return _SMOTE(
            sampling_strategy=self.sampling_strategy, k_neighbors=self.k_neighbors, random_state=seed
        )


@register("resampler", "borderline_smote")
class BorderlineSMOTE(_Imblearn):
    """Borderline-SMOTE (imbalanced-learn): SMOTE only from minority rows near the border.

    Args:
        sampling_strategy: imbalanced-learn sampling strategy.
        k_neighbors: neighbours to interpolate with.
        m_neighbors: neighbours that decide whether a row is "in danger".
        kind: ``"borderline-1"`` or ``"borderline-2"``.
        random_state: seed for ``fit_resample``.
    """

    _needs = "numeric"

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        k_neighbors: int = 5,
        m_neighbors: int = 10,
        kind: str = "borderline-1",
        random_state: int | None = None,
    ) -> None:
        super().__init__(sampling_strategy=sampling_strategy, random_state=random_state)
        self.k_neighbors = k_neighbors
        self.m_neighbors = m_neighbors
        self.kind = kind
        check_int("k_neighbors", k_neighbors, 1)
        check_int("m_neighbors", m_neighbors, 1)
        check_choice("kind", kind, ["borderline-1", "borderline-2"])

    def _make(self, seed: int) -> Any:
        from imblearn.over_sampling import BorderlineSMOTE as _B

        return _B(
            sampling_strategy=self.sampling_strategy,
            k_neighbors=self.k_neighbors,
            m_neighbors=self.m_neighbors,
            kind=self.kind,
            random_state=seed,
        )


@register("resampler", "adasyn")
class ADASYN(_Imblearn):
    """ADASYN (imbalanced-learn): more synthetic rows where the minority is harder to learn.

    Args:
        sampling_strategy: imbalanced-learn sampling strategy.
        n_neighbors: neighbours used for both difficulty and interpolation.
        random_state: seed for ``fit_resample``.
    """

    _needs = "numeric"

    def __init__(
        self, *, sampling_strategy: Any = "auto", n_neighbors: int = 5, random_state: int | None = None
    ) -> None:
        super().__init__(sampling_strategy=sampling_strategy, random_state=random_state)
        self.n_neighbors = n_neighbors
        check_int("n_neighbors", n_neighbors, 1)

    def _make(self, seed: int) -> Any:
        from imblearn.over_sampling import ADASYN as _A

        return _A(sampling_strategy=self.sampling_strategy, n_neighbors=self.n_neighbors, random_state=seed)


@register("resampler", "smote_nc")
class SMOTENC(_Imblearn):
    """SMOTE-NC (imbalanced-learn) for mixed numeric + categorical tables.

    Categorical/boolean columns are found from the schema (dtypes); a new row takes the most
    frequent category among the neighbours.

    Args:
        sampling_strategy: imbalanced-learn sampling strategy.
        k_neighbors: neighbours to interpolate with.
        random_state: seed for ``fit_resample``.
    """

    _needs = "mixed"

    def __init__(
        self, *, sampling_strategy: Any = "auto", k_neighbors: int = 5, random_state: int | None = None
    ) -> None:
        super().__init__(sampling_strategy=sampling_strategy, random_state=random_state)
        self.k_neighbors = k_neighbors
        check_int("k_neighbors", k_neighbors, 1)

    def _make(self, seed: int) -> Any:
        from imblearn.over_sampling import SMOTENC as _NC

        return _NC(
            categorical_features="auto",
            sampling_strategy=self.sampling_strategy,
            k_neighbors=self.k_neighbors,
            random_state=seed,
        )


def _pick_rows(
    y: np.ndarray, counts: dict[Any, int], rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of ``counts[c]`` random rows of each class c (with replacement) and their labels."""
    idx, labels = [], []
    for cls, n in counts.items():
        if n <= 0:
            continue
        members = np.flatnonzero(y == cls)
        idx.append(members[rng.integers(0, len(members), size=n)])
        labels.append(np.full(n, cls, dtype=y.dtype))
    if not idx:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=y.dtype)
    return np.concatenate(idx), np.concatenate(labels)


@register("resampler", "tabular_noise")
class TabularNoise(TabularResampler):
    """Oversample by copying random rows of a class and adding Gaussian noise to numeric columns.

    Noise is drawn in standardized space (``sigma`` times each column's standard deviation over
    all rows), then values are clipped to the column's observed range and integer columns are
    rounded. Categorical and boolean values are copied unchanged.

    Args:
        sigma: noise scale in standard deviations, > 0.
        sampling_strategy: imbalanced-learn sampling strategy.
        random_state: seed for ``fit_resample``.
    """

    def __init__(
        self, *, sigma: float = 0.1, sampling_strategy: Any = "auto", random_state: int | None = None
    ) -> None:
        super().__init__(sampling_strategy=sampling_strategy, random_state=random_state)
        self.sigma = sigma
        check_range("sigma", sigma, 0.0, low_inclusive=False)

    def _new_rows(
        self, frame: pd.DataFrame, schema: TableSchema, y: np.ndarray, seed: int
    ) -> tuple[pd.DataFrame, np.ndarray]:
        rng = np.random.default_rng(seed)
        idx, labels = _pick_rows(y, dict(self.sampling_strategy_), rng)
        new = frame.iloc[idx].reset_index(drop=True).copy()
        for spec in schema.numeric:
            values = frame[spec.name].to_numpy(dtype=np.float64)
            noise = rng.standard_normal(len(idx)) * self.sigma * values.std()
            new[spec.name] = np.clip(values[idx] + noise, values.min(), values.max())
        return new, labels


@register("resampler", "tabular_mixup")
class TabularMixup(TabularResampler):
    """Oversample with within-class mixup: ``lam * a + (1 - lam) * b`` for two rows of a class.

    ``lam ~ Beta(alpha, alpha)``; since both rows share the class, labels stay hard. A
    categorical/boolean value comes from ``a`` with probability ``lam``, else from ``b``.
    Integer columns are rounded.

    Args:
        alpha: Beta concentration, > 0 (small: close to one of the rows; 1: uniform).
        sampling_strategy: imbalanced-learn sampling strategy.
        random_state: seed for ``fit_resample``.
    """

    def __init__(
        self, *, alpha: float = 0.4, sampling_strategy: Any = "auto", random_state: int | None = None
    ) -> None:
        super().__init__(sampling_strategy=sampling_strategy, random_state=random_state)
        self.alpha = alpha
        check_range("alpha", alpha, 0.0, low_inclusive=False)

    def _new_rows(
        self, frame: pd.DataFrame, schema: TableSchema, y: np.ndarray, seed: int
    ) -> tuple[pd.DataFrame, np.ndarray]:
        rng = np.random.default_rng(seed)
        counts = dict(self.sampling_strategy_)
        ia, labels = _pick_rows(y, counts, rng)
        ib, _ = _pick_rows(y, counts, rng)
        lam = rng.beta(self.alpha, self.alpha, size=len(ia))
        from_a = rng.random(len(ia)) < lam
        new = frame.iloc[ia].reset_index(drop=True).copy()
        for spec in schema.columns:
            if spec.kind == "numeric":
                values = frame[spec.name].to_numpy(dtype=np.float64)
                new[spec.name] = lam * values[ia] + (1.0 - lam) * values[ib]
            else:
                a = frame[spec.name].iloc[ia].to_numpy(dtype=object)
                b = frame[spec.name].iloc[ib].to_numpy(dtype=object)
                new[spec.name] = pd.Series(np.where(from_a, a, b)).astype(frame[spec.name].dtype)
        return new, labels
