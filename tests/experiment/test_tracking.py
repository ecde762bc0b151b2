"""MLflow logging to a local file store: what lands where, read back through MLflow's client."""

import os

import mlflow
import pytest

from genaug.experiment.tracking import log_to_mlflow, mlflow_uri


def test_parent_run_holds_spec_summary_headline_and_artifacts(fake_results, tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE", raising=False)
    report = tmp_path / "report.html"
    report.write_text("<html></html>")
    store = tmp_path / "mlruns"
    run_id = log_to_mlflow(fake_results, store, artifacts=[report])
    assert "MLFLOW_ALLOW_FILE_STORE" not in os.environ  # restored

    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    client = mlflow.MlflowClient(tracking_uri=mlflow_uri(store))
    parent = client.get_run(run_id)
    assert parent.data.params["name"] == "unit <test>"
    assert parent.data.params["seeds"] == "[0, 1, 2]"
    assert parent.data.metrics["classical/10/test_accuracy_mean"] == pytest.approx(0.79)
    assert parent.data.metrics["none/10/test_accuracy_mean"] == pytest.approx(0.71)
    assert "by 8.0 points" in parent.data.tags["headline"]
    assert {a.path for a in client.list_artifacts(run_id)} == {"report.html", "spec.json"}
    assert parent.info.status == "FINISHED"


def test_one_nested_run_per_trained_model(fake_results, tmp_path, monkeypatch):
    run_id = log_to_mlflow(fake_results, tmp_path / "mlruns", experiment_name="exp")
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    client = mlflow.MlflowClient(tracking_uri=mlflow_uri(tmp_path / "mlruns"))
    experiment = client.get_experiment_by_name("exp")
    children = client.search_runs([experiment.experiment_id],
                                  filter_string=f"tags.mlflow.parentRunId = '{run_id}'")
    assert len(children) == len(fake_results.runs) == 6
    by_key = {(c.data.params["strategy"], c.data.params["seed"]): c for c in children}
    assert by_key[("classical", "2")].data.metrics["test_accuracy"] == pytest.approx(0.80)
    assert by_key[("none", "0")].data.metrics["seconds_total"] == 2.0


def test_a_second_log_reuses_the_experiment(fake_results, tmp_path, monkeypatch):
    first = log_to_mlflow(fake_results, tmp_path / "m")
    second = log_to_mlflow(fake_results, tmp_path / "m")
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    client = mlflow.MlflowClient(tracking_uri=mlflow_uri(tmp_path / "m"))
    assert client.get_run(first).info.experiment_id == client.get_run(second).info.experiment_id


def test_missing_artifact_is_an_error_before_anything_is_logged(fake_results, tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.html"):
        log_to_mlflow(fake_results, tmp_path / "m", artifacts=[tmp_path / "nope.html"])
    assert not (tmp_path / "m").exists()


def test_uri_passthrough_and_directory_to_file_uri(tmp_path):
    assert mlflow_uri("sqlite:///x.db") == "sqlite:///x.db"
    assert mlflow_uri("http://localhost:5000") == "http://localhost:5000"
    uri = mlflow_uri(tmp_path / "store")
    assert uri.startswith("file:///") and (tmp_path / "store").is_dir()
