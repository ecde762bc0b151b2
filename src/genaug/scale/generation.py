"""Sampling a saved synthesizer into a :class:`~genaug.data.store.SyntheticStore`, here or on Ray.

:func:`sample_to_store` is what ``genaug synth sample`` runs. With ``backend="local"`` the shards
are sampled in this process, one after another. With ``backend="ray"`` this process stays the
*driver*: it plans the shards, holds the store's lock, skips the shards that already verify
and alone writes the shard files and the manifest; a pool of Ray actors (each loads the model
once, from bytes the driver ships, and sets its own torch threads) runs the pure shard
function :func:`~genaug.data.store.sample_shard` and returns the shard's bytes. Nothing needs a
shared filesystem.

A shard's seed and name depend only on its index (``derive_seed(seed, "shard", i)``,
``shard-{i:05d}.parquet``) and the manifest lists shards sorted by index, so the store is
byte-identical to the local backend's for any worker count, completion order, killed and
restarted workers, or interrupted and resumed runs (with one pyarrow and torch version).

Example:
    >>> sample_to_store("models/cvae", "store/", 5000, backend="ray", workers=4)  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

from genaug.data.store import ShardPayload, SyntheticStore, describe_generator, sample_shard
from genaug.errors import GenaugError, MissingPathError, ModelFileError
from genaug.serialization import WEIGHTS_NAME
from genaug.validation import check_int

__all__ = ["RayShardPool", "model_generator_info", "sample_to_store"]

ShardCallback = Callable[[int, int], None]
"""Called as ``callback(done, total)`` after each shard the driver has written."""


def model_generator_info(model: str | os.PathLike[str], synth: Any) -> dict[str, Any]:
    """The ``generator_info`` a store records for a synthesizer loaded from the folder ``model``:
    its registry name, config hash, checkpoint hash (and ``model_hash`` where it has one)."""
    extra = {}
    if getattr(synth, "model_hash_", None):
        extra["model_hash"] = synth.model_hash_
    return describe_generator(synth.registry_name, config=synth.get_config(), checkpoint=model, **extra)


def sample_to_store(model: str | os.PathLike[str], out: str | os.PathLike[str],
                    n_per_class: int, *, seed: int = 0, shard_size: int = 1024,
                    max_shards: int | None = None, backend: Literal["local", "ray"] = "local",
                    workers: int | None = None, address: str | None = None, threads: int = 1,
                    load_args: dict[str, Any] | None = None,
                    on_shard: ShardCallback | None = None) -> dict[str, Any]:
    """Sample the synthesizer saved in ``model`` into the store ``out`` (resumable).

    Args:
        model: a folder written by ``save()`` / ``genaug synth fit``.
        out: the store folder.
        n_per_class: samples per class.
        seed: base seed; shard ``i`` uses ``derive_seed(seed, "shard", i)``.
        shard_size: samples per shard.
        max_shards: stop after this many new shards.
        backend: ``"local"`` (this process) or ``"ray"`` (an actor pool; needs ``genaug[ray]``).
        workers: Ray actors (default: the CPUs the cluster has, at ``threads`` each).
        address: the Ray cluster to use (``ray start --head`` prints it); None starts a local one.
        threads: torch threads per Ray worker (also the CPUs each actor asks Ray for).
        load_args: passed to ``load_synthesizer`` here and on every worker (``model_dir=``
            must then exist on every node).
        on_shard: ``on_shard(done, total)`` after each shard written (Ray backend).

    Returns:
        The store's manifest after writing.
    """
    from genaug.synth import load_synthesizer

    if backend not in ("local", "ray"):
        raise GenaugError(f"is {backend!r}, not a sampling backend", argument="--backend",
                          accepted="local or ray")
    if backend == "local" and (workers is not None or address is not None):
        raise GenaugError("applies to the Ray backend only", argument="--workers" if workers else "--address",
                          accepted="--backend ray, or leave the option out")
    load_args = dict(load_args or {})
    synth = load_synthesizer(model, **load_args)
    info = model_generator_info(model, synth)
    store = SyntheticStore(out)
    common = {"shard_size": shard_size, "seed": seed, "generator_info": info,
              "num_classes": len(synth.class_names_), "max_shards": max_shards}
    if backend == "local":
        return store.write(synth.sample, n_per_class, **common)
    del synth  # the workers load their own copies
    from genaug.scale.cluster import connect

    started = connect(address, num_cpus=None if workers is None else workers * threads)
    try:
        with RayShardPool(model, checkpoint_hash=info["checkpoint_hash"], workers=workers, threads=threads,
                          load_args=load_args) as pool:
            return store.write(None, n_per_class, map_shards=pool.map_shards(on_shard=on_shard), **common)
    finally:
        if started:
            import ray

            ray.shutdown()


def _model_files(model: Path) -> dict[str, bytes]:
    """The regular files of a saved model folder (relative path -> bytes); symbolic links refused."""
    if not model.is_dir():
        raise MissingPathError("is not a folder" if model.exists() else "does not exist", path=model,
                               argument="model", accepted="a folder written by save() / genaug synth fit")
    files: dict[str, bytes] = {}
    for path in sorted(model.rglob("*")):
        if path.is_symlink():
            raise ModelFileError("is a symbolic link; the model is shipped to workers as its files",
                                 path=path, accepted="regular files only in the model folder")
        if path.is_file():
            files[path.relative_to(model).as_posix()] = path.read_bytes()
    if WEIGHTS_NAME not in files:
        raise MissingPathError("does not exist", path=model / WEIGHTS_NAME, argument="model",
                               accepted="a folder written by save() / genaug synth fit")
    return files


class _ShardSampler:
    """A Ray actor: the model, loaded once from shipped bytes; samples shards on request."""

    def __init__(self, files: dict[str, bytes], checkpoint_hash: str | None, load_args: dict[str, Any],
                 threads: int) -> None:
        import torch

        from genaug.synth import load_synthesizer

        torch.set_num_threads(threads)  # a Ray worker does not inherit the driver's setting
        got = hashlib.sha256(files[WEIGHTS_NAME]).hexdigest()
        if checkpoint_hash is not None and got != checkpoint_hash:
            raise ModelFileError(f"arrived with sha256 {got}, not the driver's {checkpoint_hash}",
                                 path=WEIGHTS_NAME, accepted="the weights the driver hashed")
        self._dir = tempfile.TemporaryDirectory(prefix="genaug-model-")
        root = Path(self._dir.name)
        for name, payload in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(payload)
        self.synth = load_synthesizer(root, **load_args)

    def pid(self) -> int:
        """This worker's process id (tests kill it)."""
        return os.getpid()

    def node_id(self) -> str:
        """The Ray node this worker runs on."""
        import ray

        return ray.get_runtime_context().get_node_id()

    def sample(self, index: int, request: dict[int, int], seed: int) -> ShardPayload:
        """The pure shard function: shard ``index`` of a store with base seed ``seed``."""
        return sample_shard(self.synth.sample, index, request, seed)


