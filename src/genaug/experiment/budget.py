"""How long will a spec take? A probed estimate before the run, and a projection during it.

``genaug run SPEC --time-budget 30m`` (or :func:`estimate_cost` from Python) times a few
training steps of the spec's classifier and of every generator it fits, on the spec's own data
and sample shape, on this machine, then multiplies by the work each strategy plans
(:meth:`genaug.experiment.strategies.Strategy.planned_work`: how many classifier fits, which
generators) over every label budget and seed. The estimate counts training only (not sampling,
filtering, quality metrics or pool-strategy overheads), so read it as a lower bound. When it is
well over the budget (:data:`WARN_RATIO`), the CLI warns before starting, and again during the
run when the time so far, extrapolated, says the same (:class:`BudgetWatch`).
"""

from __future__ import annotations

import inspect
import re
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.errors import GenaugError

__all__ = ["WARN_RATIO", "BudgetWatch", "CostEstimate", "Work", "estimate_cost", "format_seconds",
           "parse_duration"]

WARN_RATIO = 1.5
"""Warn when the predicted time exceeds the budget by this factor ("much longer")."""
PROBE_ROWS = 256
"""At most this many rows of the dataset are used to time the probes."""


@dataclass(frozen=True)
class Work:
    """What one run of a strategy trains: ``classifier_fits`` fits of the spec's classifier and
    one fit of each generator config in ``synthesizers`` (``{"name": ..., **options}``)."""

    classifier_fits: float = 1.0
    synthesizers: tuple[dict[str, Any], ...] = ()


@dataclass
class CostEstimate:
    """A probed cost estimate of a whole spec (:func:`estimate_cost`).

    Attributes:
        seconds: predicted wall seconds of training in the whole spec (a lower bound).
        runs: number of runs (label budgets x seeds x (strategies + baselines)).
        per_fit: probed wall seconds of one full fit, by component label.
        per_run: predicted seconds of one run, by strategy label (baselines included).
        probe_seconds: what the probes themselves took.
    """

    seconds: float
    runs: int
    per_fit: dict[str, float] = field(default_factory=dict)
    per_run: dict[str, float] = field(default_factory=dict)
    probe_seconds: float = 0.0

    def over_budget(self, budget_seconds: float | None, ratio: float = WARN_RATIO) -> bool:
        """Whether the estimate exceeds ``budget_seconds`` by more than ``ratio``."""
        return budget_seconds is not None and self.seconds > ratio * budget_seconds

    def summary(self) -> str:
        """One line: predicted total, runs, and the dearest strategies."""
        dearest = sorted(self.per_run.items(), key=lambda kv: -kv[1])[:3]
        parts = ", ".join(f"{label} ~{format_seconds(s)}" for label, s in dearest)
        return (f"predicted at least {format_seconds(self.seconds)} of training for {self.runs} runs "
                f"(per run: {parts}; probed in {format_seconds(self.probe_seconds)})")


_UNITS = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def parse_duration(text: str | float | int, *, argument: str = "--time-budget") -> float:
    """Seconds from ``"90"``, ``"90s"``, ``"30m"``, ``"1.5h"`` or ``"1h30m"``.

    Raises:
        GenaugError: the text is not a positive duration (names ``argument``).

    >>> parse_duration("1h30m"), parse_duration("45s"), parse_duration(2)
    (5400.0, 45.0, 2.0)
    """
    if isinstance(text, int | float) and not isinstance(text, bool):
        seconds = float(text)
    else:
        s = str(text).strip().lower()
        parts = re.findall(r"(\d+(?:\.\d+)?)\s*(h|min|m|s)?", s)
        if not s or not parts or re.sub(r"(\d+(?:\.\d+)?)\s*(h|min|m|s)?", "", s).strip():
            raise GenaugError(f"not a duration: {text!r}", argument=argument,
                              accepted="seconds or a number with h/m/s, e.g. 90, 30m, 1h30m")
        seconds = sum(float(n) * _UNITS[u or "s"] for n, u in parts)
    if not seconds > 0:
        raise GenaugError(f"the duration must be positive; got {text!r}", argument=argument,
                          accepted="seconds or a number with h/m/s, e.g. 90, 30m, 1h30m")
    return seconds


