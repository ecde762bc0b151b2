"""``SyntheticStore``: sampled synthetic data on disk as Parquet shards plus a ``manifest.json``.

Layout of a store folder::

    manifest.json          generator name + hashes, seed, plan, data schema, one entry per shard
    shard-00000.parquet    columns: x, y, source_index, strength, source, filter scores, ...
    shard-00001.parquet
    .lock                  held (flock) by the one process writing

Guarantees:

- **Independent, resumable shards.** Shard ``i`` is sampled with a generator seeded by
  ``derive_seed(seed, "shard", i)`` and its own per-class request, so it does not depend on
  any other shard. Re-running :meth:`SyntheticStore.write` with the same arguments skips the
  shards whose file matches the sha256 in the manifest and samples the rest.
- **Atomic.** Every shard is written to a ``*.tmp`` file, fsynced and renamed; the manifest is
  rewritten the same way after each shard (after fewer, once a big manifest takes long to
  encode: at most ~2% of the run goes to it) and at the end. A reader never sees a half-written
  shard: it reads only the shards the manifest lists, and verifies their sha256. A resume deletes the store's
  own leftover temp files (``.shard-NNNNN.parquet.*.tmp``, ``.manifest.json.*.tmp``) and
  nothing else.
- **Checked on read.** The manifest must be the JSON object this module writes: its counts
  (``num_shards``, ``num_rows``, ``complete``) must agree with its entries and its arguments;
  shard files are the plain names ``shard-NNNNN.parquet`` inside the store (never an absolute
  path, ``..`` or a symbolic link); each shard records its index and seed in its Parquet
  metadata, so shards swapped together with their hashes are refused. Every problem is a
  :class:`~genaug.errors.StoreError` naming the file.
- **Deterministic bytes.** Fixed Parquet settings (zstd level 3, one row group, no timestamps),
  so an interrupted-then-resumed run and an uninterrupted one produce byte-identical shards
  (with one pyarrow version and a deterministic ``sample_fn``).
- **Bounded memory.** Writing holds one shard; :meth:`SyntheticStore.iter_shards` yields one
  shard at a time.

Samples are stored as float32 (``x`` as a fixed-size list with the sample shape in the
manifest; text as strings). The per-sample ``meta`` arrays (1-D) become columns, with
defaults ``source_index = -1``, ``strength = NaN`` and ``source = "synthetic"`` when absent.

Example:
    >>> store = SyntheticStore("out/synthetic")                                  # doctest: +SKIP
    >>> info = describe_generator("cvae", config=synth_config, checkpoint="ckpt/")  # doctest: +SKIP
    >>> store.write(synth.sample, {0: 5000, 1: 5000}, shard_size=1024, seed=0,
    ...             generator_info=info)                                         # doctest: +SKIP
    >>> data = store.read()                                                      # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import stat
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from genaug.data.labeled import LabeledData
from genaug.errors import MissingPathError, StoreError
from genaug.limits import check_limit, short_repr
from genaug.modalities import get_modality
from genaug.rng import as_generator, derive_seed
from genaug.serialization import WEIGHTS_NAME, _json_default, atomic_write_bytes, atomic_write_text
from genaug.validation import check_int

__all__ = [
    "SyntheticStore",
    "describe_generator",
    "config_hash",
    "file_sha256",
    "plan_shards",
    "sample_shard",
    "ShardPayload",
    "MANIFEST_NAME",
    "STORE_FORMAT",
    "STORE_FORMAT_VERSION",
]

MANIFEST_NAME = "manifest.json"
STORE_FORMAT = "genaug.synthetic_store"
STORE_FORMAT_VERSION = 1
_LOCK_NAME = ".lock"
_PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 3,
    "version": "2.6",
    "data_page_version": "1.0",
    "use_dictionary": True,
    "write_statistics": True,
    "store_schema": True,
}

SampleFn = Callable[..., LabeledData]

_OWN_TEMP = re.compile(r"^\.(?:shard-\d{5}\.parquet|manifest\.json)\.[A-Za-z0-9_]+\.tmp$")
"""Temp files this module creates (``atomic_write_bytes``: ``.<name>.<random>.tmp``)."""
_META_INDEX = b"genaug.shard_index"
_META_SEED = b"genaug.shard_seed"
_MAX_PLAN_SHARDS = 1_000_000
_MANIFEST_COST_SHARE = 50
"""A big manifest is rewritten once this many times its last encoding's CPU time has passed."""
_MANIFEST_MAX_WAIT_S = 5.0
"""... or this many wall seconds (when this process uses little CPU, e.g. a Ray driver)."""


def shard_name(index: int) -> str:
    """The file name of shard ``index`` (``shard-00003.parquet``)."""
    return f"shard-{index:05d}.parquet"


