"""Experiment runs in a process pool and on Ray: results.json metrics identical to the local loop,
quality metrics still tied to the first seed, the RunBook resumes with every executor, and the
CLI does not import Ray unless asked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from genaug.cli import app
from genaug.errors import GenaugError
from genaug.experiment import ExperimentSpec
from genaug.experiment.runner import pending_runs, run_to_folder
from genaug.scale import LocalExecutor, ProcessExecutor, RayExecutor, make_executor

SPEC: dict[str, Any] = {
    "name": "scale", "dataset": {"name": "digits"},
    "split": {"labeled_per_class": [5], "val_per_class": 3, "test_fraction": 0.3},
    "model": {"name": "logreg"}, "baselines": [{"name": "logreg"}],
    "strategies": [
        {"name": "none"},
        {"name": "generative", "label": "cvae", "n_per_class": 5,
         "synthesizer": {"name": "cvae", "latent_dim": 4, "width": 4, "hidden_dim": 16, "steps": 5,
                         "batch_size": 8}},
    ],
    "seeds": [0, 1],
}
_TIMING = ("seconds", "cpu_seconds", "peak_rss_mb")


def _runs(out: Path) -> list[dict[str, Any]]:
    """results.json's runs without what measures the machine (seconds, memory)."""
    data = json.loads((out / "results.json").read_text())
    runs = [{k: v for k, v in r.items() if k not in _TIMING} for r in data["runs"]]
    for r in runs:  # timings recorded inside details and info
        r.get("details", {}).pop("quality_seconds", None)
        r["info"] = {k: v for k, v in r.get("info", {}).items() if not k.startswith("seconds_")}
    return runs


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "spec.yaml"
    path.write_text(yaml.safe_dump(SPEC))
    return path


@pytest.fixture(scope="module")
def local_out(spec_file, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("local") / "out"
    res = CliRunner().invoke(app, ["run", str(spec_file), "--out", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    return out


def test_the_local_run_ties_quality_metrics_to_the_first_seed(local_out):
    runs = {(r["strategy"], r["seed"]): r for r in _runs(local_out)}
    assert [(r["strategy"], r["seed"]) for r in _runs(local_out)] == [
        (t.label, t.seed) for t in pending_runs(ExperimentSpec.from_dict(SPEC))]
    assert "quality" in runs["cvae", 0]["details"] and "quality" not in runs["cvae", 1]["details"]


def test_genaug_run_on_ray_gives_the_local_metrics(ray_session, spec_file, local_out, tmp_path):
    out = tmp_path / "ray"
    res = CliRunner().invoke(app, ["run", str(spec_file), "--out", str(out), "--quiet", "--backend", "ray",
                                   "--workers", "2"])
    assert res.exit_code == 0, res.output
    assert _runs(out) == _runs(local_out)  # same order, metrics, details (quality on seed 0 only)
    assert ray_session.is_initialized()


def test_jobs_2_gives_the_local_metrics_and_resumes_from_the_run_book(spec_file, local_out, tmp_path):
    out = tmp_path / "jobs"
    first = ExperimentSpec.from_dict({**SPEC, "seeds": [0]})
    run_to_folder(first, out)  # seed 0 recorded locally; the pool trains only seed 1
    res = CliRunner().invoke(app, ["run", str(spec_file), "--out", str(out), "--jobs", "2"])
    assert res.exit_code == 0, res.output
    assert "resumed: 3 finished runs" in res.output
    assert _runs(out) == _runs(local_out)
    assert len(list((out / "runs").glob("run-*.json"))) == 6  # the driver recorded the pool's runs


class _Stop(Exception):
    pass


def test_an_interrupted_ray_sweep_resumes_from_the_run_book(ray_session, local_out, tmp_path):
    spec = ExperimentSpec.from_dict(SPEC)

    def stop_after_two(description: str, done: int, total: int) -> None:
        if done == 2:
            raise _Stop

    with pytest.raises(_Stop):
        run_to_folder(spec, tmp_path / "out", progress=stop_after_two, executor=RayExecutor(workers=2))
    assert len(list((tmp_path / "out" / "runs").glob("run-*.json"))) == 2
    results, _, _ = run_to_folder(spec, tmp_path / "out", executor=RayExecutor())
    assert results.skipped_runs == 2
    assert _runs(tmp_path / "out") == _runs(local_out)


def test_backend_options_are_checked_before_any_work(spec_file, tmp_path):
    assert isinstance(make_executor("local"), LocalExecutor)
    assert isinstance(make_executor("local", jobs=2), ProcessExecutor)
    assert make_executor("ray", workers=3).workers == 3
    with pytest.raises(GenaugError, match="--backend.*local / processes / ray"):
        make_executor("dask")  # type: ignore[arg-type]
    with pytest.raises(GenaugError, match="--address.*Ray backend only"):
        make_executor("processes", address="auto")
    with pytest.raises(GenaugError, match="--jobs.*--workers N"):
        make_executor("ray", jobs=2)
    res = CliRunner().invoke(app, ["run", str(spec_file), "--out", str(tmp_path / "o"), "--workers", "2"])
    assert res.exit_code != 0 and "--workers" in res.output and not (tmp_path / "o").exists()


def test_importing_the_cli_does_not_import_ray():
    code = ("import sys, genaug.cli, genaug.scale, genaug.experiment.runner; "
            "bad = sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.')); print(bad); "
            "sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
