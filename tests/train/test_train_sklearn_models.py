"""Non-deep baselines: svm_rbf, hist_gb, logreg."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.train import NotFittedError, SklearnClassifier, evaluate, load_classifier

FAST = {"svm_rbf": {}, "logreg": {"C_grid": (0.1, 1.0)}, "hist_gb": {"max_iter": 10}}


def _noise(x: torch.Tensor, *, generator: torch.Generator) -> torch.Tensor:
    return (x + 0.05 * torch.randn(x.shape, generator=generator)).clamp(0, 1)


def _mixup(x: torch.Tensor, y_soft: torch.Tensor, *, generator: torch.Generator):
    perm = torch.randperm(len(x), generator=generator)
    return 0.7 * x + 0.3 * x[perm], 0.7 * y_soft + 0.3 * y_soft[perm]


@pytest.fixture(scope="module")
def small(splits) -> dict[str, LabeledData]:
    """A 150-sample train split keeps the sklearn fits quick."""
    return {"train": splits["train"].subset(np.arange(150)), "val": splits["val"], "test": splits["test"]}


@pytest.mark.parametrize("name", sorted(FAST))
def test_fits_beats_chance_and_is_deterministic(name, small) -> None:
    a = registry.create("model", name, **FAST[name]).fit(small["train"], small["val"], generator=0)
    assert isinstance(a, SklearnClassifier)
    probs = a.predict_proba(small["test"])
    assert probs.shape == (300, 10) and np.allclose(probs.sum(1), 1)
    assert evaluate(a, small["test"])["accuracy"] > 0.6
    b = registry.create("model", name, **FAST[name]).fit(small["train"], small["val"], generator=0)
    np.testing.assert_array_equal(probs, b.predict_proba(small["test"]))


def test_seed_reaches_the_estimator(small) -> None:
    a, b = (
        registry.create("model", "hist_gb", max_iter=10).fit(small["train"], augmenter=_noise, generator=seed)
        for seed in (1, 2)
    )
    assert a.random_state_ != b.random_state_
    assert not np.allclose(a.predict_proba(small["test"]), b.predict_proba(small["test"]))


def test_val_grid_selection_records_every_candidate(small) -> None:
    svm = registry.create("model", "svm_rbf", C_grid=(0.01, 10.0), gamma_grid=(1.0,))
    svm.fit(small["train"], small["val"], generator=0)
    assert [s["params"]["C"] for s in svm.val_scores_] == [0.01, 10.0]
    assert svm.best_params_["C"] == 10.0  # C=0.01 underfits badly
    no_val = registry.create("model", "svm_rbf", C=3.0).fit(small["train"], generator=0)
    assert no_val.val_scores_ == [] and no_val.best_params_["C"] == 3.0


def test_offline_augmentation_and_mixing_add_rows(small) -> None:
    n = len(small["train"])
    aug = registry.create("model", "logreg", n_aug_copies=2)
    aug.fit(small["train"], augmenter=_noise, generator=0)
    assert aug.n_train_rows_ == 3 * n
    mixed = registry.create("model", "logreg", n_aug_copies=1).fit(small["train"], mixer=_mixup, generator=0)
    # each mixed sample with two different labels becomes two weighted rows
    assert n + n < mixed.n_train_rows_ <= n + 2 * n
    plain = registry.create("model", "logreg").fit(small["train"], generator=0)
    assert plain.n_train_rows_ == n
    assert not np.allclose(plain.predict_proba(small["test"]), aug.predict_proba(small["test"]))


def test_sample_weights_change_the_fit(small) -> None:
    train, test = small["train"], small["test"]
    weight = np.where(train.y == 0, 0.0, 1.0)
    plain = registry.create("model", "logreg", C=1.0).fit(train, generator=0)
    weighted = registry.create("model", "logreg", C=1.0).fit(train.with_meta(weight=weight), generator=0)
    zeros = test.y == 0
    assert plain.predict_proba(test)[zeros, 0].mean() > 0.5
    assert weighted.predict_proba(test)[zeros, 0].mean() < 0.2


def test_class_absent_from_train_gets_a_zero_column(small) -> None:
    train = small["train"].subset(np.where(small["train"].y < 3)[0])
    clf = registry.create("model", "logreg").fit(train, generator=0)
    probs = clf.predict_proba(small["test"])
    assert probs.shape == (300, 10) and np.all(probs[:, 3:] == 0)


@pytest.mark.parametrize("name", sorted(FAST))
def test_save_load_round_trip(name, tmp_path, small) -> None:
    train = small["train"]
    if name != "hist_gb":  # weighted binning in sklearn's hist_gb is slow
        train = train.with_meta(weight=np.linspace(0.5, 1.5, len(train)))
    clf = registry.create("model", name, **FAST[name]).fit(train, small["val"], augmenter=_noise, generator=0)
    path = clf.save(tmp_path / name)
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "weights.safetensors"]
    loaded = load_classifier(path)
    assert type(loaded) is type(clf) and loaded.best_params_ == clf.best_params_
    np.testing.assert_array_equal(loaded.predict_proba(small["test"]), clf.predict_proba(small["test"]))


@pytest.mark.parametrize(
    ("name", "kwargs", "arg"),
    [
        ("svm_rbf", {"C": 0}, "C"),
        ("svm_rbf", {"gamma": -1.0}, "gamma"),
        ("svm_rbf", {"calibration": "isotonic"}, "calibration"),
        ("svm_rbf", {"C_grid": ()}, "C_grid"),
        ("hist_gb", {"max_iter": 0}, "max_iter"),
        ("logreg", {"n_aug_copies": 0}, "n_aug_copies"),
    ],
)
def test_bad_arguments_name_the_argument(name, kwargs, arg) -> None:
    with pytest.raises(ValueError, match=arg):
        registry.create("model", name, **kwargs)


def test_errors(small) -> None:
    with pytest.raises(NotFittedError, match="SVMClassifier"):
        registry.create("model", "svm_rbf").predict_proba(small["test"])
    train = small["train"]
    with pytest.raises(ValueError, match="single class"):
        registry.create("model", "logreg").fit(train.subset(np.where(train.y == 1)[0]))
    with pytest.raises(ValueError, match="empty"):
        registry.create("model", "logreg").fit(train.subset([]))
    other = LabeledData(small["val"].x, small["val"].y, tuple("abcdefghij"), "image")
    with pytest.raises(ValueError, match="class_names"):
        registry.create("model", "logreg").fit(train, other)


def test_standardize_auto_only_for_tabular(small) -> None:
    train = small["train"]
    table = LabeledData(train.x.reshape(len(train), -1).numpy(), train.y, train.class_names, "tabular")
    assert registry.create("model", "svm_rbf").fit(train, generator=0).standardize_ is False
    assert registry.create("model", "svm_rbf").fit(table, generator=0).standardize_ is True
    forced = registry.create("model", "logreg", standardize=True).fit(train, generator=0)
    assert forced.standardize_ is True and forced.scale_.shape == (64,)
    with pytest.raises(ValueError, match="standardize"):
        registry.create("model", "logreg", standardize="yes")
