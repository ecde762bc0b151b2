"""Output files: both or neither (a SIGKILLed ``genaug run``), strict JSON, the user's umask.

* ``genaug run`` killed while it writes report.html leaves its output folder as it was: the
  results.json and report.html of the previous run, a pair, never a new results.json beside an
  old or missing report; the next run replaces both and removes the killed run's temp folder.
* A report that fails leaves neither file (in-process; the run records in ``out/runs/`` stay,
  so a re-run resumes).
* results.json is strict JSON: a NaN metric is written as ``null`` and read back as NaN.
* Every file genaug writes gets ``0o666 & ~umask`` (tempfile alone would give 0600).
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

SPEC = """\
name: kill-test
dataset: {name: digits}
split: {labeled_per_class: 3, val_per_class: 3}
model: {name: logreg}
baselines: []
strategies: [{name: none}]
seeds: [0]
"""

# Runs `genaug run` with write_report replaced by one that writes half a report into the
# temporary folder, says where, and waits to be killed.
KILLED_RUN = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import genaug.experiment.report as report

    def half_a_report(results, path):
        Path(path).write_text("<html><body>half")
        Path(sys.argv[3]).write_text(str(path))
        time.sleep(600)

    report.write_report = half_a_report
    from genaug.cli import app
    app(["run", sys.argv[1], "--out", sys.argv[2], "--quiet"])
""")


@pytest.fixture(scope="module")
def tiny_results():
    """A real (tiny) experiment's results, run once."""
    import yaml

    from genaug.experiment import ExperimentSpec, run

    return run(ExperimentSpec.from_dict(yaml.safe_load(SPEC)))


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}."))


def test_sigkill_during_report_writing_leaves_both_old_files_or_neither(tmp_path: Path, tiny_results) -> None:
    from genaug.experiment import run_to_folder

    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.json").write_text('{"old": true}')
    (out / "report.html").write_text("<html>old</html>")
    (out / "notes.txt").write_text("the user's own file")
    mark = tmp_path / "writing-report"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-c", KILLED_RUN, str(spec), str(out), str(mark)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + 240
        while not mark.exists():
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the run never reached report writing"
            time.sleep(0.05)
        half = Path(mark.read_text())
        assert half.parent != out and half.read_text() == "<html><body>half"  # in the temp folder
        assert (half.parent / "results.json").is_file()  # results.json was already written there
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    # the old pair, untouched: neither new file appeared
    assert (out / "results.json").read_text() == '{"old": true}'
    assert (out / "report.html").read_text() == "<html>old</html>"
    assert (out / "notes.txt").read_text() == "the user's own file"

    # the next run publishes both and removes the killed run's temp folder
    assert _hidden(out)  # the killed run's temp folder is still there ...
    _, results_path, report_path = run_to_folder(_as_spec(tiny_results), out)
    assert json.loads(results_path.read_text())["spec"]["name"] == "kill-test"
    assert "<html" in report_path.read_text().lower() and "old" not in report_path.read_text()[:20]
    assert (out / "notes.txt").read_text() == "the user's own file"
    assert _hidden(out) == []  # ... and gone after the next run


def _as_spec(results):
    from genaug.experiment import ExperimentSpec

    return ExperimentSpec.from_dict(results.spec)


def test_a_failing_report_leaves_neither_file(tmp_path: Path, tiny_results, monkeypatch) -> None:
    import genaug.experiment.report as report
    import genaug.experiment.runner as runner

    monkeypatch.setattr(runner, "run", lambda spec, progress=None, **kwargs: tiny_results)

    def broken(results, path):
        Path(path).write_text("<html>half")
        raise RuntimeError("the report failed")

    monkeypatch.setattr(report, "write_report", broken)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="report failed"):
        runner.run_to_folder(_as_spec(tiny_results), out)
    assert not (out / "results.json").exists() and not (out / "report.html").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name != "out"] == []  # no temp folder left


def test_out_is_checked_before_the_experiment_runs(tmp_path: Path, monkeypatch) -> None:
    import genaug.experiment.runner as runner
    from genaug.errors import OutputPathError

    def must_not_run(*args, **kwargs):
        raise AssertionError("the experiment ran before --out was checked")

    monkeypatch.setattr(runner, "run", must_not_run)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "report.html").mkdir()
    with pytest.raises(OutputPathError, match="report.html"):
        runner.run_to_folder(None, tmp_path / "out")  # type: ignore[arg-type]


def test_results_json_is_strict_and_nan_round_trips(tmp_path: Path, tiny_results) -> None:
    from dataclasses import replace

    from genaug.experiment.results import Results

    record = replace(tiny_results.runs[0], metrics={**tiny_results.runs[0].metrics, "test_ece": math.nan,
                                                    "mca": math.inf})
    results = Results(spec=tiny_results.spec, runs=[record], versions=tiny_results.versions,
                      dataset=tiny_results.dataset)
    path = results.save(tmp_path / "results.json")
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text

    def refuse(token: str) -> float:
        raise ValueError(f"non-standard JSON token {token}")

    data = json.loads(text, parse_constant=refuse)  # what a strict parser accepts
    assert data["runs"][0]["metrics"]["test_ece"] is None
    back = Results.load(path)
    assert math.isnan(back.runs[0].metrics["test_ece"])
    assert back.runs[0].metrics["test_accuracy"] == record.metrics["test_accuracy"]


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_files_get_the_users_umask(tmp_path: Path, umask: int, saved_models, store_writer) -> None:
    import shutil

    from genaug.outputs import atomic_output_dir
    from genaug.serialization import atomic_write_json
    from genaug.synth import load_synthesizer

    old = os.umask(umask)
    try:
        json_path = atomic_write_json(tmp_path / "a.json", {"a": 1})
        model = load_synthesizer(saved_models["cvae"]).save(tmp_path / "model")
        store = tmp_path / "store"
        store_writer(store)
        with atomic_output_dir(tmp_path / "run") as folder:
            (folder / "x.txt").write_text("x")
            shutil.copy(json_path, folder / "y.json")
    finally:
        os.umask(old)
    want = 0o666 & ~umask
    files = [json_path, model / "config.json", model / "weights.safetensors", store / "manifest.json",
             *store.glob("shard-*.parquet")]
    for f in files:
        assert f.stat().st_mode & 0o777 == want, (f, oct(f.stat().st_mode & 0o777))
    assert (tmp_path / "run").stat().st_mode & 0o777 == 0o777 & ~umask
