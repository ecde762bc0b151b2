"""Tabular experiment strategies and a tiny end-to-end ``genaug.experiment.run``."""

from __future__ import annotations

import numpy as np
import pytest

from genaug import registry
from genaug.data import split
from genaug.data.labeled import LabeledData
from genaug.experiment.tabular import balanced_weights, minority_target


@pytest.fixture(scope="module")
def parts(mixed: LabeledData):
    return split(mixed, labeled_per_class=None, val_per_class=3, test_fraction=0.2, seed=0)


def test_weights_and_targets() -> None:
    y = np.array([0, 0, 0, 1])
    w = balanced_weights(y, 2)
    np.testing.assert_allclose(w, [4 / 6, 4 / 6, 4 / 6, 2.0])
    assert (w * (y == 0)).sum() == pytest.approx((w * (y == 1)).sum())
    assert minority_target(np.array([90, 18]), "auto") == {1: 72}
    assert minority_target(np.array([90, 18]), 0.5) == {1: 27}
    assert minority_target(np.array([90, 60]), 0.5) == {1: 0}


def test_class_weight(parts) -> None:
    plan = registry.create("strategy", "class_weight").prepare(parts, generator=0)
    w, y = plan.train.meta["weight"], plan.train.y
    assert w[y == 0].sum() == pytest.approx(w[y == 1].sum())
    with pytest.raises(ValueError, match="power"):
        registry.create("strategy", "class_weight", power=0.0)


@pytest.mark.parametrize("resampler", ["smote", "tabular_noise", "tabular_mixup"])
def test_resample_balances_and_switches_to_nc(parts, resampler: str) -> None:
    plan = registry.create("strategy", "resample", resampler=resampler).prepare(parts, generator=0)
    counts = plan.train.class_counts()
    assert counts[0] == counts[1] == parts.labeled.class_counts()[0]
    assert plan.info["resampler"] == ("smote_nc" if resampler == "smote" else resampler)
    again = registry.create("strategy", "resample", resampler=resampler).prepare(parts, generator=0)
    assert plan.train.x.equals(again.train.x)


def test_resample_rejects_bad_config() -> None:
    with pytest.raises(ValueError, match="'flip' is not a resampler.*registered as a augmenter"):
        registry.create("strategy", "resample", resampler="flip")
    with pytest.raises(ValueError, match="sampling_strategy"):
        registry.create("strategy", "resample", sampling_strategy=1.5)
    with pytest.raises(ValueError, match="k_neighbors"):
        registry.create("strategy", "resample", resampler={"name": "smote", "k_neighbors": 0})


def test_synthesize_adds_minority_without_copies(parts) -> None:
    strategy = registry.create("strategy", "synthesize", synthesizer={"name": "gaussian_copula"},
                               sampling_strategy=0.5, synthetic_weight=0.5)  # fmt: skip
    plan = strategy.prepare(parts, generator=0)
    n_major = parts.labeled.class_counts()[0]
    assert plan.train.class_counts()[1] == int(np.floor(0.5 * n_major + 0.5))  # half rounds up
    syn = plan.train.meta["source"] == "synthetic"
    assert (plan.train.y[syn] == 1).all() and (plan.train.meta["weight"][syn] == 0.5).all()
    from genaug.quality.tabular import distance_to_closest_record

    assert (distance_to_closest_record(parts.labeled, plan.train.subset(np.flatnonzero(syn))) > 0).all()
    assert plan.info["quality_exact_copy_share"] == 0.0
    assert 0.0 <= plan.info["quality_ks_mean"] <= 1.0 and 0.0 <= plan.info["quality_detection_auc"] <= 1.0
    smote = registry.create("strategy", "resample", resampler="smote").prepare(parts, generator=0)
    assert "quality_dcr_ratio" in smote.info
    quiet = registry.create("strategy", "resample", resampler="smote", quality=False)
    quiet = quiet.prepare(parts, generator=0)
    assert not any(k.startswith("quality_") for k in quiet.info)
    with pytest.raises(ValueError, match="unknown|synthesizer"):
        registry.create("strategy", "synthesize", synthesizer="nope")


def test_tabular_auto_picks_on_cv_only(parts) -> None:
    strategy = registry.create("strategy", "tabular_auto", model={"name": "logreg", "select_on_val": False},
                               candidates=["none", "class_weight"], folds=2)  # fmt: skip
    plan = strategy.prepare(parts, generator=0)
    assert plan.info["chosen_label"] in ("none", "class_weight")
    assert plan.info["chosen"]["strategy"] == plan.info["chosen_label"]
    assert set(plan.info["scores"]) == {"none", "class_weight"}
    assert plan.info["protocol"] == "kfold" and plan.info["metric"] == "pr_auc"
    assert all(len(r["scores"]) == 2 for r in plan.info["history"])  # one PR-AUC per fold
    with pytest.raises(ValueError, match="tabular_auto"):
        registry.create("strategy", "tabular_auto", candidates=["tabular_auto"])


def test_experiment_run_on_tabular_spec() -> None:
    from genaug.experiment import ExperimentSpec, run

    spec = ExperimentSpec.from_dict({
        "name": "tiny-tabular",
        "dataset": {"name": "breast_cancer"},
        "split": {"labeled_per_class": "all", "val_per_class": 4, "test_fraction": 0.2},
        "model": {"name": "logreg", "select_on_val": False},
        "baselines": [],
        "strategies": [
            {"name": "none"}, {"name": "class_weight"}, {"name": "resample", "resampler": "smote"},
            {"name": "synthesize", "synthesizer": "gaussian_copula", "sampling_strategy": 1.0},
        ],
        "seeds": [0],
    })  # fmt: skip
    results = run(spec)
    assert len(results.runs) == 4
    n_train = {r.strategy: r.n_train for r in results.runs}
    assert n_train["none"] == n_train["class_weight"] == 282 + 166  # imbalance kept (357 - 71 - 4, ...)
    assert n_train["resample"] == n_train["synthesize"] == 2 * 282
    for record in results.runs:
        assert 0.0 <= record.metrics["test_pr_auc"] <= 1.0
        assert "test_balanced_accuracy" in record.metrics
    out = results.to_dict()
    assert {"test_pr_auc", "test_balanced_accuracy"} <= set(out["summary"][0])
    assert out["spec"]["split"]["labeled_per_class"] == ["all"] and results.runs[0].labeled_per_class == "all"
    from genaug.experiment import render_report

    assert "minority PR-AUC" in render_report(out)


def test_tabular_auto_is_a_preset_of_auto(parts) -> None:
    model = {"name": "logreg", "select_on_val": False}
    preset = registry.create("strategy", "tabular_auto", model=model, candidates=["none", "class_weight"],
                             folds=2).prepare(parts, generator=3)
    explicit = registry.create(
        "strategy", "auto", synthesizers=[], baselines=["none"], candidates=["class_weight"], model=model,
        protocol="kfold", folds=2, metric="pr_auc", repeats=1, penalty=0.0, search="grid", n_trials=1,
    ).prepare(parts, generator=3)
    assert preset.info["scores"] == explicit.info["scores"]
    assert preset.info["chosen"] == explicit.info["chosen"]
    assert registry.create("strategy", "tabular_auto", folds=2).get_config() == {
        "candidates": None, "model": "hist_gb", "folds": 2, "margin": 0.0}
