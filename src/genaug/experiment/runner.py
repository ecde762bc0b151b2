"""Run an experiment: strategies x seeds x labeled-per-class sizes -> :class:`Results`.

Runners compute; they never format (the report and the CLI draw the results).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from genaug import registry
from genaug.experiment.results import Results, RunRecord, library_versions
from genaug.experiment.spec import ExperimentSpec
from genaug.rng import derive_seed

ProgressCallback = Callable[[str, int, int], None]
"""Called as ``callback(description, done, total)`` after each finished run."""


def _count_runs(spec: ExperimentSpec) -> int:
    per_split = len(spec.strategies) + len(spec.baselines)
    return per_split * len(spec.seeds) * len(spec.split.labeled_per_class)


def run(spec: ExperimentSpec, *, progress: ProgressCallback | None = None) -> Results:
    """Run every strategy and baseline on every split size and seed.

    Seeds: the split for seed ``s`` is drawn from ``derive_seed(s, "split")`` (identical across
    strategies and nested across sizes), and every classifier at (``s``, size) starts from the
    same initialisation, so differences between strategies are paired by seed.

    Args:
        spec: a validated :class:`ExperimentSpec`.
        progress: optional callback ``(description, done, total)``.

    Returns:
        :class:`Results` with one :class:`RunRecord` per trained model.
    """
    from genaug.data import load_dataset, split
    from genaug.train import evaluate_split

    data = load_dataset(spec.dataset.name, **spec.dataset.options)
    total = _count_runs(spec)
    done = 0
    records: list[RunRecord] = []
    for size in spec.split.labeled_per_class:
        for seed in spec.seeds:
            parts = split(
                data,
                labeled_per_class=size,
                val_per_class=spec.split.val_per_class,
                test_fraction=spec.split.test_fraction,
                use_original_split=spec.split.use_original_split,
                seed=derive_seed(seed, "split"),
            )
            train_seed = derive_seed(seed, "train", size)
            for strategy_spec in spec.strategies:
                label = strategy_spec.display_name
                strategy = registry.create("strategy", strategy_spec.name, **strategy_spec.options)
                t0 = time.perf_counter()
                plan = strategy.prepare(parts, generator=derive_seed(seed, "prepare", label, size))
                t1 = time.perf_counter()
                clf = registry.create("model", spec.model.name, **spec.model.options)
                clf.fit(plan.train, parts.val, augmenter=plan.augmenter, mixer=plan.mixer,
                        generator=train_seed)
                t2 = time.perf_counter()
                metrics = evaluate_split(clf, parts.labeled, parts.test)
                t3 = time.perf_counter()
                records.append(RunRecord(
                    strategy=label, model=spec.model.name, labeled_per_class=size, seed=seed,
                    metrics=metrics, n_train=len(plan.train), info=_jsonable(plan.info),
                    seconds={"prepare": t1 - t0, "train": t2 - t1, "evaluate": t3 - t2,
                             "total": t3 - t0},
                ))
                done += 1
                if progress:
                    progress(f"{label} | {size}/class | seed {seed}", done, total)
            for baseline in spec.baselines:
                label = f"{baseline.name} (no aug)"
                t0 = time.perf_counter()
                clf = registry.create("model", baseline.name, **baseline.options)
                clf.fit(parts.labeled, parts.val, generator=train_seed)
                t1 = time.perf_counter()
                metrics = evaluate_split(clf, parts.labeled, parts.test)
                t2 = time.perf_counter()
                records.append(RunRecord(
                    strategy=label, model=baseline.name, labeled_per_class=size, seed=seed,
                    metrics=metrics, n_train=len(parts.labeled), is_baseline=True,
                    seconds={"prepare": 0.0, "train": t1 - t0, "evaluate": t2 - t1,
                             "total": t2 - t0},
                ))
                done += 1
                if progress:
                    progress(f"{label} | {size}/class | seed {seed}", done, total)
    return Results(
        spec=spec.to_dict(), runs=records, versions=library_versions(),
        dataset={"name": spec.dataset.name, "n_samples": len(data), "modality": data.modality,
                 "sample_shape": list(data.sample_shape), "class_names": list(data.class_names)},
    )


def run_to_folder(spec: ExperimentSpec, out: str | Path, *,
                  progress: ProgressCallback | None = None) -> tuple[Results, Path, Path]:
    """Run ``spec`` and write ``results.json`` and ``report.html`` into ``out``.

    Nothing is written unless every run finishes (both files are written atomically at the end).
    """
    from genaug.experiment.report import write_report

    results = run(spec, progress=progress)
    out = Path(out)
    results_path = results.save(out / "results.json")
    report_path = write_report(results.to_dict(), out / "report.html")
    return results, results_path, report_path


def _jsonable(info: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in info.items():
        if isinstance(value, str | int | float | bool) or value is None:
            out[key] = value
        elif isinstance(value, dict):
            out[key] = _jsonable(value)
        elif isinstance(value, list | tuple):
            out[key] = [v if isinstance(v, str | int | float | bool) else repr(v) for v in value]
        else:
            out[key] = repr(value)
    return out
