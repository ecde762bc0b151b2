"""Where an experiment's runs are computed: here, in a local process pool, or on Ray.

:func:`genaug.experiment.runner.run` hands the runs it has not read back from its RunBook to an
executor; each run is the pure function :func:`~genaug.experiment.runner.run_one` of
(spec, size, seed, label), so every executor gives the same metrics. Executors only compute:
the driver alone writes the run book and assembles the results in the local order.

- :class:`LocalExecutor` (the default): one run after another in this process.
- :class:`ProcessExecutor`: ``jobs`` worker processes (spawned, torch at ``threads`` threads
  each), for using the cores of one machine.
- :class:`RayExecutor`: one Ray task per run, on a local Ray instance it starts or on the
  cluster at ``address``. Needs ``pip install 'genaug[ray]'``; Ray is imported only here, when
  a RayExecutor runs.

Example:
    >>> from genaug.experiment.runner import run_to_folder            # doctest: +SKIP
    >>> run_to_folder(spec, "out", executor=ProcessExecutor(jobs=2))  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from genaug.errors import GenaugError
from genaug.validation import check_int

if TYPE_CHECKING:
    from genaug.experiment.results import RunRecord
    from genaug.experiment.runner import RunTask
    from genaug.experiment.spec import ExperimentSpec

__all__ = ["BACKENDS", "LocalExecutor", "ProcessExecutor", "RayExecutor", "make_executor"]

BACKENDS = ("local", "processes", "ray")
"""The executor names :func:`make_executor` (and ``genaug run --backend``) accept."""

Backend = Literal["local", "processes", "ray"]


def _run_task(spec: ExperimentSpec, task: RunTask, threads: int | None) -> RunRecord:
    """One run in a worker (a pool process or a Ray worker), torch at ``threads`` threads."""
    from genaug.experiment.runner import run_one

    if threads is not None:
        import torch

        torch.set_num_threads(threads)  # workers do not inherit the driver's setting
    return run_one(spec, task.size, task.seed, task.label)


class LocalExecutor:
    """Runs one after another in this process, in the order given (today's sequential loop)."""

    def map_runs(self, spec: ExperimentSpec, tasks: list[RunTask]) -> Iterator[tuple[int, RunRecord]]:
        """Yield ``(position, record)`` for each task, in order, computing each when asked."""
        from genaug.experiment.runner import run_one

        for position, task in enumerate(tasks):
            yield position, run_one(spec, task.size, task.seed, task.label)

    def __repr__(self) -> str:
        return "LocalExecutor()"


_PRELOAD = ["torch", "genaug.experiment.runner", "genaug.experiment.strategies", "genaug.train"]
"""What the fork server imports once, so that each pool worker starts without importing them."""


def _pool_context() -> Any:
    """``forkserver`` (POSIX) with genaug and torch preloaded: workers are forked from a fresh,
    single-threaded server that imported them once (not from the driver, whose threads fork
    could copy mid-operation); ``spawn`` where there is no fork server (Windows)."""
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():  # pragma: no cover - Windows
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


def _init_process(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


class ProcessExecutor:
    """Runs in a pool of ``jobs`` local worker processes (forked from a fork server that has
    imported genaug and torch once; ``spawn`` on Windows).

    Each worker sets torch to ``threads`` intra-op threads (default 1: on a 2-core machine two
    workers at one thread each use both cores without oversubscribing them) and keeps the
    dataset and its last split between runs.

    As with any ``multiprocessing`` pool, a script that uses it must guard its entry point with
    ``if __name__ == "__main__":`` (workers import the main module); ``genaug run`` does.

    Args:
        jobs: worker processes (>= 1); default: the machine's CPU count.
        threads: torch threads per worker (>= 1).
    """

    def __init__(self, *, jobs: int | None = None, threads: int = 1) -> None:
        self.jobs = jobs
        self.threads = threads
        if jobs is not None:
            check_int("jobs", jobs, low=1)
        check_int("threads", threads, low=1)

    def __repr__(self) -> str:
        return f"ProcessExecutor(jobs={self.jobs!r}, threads={self.threads!r})"

    def map_runs(self, spec: ExperimentSpec, tasks: list[RunTask]) -> Iterator[tuple[int, RunRecord]]:
        """Yield ``(position, record)`` as each run finishes (any order)."""
        from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

        if not tasks:
            return
        jobs = min(self.jobs or os.cpu_count() or 1, len(tasks))
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_pool_context(),
                                   initializer=_init_process, initargs=(self.threads,))
        try:
            futures = {pool.submit(_run_task, spec, task, None): i for i, task in enumerate(tasks)}
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in sorted(finished, key=futures.__getitem__):
                    yield futures[future], future.result()
        except BaseException:  # a failed run, or the caller stopped: do not wait for the others
            processes = list(getattr(pool, "_processes", None) or {})
            pool.shutdown(wait=False, cancel_futures=True)
            for pid in processes:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGTERM)
            raise
        pool.shutdown(wait=True)