def format_seconds(seconds: float) -> str:
    """``0.25 s``, ``4.2 s``, ``42 s``, ``3.5 min``, ``2.1 h``."""
    if seconds < 1:
        return f"{seconds:.2f} s"
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _named(config: str | dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if isinstance(config, str):
        return config, {}
    options = {k: v for k, v in config.items() if k not in ("name", "label")}
    return str(config["name"]), options


def _accepts_steps(cls: type) -> bool:
    return "steps" in inspect.signature(cls.__init__).parameters


def _probe_fit(kind: str, name: str, options: dict[str, Any], data: LabeledData,
               pool: Any) -> float:
    """Wall seconds of one full fit of ``name``: two short fits (k and 2k steps) differenced,
    scaled to the configured steps; a full fit for models without ``steps``."""
    cls = registry.get(kind, name)
    options = {k: v for k, v in options.items() if k != "progress"}
    if "progress" in inspect.signature(cls.__init__).parameters:
        options["progress"] = False

    def fit(**overrides: Any) -> float:
        obj = cls(**{**options, **overrides})
        t0 = time.perf_counter()
        if kind == "model":
            obj.fit(data, None, generator=0)
        else:
            obj.fit(data, unlabeled=pool, generator=0)
        return time.perf_counter() - t0

    if not _accepts_steps(cls):
        return fit()
    steps = int(options.get("steps", inspect.signature(cls.__init__).parameters["steps"].default))
    k = max(1, min(4, steps // 2))
    short, long = fit(steps=k), fit(steps=2 * k)
    per_step = max(long - short, 0.0) / k
    return short + per_step * max(steps - k, 0)


def estimate_cost(spec: Any, data: LabeledData | None = None) -> CostEstimate:
    """Probe the spec's components on its data and predict the training time of the whole spec.

    Args:
        spec: an :class:`~genaug.experiment.spec.ExperimentSpec`.
        data: the spec's dataset if already loaded (else it is loaded here).

    Returns:
        A :class:`CostEstimate` (training only; sampling, filtering and metrics are not counted).
    """
    from genaug.data import load_dataset

    start = time.perf_counter()
    if data is None:
        data = load_dataset(spec.dataset.name, **spec.dataset.options)
    order = np.random.default_rng(0).permutation(len(data))  # every class, not the first rows
    n = min(len(data), PROBE_ROWS)
    probe = data.subset(order[:n])
    pool = data.subset(order[n:2 * n]).x if len(data) > n else None
    per_fit: dict[str, float] = {}

    def fit_seconds(kind: str, config: str | dict[str, Any]) -> float:
        name, options = _named(config)
        key = f"{name} {options}" if options else name
        if key not in per_fit:
            per_fit[key] = _probe_fit(kind, name, options, probe, pool)
        return per_fit[key]

    classifier = fit_seconds("model", {"name": spec.model.name, **spec.model.options})
    per_run: dict[str, float] = {}
    for strategy_spec in spec.strategies:
        strategy = registry.create("strategy", strategy_spec.name, **strategy_spec.options)
        work = strategy.planned_work()
        seconds = work.classifier_fits * classifier
        seconds += sum(fit_seconds("synthesizer", s) for s in work.synthesizers)
        per_run[strategy_spec.display_name] = seconds
    for baseline in spec.baselines:
        per_run[f"{baseline.name} (no aug)"] = fit_seconds(
            "model", {"name": baseline.name, **baseline.options})
    splits = len(spec.seeds) * len(spec.split.labeled_per_class)
    return CostEstimate(seconds=splits * sum(per_run.values()), runs=splits * len(per_run),
                        per_fit=per_fit, per_run=per_run, probe_seconds=time.perf_counter() - start)


class BudgetWatch:
    """During a run: extrapolate the time so far to all runs; warn once when over budget.

    Call :meth:`update` after each finished run with ``(done, total)``; it returns a warning
    line the first time ``elapsed / done * total`` exceeds ``ratio * budget`` (after at least
    ``min_done`` runs, so one slow first run does not warn), else None.
    """

    def __init__(self, budget_seconds: float, *, ratio: float = WARN_RATIO, min_done: int = 2,
                 clock: Any = time.perf_counter) -> None:
        self.budget_seconds = budget_seconds
        self.ratio = ratio
        self.min_done = min_done
        self._clock = clock
        self._start = clock()
        self.warned = False

    def update(self, done: int, total: int) -> str | None:
        """A warning line the first time the projection is over budget, else None."""
        if self.warned or done < self.min_done or done >= total:
            return None
        elapsed = self._clock() - self._start
        projected = elapsed / done * total
        if projected <= self.ratio * self.budget_seconds:
            return None
        self.warned = True
        return (f"warning: {done}/{total} runs took {format_seconds(elapsed)}; at this pace the "
                f"whole spec takes ~{format_seconds(projected)}, over the time budget of "
                f"{format_seconds(self.budget_seconds)}. Finished runs are kept: stop with Ctrl-C, "
                f"cut steps, seeds or strategies, and re-run into the same folder to resume.")
