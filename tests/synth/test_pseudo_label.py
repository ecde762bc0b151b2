"""``pseudo_label``: the pool's most confidently labeled samples, in confidence order."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genaug.data import load_dataset, split
from genaug.data.labeled import LabeledData
from genaug.synth import PseudoLabel

LOGREG = {"name": "logreg"}


@pytest.fixture(scope="module")
def digits_split():
    return split(load_dataset("digits"), labeled_per_class=5, val_per_class=0, seed=0)


@pytest.fixture(scope="module")
def fitted(digits_split):
    return PseudoLabel(model=LOGREG, augment=False).fit(
        digits_split.labeled, unlabeled=digits_split.unlabeled, generator=0)


def test_top_ranked_pool_samples_carry_mostly_true_labels(fitted, digits_split):
    out = fitted.sample(10)
    pool = digits_split.unlabeled
    true = pool.y[out.meta["source_index"]]  # the hidden labels, read only by the test
    assert torch.equal(out.x, torch.as_tensor(pool.x)[out.meta["source_index"]])
    assert (true == out.y).mean() >= 0.95
    # the least confident pool samples are far less often right than the top ones
    ranked_all = fitted.sample(100)
    tail = ranked_all.subset(np.flatnonzero(np.arange(len(ranked_all)) % 100 >= 90))
    assert (pool.y[tail.meta["source_index"]] == tail.y).mean() < (true == out.y).mean()


def test_confidence_is_non_increasing_and_amounts_are_prefixes(fitted):
    small, large = fitted.sample(5), fitted.sample(20)
    for c in range(10):
        conf = large.meta["confidence"][large.y == c]
        assert np.all(np.diff(conf) <= 1e-12)
        assert np.array_equal(small.meta["source_index"][small.y == c],
                              large.meta["source_index"][large.y == c][:5])
    assert fitted.history_["pool_size"] == sum(fitted.history_["candidates_per_class"])


def test_a_class_the_teacher_never_predicts_falls_back_to_its_labeled_samples():
    g = torch.Generator().manual_seed(0)
    x = torch.rand(6, 1, 4, 4, generator=g)
    x[:3] *= 0.2  # class a: dark; class b: bright
    labeled = LabeledData(x, [0, 0, 0, 1, 1, 1], ("a", "b"), "image")
    pool = torch.rand(8, 1, 4, 4, generator=g) * 0.2  # all look like class a
    synth = PseudoLabel(model=LOGREG, augment=False).fit(labeled, unlabeled=pool, generator=0)
    assert synth.history_["fallback_classes"] == ["b"]
    out = synth.sample({"b": 4})
    assert sorted(out.meta["source_index"].tolist()) == [3, 3, 4, 5]  # three labeled b's, repeated


def test_min_confidence_keeps_only_confident_pool_samples(fitted, digits_split):
    threshold = float(np.quantile(np.asarray(fitted.confidence_), 0.5))
    synth = PseudoLabel(model=LOGREG, augment=False, min_confidence=threshold).fit(
        digits_split.labeled, unlabeled=digits_split.unlabeled, generator=0)
    assert synth.history_["fallback_classes"] == []
    assert (synth.sample(3).meta["confidence"] >= threshold).all()
    kept = sum(synth.history_["candidates_per_class"])
    assert 0.4 * len(digits_split.unlabeled) <= kept <= 0.6 * len(digits_split.unlabeled)


@pytest.mark.parametrize("kwargs, message", [
    ({"model": "small_cnn"}, "model must be a mapping"),
    ({"min_confidence": 1.5}, "min_confidence"),
])
def test_bad_options_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PseudoLabel(**kwargs)