# ----- hashing and generator description ------------------------------------------------------
def _canonical(obj: Any) -> Any:
    """JSON round trip: tuples become lists, numpy scalars numbers; raises on the unserialisable."""
    return json.loads(json.dumps(obj, sort_keys=True, default=_json_default))


def config_hash(config: Mapping[str, Any]) -> str:
    """sha256 of a config's canonical JSON (sorted keys), as hex.

    Example:
        >>> config_hash({"b": 1, "a": [1, 2]}) == config_hash({"a": (1, 2), "b": 1})
        True
    """
    text = json.dumps(_canonical(dict(config)), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_sha256(path: str | os.PathLike[str], *, chunk_size: int = 1 << 20) -> str:
    """sha256 of a file's bytes, read in chunks (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()


def describe_generator(name: str, *, config: Mapping[str, Any] | None = None,
                       checkpoint: str | os.PathLike[str] | None = None, **extra: Any) -> dict[str, Any]:
    """The ``generator_info`` a store records: name, config hash and checkpoint hash.

    Args:
        name: the synthesizer's registry name.
        config: its constructor config (hashed with :func:`config_hash`).
        checkpoint: the weights file, or a folder written by ``save()`` (its
            ``weights.safetensors`` is hashed).
        **extra: further JSON-serialisable fields to record (and compare on resume).

    Returns:
        ``{"name", "config_hash", "checkpoint_hash", **extra}`` (hashes ``None`` when not given).
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty str; got {name!r}")
    ckpt_hash = None
    if checkpoint is not None:
        path = Path(checkpoint)
        if path.is_dir():
            path = path / WEIGHTS_NAME
        if not path.is_file():
            raise MissingPathError("does not exist", path=path, argument="checkpoint",
                                   accepted="a weights file or a folder written by save()")
        ckpt_hash = file_sha256(path)
    return {
        "name": name,
        "config_hash": None if config is None else config_hash(config),
        "checkpoint_hash": ckpt_hash,
        **_canonical(extra),
    }


# ----- the shard plan ------------------------------------------------------------------------
def _totals(total_per_class: int | Mapping[int, int], num_classes: int | None) -> dict[int, int]:
    if isinstance(total_per_class, Mapping):
        totals = {}
        for c, n in total_per_class.items():
            c_int = check_int("total_per_class key", int(c) if isinstance(c, str) and c.isdigit() else c,
                              low=0)
            totals[c_int] = check_int(f"total_per_class[{c!r}]", n, low=0)
        if not totals:
            raise ValueError("total_per_class must name at least one class; got an empty mapping")
        return dict(sorted(totals.items()))
    n = check_int("total_per_class", total_per_class, low=0)
    if num_classes is None:
        raise ValueError("an int total_per_class needs num_classes (or pass a {class: count} mapping)")
    check_int("num_classes", num_classes, low=1)
    return dict.fromkeys(range(num_classes), n)


def plan_shards(totals: Mapping[int, int], shard_size: int) -> list[dict[int, int]]:
    """Split per-class totals into shards of at most ``shard_size`` samples, classes interleaved.

    Samples are ordered round-robin over the classes (the j-th sample of every class, then the
    (j+1)-th, ...) and cut every ``shard_size``, so every shard is close to class-balanced.

    Args:
        totals: ``{class index: count}``.
        shard_size: samples per shard (>= 1).

    Returns:
        One ``{class: count}`` request per shard (classes with a zero count left out).

    Example:
        >>> plan_shards({0: 3, 1: 1}, 2)
        [{0: 1, 1: 1}, {0: 2}]
    """
    check_int("shard_size", shard_size, low=1)
    classes = sorted(totals)
    counts = np.array([totals[c] for c in classes], dtype=np.int64)
    total = int(counts.sum())

    def before(position: int) -> np.ndarray:
        """Per-class counts among the first ``position`` samples of the interleaved order."""
        lo, hi = 0, int(counts.max(initial=0))
        while lo < hi:  # largest level j with sum(min(counts, j)) <= position
            mid = (lo + hi + 1) // 2
            if np.minimum(counts, mid).sum() <= position:
                lo = mid
            else:
                hi = mid - 1
        taken = np.minimum(counts, lo)
        rest = position - int(taken.sum())
        if rest:
            open_classes = np.flatnonzero(counts > lo)[:rest]
            taken[open_classes] += 1
        return taken

    plan = []
    prev = before(0)
    for start in range(0, total, shard_size):
        cur = before(min(start + shard_size, total))
        plan.append({classes[i]: int(n) for i, n in enumerate(cur - prev) if n})
        prev = cur
    return plan


# ----- tables ------------------------------------------------------------------------------
def _data_schema(data: LabeledData) -> dict[str, Any]:
    modality = get_modality(data.modality)
    shape = modality.store_shape(data.x)
    return {
        "modality": data.modality,
        "class_names": list(data.class_names),
        "sample_shape": shape,
        "x_dtype": modality.arrow_dtype,
    }


def _with_defaults(data: LabeledData) -> dict[str, np.ndarray]:
    n = len(data)
    meta = dict(data.meta)
    meta.setdefault("source_index", np.full(n, -1, dtype=np.int64))
    meta.setdefault("strength", np.full(n, np.nan))
    meta.setdefault("source", np.full(n, "synthetic"))
    return meta


def _to_table(data: LabeledData) -> Any:
    import pyarrow as pa

    x_col = get_modality(data.modality).to_arrow(data.x)
    columns: dict[str, Any] = {"x": x_col, "y": pa.array(data.y, type=pa.int64())}
    for key, value in sorted(_with_defaults(data).items()):
        if key in columns:
            raise ValueError(f"meta key {key!r} clashes with a store column; rename it")
        arr = np.asarray(value)
        if arr.ndim != 1:
            raise ValueError(f"meta[{key!r}] must be 1-D to be stored; got shape {arr.shape}")
        try:
            columns[key] = pa.array(arr)
        except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
            raise TypeError(f"meta[{key!r}] of dtype {arr.dtype} cannot be stored: {err}") from None
    return pa.table(columns)


def _table_bytes(table: Any) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, row_group_size=max(table.num_rows, 1), **_PARQUET_OPTIONS)
    return sink.getvalue().to_pybytes()


