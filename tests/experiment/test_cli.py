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
