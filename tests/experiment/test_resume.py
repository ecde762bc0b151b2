"""Resumable runs: finished runs are recorded as they complete; a re-run trains only the rest."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from genaug.errors import GenaugError
from genaug.experiment import ExperimentSpec
from genaug.experiment.runner import run_to_folder

SPEC: dict[str, Any] = {
    "name": "resume", "dataset": {"name": "digits"},
    "split": {"labeled_per_class": [5], "val_per_class": 3, "test_fraction": 0.3},
    "model": {"name": "logreg"}, "baselines": [],
    "strategies": [{"name": "none"}, {"name": "class_weight"}], "seeds": [0, 1, 2],
}
_TIMING = ("seconds", "cpu_seconds", "peak_rss_mb")


def _runs(path: Path) -> list[dict[str, Any]]:
    data = json.loads((path / "results.json").read_text())
    return [{k: v for k, v in r.items() if k not in _TIMING} for r in data["runs"]]


class _Killed(Exception):
    pass


def test_an_interrupted_run_resumes_to_the_same_results(tmp_path: Path) -> None:
    spec = ExperimentSpec.from_dict(SPEC)
    whole, _, _ = run_to_folder(spec, tmp_path / "whole")

    def kill_after_two(description: str, done: int, total: int) -> None:
        if done == 2:
            raise _Killed

    out = tmp_path / "resumed"
    with pytest.raises(_Killed):
        run_to_folder(spec, out, progress=kill_after_two)
    assert not (out / "results.json").exists() and not (out / "report.html").exists()
    assert len(list((out / "runs").glob("run-*.json"))) == 2
    again, _, _ = run_to_folder(spec, out)
    assert again.skipped_runs == 2 and whole.skipped_runs == 0
    assert _runs(out) == _runs(tmp_path / "whole")
    # nothing left to train: a third run reads everything back
    assert run_to_folder(spec, out)[0].skipped_runs == 6


def test_folders_of_separate_seeds_merge_and_a_changed_spec_is_refused(tmp_path: Path) -> None:
    for seed in (0, 1):
        run_to_folder(ExperimentSpec.from_dict({**SPEC, "seeds": [seed]}), tmp_path / f"seed{seed}")
    merged = tmp_path / "merged" / "runs"
    merged.mkdir(parents=True)
    for seed in (0, 1):
        for f in (tmp_path / f"seed{seed}" / "runs").iterdir():
            (merged / f.name).write_bytes(f.read_bytes())
    results, _, _ = run_to_folder(ExperimentSpec.from_dict({**SPEC, "seeds": [0, 1]}), tmp_path / "merged")
    assert results.skipped_runs == 4 and len(results.runs) == 4
    changed = ExperimentSpec.from_dict({**SPEC, "model": {"name": "logreg", "C": 0.5}})
    with pytest.raises(GenaugError, match=r"different spec \(changed: model\)"):
        run_to_folder(changed, tmp_path / "merged")


def test_genaug_run_killed_mid_way_resumes_and_says_how_many_it_skipped(tmp_path: Path) -> None:
    import yaml

    spec_file = tmp_path / "spec.yaml"
    # a torch model, so that each run takes long enough for the kill to land between runs
    spec_file.write_text(yaml.safe_dump({**SPEC, "model": {"name": "small_cnn", "steps": 25}}))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "genaug.cli", "run", str(spec_file), "--out", str(out), "--quiet"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list((out / "runs").glob("run-*.json")):
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = len(list((out / "runs").glob("run-*.json")))
    if proc.returncode != -signal.SIGKILL or finished == 0 or finished == 6:
        pytest.fail(f"the kill did not land mid-way (exit {proc.returncode}, {finished} runs)")
    assert not (out / "results.json").exists()
    done = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, env=env, timeout=300,
                          check=True)
    assert f"resumed: {finished} finished runs" in done.stdout
    assert len(json.loads((out / "results.json").read_text())["runs"]) == 6


def test_resume_without_finished_runs_is_a_clear_error(tmp_path: Path) -> None:
    import yaml
    from typer.testing import CliRunner

    from genaug.cli import app

    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(yaml.safe_dump(SPEC))
    res = CliRunner().invoke(app, ["run", str(spec_file), "--out", str(tmp_path / "new"), "--resume"])
    assert res.exit_code == 2 and "nothing to resume" in res.output and "--resume" in res.output
    assert "Traceback" not in res.output and not (tmp_path / "new" / "results.json").exists()
