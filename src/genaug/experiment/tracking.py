"""Optional MLflow logging of an experiment: params, metrics and the report as an artifact.

Needs ``mlflow-skinny`` (``pip install 'genaug[mlflow]'``); nothing else in genaug imports it.
The CLI turns it on with ``--mlflow DIR_OR_URI``.

Layout in MLflow: one **parent run** per experiment (the spec as params and ``spec.json``, the
per-strategy summary as metrics, the headline as a tag, ``results.json``/``report.html`` as
artifacts) and one **nested run** per trained model (strategy, size and seed as params; its
test/validation metrics, seconds and peak memory as metrics).

A plain directory becomes a local file store (``file:`` URI). MLflow 3 keeps that backend in
maintenance mode and refuses it unless ``MLFLOW_ALLOW_FILE_STORE`` is set; this module sets the
variable only while it logs and restores it afterwards. Any other URI (``sqlite:///m.db``,
``http://host:5000``) is passed to MLflow unchanged.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from genaug.experiment.results import Results

__all__ = ["log_to_mlflow", "mlflow_uri", "require_mlflow"]

_ALLOW_FILE_STORE = "MLFLOW_ALLOW_FILE_STORE"
_MAX_PARAM_CHARS = 6000  # MLflow's limit on a param value


def require_mlflow() -> None:
    """Raise an ImportError that says how to install MLflow when it is missing (a cheap check)."""
    import importlib.util

    if importlib.util.find_spec("mlflow") is None:
        raise ImportError(
            "MLflow logging needs mlflow-skinny: pip install 'genaug[mlflow]' (or pip install mlflow-skinny)"
        )


def mlflow_uri(target: str | Path) -> str:
    """The tracking URI for ``target``: a directory path becomes an absolute ``file:`` URI.

    Args:
        target: a local directory (created if missing) or an MLflow tracking URI with a scheme.

    Returns:
        The URI to hand to MLflow.

    Example:
        >>> mlflow_uri("sqlite:///mlflow.db")
        'sqlite:///mlflow.db'
    """
    text = str(target)
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]+://", text) or text.startswith("file:"):
        return text
    path = Path(text).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path.as_uri()


def log_to_mlflow(
    results: Results,
    tracking_uri: str | Path,
    *,
    experiment_name: str | None = None,
    artifacts: Sequence[str | Path] = (),
) -> str:
    """Log ``results`` to MLflow and return the parent run's id.

    Args:
        results: the experiment's :class:`Results`.
        tracking_uri: a local directory (file store) or an MLflow tracking URI.
        experiment_name: the MLflow experiment (created if missing); default the spec's ``name``.
        artifacts: files to attach to the parent run, e.g. ``results.json`` and ``report.html``.

    Returns:
        The parent run id.

    Raises:
        ImportError: ``mlflow-skinny`` is not installed (the message says how to install it).
        FileNotFoundError: an artifact does not exist.

    Example:
        >>> run_id = log_to_mlflow(results, "mlruns", artifacts=["out/report.html"])  # doctest: +SKIP
    """
    require_mlflow()
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param, RunTag

    missing = [str(a) for a in artifacts if not Path(a).is_file()]
    if missing:
        raise FileNotFoundError(f"artifact file(s) to log do not exist: {missing}")

    uri = mlflow_uri(tracking_uri)
    name = experiment_name or str(results.spec.get("name", "genaug"))
    with _file_store_allowed(uri):
        client = MlflowClient(tracking_uri=uri)
        found = client.get_experiment_by_name(name)
        experiment_id = found.experiment_id if found else client.create_experiment(name)

        parent = client.create_run(experiment_id, run_name=name, tags={"genaug.kind": "experiment"})
        pid = parent.info.run_id
        headline = results.headline()
        tags = [RunTag("headline", headline["sentence"])] if headline else []
        client.log_batch(pid, metrics=[Metric(k, v, 0, 0) for k, v in _summary_metrics(results).items()],
                         params=[Param(k, v) for k, v in _spec_params(results.spec).items()], tags=tags)
        client.log_dict(pid, results.spec, "spec.json")
        for path in artifacts:
            client.log_artifact(pid, str(path))

        for record in results.runs:
            child = client.create_run(
                experiment_id,
                run_name=f"{record.strategy} | {record.labeled_per_class}/class | seed {record.seed}",
                tags={"mlflow.parentRunId": pid,
                      "genaug.kind": "baseline" if record.is_baseline else "strategy"},
            )
            params = {"strategy": record.strategy, "model": record.model, "seed": record.seed,
                      "labeled_per_class": record.labeled_per_class, "n_train": record.n_train}
            client.log_batch(child.info.run_id,
                             metrics=[Metric(k, v, 0, 0) for k, v in _run_metrics(record).items()],
                             params=[Param(k, str(v)) for k, v in params.items()])
            client.set_terminated(child.info.run_id)
        client.set_terminated(pid)
    return pid


@contextlib.contextmanager
def _file_store_allowed(uri: str) -> Iterator[None]:
    """Set ``MLFLOW_ALLOW_FILE_STORE`` for a ``file:`` URI while logging, then restore it."""
    if not uri.startswith("file:"):
        yield
        return
    before = os.environ.get(_ALLOW_FILE_STORE)
    os.environ[_ALLOW_FILE_STORE] = "true"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(_ALLOW_FILE_STORE, None)
        else:
            os.environ[_ALLOW_FILE_STORE] = before


def _key(text: str) -> str:
    """An MLflow-legal metric/param name (alphanumerics, ``_ - . /`` and spaces)."""
    return re.sub(r"[^A-Za-z0-9_\-./ ]", "_", text)


def _spec_params(spec: dict[str, Any]) -> dict[str, str]:
    """One param per top-level spec key, as compact JSON (truncated to MLflow's limit)."""
    out = {}
    for key, value in spec.items():
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
        out[_key(key)] = text[:_MAX_PARAM_CHARS]
    return out


def _summary_metrics(results: Results) -> dict[str, float]:
    """``<strategy>/<size>/<metric>_mean`` (and ``_low``/``_high`` of the 95% CI) per summary row."""
    out: dict[str, float] = {}
    for row in results.summary():
        prefix = _key(f"{row['strategy']}/{row['labeled_per_class']}")
        for metric, value in row.items():
            if isinstance(value, dict) and "mean" in value:
                out[f"{prefix}/{metric}_mean"] = float(value["mean"])
                for bound in ("low", "high"):
                    if value.get(bound) is not None:
                        out[f"{prefix}/{metric}_{bound}"] = float(value[bound])
        out[f"{prefix}/cpu_minutes"] = float(row["cpu_minutes"])
    return out


def _run_metrics(record: Any) -> dict[str, float]:
    """A run's metrics, wall/CPU seconds per phase and peak memory, as floats."""
    out = {_key(k): float(v) for k, v in record.metrics.items() if isinstance(v, int | float)}
    out.update({_key(f"seconds_{k}"): float(v) for k, v in record.seconds.items()})
    out.update({_key(f"cpu_seconds_{k}"): float(v) for k, v in record.cpu_seconds.items()})
    if record.peak_rss_mb is not None:
        out["peak_rss_mb"] = float(record.peak_rss_mb)
    return out
