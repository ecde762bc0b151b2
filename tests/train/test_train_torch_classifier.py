"""TorchClassifier: learning, determinism, model selection, weights, mixers, save/load, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.train import (
    CNN1DClassifier,
    MLPNetClassifier,
    NotFittedError,
    SmallCNNClassifier,
    TorchClassifier,
    evaluate,
    load_classifier,
)

FAST_CNN = {"steps": 30, "eval_every": 10, "lr": 1e-2, "arch_kwargs": {"width": 16}}
FAST_MLP = {"steps": 40, "eval_every": 10, "lr": 1e-2, "arch_kwargs": {"hidden": (64,)}}


def _mixup(x: torch.Tensor, y_soft: torch.Tensor, *, generator: torch.Generator):
    """Stand-in for a MixUp label mixer with a fixed mixing weight."""
    perm = torch.randperm(len(x), generator=generator)
    lam = 0.7
    return lam * x + (1 - lam) * x[perm], lam * y_soft + (1 - lam) * y_soft[perm]


def _noise(x: torch.Tensor, *, generator: torch.Generator) -> torch.Tensor:
    """Stand-in augmenter: additive noise drawn from the generator, kept in [0, 1]."""
    return (x + 0.05 * torch.randn(x.shape, generator=generator)).clamp(0, 1)


def test_small_cnn_beats_chance(splits) -> None:
    clf = SmallCNNClassifier(**FAST_CNN).fit(splits["train"], splits["val"], generator=0)
    probs = clf.predict_proba(splits["test"])
    assert probs.shape == (300, 10) and np.allclose(probs.sum(1), 1)
    assert evaluate(clf, splits["test"])["accuracy"] > 0.5
    assert clf.predict(splits["test"]).dtype == np.int64
    assert clf.features(splits["test"]).shape == (300, clf.model_.feature_dim)
    assert clf.classes_ == splits["train"].class_names
    assert clf.n_params_ > 0 and clf.fit_seconds_ > 0
    assert [h["step"] for h in clf.history_] == [10, 20, 30]
    assert set(clf.history_[0]) == {"step", "train_loss", "lr", "val_acc", "val_nll"}


def test_cnn1d_on_signals_and_mlp_on_tabular(splits) -> None:
    def as_signal(d: LabeledData) -> LabeledData:  # 8 channels of length 8
        return LabeledData(d.x[:, 0], d.y, d.class_names, "signal")

    def as_table(d: LabeledData) -> LabeledData:
        return LabeledData(d.x.reshape(len(d), -1).numpy() * 16, d.y, d.class_names, "tabular")

    sig = CNN1DClassifier(steps=40, lr=1e-2, arch_kwargs={"width": 8, "pool_size": 2})
    sig.fit(as_signal(splits["train"]), generator=0)
    assert evaluate(sig, as_signal(splits["test"]))["accuracy"] > 0.5
    tab = MLPNetClassifier(**FAST_MLP).fit(as_table(splits["train"]), generator=0)
    assert tab.input_mean_ is not None  # tabular inputs are standardised
    assert evaluate(tab, as_table(splits["test"]))["accuracy"] > 0.7


def test_same_seed_same_predictions_different_seed_different(splits) -> None:
    state = torch.random.get_rng_state()
    fit = lambda seed: SmallCNNClassifier(**FAST_CNN).fit(splits["train"], generator=seed)  # noqa: E731
    a, b, c = fit(3), fit(3), fit(4)
    assert torch.equal(state, torch.random.get_rng_state())  # the global RNG is untouched
    pa = a.predict_proba(splits["test"])
    np.testing.assert_array_equal(pa, b.predict_proba(splits["test"]))
    assert not np.allclose(pa, c.predict_proba(splits["test"]))


def test_augmenter_stream_is_separate_from_batches_and_init(splits) -> None:
    """An augmenter that draws but changes nothing leaves training identical (paired streams)."""
    calls = []

    def identity(x: torch.Tensor, *, generator: torch.Generator) -> torch.Tensor:
        calls.append(torch.rand(1, generator=generator))
        return x

    plain = MLPNetClassifier(**FAST_MLP).fit(splits["train"], generator=1)
    drawn = MLPNetClassifier(**FAST_MLP).fit(splits["train"], augmenter=identity, generator=1)
    assert len(calls) == FAST_MLP["steps"]
    np.testing.assert_array_equal(plain.predict_proba(splits["test"]), drawn.predict_proba(splits["test"]))
    noisy = MLPNetClassifier(**FAST_MLP).fit(splits["train"], augmenter=_noise, generator=1)
    assert not np.allclose(plain.predict_proba(splits["test"]), noisy.predict_proba(splits["test"]))


def test_model_selection_restores_best_val_weights(splits) -> None:
    # Val labels shifted by one: the better the net learns the real labels, the worse its val
    # accuracy, so the best val step is early and the restored net must be a poor fit.
    train, val = splits["train"], splits["val"]
    shifted = LabeledData(val.x, (val.y + 1) % 10, val.class_names, "image")
    params = {**FAST_MLP, "eval_every": 5}
    selected = MLPNetClassifier(**params).fit(train, shifted, generator=0)
    final = MLPNetClassifier(**params).fit(train, None, generator=0)
    accs = [h["val_acc"] for h in selected.history_]
    assert selected.best_step_ < params["steps"]
    assert selected.best_val_acc_ == max(accs)
    assert selected.history_[accs.index(max(accs))]["step"] == selected.best_step_
    assert evaluate(selected, shifted)["accuracy"] == pytest.approx(max(accs))
    assert evaluate(selected, train)["accuracy"] < evaluate(final, train)["accuracy"] - 0.05
    assert final.best_step_ == params["steps"] and final.best_val_acc_ is None


def test_sample_weights_change_the_fit(splits) -> None:
    train, test = splits["train"], splits["test"]
    weight = np.where(train.y == 0, 0.0, 1.0)
    plain = MLPNetClassifier(**FAST_MLP).fit(train, generator=0)
    weighted = MLPNetClassifier(**FAST_MLP).fit(train.with_meta(weight=weight), generator=0)
    zeros = test.y == 0
    p_plain = plain.predict_proba(test)[zeros, 0].mean()
    p_weighted = weighted.predict_proba(test)[zeros, 0].mean()
    assert p_plain > 0.3 and p_weighted < 0.1 * p_plain


def test_soft_label_mixer_path_runs(splits) -> None:
    clf = MLPNetClassifier(**FAST_MLP, label_smoothing=0.1)
    clf.fit(splits["train"], augmenter=_noise, mixer=_mixup, generator=0)
    assert evaluate(clf, splits["test"])["accuracy"] > 0.5

    def bad_mixer(x, y_soft, *, generator):
        return x, y_soft[:, :3]

    with pytest.raises(ValueError, match="y_soft"):
        MLPNetClassifier(steps=2).fit(splits["train"], mixer=bad_mixer, generator=0)


def test_save_load_round_trip(tmp_path, splits) -> None:
    train = splits["train"]
    tab = LabeledData(train.x.reshape(300, -1).numpy(), train.y, train.class_names, "tabular")
    for clf, data in [
        (SmallCNNClassifier(**FAST_CNN).fit(splits["train"], splits["val"], generator=0), splits["test"]),
        (MLPNetClassifier(steps=5).fit(tab, generator=0), tab),
    ]:
        path = clf.save(tmp_path / type(clf).__name__)
        assert sorted(p.name for p in path.iterdir()) == ["config.json", "weights.safetensors"]
        config = json.loads((path / "config.json").read_text())
        assert config["kind"] == "model" and config["name"] == clf.registry_name
        assert config["params"]["arch"] == clf.arch
        assert config["state"]["input_shape_"] == list(clf.input_shape_)
        for loaded in (type(clf).load(path), load_classifier(path)):
            assert type(loaded) is type(clf) and loaded.classes_ == clf.classes_
            assert loaded.best_step_ == clf.best_step_ and loaded.history_ == clf.history_
            np.testing.assert_array_equal(loaded.predict_proba(data), clf.predict_proba(data))


def test_registry_create_and_progress_callback(splits) -> None:
    clf = registry.create("model", "small_cnn", steps=100)
    assert isinstance(clf, TorchClassifier) and clf.steps == 100 and clf.arch == "small_cnn"
    assert clf.get_params()["steps"] == 100 and "arch_kwargs" in clf.get_params()
    assert registry.create("model", "cnn1d").arch == "cnn1d" and registry.create("model", "mlp").arch == "mlp"
    records = []
    registry.create(
        "model", "mlp", steps=4, eval_every=2, progress=True, progress_callback=records.append
    ).fit(splits["train"], splits["val"], generator=0)
    assert [r["step"] for r in records] == [2, 4] and records[0]["val_acc"] is not None


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"steps": 0}, "steps"),
        ({"batch_size": -1}, "batch_size"),
        ({"arch": "resnet"}, "arch"),
        ({"lr": 0.0}, "lr"),
        ({"eval_every": 0}, "eval_every"),
        ({"label_smoothing": 1.0}, "label_smoothing"),
        ({"schedule": "step"}, "schedule"),
        ({"arch_kwargs": {"depth": 3}}, "arch_kwargs"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, name) -> None:
    with pytest.raises(ValueError, match=name):
        registry.create("model", "small_cnn", **kwargs)


def test_fit_data_errors(splits) -> None:
    train = splits["train"]
    clf = MLPNetClassifier(steps=2)
    with pytest.raises(ValueError, match="empty"):
        clf.fit(train.subset([]))
    with pytest.raises(ValueError, match="single class"):
        clf.fit(train.subset(np.where(train.y == 3)[0]))
    renamed = LabeledData(splits["val"].x, splits["val"].y, tuple("abcdefghij"), "image")
    with pytest.raises(ValueError, match="class_names"):
        clf.fit(train, renamed)


def test_predict_before_fit_names_the_class(splits) -> None:
    with pytest.raises(NotFittedError, match="SmallCNNClassifier") as info:
        SmallCNNClassifier().predict(splits["test"])
    assert isinstance(info.value, ValueError) and isinstance(info.value, AttributeError)


def test_predict_on_wrong_shape_raises(splits) -> None:
    clf = MLPNetClassifier(steps=2).fit(splits["train"], generator=0)
    with pytest.raises(ValueError, match="shape"):
        clf.predict_proba(torch.zeros(2, 1, 4, 4))