def _column_types(table: Any) -> list[list[str]]:
    return [[field.name, str(field.type)] for field in table.schema]


def _from_table(table: Any, schema: Mapping[str, Any]) -> LabeledData:
    import pyarrow as pa

    n = table.num_rows
    x_col = table.column("x").combine_chunks()
    x = get_modality(schema["modality"]).from_arrow(x_col, n, schema["sample_shape"])
    y = table.column("y").to_numpy()
    meta = {}
    for name in table.column_names:
        if name in ("x", "y"):
            continue
        col = table.column(name)
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            meta[name] = np.asarray(col.to_pylist(), dtype=str)
        else:
            meta[name] = col.to_numpy()
    return LabeledData(x, y, tuple(schema["class_names"]), schema["modality"], meta)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not supported everywhere (e.g. Windows)
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _exclusive_lock(root: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - non-POSIX: no cross-process lock
        yield
        return
    lock = root / _LOCK_NAME
    accepted = "a regular file named .lock (or none; remove whatever is there)"
    if lock.is_symlink():
        raise StoreError("is a symbolic link; the store will not follow it", path=lock, accepted=accepted)
    if lock.is_dir():
        raise StoreError("is a folder, where the store keeps its lock file", path=lock, accepted=accepted)
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o666)
    except OSError as err:
        raise StoreError(f"cannot be opened as the store's lock file: {err.strerror or err}", path=lock,
                         accepted=accepted) from None
    with os.fdopen(fd, "r+b") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise StoreError("is not a regular file", path=lock, accepted=accepted)
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another process is writing to the store at {root}") from None
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _differences(stored: Any, given: Any, prefix: str = "") -> list[str]:
    if isinstance(stored, dict) and isinstance(given, dict):
        out = []
        for key in sorted(set(stored) | set(given)):
            name = f"{prefix}.{key}" if prefix else str(key)
            if key not in stored:
                out.append(f"{name}: not stored, given {given[key]!r}")
            elif key not in given:
                out.append(f"{name}: stored {stored[key]!r}, not given")
            else:
                out.extend(_differences(stored[key], given[key], name))
        return out
    return [] if stored == given else [f"{prefix}: stored {stored!r}, given {given!r}"]


@dataclass(frozen=True)
class ShardPayload:
    """One sampled shard, ready to be written: its Parquet bytes and what the manifest records.

    Attributes:
        index: the shard's position in the plan.
        seed: ``derive_seed(seed, "shard", index)``, the seed it was sampled with.
        request: the ``{class: count}`` it was asked for.
        payload: the shard file's bytes (deterministic Parquet settings).
        rows: rows in the shard.
        schema: the data schema (modality, class names, sample shape, dtypes, columns), which
            must match the other shards'.
    """

    index: int
    seed: int
    request: dict[int, int]
    payload: bytes
    rows: int
    schema: dict[str, Any]


MapShards = Callable[[list[tuple[int, dict[int, int]]], int], Iterable[ShardPayload]]
"""``map_shards(pending, seed)``: yields a :class:`ShardPayload` for each ``(index, request)``."""


