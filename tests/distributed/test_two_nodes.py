"""A two-node Ray cluster on one machine (``ray start --head`` plus ``ray start --address``, one
CPU each) samples a store byte-identical to the local backend, one actor on each node."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from genaug.cli import app

from .conftest import store_files

DRIVER = Path(__file__).with_name("_two_node_driver.py")
RAY = Path(sys.executable).with_name("ray")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    """Stop a `ray start --block` we started and everything it spawned (its own session)."""
    for sig, wait in ((signal.SIGTERM, 2), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=wait)
            if sig == signal.SIGKILL:
                return


@contextlib.contextmanager
def _two_nodes(env: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    address = f"127.0.0.1:{port}"
    temp = tempfile.mkdtemp(prefix="gr", dir="/tmp")  # Unix socket paths must stay short
    common = ["--num-cpus", "1", "--node-ip-address", "127.0.0.1", "--disable-usage-stats", "--block"]
    started: list[subprocess.Popen] = []
    try:
        quiet = {"env": env, "start_new_session": True, "stdout": subprocess.DEVNULL,
                 "stderr": subprocess.DEVNULL}
        started.append(subprocess.Popen([str(RAY), "start", "--head", "--port", str(port), "--temp-dir", temp,
                                         "--include-dashboard=false", *common], **quiet))
        started.append(subprocess.Popen([str(RAY), "start", "--address", address, *common], **quiet))
        yield address
    finally:
        for process in reversed(started):
            _stop(process)
        shutil.rmtree(temp, ignore_errors=True)


@pytest.mark.slow
def test_a_head_and_a_second_node_sample_the_local_store(tiny_model, tmp_path):
    local = tmp_path / "local"
    args = ["--n-per-class", "12", "--shard-size", "16", "--seed", "3"]
    res = CliRunner().invoke(app, ["synth", "sample", str(tiny_model), "--out", str(local), *args])
    assert res.exit_code == 0, res.output
    # a private cluster on localhost: no token to hand to the second node and the driver
    env = {**os.environ, "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}
    env.pop("RAY_ADDRESS", None)
    with _two_nodes(env) as address:
        done = subprocess.run(
            [sys.executable, str(DRIVER), address, str(tiny_model), str(tmp_path / "two"), "12", "16", "3"],
            env=env, capture_output=True, text=True, timeout=240,
        )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["complete"] and len(report["cluster_nodes"]) == 2
    assert sorted(report["actor_nodes"]) == report["cluster_nodes"]  # one actor on each node
    assert store_files(tmp_path / "two") == store_files(local)
