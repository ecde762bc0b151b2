"""Contract suite for every registered ``fusion`` (``mix(real, synthetic, generator=...)``), on
every modality (tabular and text included).

The contract (:mod:`genaug.mixing.base`): the result holds every real sample first, unchanged
and in order, then synthetic samples drawn from the synthetic input; ``meta["source"]`` marks
each sample ``"real"``/``"synthetic"``, ``meta["weight"]`` is finite and non-negative (real
samples keep theirs); the same generator gives the same result; an empty (or ``None``)
synthetic set gives the real data back, marked real; mismatched inputs raise ValueError naming
what differs.

A newly registered fusion fails ``test_every_fusion_has_test_params`` until it has an entry in
``PARAMS``.
"""

from __future__ import annotations

import numpy as np
import pytest

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.mixing.base import MixingStrategy


def _names() -> list[str]:
    return [n for n in registry.available("fusion")
            if getattr(registry.get("fusion", n), "__module__", "").startswith("genaug.")]  # fmt: skip


NAMES = _names()
PARAMS: dict[str, dict] = {
    "mix_concat": {},
    "mix_curriculum": {"synthetic_fraction": 0.5, "batch_size": 4},
    "mix_ratio": {"synthetic_fraction": 0.25, "per_class": True},
    "mix_topup": {},
    "mix_weighted": {"synthetic_weight": 0.5},
}
# Fusions that draw a random subset of the synthetic samples (the generator matters).
SUBSAMPLES = {"mix_ratio", "mix_topup"}
MODALITIES = ("image", "signal", "tabular", "mixed", "text")
CASES = [(n, m) for n in NAMES for m in MODALITIES]
IDS = [f"{n}-{m}" for n, m in CASES]
SYNTHETIC_ROW = 1000  # synthetic samples are numbered from here in meta["row"]


def make(name: str) -> MixingStrategy:
    return registry.create("fusion", name, **PARAMS.get(name, {}))


def pair(make_data, modality: str) -> tuple[LabeledData, LabeledData]:
    """Imbalanced real data (8/5/3 per class) and 6 synthetic samples per class."""
    real = make_data(modality, counts=(8, 5, 3), seed=0)
    synthetic = make_data(modality, per_class=6, seed=1)
    return real, synthetic.with_meta(row=SYNTHETIC_ROW + np.arange(len(synthetic)))


def _core(data: LabeledData) -> LabeledData:
    return LabeledData(data.x, data.y, data.class_names, data.modality, {"row": data.meta["row"]})


def test_every_fusion_has_test_params() -> None:
    for name in NAMES:
        assert name in PARAMS, f"add tiny test options for fusion {name!r} to PARAMS"
        assert issubclass(registry.get("fusion", name), MixingStrategy)


@pytest.mark.parametrize(("name", "modality"), CASES, ids=IDS)
def test_keeps_every_real_sample_and_marks_the_synthetic_ones(name, modality, make_data, same) -> None:
    real, synthetic = pair(make_data, modality)
    out = make(name).mix(real, synthetic, generator=0)
    assert (out.modality, out.class_names) == (real.modality, real.class_names)
    n = len(real)
    source = np.asarray(out.meta["source"]).astype(str)
    assert source[:n].tolist() == ["real"] * n and set(source[n:]) <= {"synthetic"}
    assert same(_core(out.subset(np.arange(n))), _core(real)), "real samples first, unchanged, in order"
    added = out.subset(np.arange(n, len(out)))
    rows = added.meta["row"] - SYNTHETIC_ROW
    assert rows.min(initial=0) >= 0 and rows.max(initial=0) < len(synthetic)
    assert same(_core(added), _core(synthetic.subset(rows))), "synthetic samples come from the input"
    assert len(added) > 0, "this tiny case should add synthetic samples"
    weight = np.asarray(out.meta["weight"], dtype=np.float64)
    assert weight.shape == (len(out),) and np.isfinite(weight).all() and (weight >= 0).all()
    np.testing.assert_array_equal(weight[:n], 1.0)
    assert np.asarray(out.meta["source_index"]).shape == (len(out),)


@pytest.mark.parametrize(("name", "modality"), CASES, ids=IDS)
def test_same_generator_same_result(name, modality, make_data, same) -> None:
    real, synthetic = pair(make_data, modality)
    fusion = make(name)
    a = fusion.mix(real, synthetic, generator=3)
    assert same(a, fusion.mix(real, synthetic, generator=3))
    assert same(a, make(name).mix(real, synthetic, generator=3))
    if name in SUBSAMPLES:
        draws = {tuple(fusion.mix(real, synthetic, generator=s).meta["row"].tolist()) for s in range(6)}
        assert len(draws) > 1, "the generator decides which synthetic samples are drawn"


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("modality", ["image", "mixed"])
def test_empty_or_no_synthetic_gives_the_real_data(name, modality, make_data, same) -> None:
    real, synthetic = pair(make_data, modality)
    for nothing in (synthetic.subset([]), None):
        out = make(name).mix(real, nothing, generator=0)
        assert same(_core(out), _core(real))
        assert np.asarray(out.meta["source"]).astype(str).tolist() == ["real"] * len(real)
        np.testing.assert_array_equal(out.meta["weight"], 1.0)


@pytest.mark.parametrize("name", NAMES)
def test_real_weights_and_metadata_are_kept(name, make_data) -> None:
    real, synthetic = pair(make_data, "tabular")
    w = np.linspace(0.5, 2.0, len(real))
    out = make(name).mix(real.with_meta(weight=w), synthetic, generator=0)
    np.testing.assert_array_equal(out.meta["weight"][: len(real)], w)


@pytest.mark.parametrize("name", NAMES)
def test_mismatched_inputs_are_refused(name, make_data) -> None:
    real, synthetic = pair(make_data, "image")
    fusion = make(name)
    renamed = LabeledData(synthetic.x, synthetic.y, ("x", "y", "z"), "image")
    with pytest.raises(ValueError, match="class_names"):
        fusion.mix(real, renamed, generator=0)
    with pytest.raises(ValueError, match="modality"):
        fusion.mix(real, make_data("signal", per_class=2), generator=0)
    with pytest.raises(ValueError, match="shape"):
        fusion.mix(real, LabeledData(synthetic.x[:, :, :4, :4], synthetic.y, real.class_names, "image"),
                   generator=0)
    with pytest.raises(TypeError, match="LabeledData"):
        fusion.mix(real.x, synthetic, generator=0)
