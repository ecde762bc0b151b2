"""Comparisons, best-classical selection and the headline, on hand-made results with known answers."""

import pytest

from genaug.experiment import Results, RunRecord

SPEC = {
    "name": "unit", "model": {"name": "small_cnn"}, "seeds": [0, 1, 2], "dataset": {"name": "digits"},
    "strategies": [{"name": "none"}, {"name": "classical"},
                   {"name": "classical", "label": "classical-strong"}, {"name": "generative"}],
}
# strategy -> (test accuracy, validation accuracy, CPU seconds per run)
TRUTH = {
    "none": (0.70, 0.70, 30.0),
    "classical": (0.80, 0.75, 30.0),           # better on test ...
    "classical-strong": (0.76, 0.78, 30.0),    # ... but this one is better on validation
    "generative": (0.79, 0.80, 120.0),
}


def make_results() -> Results:
    runs = []
    for strategy, (test, val, cpu) in TRUTH.items():
        for seed in range(3):
            runs.append(RunRecord(
                strategy=strategy, model="small_cnn", labeled_per_class=10, seed=seed,
                metrics={"test_accuracy": test + 0.01 * seed, "val_accuracy": val},
                seconds={"total": cpu}, cpu_seconds={"total": cpu}, n_train=100,
            ))
    return Results(spec=SPEC, runs=runs)


def test_kinds_follow_the_spec_names():
    r = make_results()
    assert [r.kind(s) for s in r.strategies()] == ["none", "classical", "classical", "other"]


def test_best_classical_is_chosen_on_validation_not_test():
    assert make_results().best(10, ("classical",)) == "classical-strong"


def test_comparisons_against_none_and_best_classical():
    comps = make_results().comparisons()
    row = next(c for c in comps if c["strategy"] == "generative" and c["reference"] == "classical-strong")
    assert row["reference_role"] == "best classical"
    assert row["diff"]["mean"] == pytest.approx(0.03)
    assert row["diff"]["low"] == pytest.approx(0.03) and row["diff"]["high"] == pytest.approx(0.03)
    assert (row["wins"], row["ties"], row["losses"]) == (3, 0, 0)
    assert row["cpu_minutes"] == pytest.approx(2.0)
    assert row["points_per_cpu_minute"] == pytest.approx(1.5)
    vs_none = {c["strategy"] for c in comps if c["reference"] == "none"}
    assert vs_none == {"classical", "classical-strong", "generative"}


def test_headline_names_the_validation_choice_and_its_interval():
    head = make_results().headline()
    assert head["strategy"] == "generative" and head["reference"] == "classical-strong"
    assert head["sentence"].startswith(
        "At 10 labels/class, generative improves test accuracy by 3.0 points [95% CI +3.0, +3.0] "
        "over the best classical strategy (classical-strong)")
    assert "2.00 CPU-minutes" in head["sentence"]


def test_headline_without_generative_strategies_compares_classical_with_none():
    r = make_results()
    r.runs = [x for x in r.runs if x.strategy in ("none", "classical")]
    head = r.headline()
    assert head["strategy"] == "classical" and head["reference"] == "none"
    assert "over no augmentation" in head["sentence"]


def test_headline_says_when_the_interval_includes_zero():
    r = make_results()
    for x in r.runs:  # make generative noisy around classical-strong
        if x.strategy == "generative":
            x.metrics["test_accuracy"] = 0.76 + (0.02, -0.03, 0.02)[x.seed] + 0.01 * x.seed
    assert "changes test accuracy" in r.headline()["sentence"]
    assert "no clear difference" in r.headline()["sentence"]


def _binary_results(with_val_pr_auc: bool = True) -> Results:
    """Two-class runs where accuracy and minority PR-AUC disagree (majority-class accuracy)."""
    spec = {**SPEC, "strategies": [{"name": "none"}, {"name": "resample"}, {"name": "classical"}]}
    # strategy -> (test accuracy, test PR-AUC, val accuracy, val PR-AUC)
    truth = {"none": (0.95, 0.40, 0.95, 0.40), "classical": (0.96, 0.45, 0.96, 0.45),
             "resample": (0.90, 0.60, 0.90, 0.55)}
    runs = []
    for strategy, (acc, pr, vacc, vpr) in truth.items():
        for seed in range(3):
            metrics = {"test_accuracy": acc, "test_pr_auc": pr + 0.01 * seed, "val_accuracy": vacc}
            if with_val_pr_auc:
                metrics["val_pr_auc"] = vpr
            runs.append(RunRecord(strategy=strategy, model="logreg", labeled_per_class=10, seed=seed,
                                  metrics=metrics, seconds={"total": 6.0}, n_train=100))
    return Results(spec=spec, runs=runs)


def test_two_class_results_compare_and_headline_on_minority_pr_auc():
    r = _binary_results()
    assert r.primary_metric() == "test_pr_auc"
    head = r.headline()
    # resample is a classical (non-generative) strategy: the best one on validation against none
    assert head["metric"] == "test_pr_auc" and head["strategy"] == "resample"
    assert head["sentence"].startswith(
        "At 10 labels/class, resample improves minority PR-AUC by 20.0 points [95% CI +20.0, +20.0] "
        "over no augmentation (none)")
    assert "chosen on validation PR-AUC" in head["sentence"]
    assert {c["metric"] for c in r.comparisons()} == {"test_pr_auc"}


def test_multiclass_results_stay_on_accuracy_and_missing_val_pr_auc_falls_back():
    assert make_results().primary_metric() == "test_accuracy"
    assert "chosen on validation accuracy" in make_results().headline()["sentence"]
    r = _binary_results(with_val_pr_auc=False)
    assert r.primary_metric() == "test_pr_auc"
    assert "chosen on validation accuracy" in r.headline()["sentence"]


def test_headline_for_all_labels_reads_as_a_sentence():
    r = make_results()
    for run in r.runs:
        run.labeled_per_class = "all"
    assert r.headline()["sentence"].startswith("With all training labels, generative improves")
