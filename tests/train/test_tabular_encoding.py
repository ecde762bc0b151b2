"""Tabular classifiers treat categories as categories, and hist_gb stops early.

One-hot columns for logreg / svm_rbf / mlp, native categorical features for hist_gb, a category
unseen in training at predict time, save/load with the encoder, and early stopping.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.data.tabular import TableEncoder, table_encoder
from genaug.serialization import CONFIG_NAME
from genaug.train import load_classifier
from genaug.train.base import as_matrix

LEVELS = [f"s{i:02d}" for i in range(20)]
POSITIVE = {"s01", "s04", "s05", "s09", "s12", "s17", "s18"}  # not contiguous in code order


def _table(n: int, seed: int, levels: list[str] = LEVELS) -> LabeledData:
    """A 20-level categorical column decides the label (membership in POSITIVE), plus noise."""
    rng = np.random.default_rng(seed)
    state = rng.choice(levels, size=n)
    y = np.isin(state, list(POSITIVE)).astype(np.int64)
    frame = pd.DataFrame({
        "noise": rng.normal(size=n),
        "state": pd.Categorical(state, categories=LEVELS),
        "flag": rng.random(n) < 0.5,
    })  # fmt: skip
    return LabeledData(frame, y, ("no", "yes"), "tabular")


@pytest.fixture(scope="module")
def tables() -> dict[str, LabeledData]:
    return {"train": _table(300, 0), "val": _table(60, 1), "test": _table(300, 2)}


def _acc(clf, data: LabeledData) -> float:
    return float((clf.predict(data) == data.y).mean())


def test_logreg_one_hot_beats_the_same_model_on_codes(tables) -> None:
    train, test = tables["train"], tables["test"]
    clf = registry.create("model", "logreg", C_grid=(1.0, 10.0)).fit(train, tables["val"], generator=0)
    assert clf.encoder_ is not None and clf.encoder_.categorical == (1,)
    # noise + flag stay numbers, the state column becomes 20 one-hot columns
    assert clf.encoder_.n_features_out_ == 2 + 20 and clf.estimator_.coef_.shape[1] == 22
    assert clf.scale_[~clf.encoder_.numeric_mask_].tolist() == [1.0] * 20  # 0/1, not standardised

    def codes(d: LabeledData) -> LabeledData:
        return LabeledData(as_matrix(d.x), d.y, d.class_names, "tabular")

    raw = registry.create("model", "logreg", C_grid=(1.0, 10.0)).fit(codes(train), codes(tables["val"]),
                                                                      generator=0)  # fmt: skip
    assert raw.encoder_ is None and raw.estimator_.coef_.shape[1] == 3
    encoded_acc, raw_acc = _acc(clf, test), _acc(raw, codes(test))
    assert encoded_acc >= 0.97 and encoded_acc >= raw_acc + 0.2, (encoded_acc, raw_acc)


@pytest.mark.parametrize("name", ["svm_rbf", "mlp"])
def test_svm_and_mlp_see_one_hot_columns(name: str, tables) -> None:
    opts = {"svm_rbf": {"C_grid": (10.0,), "gamma_grid": (1.0,)}, "mlp": {"steps": 150}}[name]
    clf = registry.create("model", name, **opts).fit(tables["train"], tables["val"], generator=0)
    assert clf.encoder_ is not None and clf.encoder_.method == "onehot"
    if name == "svm_rbf":
        assert clf.estimator_.model_.n_features_in_ == 22
    else:
        assert clf.model_.body[1].in_features == 22 and clf.input_shape_ == (3,)
        assert clf.input_std_[2:].tolist() == [1.0] * 20 and clf.input_mean_[2:].tolist() == [0.0] * 20
    assert _acc(clf, tables["test"]) >= 0.9


def test_hist_gb_gets_native_categorical_features(tables) -> None:
    clf = registry.create("model", "hist_gb").fit(tables["train"], generator=0)
    mask = clf.estimator_.categorical_features
    assert mask is not None and np.asarray(mask).tolist() == [False, True, False]
    assert clf.estimator_.is_categorical_.tolist() == [False, True, False]
    assert _acc(clf, tables["test"]) >= 0.97


def test_arrays_and_tables_without_categories_are_not_encoded(tables) -> None:
    x = as_matrix(tables["train"].x)
    data = LabeledData(x, tables["train"].y, ("no", "yes"), "tabular")
    assert table_encoder(data) is None
    numeric = LabeledData(tables["train"].x[["noise", "flag"]], tables["train"].y, ("no", "yes"), "tabular")
    assert table_encoder(numeric) is None  # a bool column stays a 0/1 number
    assert registry.create("model", "hist_gb", max_iter=5).fit(numeric, generator=0).encoder_ is None


@pytest.mark.parametrize("name", ["logreg", "hist_gb", "mlp"])
def test_unseen_and_missing_categories_at_predict_time(name: str, tables, tmp_path) -> None:
    seen = [lv for lv in LEVELS if lv not in ("s03", "s12")]  # s03 (and s12) never in training
    train = _table(300, 0, levels=seen)
    opts = {"logreg": {"C_grid": (1.0,)}, "hist_gb": {"max_iter": 30}, "mlp": {"steps": 20}}[name]
    clf = registry.create("model", name, **opts).fit(train, generator=0)
    assert len(clf.encoder_.categories_[0]) == 18
    test = tables["test"].x.iloc[:4].copy()
    test["state"] = pd.Categorical(["s03", "s12", None, "s05"], categories=LEVELS)
    probs = clf.predict_proba(test)
    assert probs.shape == (4, 2) and np.isfinite(probs).all() and np.allclose(probs.sum(axis=1), 1.0)
    encoded = clf.encoder_.transform(as_matrix(test))
    if name == "hist_gb":  # unseen and missing categories go where missing values go
        assert np.isnan(encoded[:3, 1]).all() and not np.isnan(encoded[3, 1])
    else:  # an all-zero one-hot block
        assert encoded[:3, 2:].sum() == 0 and encoded[3, 2:].sum() == 1
    loaded = load_classifier(clf.save(tmp_path / name))
    np.testing.assert_array_equal(loaded.predict_proba(test), probs)


@pytest.mark.parametrize("name", ["logreg", "hist_gb", "mlp"])
def test_saved_model_keeps_the_encoder_and_predicts_the_same(name: str, tables, tmp_path) -> None:
    opts = {"logreg": {"C_grid": (1.0,)}, "hist_gb": {}, "mlp": {"steps": 20}}[name]
    clf = registry.create("model", name, **opts).fit(tables["train"], tables["val"], generator=3)
    path = clf.save(tmp_path / name)
    state = json.loads((path / CONFIG_NAME).read_text())["state"]
    assert state["encoder_"]["categorical"] == [1] and len(state["encoder_"]["categories"][0]) == 20
    loaded = load_classifier(path)
    assert loaded.encoder_.to_dict() == clf.encoder_.to_dict()
    np.testing.assert_array_equal(loaded.predict_proba(tables["test"]), clf.predict_proba(tables["test"]))
    if name == "hist_gb":
        assert loaded.stopping_ == clf.stopping_ and loaded.estimator_.n_iter_ == clf.estimator_.n_iter_


def _noisy(n: int, seed: int) -> LabeledData:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5))
    y = ((x[:, 0] + 2.0 * rng.normal(size=n)) > 0).astype(np.int64)  # mostly label noise
    return LabeledData(x, y, ("a", "b"), "tabular")


@pytest.mark.parametrize("data", ["train", "val"])
def test_hist_gb_early_stopping_stops_on_a_noisy_task(data: str) -> None:
    train, val = _noisy(400, 0), _noisy(200, 1)
    clf = registry.create("model", "hist_gb", max_iter=200, stopping_data=data).fit(train, val, generator=0)
    assert clf.stopping_["data"] == data
    assert clf.stopping_["n_iter_fit"] < 200 and clf.estimator_.n_iter_ == clf.stopping_["n_iter"] < 200
    assert clf.best_params_["max_iter"] == clf.stopping_["n_iter"]
    again = registry.create("model", "hist_gb", max_iter=200, stopping_data=data).fit(train, val, generator=0)
    np.testing.assert_array_equal(again.predict_proba(val), clf.predict_proba(val))  # seeded
    off = registry.create("model", "hist_gb", max_iter=40, early_stopping=False).fit(train, val, generator=0)
    assert off.stopping_["data"] is None and off.estimator_.n_iter_ == 40


def test_hist_gb_auto_stopping_data_and_fallbacks() -> None:
    train = _noisy(400, 0)
    hgb = registry.create("model", "hist_gb", max_iter=30)
    assert hgb._stopping_source(train.y, _noisy(100, 1)) == "val"  # val (100) >= 10% of 400
    assert hgb._stopping_source(train.y, _noisy(20, 1)) == "train"
    assert hgb._stopping_source(train.y, None) == "train"
    tiny = LabeledData(np.arange(6.0).reshape(3, 2), np.array([0, 0, 1]), ("a", "b"), "tabular")
    clf = registry.create("model", "hist_gb", max_iter=7).fit(tiny, generator=0)  # a class of one row
    assert clf.stopping_["data"] is None and clf.estimator_.n_iter_ == 7
    with pytest.raises(ValueError, match="stopping_data"):
        registry.create("model", "hist_gb", stopping_data="test")


def test_table_encoder_matches_scikit_learn() -> None:
    rng = np.random.default_rng(0)
    x = np.c_[rng.normal(size=80), rng.choice([0, 2, 5, 6], 80), rng.integers(0, 3, 80)].astype(float)
    test = x[:6].copy()
    test[:3, 1] = [1.0, -1.0, 4.6]  # unseen, missing, rounded to the seen 5
    onehot, ordinal = TableEncoder([1, 2], 3).fit(x), TableEncoder([1, 2], 3, "ordinal").fit(x)
    codes = np.rint(test[:, 1:])
    codes[codes < 0] = np.nan
    cats = onehot.categories_
    sk_onehot = OneHotEncoder(categories=cats, handle_unknown="ignore", sparse_output=False).fit(x[:, 1:])
    np.testing.assert_array_equal(onehot.transform(test), np.c_[test[:, :1], sk_onehot.transform(codes)])
    sk_ord = OrdinalEncoder(categories=cats, handle_unknown="use_encoded_value", unknown_value=np.nan)
    expected = test.copy()
    expected[:, 1:] = sk_ord.fit(x[:, 1:]).transform(codes)
    np.testing.assert_array_equal(ordinal.transform(test), expected)
    assert onehot.n_features_out_ == 1 + 4 + 3 and onehot.numeric_mask_.sum() == 1
    again = TableEncoder.from_dict(json.loads(json.dumps(onehot.to_dict())))
    np.testing.assert_array_equal(again.transform(test), onehot.transform(test))
    with pytest.raises(ValueError, match="categorical"):
        TableEncoder([3], 3)
    with pytest.raises(ValueError, match="shape"):
        onehot.transform(x[:, :2])