def sample_shard(sample_fn: SampleFn, index: int, request: Mapping[int, int], seed: int) -> ShardPayload:
    """Sample shard ``index`` of a store with base seed ``seed``: a pure function of its arguments.

    The generator is seeded with ``derive_seed(seed, "shard", index)``, so the bytes depend only
    on ``sample_fn`` (the model), the request, the seed and the index: any process, in any
    order, makes the same shard. Nothing is written; :meth:`SyntheticStore.write` writes it.

    Args:
        sample_fn: ``sample_fn(n_per_class, generator=torch.Generator) -> LabeledData``.
        index: the shard's index in the plan.
        request: ``{class: count}`` for this shard (from :func:`plan_shards`).
        seed: the store's base seed.

    Returns:
        The shard's :class:`ShardPayload`.
    """
    shard_seed = derive_seed(seed, "shard", index)
    data = sample_fn(dict(request), generator=as_generator(shard_seed))
    if not isinstance(data, LabeledData):
        raise TypeError(f"sample_fn must return a LabeledData; got {type(data).__name__}")
    schema = _data_schema(data)
    table = _to_table(data)
    schema["columns"] = _column_types(table)
    table = table.replace_schema_metadata({_META_INDEX: str(index).encode(),
                                           _META_SEED: str(shard_seed).encode()})
    return ShardPayload(index=int(index), seed=shard_seed, request=dict(request), payload=_table_bytes(table),
                        rows=table.num_rows, schema=schema)