class RayExecutor:
    """Runs as Ray tasks, one per (label budget, seed, strategy) run.

    Without ``address`` (and without ``RAY_ADDRESS`` set) a local Ray instance with ``workers``
    CPUs is started on first use and stopped by :meth:`close`; with ``address`` (``"auto"``,
    ``"HOST:6379"``, ``"ray://HOST:10001"``) the runs go to that cluster, where every node needs
    genaug installed and the dataset available offline. If Ray is already initialised in this
    process, that connection is used (and left open).

    Args:
        address: the cluster to connect to, or None for a local instance.
        workers: runs in flight at once (default: as many as the cluster schedules) and, for a
            local instance, its CPU count (default: the machine's).
        threads: torch threads per task, which is also the CPUs each task asks Ray for.
    """

    def __init__(self, *, address: str | None = None, workers: int | None = None, threads: int = 1) -> None:
        self.address = address
        self.workers = workers
        self.threads = threads
        if workers is not None:
            check_int("workers", workers, low=1)
        check_int("threads", threads, low=1)
        self._started = False

    def __repr__(self) -> str:
        return f"RayExecutor(address={self.address!r}, workers={self.workers!r}, threads={self.threads!r})"

    def __enter__(self) -> RayExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the local Ray instance this executor started (a connection it found is kept)."""
        if self._started:
            import ray

            ray.shutdown()
            self._started = False

    def map_runs(self, spec: ExperimentSpec, tasks: list[RunTask]) -> Iterator[tuple[int, RunRecord]]:
        """Yield ``(position, record)`` as each Ray task finishes (any order)."""
        from genaug.scale.cluster import connect, raise_cause

        if not tasks:
            return
        self._started = connect(self.address, num_cpus=self.workers) or self._started
        import ray

        remote = ray.remote(_run_task).options(num_cpus=self.threads, max_retries=3)
        spec_ref = ray.put(spec)
        limit = self.workers or len(tasks)
        queue = list(enumerate(tasks))[::-1]
        in_flight: dict[Any, int] = {}
        try:
            while queue or in_flight:
                while queue and len(in_flight) < limit:
                    position, task = queue.pop()
                    in_flight[remote.remote(spec_ref, task, self.threads)] = position
                ready, _ = ray.wait(list(in_flight), num_returns=1)
                position = in_flight.pop(ready[0])
                with raise_cause():
                    record = ray.get(ready[0])
                yield position, record
        finally:
            for ref in in_flight:
                ray.cancel(ref, force=True)


def make_executor(backend: Backend = "local", *, jobs: int | None = None, workers: int | None = None,
                  address: str | None = None, threads: int = 1) -> Any:
    """The executor for ``genaug run --backend BACKEND`` and its options, checked.

    ``--jobs N`` (N > 1) with the local backend means the process pool; ``--address`` and
    ``--workers`` belong to the Ray backend, ``--jobs`` to the process pool.

    Raises:
        GenaugError: an unknown backend, or an option the chosen backend does not take.
    """
    if backend not in BACKENDS:
        raise GenaugError(f"is {backend!r}, not a backend", argument="--backend",
                          accepted=" / ".join(BACKENDS))
    if jobs is not None:
        check_int("--jobs", jobs, low=1)
    if backend == "local" and jobs is not None and jobs > 1:
        backend = "processes"
    if backend != "ray" and (address is not None or workers is not None):
        raise GenaugError(f"applies to the Ray backend only (the backend is {backend!r})",
                          argument="--address" if address is not None else "--workers",
                          accepted="--backend ray, or leave the option out")
    if backend == "ray":
        if jobs is not None:
            raise GenaugError("sets the local process pool; the Ray backend takes --workers",
                              argument="--jobs", accepted="--workers N with --backend ray")
        return RayExecutor(address=address, workers=workers, threads=threads)
    if backend == "processes":
        return ProcessExecutor(jobs=jobs, threads=threads)
    return LocalExecutor()
