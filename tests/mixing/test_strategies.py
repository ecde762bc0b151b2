"""Fusion strategies: composition of the fused set, determinism, metadata, bad arguments."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.mixing import (
    MixConcat,
    MixCurriculum,
    MixedBatchSampler,
    MixRatio,
    MixTopUp,
    MixWeighted,
    composition,
)

NAMES = ("a", "b", "c")


def make_real(counts=(6, 3, 1), seed=0) -> LabeledData:
    g = torch.Generator().manual_seed(seed)
    y = np.repeat(np.arange(len(counts)), counts)
    n = len(y)
    # meta["index"] as carried by split parts: a key the synthetic side does not have.
    return LabeledData(torch.rand(n, 1, 8, 8, generator=g), y, NAMES, "image",
                       {"index": np.arange(100, 100 + n)})


def make_synthetic(per_class=10, seed=1, with_source=True) -> LabeledData:
    g = torch.Generator().manual_seed(seed)
    y = np.repeat(np.arange(len(NAMES)), per_class)
    meta = {"source": np.full(len(y), "synthetic")} if with_source else {}
    return LabeledData(torch.rand(len(y), 1, 8, 8, generator=g), y, NAMES, "image", meta)


def n_synthetic(data: LabeledData) -> int:
    return int((data.meta["source"] == "synthetic").sum())


# ----- concat ----------------------------------------------------------------------------------
@pytest.mark.parametrize("with_source", [True, False])
def test_concat_is_real_then_all_synthetic(with_source):
    real, syn = make_real(), make_synthetic(with_source=with_source)
    out = MixConcat().mix(real, syn)
    assert len(out) == len(real) + len(syn)
    assert composition(out) == {"real": [6, 3, 1], "synthetic": [10, 10, 10]}
    assert torch.equal(out.x[: len(real)], real.x)
    assert torch.equal(out.x[len(real):], syn.x)
    assert out.meta["weight"].tolist() == [1.0] * len(out)
    assert out.meta["source_index"].tolist() == [-1] * len(out)
    # a key only real data had is filled with the integer "missing" value on the synthetic side
    assert out.meta["index"][: len(real)].tolist() == real.meta["index"].tolist()
    assert (out.meta["index"][len(real):] == -1).all()


@pytest.mark.parametrize("strategy", [
    MixConcat(), MixRatio(synthetic_fraction=0.5), MixTopUp(), MixWeighted(synthetic_weight=0.5),
    MixCurriculum(synthetic_fraction=0.5),
])
@pytest.mark.parametrize("synthetic", [None, "empty"])
def test_no_synthetic_returns_real_marked(strategy, synthetic):
    real = make_real()
    syn = make_synthetic().subset([]) if synthetic == "empty" else None
    out = strategy.mix(real, syn, generator=0)
    assert len(out) == len(real) and torch.equal(out.x, real.x)
    assert set(out.meta["source"]) == {"real"}
    assert out.meta["weight"].tolist() == [1.0] * len(real)


# ----- ratio -----------------------------------------------------------------------------------
@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.25, 0.5, 0.7])
def test_ratio_global_hits_fraction(fraction):
    real, syn = make_real(), make_synthetic()
    out = MixRatio(synthetic_fraction=fraction).mix(real, syn, generator=0)
    k = n_synthetic(out)
    assert k == int(np.floor(fraction * len(real) / (1 - fraction) + 0.5))
    assert abs(k / len(out) - fraction) <= 1 / len(out)
    assert composition(out)["real"] == [6, 3, 1]
    # subsampled without replacement: every synthetic sample at most once
    xs = out.x[len(real):].reshape(k, 64)
    assert len(torch.unique(xs, dim=0)) == k


@pytest.mark.parametrize("fraction", [0.2, 0.5, 0.6])
def test_ratio_per_class_hits_fraction_in_every_class(fraction):
    real, syn = make_real(), make_synthetic()
    out = MixRatio(synthetic_fraction=fraction, per_class=True).mix(real, syn, generator=0)
    comp = composition(out)
    for c, n_real in enumerate([6, 3, 1]):
        expected = int(np.floor(fraction * n_real / (1 - fraction) + 0.5))
        assert comp["synthetic"][c] == expected
        total = comp["real"][c] + comp["synthetic"][c]
        assert abs(comp["synthetic"][c] / total - fraction) <= 1 / total
    # synthetic samples keep their labels
    assert np.array_equal(out.y[len(real):], np.sort(out.y[len(real):]))


def test_ratio_shortage_raises_and_repeat_reuses():
    real, syn = make_real(), make_synthetic(per_class=2)  # 6 synthetic, need 30 at f=0.75
    with pytest.raises(ValueError, match="repeat=True"):
        MixRatio(synthetic_fraction=0.75).mix(real, syn, generator=0)
    out = MixRatio(synthetic_fraction=0.75, repeat=True).mix(real, syn, generator=0)
    assert n_synthetic(out) == 30
    # 30 = 5 whole copies of the 6 synthetic samples
    uniq, counts = torch.unique(out.x[len(real):].reshape(30, -1), dim=0, return_counts=True)
    assert len(uniq) == 6 and counts.tolist() == [5] * 6


def test_ratio_is_deterministic_per_generator():
    real, syn = make_real(), make_synthetic()
    strat = MixRatio(synthetic_fraction=0.5)
    a = strat.mix(real, syn, generator=3)
    b = strat.mix(real, syn, generator=torch.Generator().manual_seed(3))
    c = strat.mix(real, syn, generator=4)
    assert torch.equal(a.x, b.x)
    assert not torch.equal(a.x, c.x)


# ----- top-up ----------------------------------------------------------------------------------
def test_topup_balances_classes_to_the_largest():
    real, syn = make_real(), make_synthetic()
    out = MixTopUp().mix(real, syn, generator=0)
    comp = composition(out)
    assert out.class_counts().tolist() == [6, 6, 6]
    assert comp == {"real": [6, 3, 1], "synthetic": [0, 3, 5]}


def test_topup_to_a_target_and_keeps_larger_classes():
    real, syn = make_real(), make_synthetic()
    out = MixTopUp(target=4).mix(real, syn, generator=0)
    assert composition(out) == {"real": [6, 3, 1], "synthetic": [0, 1, 3]}
    out = MixTopUp(target=9).mix(real, syn, generator=0)
    assert out.class_counts().tolist() == [9, 9, 9]


def test_topup_shortage_raises_naming_class_and_repeat_fills():
    real, syn = make_real(), make_synthetic(per_class=2)
    with pytest.raises(ValueError, match="class 'b'"):
        MixTopUp().mix(real, syn, generator=0)
    out = MixTopUp(repeat=True).mix(real, syn, generator=0)
    assert out.class_counts().tolist() == [6, 6, 6]


def test_topup_deterministic():
    real, syn = make_real(), make_synthetic()
    a = MixTopUp().mix(real, syn, generator=1)
    b = MixTopUp().mix(real, syn, generator=1)
    assert torch.equal(a.x, b.x) and np.array_equal(a.y, b.y)


# ----- weighted ----------------------------------------------------------------------------------
@pytest.mark.parametrize("w", [0.0, 0.3, 2.0])
def test_weighted_sets_synthetic_weight(w):
    real, syn = make_real(), make_synthetic()
    out = MixWeighted(synthetic_weight=w).mix(real, syn)
    src = out.meta["source"]
    assert (out.meta["weight"][src == "real"] == 1.0).all()
    assert (out.meta["weight"][src == "synthetic"] == w).all()
    assert composition(out)["synthetic"] == [10, 10, 10]


def test_weighted_keeps_existing_real_weights():
    real = make_real().with_meta(weight=np.full(10, 2.0))
    out = MixWeighted(synthetic_weight=0.5).mix(real, make_synthetic())
    assert out.meta["weight"][:10].tolist() == [2.0] * 10


# ----- curriculum ------------------------------------------------------------------------------
def test_curriculum_mix_and_sampler():
    real, syn = make_real(), make_synthetic()
    strat = MixCurriculum(synthetic_fraction=0.25, batch_size=8, num_steps=6, warmup_steps=2)
    out = strat.mix(real, syn)
    assert composition(out) == composition(MixConcat().mix(real, syn))
    sampler = strat.sampler(out, generator=0)
    assert isinstance(sampler, MixedBatchSampler) and len(sampler) == 6
    src = out.meta["source"]
    counts = [int((src[b.numpy()] == "synthetic").sum()) for b in sampler]
    assert counts == [0, 0, 2, 2, 2, 2]


# ----- inputs, config, registry ------------------------------------------------------------------
def test_mismatched_inputs_raise():
    real = make_real()
    other = LabeledData(torch.rand(2, 1, 8, 8), [0, 1], ("x", "y"), "image")
    with pytest.raises(ValueError, match="class_names"):
        MixConcat().mix(real, other)
    with pytest.raises(ValueError, match="shape"):
        MixConcat().mix(real, LabeledData(torch.rand(2, 1, 4, 4), [0, 1], NAMES, "image"))
    with pytest.raises(ValueError, match="modality"):
        MixConcat().mix(real, LabeledData(torch.rand(2, 1, 8), [0, 1], NAMES, "signal"))
    with pytest.raises(TypeError, match="real"):
        MixConcat().mix(real.x, None)
    with pytest.raises(TypeError, match="synthetic"):
        MixConcat().mix(real, real.x)


@pytest.mark.parametrize(("cls", "kwargs", "exc", "arg"), [
    (MixRatio, {"synthetic_fraction": 1.0}, ValueError, "synthetic_fraction"),
    (MixRatio, {"synthetic_fraction": -0.1}, ValueError, "synthetic_fraction"),
    (MixRatio, {"synthetic_fraction": "half"}, TypeError, "synthetic_fraction"),
    (MixRatio, {"synthetic_fraction": 0.5, "per_class": 1}, TypeError, "per_class"),
    (MixRatio, {"synthetic_fraction": 0.5, "repeat": "yes"}, TypeError, "repeat"),
    (MixTopUp, {"target": 0}, ValueError, "target"),
    (MixTopUp, {"target": 2.5}, TypeError, "target"),
    (MixWeighted, {"synthetic_weight": -1.0}, ValueError, "synthetic_weight"),
    (MixWeighted, {"synthetic_weight": float("inf")}, ValueError, "synthetic_weight"),
    (MixCurriculum, {"synthetic_fraction": 1.5}, ValueError, "synthetic_fraction"),
    (MixCurriculum, {"synthetic_fraction": 0.5, "batch_size": 0}, ValueError, "batch_size"),
    (MixCurriculum, {"synthetic_fraction": 0.5, "warmup_steps": -1}, ValueError, "warmup_steps"),
    (MixCurriculum, {"synthetic_fraction": 0.5, "ramp_steps": -1}, ValueError, "ramp_steps"),
    (MixCurriculum, {"synthetic_fraction": 0.5, "num_steps": 0}, ValueError, "num_steps"),
])
def test_bad_config_raises_naming_the_argument(cls, kwargs, exc, arg):
    with pytest.raises(exc, match=arg):
        cls(**kwargs)


def test_configs_are_keyword_only_and_stored_unchanged():
    with pytest.raises(TypeError):
        MixRatio(0.5)  # type: ignore[misc]
    cfg = {"synthetic_fraction": 0.25, "per_class": True, "repeat": False}
    assert MixRatio(**cfg).get_config() == cfg
    cfg = {"synthetic_fraction": 0.5, "batch_size": 16, "num_steps": None, "warmup_steps": 3,
           "ramp_steps": 2}
    assert MixCurriculum(**cfg).get_config() == cfg
    assert "synthetic_weight=0.5" in repr(MixWeighted(synthetic_weight=0.5))


def test_registered_under_fusion_with_mix_prefix():
    names = registry.available("fusion")
    for name in ("mix_concat", "mix_ratio", "mix_topup", "mix_weighted", "mix_curriculum"):
        assert name in names
        assert name not in registry.available("strategy")
    strat = registry.create("fusion", "mix_ratio", synthetic_fraction=0.5)
    assert isinstance(strat, MixRatio)


def test_fusion_has_no_training_plan_method_and_the_old_kind_says_where_it_moved():
    assert not hasattr(MixConcat(), "prepare")
    with pytest.raises(ValueError, match="registered as a fusion.*mix:"):
        registry.get("strategy", "mix_concat")


def test_no_global_rng_is_touched():
    torch.manual_seed(0)
    np.random.seed(0)
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()[1].copy()
    real, syn = make_real(), make_synthetic()
    for strat in (MixRatio(synthetic_fraction=0.5), MixTopUp(), MixConcat()):
        strat.mix(real, syn, generator=None)
    mixed = MixConcat().mix(real, syn)
    list(MixedBatchSampler(mixed, batch_size=4, synthetic_fraction=0.5, generator=None))
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], np_state)
