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
    assert {c["strategy"] for c in comps} == {"classical", "svm_rbf (no aug)"}


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
