"""MixedBatchSampler: per-batch composition, curriculum, without-replacement streams, determinism."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from genaug.data.labeled import LabeledData
from genaug.mixing import (
    LabeledDataset,
    MixConcat,
    MixCurriculum,
    MixedBatchSampler,
    MixRatio,
    MixTopUp,
    MixWeighted,
)

NAMES = ("a", "b", "c")


def make_mixed(strategy=None, counts=(12, 6, 2), per_class=16) -> LabeledData:
    g = torch.Generator().manual_seed(0)
    y = np.repeat(np.arange(3), counts)
    real = LabeledData(torch.rand(len(y), 1, 8, 8, generator=g), y, NAMES, "image")
    ys = np.repeat(np.arange(3), per_class)
    syn = LabeledData(torch.rand(len(ys), 1, 8, 8, generator=g), ys, NAMES, "image",
                      {"source": np.full(len(ys), "synthetic")})
    return (strategy or MixConcat()).mix(real, syn, generator=0)


def batch_sources(data: LabeledData, batch: torch.Tensor) -> tuple[int, int]:
    src = data.meta["source"][batch.numpy()]
    return int((src == "real").sum()), int((src == "synthetic").sum())


@pytest.mark.parametrize("strategy", [
    MixConcat(), MixRatio(synthetic_fraction=0.4), MixTopUp(), MixWeighted(synthetic_weight=0.5),
    MixCurriculum(synthetic_fraction=0.5),
], ids=lambda s: type(s).__name__)
@pytest.mark.parametrize("fraction", [0.0, 0.25, 0.5, 1.0])
def test_every_batch_has_the_requested_composition(strategy, fraction):
    data = make_mixed(strategy)
    sampler = MixedBatchSampler(data, batch_size=8, synthetic_fraction=fraction, num_steps=12,
                                generator=0)
    k = round(fraction * 8)
    for batch in sampler:
        assert batch.dtype == torch.long and batch.shape == (8,)
        assert batch_sources(data, batch) == (8 - k, k)
        # per class counts in the batch agree with the labels of the indices
        per_class = np.bincount(data.y[batch.numpy()], minlength=3)
        assert per_class.sum() == 8


def test_real_pool_is_drawn_without_replacement_per_pass():
    data = make_mixed()  # 20 real, 48 synthetic
    sampler = MixedBatchSampler(data, batch_size=8, synthetic_fraction=0.5, num_steps=5, generator=1)
    batches = torch.cat(list(sampler)).numpy()
    src = data.meta["source"][batches]
    real = batches[src == "real"]  # 5 steps x 4 real = every real sample exactly once
    assert np.array_equal(np.sort(real), np.arange(20))
    # so the class counts over the pass are the real class counts
    assert np.bincount(data.y[real], minlength=3).tolist() == [12, 6, 2]
    syn = batches[src == "synthetic"]
    assert len(np.unique(syn)) == len(syn) == 20


def test_warmup_batches_are_real_only_then_mixed():
    data = make_mixed()
    sampler = MixedBatchSampler(data, batch_size=10, synthetic_fraction=0.3, num_steps=8,
                                warmup_steps=3, generator=0)
    comps = [batch_sources(data, b) for b in sampler]
    assert comps[:3] == [(10, 0)] * 3
    assert comps[3:] == [(7, 3)] * 5
    assert [sampler.synthetic_count(t) for t in range(8)] == [c[1] for c in comps]


def test_linear_ramp_after_warmup():
    data = make_mixed()
    sampler = MixedBatchSampler(data, batch_size=8, synthetic_fraction=0.5, num_steps=10,
                                warmup_steps=2, ramp_steps=4, generator=0)
    counts = [batch_sources(data, b)[1] for b in sampler]
    # round(0.5 * r * 8) for r = 1/4, 2/4, 3/4, 1 (halves round up)
    assert counts == [0, 0, 1, 2, 3, 4, 4, 4, 4, 4]


def test_batches_are_a_pure_function_of_seed_and_step():
    data = make_mixed()
    kw = {"batch_size": 8, "synthetic_fraction": 0.25, "num_steps": 20, "warmup_steps": 2, "ramp_steps": 3}
    a = list(MixedBatchSampler(data, generator=7, **kw))
    b = MixedBatchSampler(data, generator=7, **kw)
    # resume: any step, in any order, gives the batch of a full iteration
    for step in (13, 2, 19, 0, 7):
        assert torch.equal(b.batch_indices(step), a[step])
    c = list(MixedBatchSampler(data, generator=torch.Generator().manual_seed(7), **kw))
    d = list(MixedBatchSampler(data, generator=torch.Generator().manual_seed(7), **kw))
    assert all(torch.equal(x, y) for x, y in zip(c, d, strict=True))
    e = list(MixedBatchSampler(data, generator=8, **kw))
    assert not all(torch.equal(x, y) for x, y in zip(a, e, strict=True))
    # iterating twice gives the same batches (a sampler is a fixed schedule)
    assert all(torch.equal(x, y) for x, y in zip(a, list(MixedBatchSampler(data, generator=7, **kw)),
                                                 strict=True))


def test_default_num_steps_is_one_pass():
    data = make_mixed()
    assert len(MixedBatchSampler(data, batch_size=16, synthetic_fraction=0.5, generator=0)) == 5


def test_works_as_a_dataloader_batch_sampler():
    data = make_mixed(MixWeighted(synthetic_weight=0.25))
    sampler = MixedBatchSampler(data, batch_size=8, synthetic_fraction=0.25, num_steps=4,
                                warmup_steps=1, generator=0)
    loader = DataLoader(LabeledDataset(data), batch_sampler=sampler)
    batches = list(loader)
    assert len(batches) == 4
    for step, (x, y, w) in enumerate(batches):
        idx = sampler.batch_indices(step)
        assert x.shape == (8, 1, 8, 8) and y.dtype == torch.int64 and w.dtype == torch.float32
        assert torch.equal(x, data.x[idx])
        assert torch.equal(y, torch.as_tensor(data.y[idx.numpy()]))
        assert int((w == 0.25).sum()) == (0 if step == 0 else 2)


@pytest.mark.parametrize(("kwargs", "exc", "arg"), [
    ({"batch_size": 0, "synthetic_fraction": 0.5}, ValueError, "batch_size"),
    ({"batch_size": 4.0, "synthetic_fraction": 0.5}, TypeError, "batch_size"),
    ({"batch_size": 4, "synthetic_fraction": 1.5}, ValueError, "synthetic_fraction"),
    ({"batch_size": 4, "synthetic_fraction": 0.5, "num_steps": 0}, ValueError, "num_steps"),
    ({"batch_size": 4, "synthetic_fraction": 0.5, "warmup_steps": -2}, ValueError, "warmup_steps"),
    ({"batch_size": 4, "synthetic_fraction": 0.5, "ramp_steps": -1}, ValueError, "ramp_steps"),
])
def test_bad_args_raise_naming_the_argument(kwargs, exc, arg):
    with pytest.raises(exc, match=arg):
        MixedBatchSampler(make_mixed(), **kwargs)


def test_missing_pools_raise():
    real_only = LabeledData(torch.rand(6, 1, 4, 4), [0, 1] * 3, NAMES, "image")
    with pytest.raises(ValueError, match="synthetic"):
        MixedBatchSampler(real_only, batch_size=4, synthetic_fraction=0.5)
    # fraction 0 on real-only data is fine: plain real batches
    s = MixedBatchSampler(real_only, batch_size=4, synthetic_fraction=0.0, generator=0)
    assert set(torch.cat(list(s)).tolist()) == set(range(6))
    syn_only = real_only.with_meta(source=np.full(6, "synthetic"))
    with pytest.raises(ValueError, match="real"):
        MixedBatchSampler(syn_only, batch_size=4, synthetic_fraction=1.0, warmup_steps=1)
    s = MixedBatchSampler(syn_only, batch_size=4, synthetic_fraction=1.0, generator=0)
    assert len(list(s)) == 2
    with pytest.raises(TypeError, match="data"):
        MixedBatchSampler(real_only.x, batch_size=4, synthetic_fraction=0.0)
    with pytest.raises(ValueError, match="step"):
        s.batch_indices(-1)
