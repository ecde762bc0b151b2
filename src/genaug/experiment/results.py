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
    "val_accuracy", "mca", "relative_drop",
    # two-class data (imbalanced tables): minority PR-AUC and friends
    "test_pr_auc", "test_balanced_accuracy", "test_f1_minority", "test_recall_at_p50",
)

#: How metrics are named in sentences and table headers.
METRIC_NAMES: dict[str, str] = {
    "test_accuracy": "test accuracy", "test_pr_auc": "minority PR-AUC", "test_macro_f1": "macro-F1",
    "val_accuracy": "validation accuracy", "val_pr_auc": "validation PR-AUC",
    "val_macro_f1": "validation macro-F1",
}

#: Strategies that add no generated samples: the references "best classical" is chosen from.
CLASSICAL_STRATEGIES: tuple[str, ...] = ("classical", "class_weight", "resample")

#: Strategies that choose among candidates on validation data (what a user would deploy).
AUTO_STRATEGIES: tuple[str, ...] = ("auto", "tabular_auto")

#: Below this many CPU-seconds per run a cost is not measurable: no "points per CPU-minute".
MIN_CPU_SECONDS = 1.0


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
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass
class Results:
    """All runs of an experiment, with the spec and the library versions that produced them."""

    spec: dict[str, Any]
    runs: list[RunRecord]
    versions: dict[str, str] = field(default_factory=dict)
    dataset: dict[str, Any] = field(default_factory=dict)
    skipped_runs: int = 0
    """Runs read back from a run folder instead of trained (resume); not saved."""

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
                    "seconds_by_phase": {
                        phase: float(np.mean([r.seconds.get(phase, 0.0) for r in runs]))
                        for phase in dict.fromkeys(k for r in runs for k in r.seconds if k != "total")
                    },
                    "cpu_minutes": float(np.mean([r.cpu_seconds.get("total", r.seconds["total"])
                                                  for r in runs])) / 60.0,
                    "peak_rss_mb": max((r.peak_rss_mb or 0.0) for r in runs) or None,
                }
                for metric in SUMMARY_METRICS:
                    if all(metric in r.metrics for r in runs):
                        row[metric] = mean_ci(self.values(strategy, size, metric)).to_dict()
                rows.append(row)
        return rows

    def kind(self, strategy: str) -> str:
        """``"baseline"`` (a plain model), ``"none"``, ``"classical"``, ``"auto"`` or ``"other"``.

        ``classical`` covers every strategy that adds no generated samples: on-the-fly
        classical augmentation and, for tables, class weights and the resamplers (SMOTE
        family): :data:`CLASSICAL_STRATEGIES`. ``auto`` covers :data:`AUTO_STRATEGIES`.
        """
        runs = [r for r in self.runs if r.strategy == strategy]
        if runs and runs[0].is_baseline:
            return "baseline"
        names = {s.get("label") or s["name"]: s["name"] for s in self.spec.get("strategies", [])}
        name = names.get(strategy, strategy)
        if name == "none":
            return "none"
        if name in CLASSICAL_STRATEGIES:
            return "classical"
        return "auto" if name in AUTO_STRATEGIES else "other"

    def primary_metric(self) -> str:
        """The metric the console table, captions, plots, comparisons and headline are about.

        ``evaluation.primary_metric`` of the spec when set (``accuracy``, ``macro_f1``,
        ``pr_auc``); otherwise ``"test_pr_auc"`` (minority-class PR-AUC) when every run has it,
        i.e. two-class data, where accuracy rewards predicting the majority class, and
        ``"test_accuracy"`` otherwise.
        """
        chosen = (self.spec.get("evaluation") or {}).get("primary_metric")
        if chosen and self.runs and all(f"test_{chosen}" in r.metrics for r in self.runs):
            return f"test_{chosen}"
        if self.runs and all("test_pr_auc" in r.metrics for r in self.runs):
            return "test_pr_auc"
        return "test_accuracy"

    def _selection_metric(self) -> str:
        """The validation twin of :meth:`primary_metric` (``val_accuracy`` if it is missing)."""
        val = "val_" + self.primary_metric().removeprefix("test_")
        return val if all(val in r.metrics for r in self.runs) else "val_accuracy"

    def best(self, size: int, kinds: tuple[str, ...]) -> str | None:
        """The strategy of one of ``kinds`` with the highest mean validation score at ``size``.

        The score is the validation twin of :meth:`primary_metric` (validation PR-AUC on
        two-class data, validation accuracy otherwise). Chosen on validation data only (never
        on test); ties go to the earlier strategy.
        """
        key = self._selection_metric()
        best, best_score = None, -np.inf
        for strategy in self.strategies():
            if self.kind(strategy) not in kinds:
                continue
            runs = [r for r in self.runs if r.strategy == strategy and r.labeled_per_class == size]
            vals = [r.metrics[key] for r in runs if key in r.metrics]
            score = float(np.mean(vals)) if vals and len(vals) == len(runs) else -np.inf
            if best is None or score > best_score:
                best, best_score = strategy, score
        return best

    def comparisons(self, metric: str | None = None) -> list[dict[str, Any]]:
        """Each strategy against ``none`` and against the best classical strategy, paired by seed.

        ``metric`` defaults to :meth:`primary_metric`. The best classical strategy at each size
        is the ``classical`` strategy with the highest mean validation score. Each row has the
        mean difference with its 95% t-interval, win/tie/loss counts over seeds, the strategy's
        mean CPU-minutes per run and the gain in points per CPU-minute.
        """
        metric = metric or self.primary_metric()
        out = []
        for size in self.sizes():
            references = [("none", "none")]
            best_classical = self.best(size, ("classical",))
            if best_classical is not None:
                references.append((best_classical, "best classical"))
            for reference, role in references:
                ref = self.values(reference, size, metric)
                if ref.size == 0:
                    continue
                for strategy in self.strategies():
                    if strategy == reference:
                        continue
                    vals = self.values(strategy, size, metric)
                    if vals.shape != ref.shape:
                        continue
                    diff = paired_diff(vals, ref).to_dict()
                    cpu = self._cpu_minutes(strategy, size)
                    measurable = cpu * 60.0 >= MIN_CPU_SECONDS
                    out.append({
                        "strategy": strategy, "reference": reference, "reference_role": role,
                        "labeled_per_class": size, "metric": metric, **diff, "cpu_minutes": cpu,
                        "points_per_cpu_minute": 100 * diff["diff"]["mean"] / cpu if measurable else None,
                    })
        return out

    def _cpu_minutes(self, strategy: str, size: int) -> float:
        runs = [r for r in self.runs if r.strategy == strategy and r.labeled_per_class == size]
        return float(np.mean([r.cpu_seconds.get("total", r.seconds["total"]) for r in runs])) / 60.0

    def headline(self) -> dict[str, Any] | None:
        """The answer first, at the scarcest label budget, on the primary metric.

        Rules (README, "Reading the answer"):

        * with an ``auto`` strategy in the spec, the answer is about auto (what a user would
          deploy): auto against the best strategy without synthetic data, chosen on
          validation among ``none`` and the classical strategies (classical augmentation; for
          tables class weights and the SMOTE family);
        * without auto, the best other (generative, pool) strategy chosen on validation against
          the best classical strategy (``none`` when there is none);
        * with only ``none`` and classical strategies, the best classical one against ``none``.

        The sentence names the metric, never has a double negative ("lowers ... by 3.3
        points"), prints no interval for a single seed, and notes a plain baseline model
        (e.g. an RBF SVM) that scores higher than the answer on average.
        """
        if not self.runs:
            return None
        size = self.sizes()[0]
        metric = self.primary_metric()
        candidate = self.best(size, ("auto",))
        if candidate is not None:
            reference = self.best(size, ("none", "classical"))
            ref_text = "the best strategy without synthetic data"
        else:
            candidate = self.best(size, ("other",))
            reference = self.best(size, ("classical",))
            ref_text = "the best classical strategy"
            if candidate is None or reference is None:
                candidate = candidate or reference
                reference, ref_text = "none", "no augmentation"
        if candidate is None or reference is None or candidate == reference:
            return None
        a = self.values(candidate, size, metric)
        b = self.values(reference, size, metric)
        if a.size == 0 or a.shape != b.shape:
            return None
        d = paired_diff(a, b)
        cpu = self._cpu_minutes(candidate, size)
        mean = 100 * d.diff.mean
        name = METRIC_NAMES.get(metric, metric)
        if len(a) > 1:
            lo, hi = 100 * d.diff.low, 100 * d.diff.high
            verb = "improves" if lo > 0 else "lowers" if hi < 0 else "changes"
            amount = f"{abs(mean):.1f}" if verb != "changes" else _signed(mean)
            interval = f" [95% CI {_signed(lo)}, {_signed(hi)}]"
            note = " (the interval includes 0: no clear difference)" if verb == "changes" else ""
        else:
            verb = "changes"
            amount, interval, note = _signed(mean), "", " (1 seed: no interval; run more seeds)"
        cost = f"{cpu:.2f} CPU-minutes" if cpu * 60.0 >= MIN_CPU_SECONDS else "under a CPU-second"
        seeds = f"{len(a)} seed{'s' if len(a) != 1 else ''}"
        selection = self._selection_metric()
        sentence = (
            f"{_budget(size)}, {candidate} {verb} {name} by {amount} points{interval} over {ref_text} "
            f"({reference}){note}, at {cost} per run ({seeds}; chosen on "
            f"{METRIC_NAMES.get(selection, selection)})."
        )
        beaten_by = self._better_baseline(size, metric, float(a.mean()))
        if beaten_by is not None:
            sentence += (f" Note: the plain baseline {beaten_by[0]} scores {100 * beaten_by[1]:.1f} "
                         f"{name} on average, {100 * (beaten_by[1] - a.mean()):.1f} points above "
                         f"{candidate}.")
        return {"labeled_per_class": size, "strategy": candidate, "reference": reference, "metric": metric,
                "diff": d.to_dict(), "cpu_minutes": cpu, "sentence": sentence,
                "beaten_by_baseline": None if beaten_by is None else beaten_by[0]}

    def _better_baseline(self, size: int, metric: str, score: float) -> tuple[str, float] | None:
        """The plain baseline model with the highest mean ``metric`` above ``score``, if any."""
        best: tuple[str, float] | None = None
        for strategy in self.strategies():
            if self.kind(strategy) != "baseline":
                continue
            vals = self.values(strategy, size, metric)
            if vals.size and float(vals.mean()) > score + 1e-12 and (best is None or vals.mean() > best[1]):
                best = (strategy, float(vals.mean()))
        return best

    def warnings(self) -> list[dict[str, Any]]:
        """Warnings the strategies recorded (``info["warnings"]``, e.g. a filter that kept too
        few samples): one entry per (strategy, message) with the seeds and sizes it occurred at."""
        seen: dict[tuple[str, str], dict[str, Any]] = {}
        for r in self.runs:
            for message in r.info.get("warnings") or []:
                entry = seen.setdefault((r.strategy, str(message)), {
                    "strategy": r.strategy, "message": str(message), "seeds": [], "labeled_per_class": []})
                if r.seed not in entry["seeds"]:
                    entry["seeds"].append(r.seed)
                if r.labeled_per_class not in entry["labeled_per_class"]:
                    entry["labeled_per_class"].append(r.labeled_per_class)
        return list(seen.values())

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
            "headline": self.headline(),
            "primary_metric": self.primary_metric(),
            "selection_metric": self._selection_metric(),
            "warnings": self.warnings(),
        }

    def save(self, path: str | Path) -> Path:
        """Write ``results.json`` atomically to ``path`` (a file path) as strict JSON: a NaN or
        infinite metric is written as ``null`` (read back as NaN by :meth:`load`)."""
        return atomic_write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | Path) -> Results:
        """Read a ``results.json`` written by :meth:`save` (``null`` metrics become NaN).

        Raises:
            MissingPathError: no such file.
            DataFileError: not UTF-8 JSON, or not the object :meth:`save` writes; the message
                names the file.
        """
        from genaug.errors import DataFileError, MissingPathError

        path = Path(path)
        accepted = "a results.json written by genaug run"
        if not path.is_file():
            raise MissingPathError("does not exist" if not path.exists() else "is not a file",
                                   path=path, accepted=accepted)
        try:
            data = json.loads(path.read_bytes().decode("utf-8"))
        except UnicodeDecodeError as err:
            raise DataFileError(f"is not UTF-8 text (byte {err.start})", path=path,
                                accepted=accepted) from None
        except json.JSONDecodeError as err:
            raise DataFileError(f"is not valid JSON ({err.msg} at line {err.lineno})", path=path,
                                accepted=accepted) from None
        except RecursionError:
            raise DataFileError("nests JSON too deeply", path=path, accepted=accepted) from None
        try:
            runs = []
            for r in data["runs"]:
                record = RunRecord(**r)
                record.metrics = {k: float("nan") if v is None else v for k, v in record.metrics.items()}
                runs.append(record)
            return cls(spec=data["spec"], runs=runs, versions=data.get("versions", {}),
                       dataset=data.get("dataset", {}))
        except (KeyError, TypeError, AttributeError) as err:
            what = f"lacks the key {err.args[0]!r}" if isinstance(err, KeyError) else "has the wrong layout"
            raise DataFileError(what, path=path, accepted=accepted) from None


def _signed(points: float) -> str:
    """``+1.2`` / ``-0.4`` / ``+0.0``: one decimal, never ``-0.0``."""
    text = f"{points:+.1f}"
    return "+0.0" if text == "-0.0" else text


def _budget(size: int | str) -> str:
    """``At 10 labels/class`` or, for ``labeled_per_class: all``, ``With all training labels``."""
    return "With all training labels" if size == "all" else f"At {size} labels/class"


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
