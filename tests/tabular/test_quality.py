"""Tabular fidelity/privacy/utility metrics with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.data.tabular import from_frame
from genaug.quality.tabular import (
    TableEncoder,
    column_fidelity,
    correlation_difference,
    detection_auc,
    distance_to_closest_record,
    privacy_report,
    tabular_quality,
    train_synthetic_test_real,
)

from .conftest import make_mixed_frame


def _table(seed: int, n_major: int = 150, n_minor: int = 50, shift: float = 0.0) -> LabeledData:
    frame = make_mixed_frame(n_major, n_minor, seed=seed)
    frame["amount"] = frame["amount"] + shift * 100
    if shift:
        frame["channel"] = "web"
    return from_frame(frame, target="target", classes=["ok", "fraud"])


@pytest.fixture(scope="module")
def real() -> LabeledData:
    return _table(0)


def test_identical_tables(real: LabeledData) -> None:
    fid = column_fidelity(real, real)
    assert fid["ks_mean"] == 0.0 and fid["tv_mean"] == 0.0 and fid["marginal_mean"] == 0.0
    assert correlation_difference(real, real) == {"corr_diff_mean": 0.0, "corr_diff_max": 0.0}
    auc = detection_auc(real, real, generator=0)["detection_auc"]
    assert abs(auc - 0.5) < 0.1
    priv = privacy_report(real, real)
    assert priv["exact_copy_share"] == 1.0 and priv["dcr_median"] == 0.0


def test_same_distribution_vs_shifted(real: LabeledData) -> None:
    fresh, shifted = _table(1), _table(2, shift=1.0)
    near = column_fidelity(real, fresh)
    far = column_fidelity(real, shifted)
    assert near["ks_mean"] < 0.2 and far["ks/amount"] > 0.9 and far["tv/channel"] > 0.5
    assert abs(detection_auc(real, fresh, generator=0)["detection_auc"] - 0.5) < 0.15
    assert detection_auc(real, shifted, generator=0)["detection_auc"] > 0.95


def test_correlation_difference_detects_broken_dependence() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=500)
    corr = pd.DataFrame({"a": a, "b": a + 0.1 * rng.normal(size=500)})
    indep = pd.DataFrame({"a": a, "b": rng.permutation(corr["b"].to_numpy())})
    assert correlation_difference(corr, indep)["corr_diff_max"] > 0.8
    assert correlation_difference(corr, corr.sample(frac=1.0, random_state=0))["corr_diff_max"] < 1e-9


def test_dcr_and_holdout_baseline(real: LabeledData) -> None:
    holdout = _table(3)
    copies = real.subset(np.arange(40))
    report = privacy_report(real, copies, holdout)
    assert report["exact_copy_share"] == 1.0 and report["near_copy_share"] == 1.0
    assert report["dcr_ratio"] == 0.0 and report["closer_than_holdout_share"] > 0.9
    fresh = privacy_report(real, _table(4), holdout)
    assert fresh["exact_copy_share"] == 0.0
    assert 0.5 < fresh["dcr_ratio"] < 2.0 and 0.3 < fresh["closer_than_holdout_share"] < 0.7
    d = distance_to_closest_record(real, real.subset([0, 1]))
    np.testing.assert_array_equal(d, [0.0, 0.0])


def test_encoder_one_hot_and_scaling(real: LabeledData) -> None:
    enc = TableEncoder().fit(real)
    z = enc.transform(real)
    assert z.shape == (len(real), 2 + 3 + 4 + 2)
    np.testing.assert_allclose(z[:, :2].mean(axis=0), 0.0, atol=1e-9)
    np.testing.assert_allclose(z[:, 2:].sum(axis=1), 3.0)
    with pytest.raises(ValueError, match="not fitted"):
        TableEncoder().transform(real)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        TableEncoder().transform(real)
    unseen = real.x.copy()
    unseen["channel"] = unseen["channel"].astype(str).replace("web", "moon")
    z_unseen = enc.transform(unseen)  # an unseen category encodes as all zeros
    assert z_unseen.shape == z.shape and (z_unseen[:, 2:5].sum(axis=1) <= 1).all()


def test_one_table_encoder_for_metrics_and_synthesizers(real: LabeledData) -> None:
    """quality.tabular and the synthesizers share one TableEncoder (two numeric encodings)."""
    import torch

    from genaug.data.tabular import table_schema
    from genaug.synth.tabular.base import frame_to_arrays
    from genaug.synth.tabular.transformer import TableEncoder as SynthEncoder

    assert TableEncoder is SynthEncoder
    schema = table_schema(real.x)
    num, codes = frame_to_arrays(real.x, schema)
    cards = [len(s.categories) for s in schema.discrete]
    standard = TableEncoder().fit_arrays(num, cards)
    np.testing.assert_allclose(standard.encode(num, codes), TableEncoder().fit_transform(real), atol=1e-6)
    modes = TableEncoder(numeric="modes", max_modes=3).fit_arrays(num, cards, seed=0)
    assert [s.kind for s in modes.spans_][:2] == ["alpha", "mode"] and modes.dim_ > standard.dim_
    for enc in (standard, modes):
        again = TableEncoder.from_dict(enc.to_dict())
        x = again.encode(num, codes)
        np.testing.assert_array_equal(x, enc.encode(num, codes))
        back_num, back_codes = again.decode(x)
        np.testing.assert_array_equal(back_codes, codes)
        if enc is standard:
            np.testing.assert_allclose(back_num, num, rtol=1e-5, atol=1e-4)
            active = again.activate(torch.from_numpy(x)).numpy()
            np.testing.assert_allclose(active[:, :2], x[:, :2])  # standardised values pass through
    with pytest.raises(ValueError, match="numeric"):
        TableEncoder(numeric="log")


def test_tstr_real_copy_matches_trtr(real: LabeledData) -> None:
    test = _table(5)
    out = train_synthetic_test_real(real, test, real=real, generator=0)
    assert out["tstr_pr_auc"] == pytest.approx(out["trtr_pr_auc"])
    assert 0.0 <= out["tstr_balanced_accuracy"] <= 1.0
    flipped = LabeledData(real.x, 1 - real.y, real.class_names, "tabular")
    assert train_synthetic_test_real(flipped, test, generator=0)["tstr_pr_auc"] < out["tstr_pr_auc"]


def test_tabular_quality_minority_only(real: LabeledData) -> None:
    minority = real.subset(np.flatnonzero(real.y == 1))
    report = tabular_quality(real, minority, holdout=_table(6), test=_table(7), generator=0)
    assert report["exact_copy_share"] == 1.0 and report["ks_mean"] == 0.0
    for key in ("detection_auc", "corr_diff_mean", "tstr_pr_auc", "trtr_pr_auc", "dcr_ratio"):
        assert key in report


def test_registered_metrics_and_copy_filter(real: LabeledData) -> None:
    fresh = _table(8)
    assert registry.create("metric", "tabular_fidelity")(real, fresh)["marginal_mean"] < 0.3
    assert "detection_auc" in registry.create("metric", "detection_auc", n_folds=3)(real, fresh)
    assert "dcr_ratio" in registry.create("metric", "tabular_privacy")(real, fresh, holdout=_table(9))
    assert "tstr_pr_auc" in registry.create("metric", "tstr")(fresh, real)
    mixed = real.subset(np.arange(5)).concat(fresh.subset(np.arange(5)))
    kept = registry.create("filter", "tabular_copies").fit(real)(mixed)
    assert len(kept) == 5 and (kept.meta["filter_score_tabular_copies"] > 0).all()


def test_bad_inputs(real: LabeledData) -> None:
    with pytest.raises(ValueError, match="columns"):
        column_fidelity(real, real.x.drop(columns=["amount"]))
    with pytest.raises(ValueError, match="n_folds"):
        detection_auc(real, real, n_folds=1)
    with pytest.raises(ValueError, match="threshold"):
        registry.create("filter", "tabular_copies", threshold=-1.0)
    with pytest.raises(TypeError, match="tabular"):
        column_fidelity(LabeledData(["a", "b"], [0, 1], ("a", "b"), "text"), real)
