"""Resumable experiments: every finished run is recorded as it completes; re-runs skip them.

A run folder (``OUT/runs/`` for ``genaug run --out OUT``) holds

* ``spec.json``: the spec without its ``seeds`` and its hash;
* one ``run-<key>.json`` per finished (label budget, seed, strategy) run, written atomically
  the moment the run finishes (strict JSON, the :class:`~genaug.experiment.results.RunRecord`).

Running the same spec into the same folder again loads the finished runs instead of training
them (every run's seeds derive from its own (seed, strategy, size), so a skipped run would
have produced exactly what was recorded) and trains the rest. A spec that differs in anything
but ``seeds`` is refused, naming the keys that changed. Because seeds are left out of the
hash, processes or machines that each run some seeds of one spec can write into folders that
are merged by copying their ``run-*.json`` files into one ``runs/`` folder (``genaug run`` on
the merged folder then trains nothing and writes results.json and report.html).

Example:
    >>> book = RunBook(tmp / "runs", spec)              # doctest: +SKIP
    >>> book.get(10, 0, "classical") is None            # doctest: +SKIP
    True
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from genaug.errors import DataFileError, GenaugError
from genaug.experiment.results import RunRecord
from genaug.outputs import atomic_write_json, strict_json

__all__ = ["RunBook", "spec_fingerprint"]

_SPEC_FILE = "spec.json"


def spec_fingerprint(spec: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The spec without ``seeds`` and the SHA-256 of its canonical JSON."""
    body = {k: v for k, v in spec.items() if k != "seeds"}
    return body, hashlib.sha256(strict_json(body).encode("utf-8")).hexdigest()


def _key(size: Any, seed: int, strategy: str) -> str:
    text = json.dumps([size, int(seed), strategy])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class RunBook:
    """The finished runs of one spec in ``folder`` (created on first use).

    Args:
        folder: the run folder.
        spec: the spec as a dict (``ExperimentSpec.to_dict()``).

    Raises:
        GenaugError: ``folder`` holds runs of a different spec (the message names the keys that
            differ) or an unreadable ``spec.json``.
    """

    def __init__(self, folder: str | Path, spec: dict[str, Any]) -> None:
        self.folder = Path(folder)
        self.body, self.digest = spec_fingerprint(spec)
        self.skipped = 0
        spec_file = self.folder / _SPEC_FILE
        if spec_file.is_file():
            try:
                stored = json.loads(spec_file.read_text(encoding="utf-8"))
                digest, body = stored["sha256"], stored["spec"]
            except (OSError, ValueError, KeyError, TypeError) as err:
                raise DataFileError(f"is not a run folder's spec file ({type(err).__name__})", path=spec_file,
                                    accepted="a spec.json written by genaug run") from None
            if digest != self.digest:
                changed = sorted(k for k in set(body) | set(self.body) if body.get(k) != self.body.get(k))
                raise GenaugError(
                    f"the output folder holds finished runs of a different spec (changed: "
                    f"{', '.join(changed) or 'formatting'}); resuming would mix the two",
                    path=self.folder, argument="--out",
                    accepted="the same spec (seeds may differ), a new --out folder, or delete its runs/",
                )

    def _path(self, size: Any, seed: int, strategy: str) -> Path:
        return self.folder / f"run-{_key(size, seed, strategy)}.json"

    def get(self, size: Any, seed: int, strategy: str) -> RunRecord | None:
        """The recorded run, or None when it has not finished."""
        path = self._path(size, seed, strategy)
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            record = RunRecord(**data)
        except (OSError, ValueError, TypeError) as err:
            raise DataFileError(f"is not a finished run's record ({type(err).__name__})", path=path,
                                accepted="a run-*.json written by genaug run; delete it to retrain") from None
        if (record.labeled_per_class, record.seed, record.strategy) != (size, seed, strategy):
            raise DataFileError("records another run than its name says", path=path,
                                accepted="a run-*.json written by genaug run; delete it to retrain")
        record.metrics = {k: float("nan") if v is None else v for k, v in record.metrics.items()}
        self.skipped += 1
        return record

    def put(self, record: RunRecord) -> None:
        """Record a finished run atomically (and the spec, the first time)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if not (self.folder / _SPEC_FILE).is_file():
            atomic_write_json(self.folder / _SPEC_FILE, {"sha256": self.digest, "spec": self.body})
        path = self._path(record.labeled_per_class, record.seed, record.strategy)
        atomic_write_json(path, record.to_dict())
