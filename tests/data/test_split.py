"""The low-data split: per-class sizes, disjointness, determinism, nesting and errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genaug.data import LabeledData, Split
from genaug.data.splits import split

PARTS = ("labeled", "unlabeled", "val", "test")


def _data(per_class=(40, 30, 50), original=False):
    y = np.concatenate([np.full(n, c) for c, n in enumerate(per_class)])
    y = np.random.default_rng(1).permutation(y)
    meta = {}
    if original:
        meta["original_split"] = np.where(np.arange(len(y)) % 5 == 0, "test", "train")
    x = torch.arange(len(y), dtype=torch.float32)[:, None, None].expand(-1, 1, 3).contiguous()
    return LabeledData(x, y, ("a", "b", "c")[: len(per_class)], "signal", meta)


def _idx(part):
    return set(part.meta["index"].tolist())


def test_sizes_per_class_and_disjoint():
    data = _data()
    s = split(data, labeled_per_class=5, val_per_class=4, test_fraction=0.3, seed=0)
    assert isinstance(s, Split)
    assert s.labeled.class_counts().tolist() == [5, 5, 5]
    assert s.val.class_counts().tolist() == [4, 4, 4]
    assert s.test.class_counts().tolist() == [12, 9, 15]
    assert s.unlabeled.class_counts().tolist() == [19, 12, 26]
    sets = [_idx(getattr(s, p)) for p in PARTS]
    assert sum(map(len, sets)) == len(data) and set().union(*sets) == set(range(len(data)))
    for part in PARTS:  # meta["index"] points back at the very samples
        p = getattr(s, part)
        assert torch.equal(p.x[:, 0, 0], torch.as_tensor(p.meta["index"], dtype=torch.float32))
        assert np.array_equal(p.y, data.y[p.meta["index"]])
    assert s.counts()["labeled"] == [5, 5, 5]


def test_deterministic_and_seed_dependent():
    data = _data()
    a = split(data, labeled_per_class=5, val_per_class=4, seed=7)
    b = split(data, labeled_per_class=5, val_per_class=4, seed=7)
    c = split(data, labeled_per_class=5, val_per_class=4, seed=8)
    for p in PARTS:
        assert np.array_equal(getattr(a, p).meta["index"], getattr(b, p).meta["index"])
    assert not np.array_equal(a.labeled.meta["index"], c.labeled.meta["index"])
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    d = split(data, labeled_per_class=5, val_per_class=4, seed=g1)
    e = split(data, labeled_per_class=5, val_per_class=4, seed=g2)
    assert np.array_equal(d.labeled.meta["index"], e.labeled.meta["index"])


def test_nested_across_labeled_sizes():
    data = _data()
    splits = [split(data, labeled_per_class=k, val_per_class=4, seed=11) for k in (1, 5, 10, None)]
    for small, big in zip(splits, splits[1:], strict=False):
        assert _idx(small.labeled) < _idx(big.labeled)
        assert _idx(small.test) == _idx(big.test) and _idx(small.val) == _idx(big.val)
        assert _idx(big.unlabeled) < _idx(small.unlabeled)
    assert len(splits[-1].unlabeled) == 0


def test_unlabeled_false_gives_empty_part():
    s = split(_data(), labeled_per_class=5, val_per_class=0, unlabeled=False, seed=0)
    assert len(s.unlabeled) == 0 and s.unlabeled.x.shape == (0, 1, 3) and len(s.val) == 0


def test_original_split_and_test_index():
    data = _data(original=True)
    s = split(data, labeled_per_class=3, val_per_class=2, seed=0, use_original_split=True)
    assert _idx(s.test) == set(np.flatnonzero(data.meta["original_split"] == "test").tolist())
    assert s.labeled.class_counts().tolist() == [3, 3, 3]
    t = split(data, labeled_per_class=3, val_per_class=2, seed=0, test_index=[0, 1, 2, 3])
    assert _idx(t.test) == {0, 1, 2, 3}
    mask = np.zeros(len(data), bool)
    mask[:4] = True
    u = split(data, labeled_per_class=3, val_per_class=2, seed=0, test_index=mask)
    assert np.array_equal(u.labeled.meta["index"], t.labeled.meta["index"])
    with pytest.raises(ValueError, match="original_split"):
        split(_data(), labeled_per_class=3, val_per_class=2, seed=0, use_original_split=True)
    with pytest.raises(ValueError, match="not both"):
        split(data, labeled_per_class=3, val_per_class=2, seed=0, use_original_split=True, test_index=[0])
    with pytest.raises(ValueError, match="test_index"):
        split(data, labeled_per_class=3, val_per_class=2, seed=0, test_index=[0, 500])


def test_too_few_samples_names_class_and_counts():
    with pytest.raises(ValueError, match=r"class 'b' has 21 samples.*= 25 were requested"):
        split(_data(), labeled_per_class=15, val_per_class=10, seed=0)


def test_bad_inputs():
    single = LabeledData(torch.zeros(4, 1, 3), [1, 1, 1, 1], ("a", "b"), "signal")
    with pytest.raises(ValueError, match="at least 2 classes.*'b'"):
        split(single, labeled_per_class=1, val_per_class=0, seed=0)
    empty = _data().subset([])
    with pytest.raises(ValueError, match="empty"):
        split(empty, labeled_per_class=1, val_per_class=0, seed=0)
    with pytest.raises(ValueError, match="test_fraction"):
        split(_data(), labeled_per_class=1, val_per_class=0, test_fraction=1.0, seed=0)
    with pytest.raises(ValueError, match="labeled_per_class"):
        split(_data(), labeled_per_class=0, val_per_class=0, seed=0)
    with pytest.raises(TypeError, match="seed"):
        split(_data(), labeled_per_class=1, val_per_class=0, seed=None)
