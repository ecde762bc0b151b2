"""``Results``: every run's config, seed, metrics and timings, plus summaries over seeds."""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from genaug.experiment.stats import mean_ci, paired_diff
from genaug.serialization import atomic_write_json

#: Metrics summarised over seeds (names as produced by ``genaug.train.evaluate_split``).
SUMMARY_METRICS: tuple[str, ...] = (
    "test_accuracy", "test_macro_f1", "test_nll", "test_ece", "train_accuracy", "gap_accuracy",
)


@dataclass
class RunRecord:
    """One trained classifier: a strategy (or baseline model) at one split size and seed."""

    strategy: str
    model: str
    labeled_per_class: int
    seed: int
    metrics: dict[str, float]
    seconds: dict[str, float]
    n_train: int
    is_baseline: bool = False
    info: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass
class Results:
    """All runs of an experiment, with the spec and the library versions that produced them."""

    spec: dict[str, Any]
    runs: list[RunRecord]
    versions: dict[str, str] = field(default_factory=dict)
    dataset: dict[str, Any] = field(default_factory=dict)

    def strategies(self) -> list[str]:
        """Strategy labels in the order they first appear."""
        return list(dict.fromkeys(r.strategy for r in self.runs))

    def sizes(self) -> list[int]:
        return sorted({r.labeled_per_class for r in self.runs})

    def values(self, strategy: str, size: int, metric: str) -> np.ndarray:
        """``metric`` for ``strategy`` at ``size``, ordered by seed."""
        runs = sorted(
            (r for r in self.runs if r.strategy == strategy and r.labeled_per_class == size),
            key=lambda r: r.seed,
        )
        return np.array([r.metrics[metric] for r in runs], dtype=float)

    def summary(self) -> list[dict[str, Any]]:
        """One row per (strategy, size): mean/std/CI of each summary metric and mean seconds."""
        rows = []
        for size in self.sizes():
            for strategy in self.strategies():
                runs = [r for r in self.runs if r.strategy == strategy and r.labeled_per_class == size]
                if not runs:
                    continue
                row: dict[str, Any] = {
                    "strategy": strategy, "labeled_per_class": size, "model": runs[0].model,
                    "is_baseline": runs[0].is_baseline, "n_seeds": len(runs),
                    "seconds": float(np.mean([r.seconds["total"] for r in runs])),
                }
                for metric in SUMMARY_METRICS:
                    if all(metric in r.metrics for r in runs):
                        row[metric] = mean_ci(self.values(strategy, size, metric)).to_dict()
                rows.append(row)
        return rows

    def comparisons(self, reference: str = "none", metric: str = "test_accuracy") -> list[dict[str, Any]]:
        """Each strategy minus ``reference``, paired by seed, at every size."""
        out = []
        for size in self.sizes():
            ref = self.values(reference, size, metric)
            if ref.size == 0:
                continue
            for strategy in self.strategies():
                if strategy == reference:
                    continue
                vals = self.values(strategy, size, metric)
                if vals.shape != ref.shape:
                    continue
                out.append({
                    "strategy": strategy, "reference": reference, "labeled_per_class": size,
                    "metric": metric, **paired_diff(vals, ref).to_dict(),
                })
        return out

    def to_dict(self) -> dict[str, Any]:
        from genaug import __version__

        return {
            "genaug_version": __version__,
            "spec": self.spec,
            "dataset": self.dataset,
            "versions": self.versions,
            "runs": [r.to_dict() for r in self.runs],
            "summary": self.summary(),
            "comparisons": self.comparisons(),
        }

    def save(self, path: str | Path) -> Path:
        """Write ``results.json`` atomically to ``path`` (a file path)."""
        return atomic_write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | Path) -> Results:
        """Read a ``results.json`` written by :meth:`save`."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        runs = [RunRecord(**r) for r in data["runs"]]
        return cls(spec=data["spec"], runs=runs, versions=data.get("versions", {}),
                   dataset=data.get("dataset", {}))


def library_versions() -> dict[str, str]:
    """Versions of Python and the libraries that influence results."""
    import kornia
    import sklearn
    import torch

    from genaug import __version__

    return {
        "genaug": __version__, "python": platform.python_version(), "torch": torch.__version__,
        "numpy": np.__version__, "scikit-learn": sklearn.__version__, "kornia": kornia.__version__,
        "platform": platform.platform(),
    }
