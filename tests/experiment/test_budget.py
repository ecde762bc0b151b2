"""Time budgets: parsed durations, planned work per strategy, probed estimates, projections."""

from __future__ import annotations

from typing import Any

import pytest

from genaug import registry
from genaug.errors import GenaugError
from genaug.experiment import ExperimentSpec, budget
from genaug.experiment.budget import BudgetWatch, Work, estimate_cost, parse_duration

SPEC: dict[str, Any] = {
    "name": "budget", "dataset": {"name": "digits"},
    "split": {"labeled_per_class": [5, 10], "val_per_class": 3, "test_fraction": 0.3},
    "model": {"name": "small_cnn", "steps": 6, "batch_size": 16},
    "baselines": [{"name": "logreg"}],
    "strategies": [
        {"name": "none"},
        {"name": "generative", "synthesizer": {"name": "cvae", "steps": 6, "width": 4}, "n_per_class": 2},
        {"name": "auto", "synthesizers": [{"name": "cvae", "steps": 6, "width": 4}], "n_trials": 3,
         "repeats": 2},
    ],
    "seeds": [0, 1, 2],
}


@pytest.mark.parametrize(("text", "seconds"), [("90", 90.0), ("45s", 45.0), ("30m", 1800.0),
                                               ("1.5h", 5400.0), ("1h30m", 5400.0), (12, 12.0)])
def test_parse_duration(text: Any, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "10 parsecs", "0", "-5m", "3x"])
def test_bad_durations_name_the_option(text: str) -> None:
    with pytest.raises(GenaugError, match="--time-budget"):
        parse_duration(text)


def _work(name: str, **options: Any) -> Work:
    return registry.create("strategy", name, **options).planned_work()


def test_planned_work_per_strategy() -> None:
    assert _work("none") == Work(classifier_fits=1.0)
    assert _work("generative", synthesizer="cgan").synthesizers == ({"name": "cgan"},)
    fixmatch = _work("fixmatch", ratio=3)
    assert fixmatch.classifier_fits == pytest.approx(1 + 4.0)
    auto = _work("auto", synthesizers=["cvae"], n_trials=3, repeats=2)
    assert auto.classifier_fits == 1 + (2 + 3) * 2 and auto.synthesizers == ({"name": "cvae"},)
    kfold = _work("auto", synthesizers=["cvae"], n_trials=3, protocol="kfold", folds=4,
                  candidates=[{"name": "fixmatch"}])
    fixmatch_fits = 1 + 4 / 3 * 7  # a FixMatch candidate costs its own planned work
    assert kfold.classifier_fits == pytest.approx(1 + (2 + 3 + fixmatch_fits) * 4)
    assert len(kfold.synthesizers) == 5
    assert _work("pretrain", steps=200, batch_size=256).classifier_fits == pytest.approx(1 + 3.2)


def test_estimate_multiplies_probed_fits_by_planned_work(monkeypatch) -> None:
    probed: list[tuple[str, str]] = []

    def fake_probe(kind: str, name: str, options: dict[str, Any], data, pool) -> float:
        probed.append((kind, name))
        return {"small_cnn": 2.0, "cvae": 5.0, "logreg": 0.5}[name]

    monkeypatch.setattr(budget, "_probe_fit", fake_probe)
    estimate = estimate_cost(ExperimentSpec.from_dict(SPEC))
    assert estimate.per_run == {"none": 2.0, "generative": 2.0 + 5.0,
                                "auto": 2.0 * (1 + 5 * 2) + 5.0, "logreg (no aug)": 0.5}
    assert estimate.runs == 2 * 3 * 4
    assert estimate.seconds == pytest.approx(6 * sum(estimate.per_run.values()))
    assert sorted(probed) == [("model", "logreg"), ("model", "small_cnn"), ("synthesizer", "cvae")]
    assert estimate.over_budget(60.0) and not estimate.over_budget(estimate.seconds)
    assert "24 runs" in estimate.summary() and "auto" in estimate.summary()


def test_real_probe_runs_the_components() -> None:
    spec = ExperimentSpec.from_dict({**SPEC, "strategies": SPEC["strategies"][:2], "seeds": [0]})
    estimate = estimate_cost(spec)
    assert estimate.seconds > 0 and estimate.probe_seconds > 0
    assert set(estimate.per_run) == {"none", "generative", "logreg (no aug)"}
    assert estimate.per_run["generative"] >= estimate.per_run["none"]


def test_budget_watch_warns_once_on_projection() -> None:
    now = [0.0]
    watch = BudgetWatch(100.0, clock=lambda: now[0])
    now[0] = 40.0
    assert watch.update(1, 10) is None  # too early to judge
    now[0] = 20.0
    assert watch.update(2, 10) is None  # 100 s projected: within 1.5x
    now[0] = 60.0
    line = watch.update(3, 10)
    assert line is not None and "3.3 min" in line and "1.7 min" in line and "resume" in line
    now[0] = 90.0
    assert watch.update(4, 10) is None  # once


def test_cli_time_budget_prints_the_estimate_and_warns(tmp_path) -> None:
    import yaml
    from typer.testing import CliRunner

    from genaug.cli import app

    spec = {**SPEC, "strategies": [{"name": "none"}], "baselines": [], "seeds": [0, 1],
            "split": {**SPEC["split"], "labeled_per_class": [5]}}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    res = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "out"),
                                   "--time-budget", "0.01s"])
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert "predicted at least" in text and "for 2 runs" in text
    assert "over the time budget of 0.01 s" in text and (tmp_path / "out" / "results.json").exists()
    bad = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "bad"), "--time-budget", "soon"])
    assert bad.exit_code == 2 and "--time-budget" in bad.output and "Traceback" not in bad.output
    assert not (tmp_path / "bad").exists()
