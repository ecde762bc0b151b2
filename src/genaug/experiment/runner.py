"""Run an experiment: strategies x seeds x labeled-per-class sizes -> :class:`Results`.

Runners compute; they never format (the report and the CLI draw the results).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import numpy as np

from genaug import registry
from genaug.experiment.checkpoint import RunBook
from genaug.experiment.generation import synthetic_details
from genaug.experiment.results import Results, RunRecord, library_versions
from genaug.experiment.spec import ExperimentSpec
from genaug.experiment.strategies import TrainingPlan, create_model, fit_plan
from genaug.rng import derive_seed, numpy_rng
from genaug.train.robustness import has_corruption_suite

ProgressCallback = Callable[[str, int, int], None]
"""Called as ``callback(description, done, total)`` after each finished run."""


class RunTask(NamedTuple):
    """One run of an experiment: labeled samples per class, seed, strategy or baseline label."""

    size: int
    seed: int
    label: str


class Executor(Protocol):
    """Where :func:`run` computes the runs it has not read back (see :mod:`genaug.scale`)."""

    def map_runs(self, spec: ExperimentSpec, tasks: list[RunTask]) -> Iterator[tuple[int, RunRecord]]:
        """Yield ``(position in tasks, run_one(spec, *task))`` for every task, in any order."""
        ...


def run_labels(spec: ExperimentSpec) -> list[str]:
    """The run labels of one (label budget, seed) split, in the local order: the strategies'
    display names, then ``"<baseline> (no aug)"`` for each baseline."""
    return [s.display_name for s in spec.strategies] + [f"{b.name} (no aug)" for b in spec.baselines]


def pending_runs(spec: ExperimentSpec) -> list[RunTask]:
    """Every (label budget, seed, label) run of ``spec`` in the local order: size, then seed,
    then strategies and baselines as listed. :func:`run` assembles results in this order."""
    labels = run_labels(spec)
    return [RunTask(size, seed, label) for size in spec.split.labeled_per_class
            for seed in spec.seeds for label in labels]


def run(spec: ExperimentSpec, *, progress: ProgressCallback | None = None,
        book: RunBook | None = None, executor: Executor | None = None) -> Results:
    """Run every strategy and baseline on every split size and seed.

    Seeds: the split for seed ``s`` is drawn from ``derive_seed(s, "split")`` (identical across
    strategies and nested across sizes), and every classifier at (``s``, size) starts from the
    same initialisation, so differences between strategies are paired by seed.

    Each run records test metrics, validation accuracy (what "best" is chosen on), per-class
    accuracy, reliability-diagram bins, optionally corruption robustness, and its cost: wall
    and CPU seconds per phase (generator fit / sample / filter inside ``prepare``) and the
    process's peak resident memory so far.

    Every run is the pure function :func:`run_one` of (spec, size, seed, label); this function
    reads the finished ones from ``book``, hands the rest to ``executor`` (which may run them in
    any order, anywhere), records each in ``book`` as it arrives (only here, in this process)
    and assembles the results in the local order of :func:`pending_runs`.

    Args:
        spec: a validated :class:`ExperimentSpec`.
        progress: optional callback ``(description, done, total)``.
        book: where finished runs are recorded as they complete and read back instead of
            retrained (:class:`~genaug.experiment.checkpoint.RunBook`), or None.
        executor: where the runs are computed: ``None`` (or
            :class:`~genaug.scale.LocalExecutor`) runs them here one after another;
            :class:`~genaug.scale.ProcessExecutor` in a local process pool,
            :class:`~genaug.scale.RayExecutor` as Ray tasks. Metrics are identical.

    Returns:
        :class:`Results` with one :class:`RunRecord` per trained model.
    """
    try:
        return _run(spec, progress, book, executor)
    finally:
        _CACHE.clear()  # the dataset and split of this process's last run are not kept


def _run(spec: ExperimentSpec, progress: ProgressCallback | None, book: RunBook | None,
         executor: Executor | None) -> Results:
    data = _dataset(spec)
    tasks = pending_runs(spec)
    total = len(tasks)
    done = 0
    records: list[RunRecord | None] = [None] * total
    todo: list[int] = []
    for position, task in enumerate(tasks):
        finished = book.get(task.size, task.seed, task.label) if book is not None else None
        if finished is None:
            todo.append(position)
            continue
        records[position] = finished
        done += 1
        if progress:
            progress(f"{task.label} | {task.size}/class | seed {task.seed} (recorded)", done, total)
    if todo:
        if executor is None:
            from genaug.scale.executors import LocalExecutor

            executor = LocalExecutor()
        for position, record in executor.map_runs(spec, [tasks[p] for p in todo]):
            task = tasks[todo[position]]
            if (record.labeled_per_class, record.seed, record.strategy) != (task.size, task.seed, task.label):
                raise RuntimeError(f"the executor returned the run {record.strategy!r} (size "
                                   f"{record.labeled_per_class}, seed {record.seed}) for {task}")
            records[todo[position]] = record
            if book is not None:
                book.put(record)
            done += 1
            if progress:
                progress(f"{task.label} | {task.size}/class | seed {task.seed}", done, total)
    missing = [tasks[p] for p, r in enumerate(records) if r is None]
    if missing:
        raise RuntimeError(f"the executor finished without the runs {missing}")
    return Results(
        spec=spec.to_dict(), runs=[r for r in records if r is not None], versions=library_versions(),
        dataset={"name": spec.dataset.name, "n_samples": len(data), "modality": data.modality,
                 "sample_shape": list(data.sample_shape), "class_names": list(data.class_names)},
    )


def run_one(spec: ExperimentSpec, size: int, seed: int, label: str) -> RunRecord:
    """One (label budget ``size``, ``seed``, strategy-or-baseline ``label``) run: a pure function.

    The split, the strategy's plan and the classifier all derive their seeds from
    (``seed``, ``size``, ``label``), so this gives the same metrics in any process, in any order.
    Quality metrics of the synthetic samples are computed only where ``seed`` is the spec's
    first seed (``spec.seeds[0]``), as in a sequential run. The dataset and the split are
    cached in this process (one of each), so consecutive runs on one split load it once.

    Args:
        spec: the validated spec.
        size: labeled samples per class (one of ``spec.split.labeled_per_class``).
        seed: one of ``spec.seeds``.
        label: a strategy's display name, or ``"<baseline name> (no aug)"``.

    Returns:
        The run's :class:`RunRecord`.

    Raises:
        ValueError: ``label`` names no strategy or baseline of ``spec``.
    """
    parts = _split(spec, size, seed)
    train_seed = derive_seed(seed, "train", size)
    for strategy_spec in spec.strategies:
        if strategy_spec.display_name != label:
            continue
        strategy = registry.create("strategy", strategy_spec.name, **strategy_spec.options)
        clock = _Clock()
        plan = strategy.prepare(parts, generator=derive_seed(seed, "prepare", label, size))
        prepared = clock.lap()
        synthetic = synthetic_details(parts.labeled, plan.synthetic, quality=seed == spec.seeds[0])
        return _train_and_evaluate(
            spec, spec.model.name, spec.model.options, parts, plan, size, seed, train_seed,
            label=label, prepared=prepared, extra_details=synthetic,
        )
    for baseline in spec.baselines:
        if f"{baseline.name} (no aug)" != label:
            continue
        return _train_and_evaluate(
            spec, baseline.name, baseline.options, parts, TrainingPlan(train=parts.labeled), size,
            seed, train_seed, label=label, is_baseline=True,
        )
    raise ValueError(f"label {label!r} names no strategy or baseline of the spec; accepted: "
                     f"{run_labels(spec)}")


_CACHE: dict[str, tuple[str, Any]] = {}
"""This process's last dataset and last split (``"dataset"``/``"split"`` -> (key, value))."""


