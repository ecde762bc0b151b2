"""Tabular behaviour of every tabular synthesizer (tiny budgets: behaviour, not quality).

The contract every synthesizer shares (fit/sample/save/load, seeds, NotFittedError, the pool)
runs over the tabular ones too in ``tests/contracts/test_synthesizer_contract.py``; this file
checks what is tabular: columns, dtypes, value ranges, arrays in and out, copies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.synth.tabular import CTGAN, TVAE, GaussianCopula, NotFittedError, TabDDPM, TabularSynthesizer

NAMES = ["ctgan", "gaussian_copula", "tabddpm", "tvae"]
TINY = {name: registry.get("synthesizer", name).get_test_params() for name in NAMES}


def make(name: str) -> TabularSynthesizer:
    return registry.create("synthesizer", name, **TINY[name])


@pytest.fixture(scope="module", params=NAMES)
def fitted(request, mixed: LabeledData) -> tuple[str, TabularSynthesizer]:
    return request.param, make(request.param).fit(mixed, generator=0)


def test_registered_with_modality() -> None:
    from genaug.synth import Synthesizer

    classes = {"gaussian_copula": GaussianCopula, "tvae": TVAE, "ctgan": CTGAN, "tabddpm": TabDDPM}
    for name, cls in classes.items():
        assert registry.get("synthesizer", name) is cls
        assert cls.modalities == ("tabular",) and issubclass(cls, Synthesizer)
        assert cls.supports("tabular") and not cls.supports("image") and cls.uses_unlabeled is False


def test_columns_dtypes_labels_counts(fitted, mixed: LabeledData) -> None:
    _, syn = fitted
    out = syn.sample({0: 7, 1: 5}, generator=1)
    assert isinstance(out, LabeledData) and out.modality == "tabular"
    assert list(out.x.columns) == list(mixed.x.columns)
    assert out.x.dtypes.to_dict() == mixed.x.dtypes.to_dict()
    assert out.y.tolist() == [0] * 7 + [1] * 5
    assert out.class_names == mixed.class_names
    assert set(out.meta["source"]) == {"synthetic"}
    both = syn.sample(3, generator=1)
    assert both.class_counts().tolist() == [3, 3]
    only_minority = syn.sample({"fraud": 4}, generator=1)
    assert only_minority.y.tolist() == [1] * 4


def test_values_valid(fitted, mixed: LabeledData) -> None:
    _, syn = fitted
    out = syn.sample({0: 40, 1: 40}, generator=2).x
    real = mixed.x
    for col in ("channel", "country"):
        assert set(out[col].astype(str)) <= set(real[col].astype(str))
        assert not out[col].isna().any()
    assert out["flag"].dtype == bool
    for col in ("amount", "count"):
        assert out[col].min() >= real[col].min() and out[col].max() <= real[col].max()
    assert (out["count"] == np.round(out["count"])).all()


def test_same_seed_same_samples(fitted) -> None:
    _, syn = fitted
    a = syn.sample({0: 6, 1: 6}, generator=5).x
    b = syn.sample({0: 6, 1: 6}, generator=5).x
    c = syn.sample({0: 6, 1: 6}, generator=6).x
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_same_fit_seed_same_model(fitted, mixed: LabeledData) -> None:
    name, syn = fitted
    again = make(name).fit(mixed, generator=0)
    pd.testing.assert_frame_equal(syn.sample(5, generator=1).x, again.sample(5, generator=1).x)


def test_save_load_identical(fitted, tmp_path) -> None:
    name, syn = fitted
    syn.save(tmp_path / name)
    assert sorted(p.name for p in (tmp_path / name).iterdir()) == ["config.json", "weights.safetensors"]
    for loader in (type(syn), TabularSynthesizer):
        loaded = loader.load(tmp_path / name)
        assert type(loaded) is type(syn)
        pd.testing.assert_frame_equal(syn.sample(9, generator=3).x, loaded.sample(9, generator=3).x)


def test_no_global_rng(fitted, mixed: LabeledData) -> None:
    name, syn = fitted
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()[1].copy()
    make(name).fit(mixed, generator=1).sample(3, generator=1)
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], np_state)


@pytest.mark.parametrize("name", NAMES)
def test_use_before_fit_names_class(name: str, tmp_path) -> None:
    syn = make(name)
    with pytest.raises(NotFittedError, match=type(syn).__name__):
        syn.sample(3)
    with pytest.raises(NotFittedError, match=type(syn).__name__):
        syn.save(tmp_path)


@pytest.mark.parametrize("name", NAMES)
def test_one_class_data_rejected(name: str, mixed: LabeledData) -> None:
    one = mixed.subset(np.flatnonzero(mixed.y == 0))
    with pytest.raises(ValueError, match="at least two classes"):
        make(name).fit(one, generator=0)


def test_unseen_label_rejected(fitted) -> None:
    _, syn = fitted
    with pytest.raises(ValueError, match="unseen label"):
        syn.sample({5: 3})
    with pytest.raises(ValueError, match="unseen label"):
        syn.sample({"chargeback": 3})
    with pytest.raises(ValueError, match="non-negative"):
        syn.sample({1: -1})


@pytest.mark.parametrize("name", NAMES)
def test_array_in_array_out(name: str) -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3)).astype(np.float32)
    y = (np.arange(60) < 12).astype(np.int64)
    syn = make(name).fit(LabeledData(x, y, ("neg", "pos"), "tabular"), generator=0)
    out = syn.sample({1: 10}, generator=0)
    assert isinstance(out.x, np.ndarray) and out.x.shape == (10, 3) and out.x.dtype == np.float32
    assert (out.x >= x.min(axis=0)).all() and (out.x <= x.max(axis=0)).all()


def test_bad_settings_rejected() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        CTGAN(batch_size=25, pac=10)
    with pytest.raises(ValueError, match="steps"):
        TVAE(steps=0)
    with pytest.raises(ValueError, match="hidden"):
        TabDDPM(hidden=())
    with pytest.raises(ValueError, match="shrinkage"):
        GaussianCopula(shrinkage=2.0)


def exact_copy_share(synthetic: pd.DataFrame, real: pd.DataFrame) -> float:
    """Share of synthetic rows equal, column by column, to some real row."""
    keys = [tuple(map(str, row)) for row in real.astype(object).itertuples(index=False)]
    seen = set(keys)
    rows = [tuple(map(str, row)) for row in synthetic.astype(object).itertuples(index=False)]
    return float(np.mean([r in seen for r in rows])) if rows else 0.0


def test_minority_only_valid_and_no_copies(fitted, mixed: LabeledData) -> None:
    _, syn = fitted
    out = syn.sample({"fraud": 60}, generator=4)
    assert out.y.tolist() == [1] * 60
    real = mixed.x
    for col in ("channel", "country"):
        assert set(out.x[col].astype(str)) <= set(real[col].astype(str))
    for col in ("amount", "count"):
        assert real[col].min() <= out.x[col].min() and out.x[col].max() <= real[col].max()
    # A continuous column makes exact copies rare. They can still occur when a value is clipped
    # to a column's training min/max and the other columns match that extreme row (seen with
    # CTGAN at this 4-step budget); the ``tabular_copies`` filter removes them in experiments.
    assert exact_copy_share(out.x, real) <= 0.05
    assert exact_copy_share(real.iloc[:10], real) == 1.0


def test_unlabeled_pool_accepted_and_ignored(mixed: LabeledData) -> None:
    name = "gaussian_copula"
    a = make(name).fit(mixed, generator=0)
    b = make(name).fit(mixed, unlabeled=mixed, generator=0)
    pd.testing.assert_frame_equal(a.sample(4, generator=1).x, b.sample(4, generator=1).x)
    with pytest.raises(TypeError, match="unlabeled must be None or tabular"):
        make(name).fit(mixed, unlabeled=["a"], generator=0)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("labeled_per_class", [None, 10])
def test_through_generative_strategy(name: str, labeled_per_class, mixed: LabeledData) -> None:
    from genaug.data import split
    from genaug.experiment.generative import GenerativeAugmentation

    parts = split(mixed, labeled_per_class=labeled_per_class, val_per_class=2, test_fraction=0.2, seed=0)
    strategy = GenerativeAugmentation(synthesizer={"name": name, **TINY[name]}, n_per_class=6)
    plan = strategy.prepare(parts, generator=0)
    n_lab = len(parts.labeled)
    assert len(plan.train) == n_lab + 12
    assert plan.train.meta["source"].tolist() == ["real"] * n_lab + ["synthetic"] * 12
    assert plan.info["used_pool"] is (labeled_per_class is not None)
    assert plan.train.x.dtypes.to_dict() == mixed.x.dtypes.to_dict()