class SyntheticStore:
    """A folder of Parquet shards of synthetic samples with a manifest (see the module docstring).

    Args:
        root: the store folder (created on first write).

    Example:
        >>> store = SyntheticStore(tmp_path / "syn")                               # doctest: +SKIP
        >>> store.write(sample_fn, 100, num_classes=2, shard_size=64, seed=0,
        ...             generator_info={"name": "stand_in"})                       # doctest: +SKIP
        >>> len(store.read())                                                      # doctest: +SKIP
        200
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"SyntheticStore({str(self.root)!r})"

    # ----- manifest -------------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        """``root / "manifest.json"``."""
        return self.root / MANIFEST_NAME

    def exists(self) -> bool:
        """Whether a manifest has been written."""
        return self.manifest_path.is_file()

    def manifest(self) -> dict[str, Any]:
        """The parsed manifest, checked (see :func:`check_manifest`).

        Raises:
            MissingPathError: if nothing was written yet (a ``FileNotFoundError``).
            StoreError: a manifest that is not UTF-8 JSON, not the object this module writes,
                or whose counts, names or requests disagree with its entries.
        """
        path = self.manifest_path
        if path.is_symlink() or (path.exists() and not path.is_file()):
            raise StoreError("is not a regular file", path=path, accepted="the manifest.json a store writes")
        if not self.exists():
            raise MissingPathError("does not exist; nothing was written to this store", path=path,
                                   accepted="a store folder written by SyntheticStore.write")
        size = path.stat().st_size
        if size > 256 * 2**20:
            raise StoreError(f"is {size:,} bytes, too big for a manifest", path=path,
                             accepted="the manifest.json a store writes")
        try:
            manifest = json.loads(path.read_bytes().decode("utf-8"))
        except UnicodeDecodeError as err:
            raise StoreError(f"is not UTF-8 text (byte {err.start})", path=path,
                             accepted="the manifest.json a store writes") from None
        except json.JSONDecodeError as err:
            raise StoreError(f"is not valid JSON ({err.msg} at line {err.lineno}, column {err.colno})",
                             path=path, accepted="the manifest.json a store writes") from None
        except RecursionError:
            raise StoreError("nests JSON too deeply", path=path,
                             accepted="the manifest.json a store writes") from None
        return check_manifest(manifest, path)

    def is_complete(self) -> bool:
        """Whether every planned shard has been written."""
        return self.exists() and bool(self.manifest()["complete"])

    def _save_manifest(self, manifest: dict[str, Any]) -> float:
        """Rewrite the manifest atomically; returns the CPU seconds its encoding took."""
        from genaug.outputs import strict_json

        cpu = time.thread_time()
        manifest["shards"] = sorted(manifest["shards"], key=lambda s: s["index"])
        manifest["num_rows"] = int(sum(s["rows"] for s in manifest["shards"]))
        manifest["complete"] = len(manifest["shards"]) == manifest["num_shards"]
        text = strict_json(manifest)  # what atomic_write_json writes
        cpu = time.thread_time() - cpu
        _fsync_dir(self.root)  # the shard renames it lists are durable before it is
        atomic_write_text(self.manifest_path, text)
        _fsync_dir(self.root)
        return cpu

    def _clean_temp_files(self) -> list[str]:
        """Remove the temp files an interrupted write of this store left (ours only: a
        ``.shard-NNNNN.parquet.<random>.tmp`` or ``.manifest.json.<random>.tmp`` regular file);
        a user's own ``*.tmp`` files are kept."""
        removed = []
        for name in sorted(os.listdir(self.root)):
            path = self.root / name
            if _OWN_TEMP.match(name) and path.is_file() and not path.is_symlink():
                path.unlink(missing_ok=True)
                removed.append(name)
        return removed

    # ----- writing --------------------------------------------------------------------------
    def write(self, sample_fn: SampleFn | None, total_per_class: int | Mapping[int, int], *, shard_size: int,
              seed: int, generator_info: Mapping[str, Any], num_classes: int | None = None,
              max_shards: int | None = None, map_shards: MapShards | None = None) -> dict[str, Any]:
        """Sample into shards, skipping shards already written with the same arguments.

        Args:
            sample_fn: ``sample_fn(n_per_class, generator=torch.Generator) -> LabeledData``, e.g.
                a synthesizer's ``sample``; called once per missing shard with a
                ``{class: count}`` request. Must be deterministic given the generator for
                resumed shards to match; may return fewer rows (e.g. after filtering).
            total_per_class: ``{class index: count}``, or one count for every class (then
                ``num_classes`` is required).
            shard_size: samples per shard (>= 1); bounds memory.
            seed: base seed; shard ``i`` uses ``derive_seed(seed, "shard", i)``.
            generator_info: JSON-serialisable description with at least ``name``, e.g. from
                :func:`describe_generator`; compared on resume.
            num_classes: number of classes for an int ``total_per_class``.
            max_shards: stop after writing this many new shards (for budgets and tests).
            map_shards: where the missing shards are sampled, e.g. a Ray actor pool
                (:mod:`genaug.scale`): called once as ``map_shards(pending, seed)`` with the
                ``[(index, request), ...]`` to sample, it yields one :class:`ShardPayload` per
                index in any order (what :func:`sample_shard` returns); this process alone
                writes the shard files and the manifest, under the store's lock. ``None``
                (the default) samples them here in order with ``sample_fn``, which may then
                be ``None`` only if ``map_shards`` is given.

        Returns:
            The manifest after writing.

        Raises:
            ValueError: if the folder holds a store written with other arguments (the message
                lists what differs), or a shard's data does not match the earlier shards.
            RuntimeError: if another process is writing to the store.
        """
        if map_shards is None and not callable(sample_fn):
            raise TypeError(f"sample_fn must be callable; got {type(sample_fn).__name__}")
        if map_shards is not None and not callable(map_shards):
            raise TypeError(f"map_shards must be callable or None; got {type(map_shards).__name__}")
        check_int("seed", seed)
        if max_shards is not None:
            check_int("max_shards", max_shards, low=0)
        if not isinstance(generator_info, Mapping) or "name" not in generator_info:
            raise ValueError(f"generator_info must be a mapping with a 'name'; got {generator_info!r}")
        totals = _totals(total_per_class, num_classes)
        plan = plan_shards(totals, shard_size)
        args = {
            "generator": _canonical(dict(generator_info)),
            "seed": int(seed),
            "shard_size": int(shard_size),
            "total_per_class": {str(c): n for c, n in totals.items()},
        }
        if self.root.exists() and not self.root.is_dir():
            raise StoreError("is an existing file, not a store folder", path=self.root,
                             accepted="a folder (existing or to be created)")
        self.root.mkdir(parents=True, exist_ok=True)
        with _exclusive_lock(self.root):
            self._clean_temp_files()
            if self.exists():
                manifest = self.manifest()
                diff = _differences(manifest["args"], args)
                if diff:
                    raise StoreError(
                        "was written with other arguments (" + "; ".join(diff) + ")",
                        path=self.manifest_path,
                        accepted="the original arguments (to resume), or another --out folder",
                    )
            else:
                from genaug import __version__

                manifest = {
                    "format": STORE_FORMAT,
                    "format_version": STORE_FORMAT_VERSION,
                    "genaug_version": __version__,
                    "args": args,
                    "num_shards": len(plan),
                    "data": None,
                    "shards": [],
                }
                self._save_manifest(manifest)
            done = {s["index"]: s for s in manifest["shards"]}
            pending: list[tuple[int, dict[int, int]]] = []
            for index, request in enumerate(plan):
                entry = done.get(index)
                if entry is not None and self._shard_ok(entry):
                    continue
                if max_shards is not None and len(pending) >= max_shards:
                    break
                pending.append((index, request))
            if map_shards is None:
                shards: Iterable[ShardPayload] = (
                    sample_shard(sample_fn, index, request, int(seed)) for index, request in pending
                )
            else:
                shards = map_shards(pending, int(seed))
            wanted = {index for index, _ in pending}
            unsaved, save_cpu = 0, 0.0
            last_wall, last_cpu = time.monotonic(), time.process_time()
            try:
                for shard in shards:
                    if shard.index not in wanted:
                        raise ValueError(f"map_shards returned shard {shard.index}, which was not asked for "
                                         f"(or was returned twice)")
                    wanted.discard(shard.index)
                    entry = done.get(shard.index)
                    new = self._commit_shard(shard, manifest)
                    if entry is not None and entry["sha256"] != new["sha256"]:
                        warnings.warn(
                            f"shard {shard.index} was rewritten with different bytes than recorded; is "
                            "sample_fn deterministic given its generator?", RuntimeWarning, stacklevel=2,
                        )
                    manifest["shards"] = [s for s in manifest["shards"] if s["index"] != shard.index] + [new]
                    unsaved += 1
                    # Rewrite the manifest after this shard unless encoding it took over 2 ms last time
                    # and less than _MANIFEST_COST_SHARE times that CPU time (and wall time, at most
                    # _MANIFEST_MAX_WAIT_S) has passed since: a big store's manifest is slow to
                    # encode, and then costs at most ~2% of the run. A kill loses only unlisted
                    # shards, which a resume samples again to the same bytes.
                    wait = _MANIFEST_COST_SHARE * save_cpu
                    if (save_cpu < 0.002 or time.process_time() - last_cpu >= wait
                            or time.monotonic() - last_wall >= max(wait, _MANIFEST_MAX_WAIT_S)):
                        save_cpu = self._save_manifest(manifest)
                        unsaved, last_wall, last_cpu = 0, time.monotonic(), time.process_time()
            finally:
                if unsaved:
                    self._save_manifest(manifest)
            if wanted:
                raise RuntimeError(f"map_shards returned no shard for the indices {sorted(wanted)}")
            return manifest

    def _shard_ok(self, entry: Mapping[str, Any]) -> bool:
        path = self.root / entry["file"]
        return path.is_file() and not path.is_symlink() and file_sha256(path) == entry["sha256"]

    def _commit_shard(self, shard: ShardPayload, manifest: dict[str, Any]) -> dict[str, Any]:
        """Write one sampled shard's bytes into the store (atomic) and return its manifest entry."""
        if manifest["data"] is None:
            manifest["data"] = shard.schema
        elif manifest["data"] != shard.schema:
            diff = _differences(manifest["data"], shard.schema)
            raise ValueError(f"shard {shard.index} does not match the earlier shards: " + "; ".join(diff))
        name = shard_name(shard.index)
        atomic_write_bytes(self.root / name, shard.payload)  # the folder is fsynced before the manifest
        return {
            "index": shard.index,
            "file": name,
            "seed": shard.seed,
            "rows": shard.rows,
            "sha256": hashlib.sha256(shard.payload).hexdigest(),
            "request": {str(c): n for c, n in shard.request.items()},
        }

    # ----- reading --------------------------------------------------------------------------
    def iter_shards(self, *, verify: bool = True, allow_incomplete: bool = False,
                    positions: Iterable[int] | None = None) -> Iterator[LabeledData]:
        """Yield the shards in order, one :class:`LabeledData` at a time (memory ~ one shard).

        Args:
            verify: check each shard's sha256 against the manifest.
            allow_incomplete: read the shards written so far of an unfinished store.
            positions: read only these positions of the manifest's shard list, in the order
                given (e.g. one DataLoader worker's share); ``None`` reads them all.

        Raises:
            ValueError: if the store is incomplete (and not allowed) or a shard is corrupt.
        """

        manifest = self.manifest()
        if not manifest["complete"] and not allow_incomplete:
            raise StoreError(
                f"is incomplete ({len(manifest['shards'])} of {manifest['num_shards']} shards)",
                path=self.root, accepted="a complete store: resume write() (or `genaug synth sample` with "
                "the same arguments), or pass allow_incomplete=True",
            )
        schema = manifest["data"]
        entries = manifest["shards"]
        if positions is not None:
            chosen = [check_int("positions item", p, low=0) for p in positions]
            if any(p >= len(entries) for p in chosen):
                raise IndexError(f"positions must be below the {len(entries)} shards listed; got "
                                 f"{short_repr(chosen)}")
            entries = [entries[p] for p in chosen]
        for entry in entries:
            path = self.root / entry["file"]
            if path.is_symlink() or not path.is_file():
                problem = "is a symbolic link; the store will not follow it" if path.is_symlink() else (
                    "is missing" if not path.exists() else "is not a regular file")
                raise StoreError(problem, path=path, accepted="the shard file write() made; re-run write() "
                                 "with the same arguments to regenerate it")
            payload = path.read_bytes()
            if verify and hashlib.sha256(payload).hexdigest() != entry["sha256"]:
                raise StoreError(
                    "does not match its sha256 in the manifest", path=path,
                    accepted="the bytes write() recorded; re-run write() with the same arguments to "
                    "regenerate it",
                )
            yield _read_shard(payload, entry, schema, path)

    def read(self, *, verify: bool = True, allow_incomplete: bool = False) -> LabeledData:
        """All shards as one :class:`LabeledData` (x as float32), filled shard by shard.

        Args:
            verify: check each shard's sha256.
            allow_incomplete: read what an unfinished store holds.

        Returns:
            The samples in shard order, with the stored columns as ``meta``.
        """
        manifest = self.manifest()
        schema = manifest["data"]
        if schema is None:
            raise StoreError("holds no shards yet", path=self.root,
                             accepted="a store with at least one shard written")
        total = int(sum(s["rows"] for s in manifest["shards"]))
        modality = get_modality(schema["modality"])
        shape = (total, *schema["sample_shape"])
        check_limit("max_array_bytes", 4 * math.prod(shape), path=self.manifest_path,
                    what=f"bytes of x for {total:,} samples of shape {list(schema['sample_shape'])}")
        x: Any = None
        if modality.arrow_dtype != "float32":
            x = []
        elif modality.tensor_ndim is not None:
            x = torch.empty(shape, dtype=torch.float32)
        else:
            x = np.empty(shape, dtype=np.float32)
        ys, metas, offset = [], [], 0
        for shard in self.iter_shards(verify=verify, allow_incomplete=allow_incomplete):
            n = len(shard)
            if offset + n > total:  # pragma: no cover - rows are checked per shard
                raise StoreError("holds more rows than its manifest lists", path=self.root)
            if isinstance(x, list):
                x.extend(shard.x)  # in place: one pass over the shards, not a copy per shard
            else:
                x[offset : offset + n] = shard.x
            ys.append(shard.y)
            metas.append(shard.meta)
            offset += n
        y = np.concatenate(ys) if ys else np.zeros(0, dtype=np.int64)
        keys = metas[0].keys() if metas else []
        meta = {k: np.concatenate([m[k] for m in metas]) for k in keys}
        return LabeledData(x, y, tuple(schema["class_names"]), schema["modality"], meta)


