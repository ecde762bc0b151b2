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
  rewritten the same way after each shard. A reader never sees a half-written shard: it reads
  only the shards the manifest lists, and verifies their sha256. A resume deletes leftover
  ``*.tmp`` files.
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
import os
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from genaug.data.labeled import LabeledData
from genaug.modalities import get_modality
from genaug.rng import as_generator, derive_seed
from genaug.serialization import WEIGHTS_NAME, _json_default, atomic_write_bytes, atomic_write_json
from genaug.validation import check_int

__all__ = [
    "SyntheticStore",
    "describe_generator",
    "config_hash",
    "file_sha256",
    "plan_shards",
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
            raise FileNotFoundError(f"checkpoint {path} not found; pass a weights file or a save() folder")
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
    with open(root / _LOCK_NAME, "a+b") as fh:
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
        """The parsed manifest.

        Raises:
            FileNotFoundError: if nothing was written yet.
        """
        if not self.exists():
            raise FileNotFoundError(f"{self.manifest_path} not found; nothing was written to this store")
        manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        if manifest.get("format") != STORE_FORMAT:
            raise ValueError(f"{self.manifest_path} is not a genaug synthetic-store manifest")
        if manifest.get("format_version") != STORE_FORMAT_VERSION:
            raise ValueError(
                f"store format version {manifest.get('format_version')!r} is not supported "
                f"(this genaug reads {STORE_FORMAT_VERSION})"
            )
        return manifest

    def is_complete(self) -> bool:
        """Whether every planned shard has been written."""
        return self.exists() and bool(self.manifest()["complete"])

    def _save_manifest(self, manifest: dict[str, Any]) -> None:
        manifest["shards"] = sorted(manifest["shards"], key=lambda s: s["index"])
        manifest["num_rows"] = int(sum(s["rows"] for s in manifest["shards"]))
        manifest["complete"] = len(manifest["shards"]) == manifest["num_shards"]
        atomic_write_json(self.manifest_path, manifest)
        _fsync_dir(self.root)

    def _clean_temp_files(self) -> list[str]:
        removed = []
        for name in sorted(os.listdir(self.root)):
            if name.endswith(".tmp"):
                (self.root / name).unlink(missing_ok=True)
                removed.append(name)
        return removed

    # ----- writing --------------------------------------------------------------------------
    def write(self, sample_fn: SampleFn, total_per_class: int | Mapping[int, int], *, shard_size: int,
              seed: int, generator_info: Mapping[str, Any], num_classes: int | None = None,
              max_shards: int | None = None) -> dict[str, Any]:
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

        Returns:
            The manifest after writing.

        Raises:
            ValueError: if the folder holds a store written with other arguments (the message
                lists what differs), or a shard's data does not match the earlier shards.
            RuntimeError: if another process is writing to the store.
        """
        if not callable(sample_fn):
            raise TypeError(f"sample_fn must be callable; got {type(sample_fn).__name__}")
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
        self.root.mkdir(parents=True, exist_ok=True)
        with _exclusive_lock(self.root):
            self._clean_temp_files()
            if self.exists():
                manifest = self.manifest()
                diff = _differences(manifest["args"], args)
                if diff:
                    raise ValueError(
                        f"the store at {self.root} was written with other arguments ("
                        + "; ".join(diff)
                        + "); pass the original arguments to resume, or use another folder"
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
            written = 0
            for index, request in enumerate(plan):
                entry = done.get(index)
                if entry is not None and self._shard_ok(entry):
                    continue
                if max_shards is not None and written >= max_shards:
                    break
                new = self._write_shard(sample_fn, index, request, int(seed), manifest)
                if entry is not None and entry["sha256"] != new["sha256"]:
                    warnings.warn(
                        f"shard {index} was rewritten with different bytes than recorded; is "
                        "sample_fn deterministic given its generator?", RuntimeWarning, stacklevel=2,
                    )
                manifest["shards"] = [s for s in manifest["shards"] if s["index"] != index] + [new]
                self._save_manifest(manifest)
                written += 1
            return manifest

    def _shard_ok(self, entry: Mapping[str, Any]) -> bool:
        path = self.root / entry["file"]
        return path.is_file() and file_sha256(path) == entry["sha256"]

    def _write_shard(self, sample_fn: SampleFn, index: int, request: dict[int, int], seed: int,
                     manifest: dict[str, Any]) -> dict[str, Any]:
        generator = as_generator(derive_seed(seed, "shard", index))
        data = sample_fn(dict(request), generator=generator)
        if not isinstance(data, LabeledData):
            raise TypeError(f"sample_fn must return a LabeledData; got {type(data).__name__}")
        schema = _data_schema(data)
        table = _to_table(data)
        schema["columns"] = _column_types(table)
        if manifest["data"] is None:
            manifest["data"] = schema
        elif manifest["data"] != schema:
            diff = _differences(manifest["data"], schema)
            raise ValueError(f"shard {index} does not match the earlier shards: " + "; ".join(diff))
        payload = _table_bytes(table)
        name = f"shard-{index:05d}.parquet"
        atomic_write_bytes(self.root / name, payload)
        _fsync_dir(self.root)
        return {
            "index": index,
            "file": name,
            "rows": table.num_rows,
            "sha256": hashlib.sha256(payload).hexdigest(),
            "request": {str(c): n for c, n in request.items()},
        }

    # ----- reading --------------------------------------------------------------------------
    def iter_shards(self, *, verify: bool = True, allow_incomplete: bool = False) -> Iterator[LabeledData]:
        """Yield the shards in order, one :class:`LabeledData` at a time (memory ~ one shard).

        Args:
            verify: check each shard's sha256 against the manifest.
            allow_incomplete: read the shards written so far of an unfinished store.

        Raises:
            ValueError: if the store is incomplete (and not allowed) or a shard is corrupt.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        manifest = self.manifest()
        if not manifest["complete"] and not allow_incomplete:
            raise ValueError(
                f"the store at {self.root} is incomplete ({len(manifest['shards'])} of "
                f"{manifest['num_shards']} shards); resume write() or pass allow_incomplete=True"
            )
        for entry in manifest["shards"]:
            payload = (self.root / entry["file"]).read_bytes()
            if verify and hashlib.sha256(payload).hexdigest() != entry["sha256"]:
                raise ValueError(
                    f"shard {entry['file']} does not match its sha256 in the manifest; re-run write() "
                    "with the same arguments to regenerate it"
                )
            yield _from_table(pq.read_table(pa.BufferReader(payload)), manifest["data"])

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
            raise ValueError(f"the store at {self.root} holds no shards yet")
        total = int(sum(s["rows"] for s in manifest["shards"]))
        modality = get_modality(schema["modality"])
        shape = (total, *schema["sample_shape"])
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