class RayShardPool:
    """A pool of Ray actors that sample shards of one saved model (see the module docstring).

    Actors restart when killed (``max_restarts=-1``) and their shard tasks are retried
    (``max_task_retries=-1``), so a lost worker costs time, not bytes. Use as a context manager;
    Ray must be initialised (:func:`genaug.scale.cluster.connect`).

    Args:
        model: the saved model folder (read here; its files are shipped to the workers).
        checkpoint_hash: sha256 of its weights, checked on every worker (None: not checked).
        workers: actors (default: the cluster's CPUs // ``threads``, at least 1).
        threads: torch threads and Ray CPUs per actor.
        load_args: ``load_synthesizer`` keyword arguments.
        in_flight: shard tasks queued per actor (2: the next one runs while the driver writes).
    """

    def __init__(self, model: str | os.PathLike[str], *, checkpoint_hash: str | None = None,
                 workers: int | None = None, threads: int = 1, load_args: dict[str, Any] | None = None,
                 in_flight: int = 2) -> None:
        self.model = Path(model)
        self.checkpoint_hash = checkpoint_hash
        self.workers = workers
        self.threads = threads
        self.load_args = load_args
        self.in_flight = in_flight
        if workers is not None:
            check_int("workers", workers, low=1)
        check_int("threads", threads, low=1)
        check_int("in_flight", in_flight, low=1)
        self.actors_: list[Any] = []
        self._files_ref: Any = None

    def __enter__(self) -> RayShardPool:
        import ray

        # kept alive with the pool: restarted actors read their constructor arguments again
        self._files_ref = files_ref = ray.put(_model_files(self.model))
        workers = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)) // self.threads)
        actor = ray.remote(_ShardSampler).options(num_cpus=self.threads, max_restarts=-1, max_task_retries=-1)
        load_args = dict(self.load_args or {})
        self.actors_ = [actor.remote(files_ref, self.checkpoint_hash, load_args, self.threads)
                        for _ in range(workers)]
        return self

    def __exit__(self, *exc: object) -> None:
        import ray

        for actor in self.actors_:
            ray.kill(actor, no_restart=True)
        self.actors_ = []
        self._files_ref = None

    def pids(self) -> list[int]:
        """The process ids of the actors (waits until they have loaded the model)."""
        import ray

        from genaug.scale.cluster import raise_cause

        with raise_cause():
            return ray.get([a.pid.remote() for a in self.actors_])

    def node_ids(self) -> list[str]:
        """The Ray node of each actor (waits until they have loaded the model)."""
        import ray

        from genaug.scale.cluster import raise_cause

        with raise_cause():
            return ray.get([a.node_id.remote() for a in self.actors_])

    def map_shards(self, *, on_shard: ShardCallback | None = None
                   ) -> Callable[[list[tuple[int, dict[int, int]]], int], Iterator[ShardPayload]]:
        """The ``map_shards`` for :meth:`SyntheticStore.write`: yields shards as they finish."""
        if not self.actors_:
            raise RuntimeError("RayShardPool is not started; use it as `with RayShardPool(...) as pool:`")

        def run(pending: list[tuple[int, dict[int, int]]], seed: int) -> Iterator[ShardPayload]:
            import ray

            from genaug.scale.cluster import raise_cause

            queue = pending[::-1]
            in_flight: dict[Any, int] = {}  # task -> actor position
            load = [0] * len(self.actors_)
            done, total = 0, len(pending)
            try:
                while queue or in_flight:
                    for i, actor in enumerate(self.actors_):
                        while queue and load[i] < self.in_flight:
                            index, request = queue.pop()
                            in_flight[actor.sample.remote(index, request, seed)] = i
                            load[i] += 1
                    ready, _ = ray.wait(list(in_flight), num_returns=1)
                    load[in_flight.pop(ready[0])] -= 1
                    with raise_cause():
                        shard = ray.get(ready[0])
                    yield shard
                    done += 1
                    if on_shard is not None:
                        on_shard(done, total)
            finally:
                for ref in in_flight:
                    ray.cancel(ref)

        return run