def _cached(slot: str, key: str, make: Callable[[], Any]) -> Any:
    hit = _CACHE.get(slot)
    if hit is not None and hit[0] == key:
        return hit[1]
    _CACHE.pop(slot, None)  # drop the old one before building the new one
    value = make()
    _CACHE[slot] = (key, value)
    return value


def _dataset(spec: ExperimentSpec) -> Any:
    from genaug.data import load_dataset
    from genaug.outputs import strict_json

    key = strict_json(spec.dataset.model_dump(mode="json"))
    return _cached("dataset", key, lambda: load_dataset(spec.dataset.name, **spec.dataset.options))


def _split(spec: ExperimentSpec, size: int, seed: int) -> Any:
    from genaug.data import split
    from genaug.outputs import strict_json

    data = _dataset(spec)
    key = strict_json([spec.dataset.model_dump(mode="json"), spec.split.model_dump(mode="json"), size, seed])
    return _cached("split", key, lambda: split(
        data,
        labeled_per_class=size,
        val_per_class=spec.split.val_per_class,
        val_fraction=spec.split.val_fraction,
        test_fraction=spec.split.test_fraction,
        use_original_split=spec.split.use_original_split,
        seed=derive_seed(seed, "split"),
    ))


class _Clock:
    """Wall and CPU seconds since the last lap."""

    def __init__(self) -> None:
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def lap(self) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        out = (wall - self._wall, cpu - self._cpu)
        self._wall, self._cpu = wall, cpu
        return out


