import pytest

from genaug import registry
from genaug.data.splits import split


def _rows(n):
    return "a,b,label\n" + "".join(f"{i},{i % 3},{'x' if i % 2 else 'y'}\n" for i in range(n))


def test_csv_with_test_path_becomes_test_split(tmp_path):
    (tmp_path / "tr.csv").write_text(_rows(20))
    (tmp_path / "te.csv").write_text(_rows(6))
    data = registry.create("dataset", "csv", path=str(tmp_path / "tr.csv"), target="label",
                           test_path=str(tmp_path / "te.csv"))
    assert len(data) == 26 and data.class_names == ("x", "y")
    parts = split(data, labeled_per_class=3, val_per_class=2, seed=0)
    assert len(parts.test) == 6


def test_missing_path_is_value_error(tmp_path):
    with pytest.raises(ValueError, match="path"):
        registry.create("dataset", "csv", path=str(tmp_path / "nope.csv"), target="label")


def _run_spec(tmp_path, dataset_yaml, model="logreg"):
    import json

    from typer.testing import CliRunner

    from genaug.cli import app

    spec = tmp_path / "spec.yaml"
    spec.write_text(
        f"name: own-data\ndataset: {dataset_yaml}\n"
        "split: {labeled_per_class: 3, val_per_class: 2}\n"
        f"model: {{name: {model}}}\nbaselines: []\nstrategies: [{{name: none}}]\nseeds: [0]\n"
    )
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", str(spec), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / "report.html").is_file()
    runs = json.loads((out / "results.json").read_text())["runs"]
    return runs


def test_cli_runs_a_csv_spec_with_its_own_test_file(tmp_path):
    (tmp_path / "tr.csv").write_text(_rows(30))
    (tmp_path / "te.csv").write_text(_rows(8))
    tr, te = tmp_path / "tr.csv", tmp_path / "te.csv"
    runs = _run_spec(tmp_path, f"{{name: csv, path: {tr}, target: label, test_path: {te}}}")
    assert sum(runs[0]["details"]["reliability"]["count"]) == 8  # the test file is the test split


def test_cli_runs_an_image_folder_spec(tmp_path):
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    for cls in ("dark", "light"):
        (tmp_path / "img" / cls).mkdir(parents=True)
        for i in range(8):
            base = 40 if cls == "dark" else 200
            pixels = np.clip(base + rng.normal(0, 20, (6, 6)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(tmp_path / "img" / cls / f"{i}.png")
    runs = _run_spec(tmp_path, f"{{name: image_folder, path: {tmp_path / 'img'}}}")
    assert runs and 0.0 <= runs[0]["metrics"]["test_accuracy"] <= 1.0
