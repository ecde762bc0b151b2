import json

from typer.testing import CliRunner

from genaug.cli import app

runner = CliRunner()

SPEC = """
name: cli-test
dataset: {name: digits}
split: {labeled_per_class: 3, val_per_class: 3}
model: {name: small_cnn, steps: 5, batch_size: 16, eval_every: 5}
baselines: []
strategies: [{name: none}, {name: classical}]
seeds: [0]
"""


def test_run_writes_results_and_report(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(spec), "--out", str(out), "--seed", "7"])
    assert res.exit_code == 0, res.output
    data = json.loads((out / "results.json").read_text())
    assert data["headline"]["sentence"] in " ".join(res.output.split())
    assert "[2/2] classical | 3/class | seed 7" in res.output  # one progress line per run in logs
    assert {r["seed"] for r in data["runs"]} == {7}
    assert (out / "report.html").is_file()


def test_run_twice_with_same_spec_and_seed_gives_identical_metrics(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    runs = []
    for name in ("a", "b"):
        res = runner.invoke(app, ["run", str(spec), "--out", str(tmp_path / name), "--seed", "3", "--quiet"])
        assert res.exit_code == 0, res.output
        runs.append(json.loads((tmp_path / name / "results.json").read_text())["runs"])
    assert len(runs[0]) >= 2
    assert [r["metrics"] for r in runs[0]] == [r["metrics"] for r in runs[1]]


def test_run_unknown_key_fails_cleanly_without_output(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC + "colour: blue\n")
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(spec), "--out", str(out)])
    assert res.exit_code == 2
    assert "unknown key 'colour'" in res.output
    assert not out.exists()


def test_run_unknown_augmenter_fails_cleanly(tmp_path):
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC.replace("{name: classical}", "{name: classical, augment: {name: nope}}"))
    res = runner.invoke(app, ["run", str(spec), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert "unknown augmenter 'nope'" in res.output


def test_datasets_lists_builtins():
    res = runner.invoke(app, ["datasets"])
    assert res.exit_code == 0, res.output
    assert "digits" in res.output and "mnist1d" in res.output


def test_run_logs_to_mlflow_file_store(tmp_path, monkeypatch):
    import mlflow

    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    store = tmp_path / "mlruns"
    res = runner.invoke(app, ["run", str(spec), "--out", str(tmp_path / "out"), "--mlflow", str(store)])
    assert res.exit_code == 0, res.output
    run_id = res.output.split("mlflow:  run ")[1].split()[0]
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    client = mlflow.MlflowClient(tracking_uri=store.resolve().as_uri())
    assert {a.path for a in client.list_artifacts(run_id)} == {"report.html", "results.json", "spec.json"}
    assert "classical/3/test_accuracy_mean" in client.get_run(run_id).data.metrics


def test_run_with_mlflow_but_without_the_package_fails_before_training(tmp_path, monkeypatch):
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "mlflow" else real_find_spec(name, *a))
    spec = tmp_path / "spec.yaml"
    spec.write_text(SPEC)
    res = runner.invoke(app, ["run", str(spec), "--out", str(tmp_path / "out"), "--mlflow", "x"])
    assert res.exit_code == 2
    assert "pip install 'genaug[mlflow]'" in res.output
    assert not (tmp_path / "out").exists()
