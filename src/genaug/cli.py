"""Command-line interface: a thin typer layer over the Python API."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from genaug.cli_errors import cli_errors
from genaug.cli_synth import synth_app

app = typer.Typer(
    name="genaug", no_args_is_help=True, add_completion=False,
    help="Generative and classical data augmentation, with honest evaluation.",
    pretty_exceptions_enable=False,
)
console = Console()
app.add_typer(synth_app, name="synth")

OutOption = Annotated[
    Path, typer.Option("--out", "-o", help="Output folder for results.json and report.html.")
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print only the output paths.")]
ThreadsOption = Annotated[
    int,
    typer.Option(
        "--threads", min=1,
        help="PyTorch intra-op threads. Default 1: the small models here run faster on one thread "
        "(on a busy 2-core machine a 300-step TVAE fit took 68 s on two threads, 4 s on one).",
    ),
]
MlflowOption = Annotated[
    str | None,
    typer.Option(
        "--mlflow", metavar="DIR_OR_URI",
        help="Also log params, metrics and the report to MLflow: a local directory (file store) or a "
        "tracking URI. Needs mlflow-skinny (pip install 'genaug[mlflow]').",
    ),
]


# ----- execution backends (genaug.scale; Ray is imported only when --backend ray runs) -----
BackendOption = Annotated[
    str, typer.Option("--backend", help="Where the runs are computed: local (here, one after another), "
                      "processes (a local process pool, see --jobs) or ray (Ray tasks; pip install "
                      "'genaug[ray]'). Every backend gives the same metrics.")
]
JobsOption = Annotated[
    int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes of the processes backend, one "
                             "torch thread each (--jobs N > 1 selects it). Default: the CPU count.")
]
AddressOption = Annotated[
    str | None, typer.Option("--address", help="Ray backend: the cluster to use (`ray start --head` prints "
                             "it; 'auto' finds one on this machine). Default: start a local Ray instance.")
]
WorkersOption = Annotated[
    int | None, typer.Option("--workers", min=1, help="Ray backend: runs in flight at once (and the CPUs "
                             "of a local instance).")
]


def _executor(backend: str, jobs: int | None, workers: int | None, address: str | None, threads: int = 1):
    """The executor for ``--backend/--jobs/--workers/--address`` (None: the local loop); its
    workers run torch at ``--threads`` threads, like the local loop."""
    if backend == "local" and jobs in (None, 1) and workers is None and address is None:
        return None
    from genaug.scale.executors import make_executor

    return make_executor(backend, jobs=jobs, workers=workers, address=address,  # type: ignore[arg-type]
                         threads=threads)


TimeBudgetOption = Annotated[
    str | None, typer.Option("--time-budget", metavar="DURATION", help="How long you can wait (90, 45m, "
                             "1h30m): genaug times a few steps of each model on your data first and warns "
                             "when the spec is predicted to take much longer, and again during the run.")
]


def _run_spec(spec, out: Path, quiet: bool, threads: int = 1, mlflow: str | None = None,
              executor=None, time_budget: float | None = None) -> None:
    try:
        _run_spec_with(spec, out, quiet, threads, mlflow, executor, time_budget)
    finally:
        if executor is not None and hasattr(executor, "close"):
            executor.close()


def _budget_watch(spec, time_budget: float | None):
    """Print the probed estimate (and a warning when it is well over ``time_budget``); return a
    wrapper that adds the during-run projection to a progress callback."""
    if time_budget is None:
        return lambda callback: callback
    from genaug.experiment.budget import BudgetWatch, estimate_cost, format_seconds

    estimate = estimate_cost(spec)
    console.print(estimate.summary(), highlight=False, soft_wrap=True)
    if estimate.over_budget(time_budget):
        console.print(f"warning: that is over the time budget of {format_seconds(time_budget)}; cut "
                      "steps, seeds or strategies, or run it anyway: finished runs are kept and a "
                      "re-run into the same folder resumes.", style="yellow", highlight=False,
                      soft_wrap=True)
    watch = BudgetWatch(time_budget)

    def wrap(callback):
        def watched(description: str, done: int, total: int) -> None:
            if callback is not None:
                callback(description, done, total)
            line = watch.update(done, total)
            if line:
                console.print(line, style="yellow", highlight=False, soft_wrap=True)
        return watched
    return wrap


def _run_spec_with(spec, out: Path, quiet: bool, threads: int, mlflow: str | None, executor,
                   time_budget: float | None = None) -> None:
    import torch

    from genaug.experiment import run_to_folder
    from genaug.experiment.console import summary_table, warning_lines

    out = _check_out(out)
    if mlflow is not None:  # fail before the experiment, not after it
        from genaug.experiment.tracking import require_mlflow

        require_mlflow()
    torch.set_num_threads(threads)
    watched = _budget_watch(spec, time_budget)
    start = time.perf_counter()
    if quiet:
        quiet_progress = watched(None) if time_budget is not None else None
        results, results_path, report_path = run_to_folder(spec, out, progress=quiet_progress,
                                                           executor=executor)
    elif not console.is_terminal:  # logs and CI: one line per finished run instead of a live bar
        def log_line(description: str, done: int, total: int) -> None:
            console.print(f"[{done}/{total}] {description} ({time.perf_counter() - start:.0f} s)",
                          highlight=False, soft_wrap=True)

        results, results_path, report_path = run_to_folder(spec, out, progress=watched(log_line),
                                                           executor=executor)
    else:
        with Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=console, transient=False,
        ) as bar:
            task = bar.add_task("training", total=None)

            def update(description: str, done: int, total: int) -> None:
                bar.update(task, description=description, completed=done, total=total)

            results, results_path, report_path = run_to_folder(spec, out, progress=watched(update),
                                                               executor=executor)
    elapsed = time.perf_counter() - start
    if not quiet:
        # Piped output (logs, CI) has no width; 80 columns would wrap the table's cells.
        table_console = console if console.is_terminal else Console(width=120)
        data = results.to_dict()
        table_console.print(summary_table(data, elapsed))
        if data.get("headline"):
            table_console.print(data["headline"]["sentence"], highlight=False)
        for line in warning_lines(data):
            table_console.print(line, style="yellow", highlight=False)
    if results.skipped_runs:
        console.print(f"resumed: {results.skipped_runs} finished runs read from {out / 'runs'} "
                      "(not retrained)")
    console.print(f"results: {results_path}")
    console.print(f"report:  {report_path}")
    if mlflow is not None:
        from genaug.experiment.tracking import log_to_mlflow, mlflow_uri

        run_id = log_to_mlflow(results, mlflow, artifacts=[results_path, report_path])
        console.print(f"mlflow:  run {run_id} in {mlflow_uri(mlflow)}")


def _check_out(out: Path) -> Path:
    """``--out`` checked before any work starts (see :func:`genaug.outputs.check_output_dir`)."""
    from genaug.experiment.runner import RESULT_FILES
    from genaug.outputs import check_output_dir

    return check_output_dir(out, argument="--out", files=RESULT_FILES)


@app.command()
@cli_errors
def demo(
    out: OutOption = Path("genaug-out/demo"),
    seed: Annotated[int, typer.Option(help="First seed; the demo uses three consecutive seeds.")] = 0,
    quiet: QuietOption = False,
    threads: ThreadsOption = 1,
    mlflow: MlflowOption = None,
    modality: Annotated[str, typer.Option(
        help="image: digits (the default); text: fortunes topics (Debian package fortunes); "
        "audio: spoken digits, unseen voices (Debian package espeak-ng)."
    )] = "image",
    jobs: JobsOption = None,
) -> None:
    """Digits, 10 labels per class + unlabeled pool: none / classical / CVAE / auto, and an RBF SVM."""
    from genaug.errors import GenaugError
    from genaug.experiment.audio_demo import audio_demo_spec
    from genaug.experiment.demo import demo_spec
    from genaug.experiment.text_demo import text_demo_spec

    demos = {"image": demo_spec, "text": text_demo_spec, "audio": audio_demo_spec}
    if modality not in demos:
        raise GenaugError(f"no demo for modality {modality!r}", argument="--modality",
                          accepted=" or ".join(repr(m) for m in demos))
    executor = _executor("local", jobs, None, None, threads)
    _run_spec(demos[modality](seed), out, quiet, threads, mlflow, executor)


@app.command("run")
@cli_errors
def run_cmd(
    spec_path: Annotated[Path, typer.Argument(metavar="SPEC.yaml", help="Experiment spec (YAML).")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (default: runs/<spec file stem>).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Replace the spec's seeds with SEED, SEED+1, ...")] = None,
    quiet: QuietOption = False,
    threads: ThreadsOption = 1,
    mlflow: MlflowOption = None,
    backend: BackendOption = "local",
    jobs: JobsOption = None,
    address: AddressOption = None,
    workers: WorkersOption = None,
    time_budget: TimeBudgetOption = None,
    resume: Annotated[bool, typer.Option(
        "--resume", help="Continue an interrupted run: --out must hold finished runs of this spec "
        "(re-running into such a folder resumes anyway; --resume makes a missing one an error).")] = False,
) -> None:
    """Run the experiment described by SPEC.yaml."""
    from genaug.experiment import ExperimentSpec
    from genaug.experiment.budget import parse_duration

    if out is not None:
        _check_out(out)  # the cheapest check first
    budget = None if time_budget is None else parse_duration(time_budget, argument="--time-budget")
    executor = _executor(backend, jobs, workers, address, threads)  # bad options fail before the spec loads
    spec = ExperimentSpec.from_yaml(spec_path)
    if seed is not None:
        seeds = [seed + i for i in range(len(spec.seeds))]
        spec = ExperimentSpec.from_dict({**spec.to_dict(), "seeds": seeds})
    out = _check_out(out or Path("runs") / spec_path.stem)  # before any work starts
    if resume:
        from genaug.errors import GenaugError
        from genaug.experiment.runner import RUNS_FOLDER

        if not any((out / RUNS_FOLDER).glob("run-*.json")):
            raise GenaugError(f"nothing to resume: {out / RUNS_FOLDER} holds no finished runs",
                              argument="--resume", accepted="an --out folder of an interrupted run "
                              "of this spec (or leave out --resume to start one)")
    _run_spec(spec, out, quiet, threads, mlflow, executor, budget)


@app.command()
@cli_errors
def datasets() -> None:
    """List the built-in datasets and whether each is available offline here."""
    from genaug.data import list_datasets

    table = Table(title="built-in datasets")
    for col in ("name", "modality", "samples", "shape", "classes", "available", "source"):
        table.add_column(col)
    for info in list_datasets():
        table.add_row(
            info.name, info.modality, str(info.n_samples),
            str(tuple(info.sample_shape)) if info.sample_shape else "-",
            str(info.n_classes), "yes" if info.available else f"no: {info.how_to_get}", info.source,
        )
    console.print(table)


if __name__ == "__main__":  # pragma: no cover
    app()
