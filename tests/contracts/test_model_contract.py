"""Contract suite for every registered ``model`` (classifier), tabular and tensor models each on
the modalities they take.

The contract (:mod:`genaug.train.base`): ``fit(train, val, generator=...)`` returns self;
``predict_proba`` gives (N, num_classes) rows of probabilities summing to 1, columns in
``classes_`` (the train data's class names) and ``predict`` their argmax; the same generator
gives the same model; use before ``fit`` raises scikit-learn's ``NotFittedError`` naming the
class; a model whose ``fit`` documents ``meta["weight"]`` honours it (constant weights change
nothing, heavier classes gain probability, bad weights are refused); ``get_params`` returns the
constructor arguments unchanged. Saving is in ``test_classifier_save_contract.py``.

A newly registered model fails ``test_every_model_has_test_params`` until it has entries in
``PARAMS`` (tiny options) and ``DATA`` (the data it takes).
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.train import BaseClassifier


def _names() -> list[str]:
    return [n for n in registry.available("model")
            if getattr(registry.get("model", n), "__module__", "").startswith("genaug.")]  # fmt: skip


NAMES = _names()
PARAMS: dict[str, dict] = {
    "small_cnn": {"steps": 4, "batch_size": 16, "eval_every": 2},
    "cnn1d": {"steps": 4, "batch_size": 16, "eval_every": 2},
    "mlp": {"steps": 4, "batch_size": 16, "eval_every": 2},
    "hist_gb": {"max_iter": 5},
    "logreg": {"C_grid": (0.1, 1.0), "max_iter": 200},
    "svm_rbf": {"C_grid": (1.0, 10.0), "gamma_grid": (1.0,)},
    "tfidf_logreg": {"C_grid": (1.0, 10.0), "char_ngrams": (2, 3), "max_features": 500, "max_iter": 100},
    "text_ngram": {"steps": 4, "batch_size": 16, "eval_every": 2, "n_buckets": 256, "dim": 8},
    "minilm_logreg": {"C_grid": (1.0, 10.0), "max_iter": 200},
    "audio_cnn": {"steps": 4, "batch_size": 16, "eval_every": 2, "arch_kwargs": {"width": 8, "n_mels": 8}},
    "mfcc_svm": {"C_grid": (1.0, 10.0), "gamma_grid": (1.0,), "n_mfcc": 8},
}
TABLES = ("tabular", "mixed")
DATA: dict[str, tuple[str, ...]] = {
    "small_cnn": ("image",), "cnn1d": ("signal",), "mlp": ("image", "signal", *TABLES),
    "hist_gb": (*TABLES, "image"), "logreg": (*TABLES, "image"), "svm_rbf": (*TABLES, "signal"),
    "tfidf_logreg": ("text",), "text_ngram": ("text",), "minilm_logreg": ("text",),
    "audio_cnn": ("audio",), "mfcc_svm": ("audio",),
}
# Options for the weight test: enough training that weights can move the probabilities.
FASTER = {"steps": 10, "lr": 0.03, "schedule": "constant"}
WEIGHT_PARAMS: dict[str, dict] = {"small_cnn": FASTER, "cnn1d": FASTER, "mlp": FASTER, "audio_cnn": FASTER,
                                  "text_ngram": {"steps": 10, "lr": 0.1}}
CASES = [(n, m) for n in NAMES for m in DATA.get(n, ())]
IDS = [f"{n}-{m}" for n, m in CASES]


def make(name: str, **overrides) -> BaseClassifier:
    return registry.create("model", name, **{**PARAMS.get(name, {}), **overrides})


def claims_weights(name: str) -> bool:
    return 'meta["weight"]' in (inspect.getdoc(registry.get("model", name).fit) or "")


def splits(make_data, modality: str) -> tuple[LabeledData, LabeledData]:
    return make_data(modality, per_class=8, seed=0), make_data(modality, per_class=4, seed=1)


def test_every_model_has_test_params() -> None:
    for name in NAMES:
        assert name in PARAMS and name in DATA, f"add tiny options and data kinds of {name!r} to PARAMS/DATA"
        assert issubclass(registry.get("model", name), BaseClassifier)


@pytest.mark.parametrize(("name", "modality"), CASES, ids=IDS)
def test_fit_returns_self_and_predicts_probabilities(name, modality, make_data) -> None:
    train, val = splits(make_data, modality)
    clf = make(name)
    for use in (clf.predict_proba, clf.predict):
        with pytest.raises(NotFittedError, match=type(clf).__name__):
            use(val)
    assert clf.fit(train, val, generator=0) is clf
    assert tuple(clf.classes_) == train.class_names
    proba = clf.predict_proba(val)
    assert proba.shape == (len(val), train.num_classes)
    assert np.isfinite(proba).all() and (proba >= 0).all()
    np.testing.assert_allclose(proba.sum(1), 1.0, atol=1e-6)
    pred = clf.predict(val)
    assert pred.dtype == np.int64 and pred.shape == (len(val),)
    np.testing.assert_array_equal(pred, proba.argmax(1))
    # Same generator, same model (a fresh instance).
    np.testing.assert_array_equal(make(name).fit(train, val, generator=0).predict_proba(val), proba)


@pytest.mark.parametrize("name", NAMES)
def test_get_params_returns_the_constructor_arguments(name) -> None:
    clf = make(name)
    params = clf.get_params()
    for key, value in PARAMS[name].items():
        assert params[key] == value
    assert type(clf)(**params).get_params() == params


@pytest.mark.parametrize(("name", "modality"), CASES, ids=IDS)
def test_bad_training_data_is_refused(name, modality, make_data) -> None:
    train, val = splits(make_data, modality)
    clf = make(name)
    one_class = train.subset(np.flatnonzero(train.y == 0))
    with pytest.raises(ValueError, match="single class"):
        clf.fit(one_class, None, generator=0)
    renamed = LabeledData(val.x, val.y, ("x", "y", "z"), val.modality)
    with pytest.raises(ValueError, match="class_names"):
        clf.fit(train, renamed, generator=0)
    with pytest.raises(TypeError, match="LabeledData"):
        clf.fit(train.x, None, generator=0)
    clf.fit(train, None, generator=0)
    other = make_data("signal" if modality == "image" else "image", per_class=2)
    with pytest.raises((ValueError, TypeError), match=None if modality == "text" else "shape"):
        clf.predict_proba(other)


WEIGHT_CASES = [(n, DATA[n][0]) for n in NAMES if n in DATA and claims_weights(n)]


@pytest.mark.parametrize(("name", "modality"), WEIGHT_CASES, ids=[f"{n}-{m}" for n, m in WEIGHT_CASES])
def test_honours_per_sample_weights(name, modality, make_data) -> None:
    train, val = splits(make_data, modality)
    # Labels unrelated to x: a model can learn only how often each class is (or is weighted).
    train = LabeledData(train.x, np.random.default_rng(0).permutation(train.y), train.class_names,
                        train.modality)
    options = WEIGHT_PARAMS.get(name, {})
    plain = make(name, **options).fit(train, None, generator=0).predict_proba(val)
    constant = train.with_meta(weight=np.full(len(train), 3.0))
    same_weights = make(name, **options).fit(constant, None, generator=0).predict_proba(val)
    np.testing.assert_allclose(same_weights, plain, atol=1e-5,
                               err_msg="weights are relative: constant weights change nothing")
    heavy = train.with_meta(weight=np.where(train.y == 0, 20.0, 0.2))
    weighted = make(name, **options).fit(heavy, None, generator=0).predict_proba(val)
    assert weighted[:, 0].mean() > plain[:, 0].mean() + 1e-3, (weighted[:, 0].mean(), plain[:, 0].mean())
    for bad in (np.zeros(len(train)), np.where(train.y == 0, -1.0, 1.0), np.full(len(train), np.nan)):
        with pytest.raises(ValueError, match="weight"):
            make(name).fit(train.with_meta(weight=bad), None, generator=0)


@pytest.mark.parametrize("option", ["char_ngrams", "word_ngrams"])
def test_tfidf_logreg_accepts_the_documented_none_ngrams(option) -> None:
    assert make("tfidf_logreg", **{option: None}).get_params()[option] is None