# ----- checks on read ----------------------------------------------------------------------------
def _read_shard(payload: bytes, entry: Mapping[str, Any], schema: Mapping[str, Any],
                path: Path) -> LabeledData:
    """One shard's bytes as :class:`LabeledData`, checked against its manifest entry."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    accepted = "the shard file write() made; re-run write() with the same arguments to regenerate it"
    try:
        # ParquetFile without threads: pq.read_table starts Arrow's CPU thread pool, whose threads
        # could abort the interpreter at exit ("terminate called without an active exception",
        # SIGABRT, ~2% of fresh processes that had read a store alongside torch).
        table = pq.ParquetFile(pa.BufferReader(payload)).read(use_threads=False)
    except (pa.ArrowException, OSError, ValueError) as err:
        raise StoreError(f"is not a readable Parquet file ({short_repr(str(err), 200)})", path=path,
                         accepted=accepted) from None
    meta = table.schema.metadata or {}
    if "seed" in entry:  # shards record their index and seed: a swapped shard is refused
        found = (meta.get(_META_INDEX, b"").decode(errors="replace"),
                 meta.get(_META_SEED, b"").decode(errors="replace"))
        if found != (str(entry["index"]), str(entry["seed"])):
            raise StoreError(
                f"holds shard {short_repr(found[0])} (seed {short_repr(found[1])}) where the manifest "
                f"lists shard {entry['index']} (seed {entry['seed']}); were shards swapped or renamed?",
                path=path, accepted=accepted,
            )
    if table.num_rows != entry["rows"]:
        raise StoreError(f"holds {table.num_rows} rows where the manifest lists {entry['rows']}", path=path,
                         accepted=accepted)
    names = table.column_names
    if "x" not in names or "y" not in names:
        raise StoreError(f"lacks the column(s) x/y (has {short_repr(names)})", path=path, accepted=accepted)
    try:
        data = _from_table(table, schema)
    except (pa.ArrowException, ValueError, TypeError, KeyError, IndexError, RuntimeError) as err:
        raise StoreError(f"does not match the manifest's data schema ({short_repr(str(err), 200)})",
                         path=path, accepted=accepted) from None
    return data


def _is_int(value: Any, low: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def check_manifest(manifest: Any, path: str | os.PathLike[str]) -> dict[str, Any]:
    """Check a parsed manifest (what :meth:`SyntheticStore.manifest` reads) and return it.

    Checked: a JSON object of this format and version; ``args`` (seed, shard size, per-class
    totals, generator); ``num_shards`` equal to the plan those arguments make; every shard entry
    an object with an index below ``num_shards`` (no repeats), the plain file name
    ``shard-NNNNN.parquet`` of that index, a row count, a sha256 and the request the plan
    makes for that index; ``num_rows`` and ``complete`` agreeing with the entries; ``data``
    ``null`` (nothing written) or a schema with a registered modality, class names and a
    sample shape.

    Raises:
        StoreError: naming ``path`` and the first disagreement.
    """
    accepted = "the manifest.json a store writes (do not edit it; re-run write() to repair a store)"

    def bad(problem: str) -> StoreError:
        return StoreError(problem, path=path, accepted=accepted)

    if not isinstance(manifest, dict):
        raise bad(f"holds a JSON {type(manifest).__name__}, not an object")
    if manifest.get("format") != STORE_FORMAT:
        raise bad(f"is not a genaug synthetic-store manifest (format {short_repr(manifest.get('format'))})")
    if manifest.get("format_version") != STORE_FORMAT_VERSION:
        raise StoreError(
            f"has store format version {short_repr(manifest.get('format_version'))}", path=path,
            accepted=f"format version {STORE_FORMAT_VERSION} (the one this genaug reads)",
        )
    args = manifest.get("args")
    if not isinstance(args, dict):
        raise bad("lacks its 'args' object")
    if not _is_int(args.get("seed"), -(2**63)) or not _is_int(args.get("shard_size"), 1):
        raise bad(f"has args.seed {short_repr(args.get('seed'))} / args.shard_size "
                  f"{short_repr(args.get('shard_size'))}, not ints (shard size >= 1)")
    totals_raw = args.get("total_per_class")
    if not isinstance(totals_raw, dict) or not all(
        isinstance(k, str) and k.isdigit() and _is_int(v) for k, v in totals_raw.items()
    ):
        raise bad(f"has args.total_per_class {short_repr(totals_raw)}, not {{class index: count}}")
    if not isinstance(args.get("generator"), dict):
        raise bad("lacks args.generator")
    totals = {int(k): v for k, v in totals_raw.items()}
    total = sum(totals.values())
    n_planned = -(-total // args["shard_size"])
    num_shards = manifest.get("num_shards")
    if not _is_int(num_shards):
        raise bad(f"has num_shards {short_repr(num_shards)}, not an int >= 0")
    if num_shards != n_planned:
        raise bad(f"has num_shards {num_shards}, but its args (total {total:,} samples, shard_size "
                  f"{args['shard_size']}) plan {n_planned:,} shards")
    plan = plan_shards(totals, args["shard_size"]) if n_planned <= _MAX_PLAN_SHARDS else None
    shards = manifest.get("shards")
    if not isinstance(shards, list):
        raise bad(f"has shards {short_repr(shards)}, not a list")
    if len(shards) > num_shards:
        raise bad(f"lists {len(shards)} shards, more than its num_shards {num_shards}")
    seen: set[int] = set()
    rows = 0
    for position, entry in enumerate(shards):
        where = f"shards[{position}]"
        if not isinstance(entry, dict):
            raise bad(f"{where} is a JSON {type(entry).__name__}, not an object")
        index = entry.get("index")
        if not _is_int(index) or index >= num_shards:
            raise bad(f"{where} has index {short_repr(index)}, not an int in [0, {num_shards})")
        if index in seen:
            raise bad(f"lists shard {index} twice")
        seen.add(index)
        if entry.get("file") != shard_name(index):
            raise bad(f"{where} names the file {short_repr(entry.get('file'))} for shard {index}; a shard "
                      f"is the plain name {shard_name(index)!r} inside the store (never a path)")
        if not _is_int(entry.get("rows")):
            raise bad(f"{where} has rows {short_repr(entry.get('rows'))}, not an int >= 0")
        sha = entry.get("sha256")
        if not (isinstance(sha, str) and re.fullmatch(r"[0-9a-f]{64}", sha)):
            raise bad(f"{where} has sha256 {short_repr(sha)}, not 64 hex digits")
        if "seed" in entry and entry["seed"] != derive_seed(args["seed"], "shard", index):
            raise bad(f"{where} (shard {index}) has seed {short_repr(entry['seed'])}, but args.seed "
                      f"{args['seed']} gives it seed {derive_seed(args['seed'], 'shard', index)}")
        request = entry.get("request")
        if plan is not None and request != {str(c): n for c, n in plan[index].items()}:
            raise bad(f"{where} (shard {index}) has request {short_repr(request)}, but the plan of its args "
                      f"asks {plan[index]}")
        rows += entry["rows"]
    if shards != sorted(shards, key=lambda e: e["index"]):
        raise bad("lists its shards out of order")
    if manifest.get("num_rows") != rows:
        raise bad(f"has num_rows {short_repr(manifest.get('num_rows'))}, but its shards hold {rows:,} rows")
    if manifest.get("complete") is not (len(shards) == num_shards):
        raise bad(f"has complete: {short_repr(manifest.get('complete'))} with {len(shards)} of "
                  f"{num_shards} shards listed")
    data = manifest.get("data")
    if data is None:
        if shards:
            raise bad("lists shards but no data schema ('data' is null)")
        return manifest
    if not isinstance(data, dict):
        raise bad(f"has data {short_repr(data)}, not an object")
    try:
        get_modality(data.get("modality"))
    except (ValueError, TypeError, KeyError):
        modality = short_repr(data.get("modality"))
        raise bad(f"has data.modality {modality}, not a registered modality") from None
    names = data.get("class_names")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise bad(f"has data.class_names {short_repr(names)}, not a non-empty list of strings")
    shape = data.get("sample_shape")
    if not isinstance(shape, list) or not all(_is_int(d) for d in shape):
        raise bad(f"has data.sample_shape {short_repr(shape)}, not a list of ints >= 0")
    return manifest
