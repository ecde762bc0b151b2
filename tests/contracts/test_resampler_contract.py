"""Contract suite for every registered ``resampler`` through the genaug API, ``resample(data,
generator=...)``, on the tables each one takes (numeric arrays and DataFrames, mixed types).

The contract (:mod:`genaug.ops.tabular`): the real rows come first, unchanged, then new rows
marked ``meta["source"] == "synthetic"``; only classes below the majority grow, up to the
majority count (``sampling_strategy="auto"``); new rows keep the columns, dtypes, observed
categories and numeric ranges; other metadata of new rows is filled (weight 1); the same
generator gives the same rows, another seed other rows; non-tabular data is refused.
The scikit-learn path (``fit_resample``, pipelines, ``clone``) is in
``tests/tabular/test_resamplers.py``.

A newly registered resampler fails ``test_every_resampler_has_test_params`` until it has an
entry in ``DATA``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.ops.tabular import TabularResampler


def _names() -> list[str]:
    return [n for n in registry.available("resampler")
            if getattr(registry.get("resampler", n), "__module__", "").startswith("genaug.")]  # fmt: skip


NAMES = _names()
NUMERIC = ("array", "frame")
# The tables each resampler takes: "array" (float ndarray), "frame" (numeric DataFrame),
# "mixed" (DataFrame with int, categorical and bool columns).
DATA: dict[str, tuple[str, ...]] = {
    "smote": NUMERIC, "borderline_smote": NUMERIC, "adasyn": NUMERIC, "smote_nc": ("mixed",),
    "tabular_noise": (*NUMERIC, "mixed"), "tabular_mixup": (*NUMERIC, "mixed"),
}
PARAMS: dict[str, dict] = {"smote": {"k_neighbors": 3}, "borderline_smote": {"k_neighbors": 3},
                           "adasyn": {"n_neighbors": 3}, "smote_nc": {"k_neighbors": 3}}
# Resamplers whose "auto" target is met only approximately (ADASYN adapts counts to density).
APPROXIMATE = {"adasyn": 0.35}
# Resamplers that grow only classes with rows near the border (never beyond the target).
AT_MOST = {"borderline_smote"}
COUNTS = (24, 9, 6)
CASES = [(n, kind) for n in NAMES for kind in DATA.get(n, ())]
IDS = [f"{n}-{k}" for n, k in CASES]


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        yield


def make(name: str) -> TabularResampler:
    return registry.create("resampler", name, **PARAMS.get(name, {}))


def table(make_data, kind: str) -> LabeledData:
    data = make_data("mixed" if kind == "mixed" else "tabular", counts=COUNTS, seed=0)
    data = data.with_meta(weight=np.full(len(data), 2.0), note=np.array(["real"] * len(data)))
    if kind == "frame":
        frame = pd.DataFrame(np.asarray(data.x), columns=["f0", "f1", "f2", "f3"])
        return LabeledData(frame, data.y, data.class_names, "tabular", data.meta)
    return data


def _rows(data: LabeledData) -> LabeledData:
    return LabeledData(data.x, data.y, data.class_names, data.modality,
                       {k: v for k, v in data.meta.items() if k not in ("source", "source_index")})


def test_every_resampler_has_test_params() -> None:
    for name in NAMES:
        assert name in DATA, f"say which tables resampler {name!r} takes in DATA"
        assert issubclass(registry.get("resampler", name), TabularResampler)


@pytest.mark.parametrize(("name", "kind"), CASES, ids=IDS)
def test_real_rows_first_then_marked_new_rows_up_to_the_majority(name, kind, make_data, same) -> None:
    data = table(make_data, kind)
    out = make(name).resample(data, generator=0)
    assert (out.modality, out.class_names) == ("tabular", data.class_names)
    n = len(data)
    assert same(_rows(out.subset(np.arange(n))), data), "real rows first, unchanged"
    source = np.asarray(out.meta["source"]).astype(str)
    assert source[:n].tolist() == ["real"] * n and source[n:].tolist() == ["synthetic"] * (len(out) - n)
    new = out.subset(np.arange(n, len(out)))
    assert len(new) > 0
    added = np.bincount(new.y, minlength=len(COUNTS))
    assert added[0] == 0, "the majority class gets no new rows"
    final = out.class_counts()
    tol = APPROXIMATE.get(name, 0.0)
    for c in (1, 2):
        if name in AT_MOST:
            assert COUNTS[c] <= final[c] <= COUNTS[0], (name, final.tolist())
        else:
            assert abs(final[c] - COUNTS[0]) <= tol * COUNTS[0], (name, final.tolist())
    np.testing.assert_array_equal(new.meta["weight"], 1.0)
    assert np.asarray(new.meta["source_index"]).tolist() == [-1] * len(new)
    assert set(new.meta) == set(out.meta)


@pytest.mark.parametrize(("name", "kind"), CASES, ids=IDS)
def test_new_rows_keep_columns_types_categories_and_ranges(name, kind, make_data) -> None:
    data = table(make_data, kind)
    out = make(name).resample(data, generator=1)
    new = out.x[len(data):]
    if kind == "array":
        assert isinstance(out.x, np.ndarray) and out.x.dtype == data.x.dtype
        new, real = pd.DataFrame(new), pd.DataFrame(data.x)
    else:
        assert isinstance(out.x, pd.DataFrame) and list(out.x.columns) == list(data.x.columns)
        assert out.x.dtypes.tolist() == data.x.dtypes.tolist()
        real = data.x
    for col in real.columns:
        r, s = real[col], new[col]
        if pd.api.types.is_numeric_dtype(r) and not pd.api.types.is_bool_dtype(r):
            assert np.isfinite(s.to_numpy(dtype=float)).all()
            assert s.min() >= r.min() - 1e-9 and s.max() <= r.max() + 1e-9, f"{col} out of range"
            if pd.api.types.is_integer_dtype(r):
                assert (s == np.round(s)).all()
        else:
            assert set(s.tolist()) <= set(r.tolist()), f"{col}: unseen values"


@pytest.mark.parametrize(("name", "kind"), CASES, ids=IDS)
def test_same_seed_same_rows_other_seed_other_rows(name, kind, make_data, same) -> None:
    data = table(make_data, kind)
    a = make(name).resample(data, generator=7)
    assert same(a, make(name).resample(data, generator=7))
    b = make(name).resample(data, generator=8)
    assert not same(a, b)


@pytest.mark.parametrize("name", NAMES)
def test_non_tabular_data_is_refused(name, make_data) -> None:
    with pytest.raises(TypeError, match="tabular"):
        make(name).resample(make_data("image", per_class=4), generator=0)
    with pytest.raises(TypeError, match="tabular"):
        make(name).resample(np.zeros((6, 2)), generator=0)
