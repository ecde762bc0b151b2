"""`genaug synth fit | sample | inspect` through typer's CliRunner, tiny settings on digits."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from genaug.cli import app
from genaug.data.store import SyntheticStore

runner = CliRunner()
TINY = ["--set", "steps=3", "--set", "width=4", "--set", "hidden_dim=16", "--set", "latent_dim=4",
        "--set", "batch_size=8"]  # fmt: skip


def invoke(*args: str):
    result = runner.invoke(app, ["synth", *args])
    return result


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("fit") / "model"
    result = invoke("fit", "digits", "-s", "cgan", *TINY, "--labeled-per-class", "2", "--out", str(out),
                    "--no-progress")  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def test_fit_writes_model_and_fit_info(model_dir) -> None:
    assert {p.name for p in model_dir.iterdir()} == {"config.json", "weights.safetensors", "fit.json"}
    info = json.loads((model_dir / "fit.json").read_text())
    assert info["synthesizer"] == "cgan" and info["options"]["steps"] == 3
    assert info["n_labeled"] == 20 and info["n_unlabeled"] > 0 and info["use_pool"]


def test_sample_streams_into_a_resumable_store(model_dir, tmp_path) -> None:
    args = ["sample", str(model_dir), "--n-per-class", "5", "--shard-size", "16", "--seed", "3"]
    part = invoke(*args, "--out", str(tmp_path / "a"), "--max-shards", "1")
    assert part.exit_code == 0 and "incomplete" in part.output
    resumed = invoke(*args, "--out", str(tmp_path / "a"))
    assert resumed.exit_code == 0 and "complete" in resumed.output
    whole = invoke(*args, "--out", str(tmp_path / "b"))
    assert whole.exit_code == 0
    a, b = SyntheticStore(tmp_path / "a"), SyntheticStore(tmp_path / "b")
    manifest = a.manifest()
    assert manifest["args"]["generator"]["name"] == "cgan"
    assert manifest["args"]["generator"]["config_hash"] and manifest["args"]["generator"]["checkpoint_hash"]
    assert manifest["args"]["seed"] == 3
    for sa, sb in zip(manifest["shards"], b.manifest()["shards"], strict=True):
        assert (tmp_path / "a" / sa["file"]).read_bytes() == (tmp_path / "b" / sb["file"]).read_bytes()
    data = a.read()
    assert len(data) == 50 and data.class_counts().tolist() == [5] * 10
    assert (data.meta["source_index"] == -1).all()
    other = invoke(
        "sample", str(model_dir), "--n-per-class", "5", "--seed", "4", "--out", str(tmp_path / "a")
    )
    assert other.exit_code == 2 and "other arguments" in other.output


def test_img2img_store_records_source_and_strength(tmp_path) -> None:
    out = tmp_path / "i2i"
    fit = invoke("fit", "digits", "-s", "img2img", "--set", "diffusion={width: 8, channel_mults: [1, 2], "
                 "num_timesteps: 20, steps: 2, batch_size: 8, sampling_steps: 2}", "--set", "strength=0.4",
                 "--labeled-per-class", "2", "--no-pool", "--out", str(out))  # fmt: skip
    assert fit.exit_code == 0, fit.output
    assert json.loads((out / "fit.json").read_text())["n_unlabeled"] == 0
    sample = invoke("sample", str(out), "--n-per-class", "3", "--out", str(tmp_path / "st"))
    assert sample.exit_code == 0, sample.output
    data = SyntheticStore(tmp_path / "st").read()
    assert sorted(set(data.meta["source_index"].tolist())) == list(range(20))
    assert set(data.meta["strength"].round(3).tolist()) == {0.4}


def test_inspect_writes_metrics_and_grid(model_dir, tmp_path) -> None:
    result = invoke("inspect", str(model_dir), "--n-per-class", "4", "--metrics", "fid,memorization",
                    "--out", str(tmp_path / "insp"))  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "insp" / "metrics.json").read_text())
    assert {"fid", "fid_test", "memorization"} <= set(report["metrics"]) and report["n_synthetic"] == 40
    png = (tmp_path / "insp" / "grid.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_errors_are_reported_without_traceback(tmp_path) -> None:
    bad = invoke("fit", "digits", "-s", "nope", "--out", str(tmp_path / "m"))
    assert bad.exit_code == 2 and "unknown synthesizer 'nope'" in bad.output and "cvae" in bad.output
    bad_opt = invoke("fit", "digits", "-s", "cvae", "--set", "steps", "--out", str(tmp_path / "m"))
    assert bad_opt.exit_code == 2 and "KEY=VALUE" in bad_opt.output
    bad_value = invoke("fit", "digits", "-s", "cvae", "--set", "steps=0", "--out", str(tmp_path / "m"))
    assert bad_value.exit_code == 2 and "steps" in bad_value.output
    missing = invoke("sample", str(tmp_path / "none"), "--out", str(tmp_path / "st"))
    assert missing.exit_code == 2 and "does not exist" in missing.output
    no_info = invoke("inspect", str(tmp_path / "none"), "--out", str(tmp_path / "i"))
    assert no_info.exit_code == 2 and "fit.json" in no_info.output
