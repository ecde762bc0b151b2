"""Fixtures for experiment tests."""

import pytest

from genaug.experiment import Results, RunRecord


@pytest.fixture
def fake_results() -> Results:
    """Hand-made results: classical beats none by exactly 8 points on each of three seeds."""
    return _results()


def _results():
    runs = []
    for strategy, base in (("none", 0.70), ("classical", 0.78)):
        for seed in range(3):
            acc = base + 0.01 * seed
            runs.append(RunRecord(
                strategy=strategy, model="small_cnn", labeled_per_class=10, seed=seed,
                metrics={"test_accuracy": acc, "test_macro_f1": acc - 0.01, "test_nll": 1.0,
                         "test_ece": 0.05, "train_accuracy": 1.0, "gap_accuracy": 1.0 - acc},
                seconds={"total": 2.0}, n_train=100,
            ))
    spec = {"name": "unit <test>", "model": {"name": "small_cnn"}, "seeds": [0, 1, 2],
            "dataset": {"name": "digits"}}
    return Results(spec=spec, runs=runs, versions={"torch": "x"}, dataset={"name": "digits"})
