import json

import pytest

from genaug.experiment import ExperimentSpec, run, run_to_folder

TINY = {
    "name": "tiny",
    "dataset": {"name": "digits"},
    "split": {"labeled_per_class": [3, 5], "val_per_class": 3, "test_fraction": 0.3},
    "model": {"name": "small_cnn", "steps": 10, "batch_size": 16, "eval_every": 5},
    "baselines": [{"name": "svm_rbf"}],
    "strategies": [{"name": "none"}, {"name": "classical"}],
    "seeds": [0, 1],
}


@pytest.fixture(scope="module")
def results():
    return run(ExperimentSpec.from_dict(TINY))


def test_every_strategy_size_and_seed_is_run(results):
    keys = {(r.strategy, r.labeled_per_class, r.seed) for r in results.runs}
    expected = {(s, n, seed) for s in ("none", "classical", "svm_rbf (no aug)")
                for n in (3, 5) for seed in (0, 1)}
    assert keys == expected
    for r in results.runs:
        assert 0.0 <= r.metrics["test_accuracy"] <= 1.0
        assert r.metrics["gap_accuracy"] == pytest.approx(
            r.metrics["train_accuracy"] - r.metrics["test_accuracy"])
        assert r.n_train == 10 * r.labeled_per_class
        assert r.seconds["total"] > 0


def test_summary_and_comparisons(results):
    summary = results.summary()
    assert len(summary) == 6
    assert all(row["n_seeds"] == 2 for row in summary)
    comps = results.comparisons()
    against_none = {c["strategy"] for c in comps if c["reference"] == "none"}
    against_classical = {c["strategy"] for c in comps if c["reference_role"] == "best classical"}
    assert against_none == {"classical", "svm_rbf (no aug)"}
    assert against_classical == {"none", "svm_rbf (no aug)"}
    assert all(c["cpu_minutes"] > 0 for c in comps)


def test_runs_record_validation_details_and_cost(results):
    for r in results.runs:
        assert 0.0 <= r.metrics["val_accuracy"] <= 1.0
        assert len(r.details["per_class_accuracy"]) == 10
        assert sum(r.details["reliability"]["count"]) > 0
        assert r.cpu_seconds["total"] > 0 and r.seconds["total"] > 0
        assert r.peak_rss_mb is not None and r.peak_rss_mb > 10
        assert "mca" not in r.metrics  # robustness is off by default


def test_robustness_is_measured_when_asked():
    spec = ExperimentSpec.from_dict({
        **TINY, "split": {**TINY["split"], "labeled_per_class": [3]}, "seeds": [0],
        "strategies": [{"name": "none"}], "baselines": [],
        "evaluation": {"robustness": True, "corruptions": ["gaussian_noise", "contrast"],
                       "severities": [1, 5], "robustness_samples": 40},
    })
    (record,) = run(spec).runs
    rob = record.details["robustness"]
    assert rob["n_samples"] == 40
    assert set(rob["accuracy"]) == {"gaussian_noise", "contrast"}
    assert set(rob["accuracy"]["contrast"]) == {"1", "5"}
    assert 0.0 <= record.metrics["mca"] <= 1.0
    assert record.metrics["mca"] == pytest.approx(
        sum(v for acc in rob["accuracy"].values() for v in acc.values()) / 4)


def test_bad_evaluation_settings_are_rejected():
    from genaug.experiment import SpecError

    with pytest.raises(SpecError, match="unknown corruption"):
        ExperimentSpec.from_dict({**TINY, "evaluation": {"robustness": True, "corruptions": ["fog"]}})
    with pytest.raises(SpecError, match="severities"):
        ExperimentSpec.from_dict({**TINY, "evaluation": {"severities": [0, 6]}})
    with pytest.raises(SpecError, match="unknown key 'robust'"):
        ExperimentSpec.from_dict({**TINY, "evaluation": {"robust": True}})


def test_same_spec_and_seed_gives_identical_metrics(tmp_path, results):
    spec = ExperimentSpec.from_dict({**TINY, "split": {**TINY["split"], "labeled_per_class": [3]}})
    run_to_folder(spec, tmp_path / "a")
    run_to_folder(spec, tmp_path / "b")
    a = json.loads((tmp_path / "a" / "results.json").read_text())
    b = json.loads((tmp_path / "b" / "results.json").read_text())
    assert [r["metrics"] for r in a["runs"]] == [r["metrics"] for r in b["runs"]]
    # and the same as in the two-size run (splits are nested, training seeds per size)
    first = {(r.strategy, r.seed): r.metrics for r in results.runs if r.labeled_per_class == 3}
    assert {(r["strategy"], r["seed"]): r["metrics"] for r in a["runs"]} == first
    assert (tmp_path / "a" / "report.html").stat().st_size > 1000


def test_generative_runs_record_synthetic_counts_quality_and_preview():
    spec = ExperimentSpec.from_dict({
        **TINY, "split": {**TINY["split"], "labeled_per_class": [3]}, "seeds": [0, 1], "baselines": [],
        "strategies": [{"name": "generative", "n_per_class": 4, "synthesizer": {
            "name": "cvae", "latent_dim": 4, "width": 4, "hidden_dim": 16, "steps": 5, "batch_size": 8,
            "progress": False}}],
    })
    first, second = run(spec).runs
    assert first.details["n_synthetic_per_class"] == [4] * 10
    assert {"fid", "precision", "memorization"} <= set(first.details["quality"])
    preview = first.details["preview"]
    assert len(preview["real"]) == 10 and len(preview["synthetic"][0]) == 4
    assert "quality" not in second.details and "preview" not in second.details
    assert first.seconds["generator_fit"] > 0


def test_auto_search_history_lands_in_results_json_as_records(tmp_path):
    spec = ExperimentSpec.from_dict({
        "dataset": {"name": "digits"}, "split": {"labeled_per_class": 3, "val_per_class": 4},
        "model": {"name": "logreg"}, "baselines": [], "seeds": [0],
        "strategies": [{"name": "auto", "synthesizers": [{"name": "pseudo_label", "model": {"name": "logreg"},
                                                          "augment": False}],
                        "n_per_class": [5], "thresholds": [0.0], "weights": [1.0], "classical": [False],
                        "baselines": ["none"], "model": {"name": "logreg"}, "repeats": 1,
                        "search": "grid", "n_trials": 1}],
    })
    _, path, _ = run_to_folder(spec, tmp_path)
    (record,) = json.loads(path.read_text())["runs"]
    history = record["info"]["history"]
    assert [h["kind"] for h in history] == ["baseline", "generative"]
    assert history[1]["config"]["synthesizer"] == "pseudo_label"
    assert isinstance(history[0]["scores"], list) and isinstance(history[0]["mean"], float)
    assert record["info"]["chosen"]["strategy"] in ("none", "generative")