def _peak_rss_mb() -> float | None:
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def _train_and_evaluate(
    spec: ExperimentSpec, model: str, options: dict[str, Any], parts: Any, plan: TrainingPlan, size: int,
    seed: int, train_seed: int, *, label: str, prepared: tuple[float, float] = (0.0, 0.0),
    is_baseline: bool = False, extra_details: dict[str, Any] | None = None,
) -> RunRecord:
    from genaug.train import evaluate_split, metrics
    from genaug.train.tabular_metrics import imbalanced_metrics, minority_class

    clock = _Clock()
    clf = fit_plan(create_model(model, options, plan, label=label), plan, parts.val, generator=train_seed,
                   label=label, model=model)
    train = plan.train
    trained = clock.lap()
    scores = evaluate_split(clf, parts.labeled, parts.test)
    if parts.val is not None and len(parts.val) > 0:
        val_probs = clf.predict_proba(parts.val)
        scores["val_accuracy"] = metrics.accuracy(val_probs, parts.val.y)
        scores["val_macro_f1"] = metrics.macro_f1(val_probs, parts.val.y)
        if parts.val.num_classes == 2:  # two-class data: select on the metric reported
            pos = minority_class(parts.labeled.class_counts())
            scores["val_pr_auc"] = imbalanced_metrics(val_probs[:, pos], parts.val.y == pos)["pr_auc"]
    probs = clf.predict_proba(parts.test)
    details: dict[str, Any] = {
        "per_class_accuracy": metrics.class_accuracies(probs, parts.test.y, parts.test.num_classes).tolist(),
        "reliability": metrics.reliability_bins(probs, parts.test.y).to_dict(),
        **(extra_details or {}),
    }
    if spec.evaluation.robustness and has_corruption_suite(parts.test.modality):
        robustness = _robustness(clf, parts.test, spec.evaluation, derive_seed(seed, "robustness", size))
        scores["mca"], scores["relative_drop"] = robustness["mca"], robustness["relative_drop"]
        details["robustness"] = {
            "corruption_accuracy": robustness["corruption_accuracy"],
            "accuracy": {c: {str(k): v for k, v in a.items()} for c, a in robustness["accuracy"].items()},
            "n_samples": robustness["n_samples"],
        }
    evaluated = clock.lap()
    info = _jsonable(plan.info)
    seconds = {"prepare": prepared[0], "train": trained[0], "evaluate": evaluated[0]}
    for phase in ("fit", "sample", "filter"):  # generator phases, inside "prepare"
        if isinstance(info.get(f"seconds_{phase}"), int | float):
            seconds[f"generator_{phase}"] = float(info[f"seconds_{phase}"])
    seconds["total"] = prepared[0] + trained[0] + evaluated[0]
    cpu = {"prepare": prepared[1], "train": trained[1], "evaluate": evaluated[1],
           "total": prepared[1] + trained[1] + evaluated[1]}
    return RunRecord(
        strategy=label, model=model, labeled_per_class=size, seed=seed, metrics=scores,
        n_train=len(train), is_baseline=is_baseline, info=info, seconds=seconds, cpu_seconds=cpu,
        peak_rss_mb=_peak_rss_mb(), details=details,
    )


