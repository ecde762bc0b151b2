"""Contract suite for the tabular resamplers registered as ``augmenter`` (``fit_resample``)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.ops.tabular import TabularResampler


def _is_resampler(name: str) -> bool:
    cls = registry.get("resampler", name)
    return isinstance(cls, type) and issubclass(cls, TabularResampler)


NAMES = sorted(n for n in registry.available("resampler") if _is_resampler(n))
NUMERIC_ONLY = {"smote", "borderline_smote", "adasyn"}
BAD_ARGS = {
    "smote": ({"k_neighbors": 0}, "k_neighbors"),
    "borderline_smote": ({"kind": "borderline-3"}, "kind"),
    "adasyn": ({"n_neighbors": -1}, "n_neighbors"),
    "smote_nc": ({"k_neighbors": 0}, "k_neighbors"),
    "tabular_noise": ({"sigma": 0.0}, "sigma"),
    "tabular_mixup": ({"alpha": -1.0}, "alpha"),
}


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        yield


def test_every_resampler_is_covered() -> None:
    assert set(NAMES) == set(BAD_ARGS)


def _data(name: str, mixed: LabeledData) -> LabeledData:
    """Numeric-only columns for the numeric samplers, the full mixed table for the others."""
    if name in NUMERIC_ONLY:
        x = mixed.x[["amount", "count"]].copy()
        return LabeledData(x, mixed.y, mixed.class_names, "tabular", mixed.meta)
    return mixed


@pytest.mark.parametrize("name", NAMES)
def test_minority_grows_as_asked(name: str, mixed: LabeledData) -> None:
    data = _data(name, mixed)
    out = registry.create("resampler", name, random_state=0).fit_resample(data.x, data.y)
    x_res, y_res = out
    assert isinstance(x_res, pd.DataFrame) and len(x_res) == len(y_res)
    pd.testing.assert_frame_equal(x_res.iloc[: len(data)], data.x.reset_index(drop=True), check_exact=True)
    counts = np.bincount(y_res)
    assert counts[0] == 90
    if name == "adasyn":  # ADASYN balances approximately (density-weighted rounding)
        assert 80 <= counts[1] <= 100
    else:
        assert counts[1] == 90
        half = registry.create("resampler", name, sampling_strategy=0.5, random_state=0)
        assert np.bincount(half.fit_resample(data.x, data.y)[1]).tolist() == [90, 45]
        fixed = registry.create("resampler", name, sampling_strategy={1: 30}, random_state=0)
        assert np.bincount(fixed.fit_resample(data.x, data.y)[1]).tolist() == [90, 30]


@pytest.mark.parametrize("name", NAMES)
def test_types_ranges_and_categories(name: str, mixed: LabeledData) -> None:
    data = _data(name, mixed)
    out = registry.create("resampler", name).resample(data, generator=3)
    assert out.x.dtypes.to_dict() == data.x.dtypes.to_dict()
    new = out.x.iloc[len(data):]
    assert len(new) > 0 and (out.y[len(data):] == 1).all()
    assert out.meta["source"].tolist() == ["real"] * len(data) + ["synthetic"] * len(new)
    assert (out.meta["source_index"][len(data):] == -1).all()
    for col in data.x.columns:
        real = data.x[col]
        if isinstance(real.dtype, pd.CategoricalDtype) or real.dtype == bool:
            assert set(new[col].astype(str)) <= set(real.astype(str)) and not new[col].isna().any()
        else:
            assert new[col].min() >= real.min() and new[col].max() <= real.max()
    assert (new["count"] == np.round(new["count"])).all()


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_rows(name: str, mixed: LabeledData) -> None:
    data = _data(name, mixed)
    a = registry.create("resampler", name).resample(data, generator=7)
    b = registry.create("resampler", name).resample(data, generator=7)
    c = registry.create("resampler", name).resample(data, generator=8)
    pd.testing.assert_frame_equal(a.x, b.x)
    assert not a.x.equals(c.x)
    r1 = registry.create("resampler", name, random_state=1).fit_resample(data.x, data.y)
    r2 = registry.create("resampler", name, random_state=1).fit_resample(data.x, data.y)
    pd.testing.assert_frame_equal(r1[0], r2[0])


@pytest.mark.parametrize("name", NAMES)
def test_in_imblearn_pipeline(name: str, mixed: LabeledData) -> None:
    from imblearn.pipeline import Pipeline

    data = _data(name, mixed)
    x = data.x.assign(**{c: data.x[c].cat.codes for c in data.x.columns
                         if isinstance(data.x[c].dtype, pd.CategoricalDtype)})  # fmt: skip
    x = x.astype({c: int for c in x.columns if x[c].dtype == bool}).astype(float)
    if name == "smote_nc":  # SMOTE-NC needs to see the categoricals: keep them as category dtype
        x = data.x.copy()
        from sklearn.compose import make_column_transformer
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        enc = make_column_transformer(
            (OneHotEncoder(handle_unknown="ignore"), ["channel", "country", "flag"]),
            (StandardScaler(), ["amount", "count"]),
        )
        pipe = Pipeline([("res", registry.create("resampler", name, random_state=0)), ("enc", enc),
                         ("clf", LogisticRegression(max_iter=500))])  # fmt: skip
    else:
        pipe = Pipeline([("res", registry.create("resampler", name, random_state=0)),
                         ("clf", LogisticRegression(max_iter=500))])  # fmt: skip
    pipe.fit(x, data.y)
    assert pipe.predict_proba(x).shape == (len(x), 2)
    cloned = clone(pipe)
    assert cloned.get_params()["res__random_state"] == 0


@pytest.mark.parametrize("name", NAMES)
def test_array_in_array_out(name: str) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 3))
    y = (np.arange(50) < 10).astype(int)
    if name == "smote_nc":
        with pytest.raises(TypeError, match="categorical"):
            registry.create("resampler", name).fit_resample(x, y)
        return
    x_res, y_res = registry.create("resampler", name, random_state=0).fit_resample(x, y)
    assert isinstance(x_res, np.ndarray) and x_res.shape[1] == 3 and len(x_res) == len(y_res) > 50
    np.testing.assert_array_equal(x_res[:50], x)


@pytest.mark.parametrize("name", NAMES)
def test_bad_args_name_the_argument(name: str, mixed: LabeledData) -> None:
    kwargs, arg = BAD_ARGS[name]
    with pytest.raises(ValueError, match=arg):
        registry.get("resampler", name)(**kwargs)  # create() has its own `kind` argument
    data = _data(name, mixed)
    with pytest.raises(ValueError, match="sampling_strategy"):
        registry.create("resampler", name, sampling_strategy=2.0).fit_resample(data.x, data.y)
    with pytest.raises(ValueError, match="at least two classes"):
        registry.create("resampler", name).fit_resample(data.x, np.zeros(len(data), dtype=int))
    with pytest.raises(ValueError, match="one label per row"):
        registry.create("resampler", name).fit_resample(data.x, data.y[:-1])


@pytest.mark.parametrize("name", sorted(NUMERIC_ONLY))
def test_numeric_samplers_refuse_categoricals(name: str, mixed: LabeledData) -> None:
    with pytest.raises(TypeError, match="smote_nc"):
        registry.create("resampler", name).fit_resample(mixed.x, mixed.y)


@pytest.mark.parametrize("name", ["smote_nc", "tabular_noise"])
def test_large_generator_seed(name: str, mixed: LabeledData) -> None:
    out = registry.create("resampler", name).resample(mixed, generator=2**62 + 12345)
    assert len(out) == 180