def _robustness(clf: Any, test: Any, evaluation: Any, seed: int) -> dict[str, Any]:
    from genaug.train import evaluate_corruptions

    if len(test) > evaluation.robustness_samples:
        keep = np.sort(numpy_rng(derive_seed(seed, "subset")).permutation(len(test))[
            : evaluation.robustness_samples])
        test = test.subset(keep)
    return evaluate_corruptions(
        clf, test, suite=evaluation.corruptions or "default", severities=evaluation.severities,
        generator=seed,
    )


RESULT_FILES = ("results.json", "report.html")
"""The files :func:`run_to_folder` writes into its output folder (both or neither)."""

RUNS_FOLDER = "runs"
"""The folder in ``out`` where :func:`run_to_folder` records each finished run (resume, merge)."""


def run_to_folder(spec: ExperimentSpec, out: str | Path, *, progress: ProgressCallback | None = None,
                  executor: Executor | None = None) -> tuple[Results, Path, Path]:
    """Run ``spec`` and write ``results.json`` and ``report.html`` into ``out``: both or neither.

    ``out`` is checked before the experiment starts (an existing file, a folder that cannot be
    created or written, or a ``results.json``/``report.html`` that is a folder fail at once,
    not after minutes of work). Both files are written into a temporary folder next to ``out``
    that is renamed into place in one step, so a kill or a failing report leaves ``out`` as it
    was; other files already in ``out`` are kept.

    Every finished run is recorded in ``out/runs/`` as it completes
    (:mod:`genaug.experiment.checkpoint`): running the same spec into ``out`` again (after a
    kill, or with more seeds) trains only the runs not recorded there; ``results.skipped_runs``
    counts those read back. ``executor`` is passed to :func:`run` (the runs may be computed
    elsewhere; this process alone writes ``out``).

    Raises:
        OutputPathError: ``out`` cannot hold the output (before any run starts).
    """
    from genaug.experiment.report import write_report
    from genaug.outputs import atomic_output_dir, check_output_dir

    out = check_output_dir(out, argument="out", files=RESULT_FILES)
    book = RunBook(out / RUNS_FOLDER, spec.to_dict())
    results = run(spec, progress=progress, book=book, executor=executor)
    results.skipped_runs = book.skipped
    with atomic_output_dir(out, argument="out") as tmp:
        results.save(tmp / RESULT_FILES[0])
        write_report(results.to_dict(), tmp / RESULT_FILES[1])
    return results, out / RESULT_FILES[0], out / RESULT_FILES[1]


def _jsonable(info: dict[str, Any]) -> dict[str, Any]:
    """``info`` with everything JSON cannot hold (tensors, objects) replaced by its ``repr``;
    nested dicts and lists (``auto``'s search history) are kept as structures."""
    return {str(key): _jsonable_value(value) for key, value in info.items()}


def _jsonable_value(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return _jsonable(value)
    if isinstance(value, list | tuple):
        return [_jsonable_value(v) for v in value]
    return repr(value)
