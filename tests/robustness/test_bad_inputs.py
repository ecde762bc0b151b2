"""Every bad input a careless or hostile user can hand genaug: one clear error, nothing written.

A table of cases (issue 11), across the Python API and the CLI: spec files, CSV/JSONL tables,
``.npz`` archives, image folders, saved model folders, synthetic stores, output paths and
resource limits. Each case builds its bad input in a fresh folder and runs one action; the test
asserts

* the error is the expected :class:`genaug.errors.GenaugError` kind (never a raw
  ``KeyError``/``BadZipFile``/``SafetensorError``/... traceback),
* its message is one line and names the file or argument at fault,
* the folder is exactly as it was before the action (no output, no half-written or temp file).

CLI cases run the command through typer's runner twice: once as a user sees it (exit code 2,
one ``error:`` line, no traceback) and once with ``GENAUG_DEBUG=1`` to get the exception itself.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from genaug.errors import (
    DataFileError,
    GenaugError,
    LimitError,
    MissingPathError,
    ModelFileError,
    OutputPathError,
    SpecFileError,
    StoreError,
)

Action = Callable[[], Any]
Builder = Callable[[Path, dict[str, Path]], Action]

SPEC = """\
name: robust
dataset: {name: digits}
split: {labeled_per_class: 3, val_per_class: 3}
model: {name: logreg}
baselines: []
strategies: [{name: none}]
seeds: [0]
"""


# ----- helpers ----------------------------------------------------------------------------------
def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under ``root`` with its type, size and content hash (symlinks not followed)."""
    out: dict[str, tuple] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = p.relative_to(root).as_posix()
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_dir():
                out[rel] = ("dir",)
            else:
                out[rel] = ("file", hashlib.sha256(p.read_bytes()).hexdigest())
    return out


def _call(target: str, make: Callable[[Path], tuple], /, **kwargs: Any) -> Builder:
    """``module:function(*make(tmp), **kwargs)``; ``make`` prepares the input in ``tmp``."""
    def build(tmp: Path, ctx: dict[str, Path]) -> Action:
        import importlib

        module, name = target.split(":")
        fn = getattr(importlib.import_module(module), name)
        args = make(tmp)
        return lambda: fn(*args, **kwargs)

    return build


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True)
    return path


def _spec(text: str | bytes, name: str = "spec.yaml") -> Builder:
    def build(tmp: Path, ctx: dict[str, Path]) -> Action:
        from genaug.experiment import ExperimentSpec

        path = write(tmp / name, text)
        return lambda: ExperimentSpec.from_yaml(path)

    return build


def _spec_path(make: Callable[[Path], Path]) -> Builder:
    def build(tmp: Path, ctx: dict[str, Path]) -> Action:
        from genaug.experiment import ExperimentSpec

        path = make(tmp)
        return lambda: ExperimentSpec.from_yaml(path)

    return build


def _alias_bomb(levels: int = 9, where: str = "model") -> str:
    lines = ['a0: &a0 ["lol"]']
    for i in range(1, levels + 1):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    body = "\n".join(lines)
    return f"{body}\nname: bomb\ndataset: {{name: digits}}\n{where}: {{name: logreg, steps: *a{levels}}}\n"


def _csv(text: str | bytes, name: str = "t.csv", **kwargs: Any) -> Builder:
    def build(tmp: Path, ctx: dict[str, Path]) -> Action:
        from genaug.data.tabular import read_table

        path = write(tmp / name, text)
        return lambda: read_table(path, **{"target": "y", **kwargs})

    return build


def _dataset(name: str, make: Callable[[Path], dict[str, Any]]) -> Builder:
    """``load_dataset(name, **options)`` (what a spec's ``dataset:`` does)."""
    def build(tmp: Path, ctx: dict[str, Path]) -> Action:
        from genaug.data import load_dataset

        options = make(tmp)
        return lambda: load_dataset(name, **options)

    return build


def _npy_bytes(shape: tuple[int, ...], dtype: str = "<f4", data: bytes | None = None,
               fortran: bool = False) -> bytes:
    header = {"descr": dtype, "fortran_order": fortran, "shape": shape}
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    if data is None:
        data = b"\0" * (int(np.prod(shape)) * np.dtype(dtype).itemsize)
    return buf.getvalue() + data


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _npz_arrays(**arrays: Any) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


GOOD_X = np.random.default_rng(0).random((6, 5)).astype(np.float32)
GOOD_Y = np.array([0, 1, 0, 1, 0, 1])


def _npz(data: bytes | Callable[[], bytes], name: str = "d.npz", **kwargs: Any) -> Builder:
    def build(tmp: Path, ctx: dict[str, Path]) -> Action:
        from genaug.data.readers import read_npz

        path = write(tmp / name, data() if callable(data) else data)
        return lambda: read_npz(path, **kwargs)

    return build


def _png(width: int, height: int, mode: str = "L", color: int = 0) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new(mode, (width, height), color).save(buf, format="PNG")
    return buf.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims ``width x height`` grey pixels (a decompression bomb's header)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _images(files: dict[str, bytes], root: str = "img", **kwargs: Any) -> Builder:
    def build(tmp: Path, ctx: dict[str, Path]) -> Action:
        from genaug.data.readers import read_image_folder

        base = tmp / root
        base.mkdir()
        for rel, data in files.items():
            if rel.endswith("/"):
                (base / rel).mkdir(parents=True, exist_ok=True)
            else:
                write(base / rel, data)
        return lambda: read_image_folder(base, **kwargs)

    return build


def _jsonl(text: str | bytes, name: str = "t.jsonl", **kwargs: Any) -> Builder:
    def build(tmp: Path, ctx: dict[str, Path]) -> Action:
        from genaug.data import load_dataset

        path = write(tmp / name, text)
        return lambda: load_dataset("jsonl", path=str(path), **kwargs)

    return build


# ----- saved models -----------------------------------------------------------------------------
def _model(which: str, mutate: Callable[[Path], None], load: str = "synth", **load_args: Any) -> Builder:
    def build(tmp: Path, ctx: dict[str, Path]) -> Action:
        from genaug.synth import load_synthesizer
        from genaug.train import load_classifier

        folder = tmp / which
        shutil.copytree(ctx[which], folder)
        mutate(folder)
        loader = load_classifier if load == "classifier" else load_synthesizer
        return lambda: loader(folder, **load_args)

    return build


def _config(fn: Callable[[dict], Any]) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        config = json.loads((folder / "config.json").read_text())
        fn(config)
        (folder / "config.json").write_text(json.dumps(config))

    return mutate


def _config_bytes(data: bytes) -> Callable[[Path], None]:
    return lambda folder: write(folder / "config.json", data) and None


def _weights(fn: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        path = folder / "weights.safetensors"
        path.write_bytes(fn(path.read_bytes()))

    return mutate


def _st_header(obj: Any, data: bytes = b"") -> bytes:
    raw = json.dumps(obj).encode()
    return len(raw).to_bytes(8, "little") + raw + data


def _set(keys: tuple[str, ...], value: Any) -> Callable[[dict], None]:
    def fn(c: dict) -> None:
        for k in keys[:-1]:
            c = c[k]
        c[keys[-1]] = value

    return fn


def _delete(keys: tuple[str, ...]) -> Callable[[dict], None]:
    def fn(c: dict) -> None:
        for k in keys[:-1]:
            c = c[k]
        del c[keys[-1]]

    return fn


def _replace_folder_file(name: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).mkdir()

    return mutate


def _drop_tensor(prefix: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        from safetensors.torch import load_file, save_file

        tensors = dict(load_file(str(folder / "weights.safetensors")))
        for key in [k for k in tensors if k.startswith(prefix)][:1]:
            del tensors[key]
        save_file(tensors, str(folder / "weights.safetensors"))

    return mutate


def _retype_tensor(mutate_tensor: Callable[[Any], Any]) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        from safetensors.torch import load_file, save_file

        tensors = dict(load_file(str(folder / "weights.safetensors")))
        key = sorted(tensors)[0]
        tensors[key] = mutate_tensor(tensors[key])
        save_file(tensors, str(folder / "weights.safetensors"))

    return mutate


def _pretrained_config(folder: Path) -> None:
    config = json.loads((folder / "config.json").read_text())
    config["name"] = "pretrained_diffusion"
    config["params"] = {"model_dir": "/etc", "device": "cpu"}
    (folder / "config.json").write_text(json.dumps(config))


def _pretrained(files: dict[str, bytes]) -> Builder:
    """``pretrained_diffusion`` fitted with ``model_dir`` a folder holding ``files``."""
    def build(tmp: Path, ctx: dict[str, Path]) -> Action:
        import torch

        from genaug.data.labeled import LabeledData
        from genaug.synth.pretrained import PretrainedDiffusion

        pipe = _mkdir(tmp / "pipe")
        for name, data in files.items():
            write(pipe / name, data)
        images = LabeledData(torch.rand(3, 1, 8, 8), [0, 1, 2], ("a", "b", "c"), "image")
        return lambda: PretrainedDiffusion(model_dir=str(pipe), num_inference_steps=2).fit(images)

    return build


# ----- stores -----------------------------------------------------------------------------------
def _store(mutate: Callable[[Path], None], action: str = "read") -> Builder:
    def build(tmp: Path, ctx: dict[str, Path]) -> Action:
        from genaug.data.store import SyntheticStore

        root = tmp / "store"
        shutil.copytree(ctx["store"], root)
        mutate(root)
        store = SyntheticStore(root)
        if action == "read":
            return store.read
        if action == "manifest":
            return store.manifest
        if action == "iter":
            return lambda: list(store.iter_shards())
        return _resume(root)

    return build


def _resume(root: Path) -> Action:
    import numpy as np
    import torch

    from genaug.data.labeled import LabeledData
    from genaug.data.store import SyntheticStore

    def sample(n_per_class: dict[int, int], generator: torch.Generator) -> LabeledData:
        y = np.concatenate([np.full(n, c, dtype=np.int64) for c, n in sorted(n_per_class.items())])
        x = torch.rand(len(y), 1, 4, 4, generator=generator)
        meta = {"strength": torch.rand(len(y), generator=generator, dtype=torch.float64).numpy()}
        return LabeledData(x, y, ("a", "b", "c"), "image", meta)

    info = {"name": "stand_in", "config_hash": "0" * 64, "checkpoint_hash": None}
    return lambda: SyntheticStore(root).write(sample, {0: 6, 1: 5, 2: 5}, shard_size=4, seed=3,
                                              generator_info=info)


def _manifest(fn: Callable[[dict], Any]) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        manifest = json.loads((root / "manifest.json").read_text())
        result = fn(manifest)
        (root / "manifest.json").write_text(json.dumps(manifest if result is None else result))

    return mutate


def _manifest_bytes(data: bytes) -> Callable[[Path], None]:
    return lambda root: write(root / "manifest.json", data) and None


def _shard(i: int, key: str, value: Any) -> Callable[[dict], None]:
    def fn(m: dict) -> None:
        m["shards"][i][key] = value

    return fn


def _drop_last_shard(m: dict) -> None:
    """A consistent manifest of an unfinished store (its last shard not written yet)."""
    m["shards"].pop()
    m["complete"] = False
    m["num_rows"] = sum(s["rows"] for s in m["shards"])


def _other_seed(m: dict) -> None:
    """A consistent, empty manifest written with another seed (a resume must refuse it)."""
    m["args"]["seed"] = 4
    m["shards"].clear()
    m.update(num_rows=0, complete=False)


def _swap_shards(root: Path) -> None:
    """Swap two shard files and their recorded hashes (a tamper that keeps every sha256 valid)."""
    a, b = root / "shard-00000.parquet", root / "shard-00001.parquet"
    da, db = a.read_bytes(), b.read_bytes()
    a.write_bytes(db)
    b.write_bytes(da)
    manifest = json.loads((root / "manifest.json").read_text())
    s0, s1 = manifest["shards"][0], manifest["shards"][1]
    s0["sha256"], s1["sha256"] = s1["sha256"], s0["sha256"]
    s0["rows"], s1["rows"] = s1["rows"], s0["rows"]
    (root / "manifest.json").write_text(json.dumps(manifest))


def _rehash(root: Path, i: int, data: bytes) -> None:
    """Replace shard ``i`` with ``data`` and record its new sha256 (a consistent tamper)."""
    (root / f"shard-{i:05d}.parquet").write_bytes(data)
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["shards"][i]["sha256"] = hashlib.sha256(data).hexdigest()
    (root / "manifest.json").write_text(json.dumps(manifest))


def _shard_with_other_rows(root: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = root / "shard-00000.parquet"
    table = pq.read_table(path)
    table = table.slice(0, 1).replace_schema_metadata(table.schema.metadata)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    _rehash(root, 0, sink.getvalue().to_pybytes())


def _shard_without_x(root: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(root / "shard-00000.parquet")
    table = table.drop_columns(["x"]).replace_schema_metadata(table.schema.metadata)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    _rehash(root, 0, sink.getvalue().to_pybytes())


def _lock_dir(root: Path) -> None:
    lock = root / ".lock"
    if lock.exists():
        lock.unlink()
    lock.mkdir()


def _lock_symlink(root: Path) -> None:
    lock = root / ".lock"
    if lock.exists():
        lock.unlink()
    lock.symlink_to(root.parent / "outside-file")


def _shard_symlink(root: Path) -> None:
    outside = root.parent / "outside.parquet"
    shutil.copy(root / "shard-00001.parquet", outside)
    (root / "shard-00001.parquet").unlink()
    (root / "shard-00001.parquet").symlink_to(outside)


# ----- outputs and the CLI ----------------------------------------------------------------------
runner = CliRunner()


def _cli(make_args: Callable[[Path, dict[str, Path]], list[str]]) -> Builder:
    def build(tmp: Path, ctx: dict[str, Path]) -> Action:
        args = make_args(tmp, ctx)

        def act() -> Any:
            from genaug.cli import app

            shown = runner.invoke(app, args, env={"GENAUG_DEBUG": ""})
            lines = [line for line in shown.output.splitlines() if line.strip()]
            assert shown.exit_code == 2, shown.output
            assert "Traceback" not in shown.output, shown.output
            assert len(lines) == 1 and lines[0].startswith("error: "), shown.output
            debug = runner.invoke(app, args, env={"GENAUG_DEBUG": "1"})
            assert debug.exception is not None, debug.output
            raise debug.exception

        return act

    return build


def _spec_file(tmp: Path, text: str = SPEC) -> Path:
    return write(tmp / "spec.yaml", text)


def _a_file(tmp: Path, name: str = "out") -> Path:
    return write(tmp / name, "user data")


def _folder_with(tmp: Path, inner: str, name: str = "out") -> Path:
    (tmp / name / inner).mkdir(parents=True)
    return tmp / name


UNWRITABLE = "/proc/genaug-robust-out"  # not writable, not even by root


def _out_check(path_fn: Callable[[Path], Path], **kwargs: Any) -> Builder:
    def build(tmp: Path, ctx: dict[str, Path]) -> Action:
        from genaug.outputs import check_output_dir

        path = path_fn(tmp)
        return lambda: check_output_dir(path, argument="--out", **kwargs)

    return build


def _publish_onto_file(tmp: Path, ctx: dict[str, Path]) -> Action:
    from genaug.outputs import atomic_output_dir

    target = _a_file(tmp, "out")

    def act() -> None:
        with atomic_output_dir(target) as folder:
            (folder / "results.json").write_text("{}")

    return act


def _failing_block(tmp: Path, ctx: dict[str, Path]) -> Action:
    """An error inside the atomic folder leaves nothing, even though files were written."""
    from genaug.outputs import atomic_output_dir

    def act() -> None:
        with atomic_output_dir(tmp / "out") as folder:
            (folder / "results.json").write_text("{}")
            raise DataFileError("failed half-way", path=tmp / "out" / "report.html")

    return act


def _write_onto_folder(tmp: Path, ctx: dict[str, Path]) -> Action:
    from genaug.outputs import atomic_write_json

    (tmp / "out" / "results.json").mkdir(parents=True)
    return lambda: atomic_write_json(tmp / "out" / "results.json", {"a": 1})


def _results_load(data: bytes | None) -> Builder:
    def build(tmp: Path, ctx: dict[str, Path]) -> Action:
        from genaug.experiment.results import Results

        path = tmp / "results.json"
        if data is not None:
            write(path, data)
        return lambda: Results.load(path)

    return build


def _env_limit(name: str, value: str) -> Builder:
    def build(tmp: Path, ctx: dict[str, Path]) -> Action:
        from genaug.limits import get_limits

        def act() -> Any:
            old = os.environ.get(name)
            os.environ[name] = value
            try:
                return get_limits()
            finally:
                if old is None:
                    del os.environ[name]
                else:
                    os.environ[name] = old

        return act

    return build


def _with_limits(build: Builder, **limits: int) -> Builder:
    def wrapped(tmp: Path, ctx: dict[str, Path]) -> Action:
        from genaug.limits import override_limits

        act = build(tmp, ctx)

        def run() -> Any:
            with override_limits(**limits):
                return act()

        return run

    return wrapped


# ----- the table --------------------------------------------------------------------------------
# (id, builder, error type, text the message must contain: the file or argument at fault)
CASES: list[tuple[str, Builder, type[BaseException], str]] = []


def case(cid: str, builder: Builder, error: type[BaseException], names: str) -> None:
    CASES.append((cid, builder, error, names))


# spec files
case("spec-missing", _spec_path(lambda t: t / "nope.yaml"), SpecFileError, "nope.yaml")
case("spec-folder", _spec_path(lambda t: _mkdir(t / "dir.yaml")), SpecFileError, "dir.yaml")
case("spec-empty", _spec(""), SpecFileError, "spec.yaml")
case("spec-only-comment", _spec("# nothing\n"), SpecFileError, "spec.yaml")
case("spec-invalid-utf8", _spec(b"name: \xff\xfe\n"), SpecFileError, "spec.yaml")
case("spec-latin1", _spec("name: caf\u00e9\n".encode("latin-1")), SpecFileError, "spec.yaml")
case("spec-utf16", _spec("name: x\n".encode("utf-16")), SpecFileError, "spec.yaml")
case("spec-binary", _spec(bytes(range(256))), SpecFileError, "spec.yaml")
case("spec-nul-bytes", _spec(b"name: a\x00b\n"), SpecFileError, "spec.yaml")
case("spec-bad-yaml-bracket", _spec("dataset: {name: digits\n"), SpecFileError, "spec.yaml")
case("spec-bad-yaml-tab", _spec("dataset:\n\tname: digits\n"), SpecFileError, "spec.yaml")
case("spec-bad-yaml-indent", _spec("a:\n  b: 1\n c: 2\n"), SpecFileError, "spec.yaml")
case("spec-two-documents", _spec(SPEC + "---\nname: other\n"), SpecFileError, "spec.yaml")
case("spec-top-list", _spec("- 1\n- 2\n"), SpecFileError, "spec.yaml")
case("spec-top-string", _spec("just text\n"), SpecFileError, "spec.yaml")
case("spec-top-int", _spec("42\n"), SpecFileError, "spec.yaml")
case("spec-alias-bomb-model-steps", _spec(_alias_bomb()), LimitError, "spec.yaml")
case("spec-alias-bomb-seeds", _spec(_alias_bomb(where="split")), LimitError, "spec.yaml")
case("spec-alias-bomb-small-limit", _with_limits(_spec(_alias_bomb(4)), max_spec_nodes=1000), LimitError,
     "spec.yaml")
case("spec-recursive-alias", _spec("a: &a [*a]\nname: x\ndataset: {name: digits}\n"), SpecFileError,
     "spec.yaml")
case("spec-too-deep", _spec("a: " + "[" * 200 + "]" * 200 + "\nname: x\n"), LimitError, "spec.yaml")
case("spec-too-deep-maps", _spec("a: " + "{b: " * 100 + "1" + "}" * 100 + "\n"), LimitError, "spec.yaml")
case("spec-too-big", _spec("# " + "x" * (1 << 20) + "\nname: x\n"), LimitError, "spec.yaml")
case("spec-python-tag", _spec("name: !!python/object/apply:os.system ['true']\n"), SpecFileError, "spec.yaml")
case("spec-python-name-tag", _spec("dataset: !!python/name:os.system\n"), SpecFileError, "spec.yaml")
case("spec-unknown-tag", _spec("dataset: !digits {}\n"), SpecFileError, "spec.yaml")
case("spec-unknown-key", _spec(SPEC + "colour: blue\n"), SpecFileError, "spec.yaml")
case("spec-missing-dataset", _spec("name: x\nmodel: {name: logreg}\n"), SpecFileError, "spec.yaml")
case("spec-unknown-dataset", _spec(SPEC.replace("digits", "cifar9000")), SpecFileError, "spec.yaml")
case("spec-unknown-model", _spec(SPEC.replace("logreg", "resnet9000")), SpecFileError, "spec.yaml")
case("spec-unknown-strategy", _spec(SPEC.replace("[{name: none}]", "[{name: magic}]")), SpecFileError,
     "spec.yaml")
case("spec-unknown-model-option", _spec(SPEC.replace("{name: logreg}", "{name: logreg, stepz: 3}")),
     SpecFileError, "spec.yaml")
HUGE_STEPS = SPEC.replace("{name: logreg}", "{name: small_cnn, steps: " + str(list(range(5000))) + "}")
case("spec-bad-steps-huge-list", _spec(HUGE_STEPS), SpecFileError, "spec.yaml")
case("spec-seeds-string", _spec(SPEC.replace("seeds: [0]", "seeds: zero")), SpecFileError, "spec.yaml")
case("spec-seeds-empty", _spec(SPEC.replace("seeds: [0]", "seeds: []")), SpecFileError, "spec.yaml")
case("spec-labeled-negative", _spec(SPEC.replace("labeled_per_class: 3", "labeled_per_class: -1")),
     SpecFileError, "spec.yaml")
case("spec-test-fraction-2", _spec(SPEC.replace("val_per_class: 3", "val_per_class: 3, test_fraction: 2")),
     SpecFileError, "spec.yaml")
case("spec-strategies-mapping", _spec(SPEC.replace("[{name: none}]", "{name: none}")), SpecFileError,
     "spec.yaml")
case("spec-dataset-null", _spec("name: x\ndataset:\n"), SpecFileError, "spec.yaml")
case("spec-duplicate-labels", _spec(SPEC.replace("[{name: none}]", "[{name: none}, {name: none}]")),
     SpecFileError, "spec.yaml")
case("spec-set-tag", _spec("name: !!set {a, b}\ndataset: {name: digits}\n"), SpecFileError, "spec.yaml")

# CSV / Parquet tables
case("csv-header-only", _csv("a,b,y\n"), DataFileError, "t.csv")
case("csv-empty-file", _csv(""), DataFileError, "t.csv")
case("csv-blank-lines", _csv("\n\n\n"), DataFileError, "t.csv")
case("csv-duplicate-label-column", _csv("a,y,y\n1,0,0\n2,1,1\n3,0,0\n"), DataFileError, "t.csv")
case("csv-duplicate-feature", _csv("a,a,y\n1,2,0\n2,3,1\n3,4,0\n"), DataFileError, "t.csv")
case("csv-plus-inf", _csv("a,y\n1,0\ninf,1\n3,0\n"), DataFileError, "t.csv")
case("csv-minus-inf", _csv("a,y\n1,0\n-inf,1\n3,0\n"), DataFileError, "t.csv")
case("csv-overflow-to-inf", _csv("a,y\n1,0\n1e999,1\n3,0\n"), DataFileError, "t.csv")
case("csv-nan-refused", _csv("a,y\n1,0\n,1\n3,0\n"), DataFileError, "t.csv")
case("csv-drop-every-row", _csv("a,y\n,0\n,1\n,0\n", missing="drop"), DataFileError, "t.csv")
case("csv-label-missing", _csv("a,y\n1,0\n2,\n3,1\n"), DataFileError, "t.csv")
case("csv-no-target", _csv("a,b\n1,0\n2,1\n", target="label"), GenaugError, "label")
case("csv-invalid-utf8", _csv(b"a,y\n\xff\xfe,0\n1,1\n"), DataFileError, "t.csv")
case("csv-binary-garbage", _csv(bytes(range(256)) * 4), DataFileError, "t.csv")
case("csv-ragged-rows", _csv("a,y\n1,0\n2,1,5,6\n3,0\n"), DataFileError, "t.csv")
case("csv-one-row", _csv("a,y\n1,0\n"), DataFileError, "t.csv")
case("csv-one-class", _csv("a,y\n1,0\n2,0\n3,0\n"), DataFileError, "t.csv")
case("csv-missing-file", _call("genaug.data.tabular:read_table", lambda t: (t / "none.csv",), target="y"),
     MissingPathError, "none.csv")
case("csv-folder", _call("genaug.data.tabular:read_table", lambda t: (_mkdir(t / "dir.csv"),), target="y"),
     DataFileError, "dir.csv")
case("csv-bad-missing-option", _csv("a,y\n1,0\n2,1\n", missing="ignore"), GenaugError, "missing")
case("csv-classes-not-in-data", _csv("a,y\n1,0\n2,1\n3,0\n", classes=[5, 6]), GenaugError, "classes")
case("csv-classes-repeat", _csv("a,y\n1,0\n2,1\n3,0\n", classes=[0, 0, 1]), GenaugError, "classes")
case("csv-categorical-unknown", _csv("a,y\n1,0\n2,1\n3,0\n", categorical=["zz"]), GenaugError, "zz")
case("csv-too-many-classes", _with_limits(_csv("a,y\n" + "".join(f"{i},{i}\n" for i in range(20))),
                                          max_classes=5), LimitError, "t.csv")
case("csv-column-all-missing-impute", _csv("a,b,y\n1,,0\n2,,1\n3,,0\n", missing="impute"), GenaugError, "b")
case("csv-dataset-no-path", _dataset("csv", lambda t: {"target": "y"}), GenaugError, "path")
case("csv-dataset-path-not-str", _dataset("csv", lambda t: {"path": 5, "target": "y"}), GenaugError, "path")
case("csv-dataset-test-missing", _dataset("csv", lambda t: {
    "path": str(write(t / "t.csv", "a,y\n1,0\n2,1\n3,0\n4,1\n")), "target": "y",
    "test_path": str(t / "test.csv")}), MissingPathError, "test.csv")
case("csv-dataset-test-other-columns", _dataset("csv", lambda t: {
    "path": str(write(t / "t.csv", "a,y\n1,0\n2,1\n3,0\n4,1\n")), "target": "y",
    "test_path": str(write(t / "test.csv", "b,y\n1,0\n2,1\n"))}), GenaugError, "test.csv")
case("parquet-not-parquet", _dataset("parquet", lambda t: {
    "path": str(write(t / "t.parquet", b"PAR1 not really")), "target": "y"}), DataFileError, "t.parquet")
case("parquet-empty", _dataset("parquet", lambda t: {
    "path": str(write(t / "t.parquet", b"")), "target": "y"}), DataFileError, "t.parquet")

# JSONL text
case("jsonl-invalid-json", _jsonl('{"text": "a", "label": 1}\n{"text": \n'), DataFileError, "t.jsonl")
case("jsonl-invalid-utf8", _jsonl(b'{"text": "\xff", "label": 1}\n'), DataFileError, "t.jsonl")
case("jsonl-not-object", _jsonl('[1, 2]\n'), DataFileError, "t.jsonl")
case("jsonl-no-text", _jsonl('{"label": 1}\n'), DataFileError, "t.jsonl")
case("jsonl-no-label", _jsonl('{"text": "a"}\n'), DataFileError, "t.jsonl")
case("jsonl-label-list", _jsonl('{"text": "a", "label": [1]}\n'), DataFileError, "t.jsonl")
case("jsonl-text-number", _jsonl('{"text": 5, "label": 1}\n'), DataFileError, "t.jsonl")
case("jsonl-empty", _jsonl(""), DataFileError, "t.jsonl")
case("jsonl-blank-lines", _jsonl("\n \n\n"), DataFileError, "t.jsonl")
case("jsonl-deep-nesting", _jsonl('{"text": "a", "label": ' + "[" * 100_000 + "]" * 100_000 + "}\n"),
     DataFileError, "t.jsonl")
case("jsonl-unknown-class", _jsonl('{"text": "a", "label": "x"}\n', class_names=["y"]), DataFileError,
     "t.jsonl")
case("jsonl-empty-field-option", _jsonl('{"text": "a", "label": 1}\n', text_field=""), GenaugError,
     "text_field")
case("jsonl-too-many-classes", _with_limits(_jsonl("".join(
    json.dumps({"text": "t", "label": i}) + "\n" for i in range(12))), max_classes=10), LimitError, "t.jsonl")

# .npz archives
case("npz-empty", _npz(b""), DataFileError, "d.npz")
case("npz-truncated", _npz(lambda: _npz_arrays(x=GOOD_X, y=GOOD_Y)[:100]), DataFileError, "d.npz")
case("npz-truncated-half", _npz(lambda: (lambda b: b[: len(b) // 2])(_npz_arrays(x=GOOD_X, y=GOOD_Y))),
     DataFileError, "d.npz")
case("npz-random-bytes", _npz(bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8))),
     DataFileError, "d.npz")
case("npz-text-file", _npz(b"x,y\n1,2\n"), DataFileError, "d.npz")
case("npz-single-npy", _npz(lambda: _npy_bytes((3,))), DataFileError, "d.npz")
case("npz-missing-x", _npz(lambda: _npz_arrays(y=GOOD_Y)), DataFileError, "x_key")
case("npz-missing-y", _npz(lambda: _npz_arrays(x=GOOD_X)), DataFileError, "y_key")
case("npz-other-x-key", _npz(lambda: _npz_arrays(x=GOOD_X, y=GOOD_Y), x_key="images"), DataFileError, "x_key")
case("npz-object-array", _npz(lambda: _zip({"x.npy": _npy_bytes((2,), "|O", b"\x80\x04N."),
                                            "y.npy": _npy_bytes((2,), "<i8")})), DataFileError, "d.npz")
case("npz-structured-dtype", _npz(lambda: _npz_arrays(x=np.zeros(3, dtype=[("a", "<f4")]), y=[0, 1, 0])),
     DataFileError, "d.npz")
case("npz-huge-header-x", _npz(lambda: _zip({"x.npy": _npy_bytes((2**20, 2**12), "<f8", b""),
                                            "y.npy": _npy_bytes((2,), "<i8")})), LimitError, "d.npz")
case("npz-huge-header-y", _npz(lambda: _zip({"x.npy": _npy_bytes((2, 2), "<f4"),
                                            "y.npy": _npy_bytes((2**40,), "<i8", b"")})), LimitError, "d.npz")
case("npz-header-longer-than-data", _npz(lambda: _zip({"x.npy": _npy_bytes((1000, 4), "<f4", b"\0" * 16),
                                                      "y.npy": _npy_bytes((1000,), "<i8")})), DataFileError,
     "d.npz")
case("npz-bad-npy-magic", _npz(lambda: _zip({"x.npy": b"not an npy", "y.npy": _npy_bytes((2,), "<i8")})),
     DataFileError, "d.npz")
case("npz-labels-ten-million", _npz(lambda: _npz_arrays(x=np.zeros((2, 3), np.float32), y=[0, 10**7])),
     LimitError, "d.npz")
case("npz-labels-negative", _npz(lambda: _npz_arrays(x=np.zeros((2, 3), np.float32), y=[0, -1])),
     DataFileError, "d.npz")
case("npz-labels-float", _npz(lambda: _npz_arrays(x=np.zeros((2, 3), np.float32), y=[0.5, 1.0])),
     DataFileError, "d.npz")
case("npz-labels-2d", _npz(lambda: _npz_arrays(x=np.zeros((2, 3), np.float32), y=[[0], [1]])),
     DataFileError, "d.npz")
case("npz-length-mismatch", _npz(lambda: _npz_arrays(x=np.zeros((3, 3), np.float32), y=[0, 1])),
     DataFileError, "d.npz")
case("npz-no-samples", _npz(lambda: _npz_arrays(x=np.zeros((0, 3), np.float32), y=np.zeros(0, int))),
     DataFileError, "d.npz")
case("npz-nan", _npz(lambda: _npz_arrays(x=np.array([[1.0, np.nan], [0, 1]], np.float32), y=[0, 1])),
     DataFileError, "d.npz")
case("npz-inf", _npz(lambda: _npz_arrays(x=np.array([[1.0, np.inf], [0, 1]], np.float32), y=[0, 1])),
     DataFileError, "d.npz")
case("npz-image-out-of-range", _npz(lambda: _npz_arrays(x=np.full((2, 1, 4, 4), 7.0, np.float32), y=[0, 1])),
     DataFileError, "d.npz")
case("npz-channels-last", _npz(lambda: _npz_arrays(x=np.zeros((2, 8, 8, 3), np.float32), y=[0, 1])),
     DataFileError, "d.npz")
case("npz-3d-ambiguous", _npz(lambda: _npz_arrays(x=np.zeros((2, 2, 100), np.float32), y=[0, 1])),
     DataFileError, "d.npz")
case("npz-5d", _npz(lambda: _npz_arrays(x=np.zeros((2, 1, 2, 2, 2), np.float32), y=[0, 1])),
     DataFileError, "d.npz")
case("npz-string-labels-unknown", _npz(lambda: _npz_arrays(x=np.zeros((2, 3), np.float32), y=["a", "b"]),
                                       class_names=["a"]), DataFileError, "d.npz")
case("npz-class-names-too-few", _npz(lambda: _npz_arrays(x=np.zeros((2, 3), np.float32), y=[0, 2]),
                                     class_names=["a", "b"]), DataFileError, "d.npz")
case("npz-bad-modality", _npz(lambda: _npz_arrays(x=GOOD_X, y=GOOD_Y), modality="smell"), GenaugError,
     "modality")
case("npz-folder", _call("genaug.data.readers:read_npz", lambda t: (_mkdir(t / "d.npz"),)), DataFileError,
     "d.npz")
case("npz-missing", _call("genaug.data.readers:read_npz", lambda t: (t / "none.npz",)), MissingPathError,
     "none.npz")
case("npz-too-many-classes", _with_limits(_npz(lambda: _npz_arrays(x=np.zeros((2, 3), np.float32),
                                                                   y=[0, 50])), max_classes=10), LimitError,
     "d.npz")
case("npz-bad-zip-crc", _npz(lambda: (lambda b: b[:60] + bytes([b[60] ^ 0xFF]) + b[61:])(
    _npz_arrays(x=GOOD_X, y=GOOD_Y))), DataFileError, "d.npz")
case("npz-dataset-bad-modality", _dataset("npz", lambda t: {
    "path": str(write(t / "d.npz", _npz_arrays(x=GOOD_X, y=GOOD_Y))), "modality": 3}), GenaugError,
     "modality")

# image folders
case("images-missing", _call("genaug.data.readers:read_image_folder", lambda t: (t / "none",)),
     MissingPathError, "none")
case("images-root-is-file",
     _call("genaug.data.readers:read_image_folder", lambda t: (write(t / "img", b"x"),)), DataFileError,
     "img")
case("images-no-class-folders", _images({}), DataFileError, "img")
case("images-only-hidden-folders", _images({".hidden/a.png": _png(4, 4)}), DataFileError, "img")
case("images-empty-class", _images({"a/x.png": _png(4, 4), "b/": b""}), DataFileError, "b")
case("images-class-only-text", _images({"a/x.png": _png(4, 4), "b/readme.txt": b"hi"}), DataFileError, "b")
case("images-corrupt-png", _images({"a/x.png": _png(4, 4), "b/y.png": b"\x89PNG\r\n\x1a\nrubbish"}),
     DataFileError, "y.png")
case("images-truncated-png", _images({"a/x.png": _png(4, 4), "b/y.png": _png(16, 16, color=9)[:40]}),
     DataFileError, "y.png")
case("images-empty-png", _images({"a/x.png": _png(4, 4), "b/y.png": b""}), DataFileError, "y.png")
case("images-text-as-png", _images({"a/x.png": _png(4, 4), "b/y.png": b"just text"}), DataFileError, "y.png")
case("images-bomb-header", _images({"a/x.png": _png(4, 4), "b/bomb.png": _png_header_only(200_000, 200_000)}),
     LimitError, "bomb.png")
case("images-over-pixel-limit", _with_limits(_images({"a/x.png": _png(4, 4), "b/big.png": _png(64, 64)}),
                                             max_image_pixels=1000), LimitError, "big.png")
case("images-mixed-sizes", _images({"a/x.png": _png(4, 4), "b/y.png": _png(5, 4)}), DataFileError, "y.png")
case("images-bad-mode", _images({"a/x.png": _png(4, 4)}, mode="CMYK"), GenaugError, "mode")
case("images-bad-size", _images({"a/x.png": _png(4, 4)}, size=(0, 4)), GenaugError, "size")
case("images-bad-extensions", _images({"a/x.png": _png(4, 4)}, extensions=".png"), GenaugError, "extensions")
case("images-too-many-classes", _with_limits(_images({f"c{i}/x.png": _png(4, 4) for i in range(4)}),
                                             max_classes=3), LimitError, "img")
case("images-corrupt-jpeg", _images({"a/x.png": _png(4, 4), "b/y.jpg": b"\xff\xd8\xff\xe0garbage"}),
     DataFileError, "y.jpg")
case("images-corrupt-bmp", _images({"a/x.png": _png(4, 4), "b/y.bmp": b"BM" + b"\0" * 10}), DataFileError,
     "y.bmp")
case("images-dataset-bad-size", _dataset("image_folder", lambda t: {"path": str(t), "size": "big"}),
     GenaugError, "size")
case("images-dataset-no-path", _dataset("image_folder", lambda t: {}), GenaugError, "path")

# saved model folders
case("model-missing-folder", _call("genaug.synth:load_synthesizer", lambda t: (t / "none",)),
     MissingPathError, "config.json")
case("model-weights-truncated", _model("cvae", _weights(lambda b: b[: len(b) // 2])), ModelFileError,
     "weights.safetensors")
case("model-weights-random", _model("cvae", _weights(lambda b: bytes(np.random.default_rng(0).integers(
    0, 256, len(b), dtype=np.uint8)))), ModelFileError, "weights.safetensors")
case("model-weights-empty", _model("cvae", _weights(lambda b: b"")), ModelFileError, "weights.safetensors")
case("model-weights-7-bytes", _model("cvae", _weights(lambda b: b[:7])), ModelFileError,
     "weights.safetensors")
case("model-weights-huge-header", _model("cvae", _weights(lambda b: (2**40).to_bytes(8, "little") + b[8:])),
     ModelFileError, "weights.safetensors")
case("model-weights-header-list", _model("cvae", _weights(lambda b: _st_header([1, 2]))), ModelFileError,
     "weights.safetensors")
case("model-weights-header-not-json",
     _model("cvae", _weights(lambda b: (5).to_bytes(8, "little") + b"{{{{{")), ModelFileError,
     "weights.safetensors")
case("model-weights-bad-dtype", _model("cvae", _weights(lambda b: _st_header(
    {"w": {"dtype": "Q9", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4))), ModelFileError,
     "weights.safetensors")
case("model-weights-offsets-past-end", _model("cvae", _weights(lambda b: _st_header(
    {"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}, b"\0" * 8))), ModelFileError,
     "weights.safetensors")
case("model-weights-folder", _model("cvae", _replace_folder_file("weights.safetensors")), MissingPathError,
     "weights.safetensors")
case("model-weights-missing", _model("cvae", lambda f: (f / "weights.safetensors").unlink()),
     MissingPathError, "weights.safetensors")
case("model-weights-missing-tensor", _model("cvae", _drop_tensor("")), ModelFileError, "weights.safetensors")
case("model-weights-float64", _model("cvae", _retype_tensor(lambda t: t.double())), ModelFileError,
     "weights.safetensors")
case("model-weights-reshaped", _model("cvae", _retype_tensor(lambda t: t.unsqueeze(0).clone())),
     ModelFileError, "weights.safetensors")
case("model-copula-missing-mean", _model("copula", _drop_tensor("")), ModelFileError, "weights.safetensors")
case("model-config-invalid-json", _model("cvae", _config_bytes(b"{not json")), ModelFileError, "config.json")
case("model-config-invalid-utf8", _model("cvae", _config_bytes(b'{"a": "\xff"}')), ModelFileError,
     "config.json")
case("model-config-empty", _model("cvae", _config_bytes(b"")), ModelFileError, "config.json")
case("model-config-list", _model("cvae", _config_bytes(b"[1, 2, 3]")), ModelFileError, "config.json")
case("model-config-string", _model("cvae", _config_bytes(b'"cvae"')), ModelFileError, "config.json")
case("model-config-deep", _model("cvae", _config_bytes(b"[" * 100_000 + b"]" * 100_000)), ModelFileError,
     "config.json")
case("model-config-folder", _model("cvae", _replace_folder_file("config.json")), MissingPathError,
     "config.json")
case("model-config-no-state", _model("cvae", _config(_delete(("state",)))), ModelFileError, "config.json")
case("model-config-no-params", _model("cvae", _config(_delete(("params",)))), ModelFileError, "config.json")
case("model-config-state-list", _model("cvae", _config(_set(("state",), []))), ModelFileError, "config.json")
case("model-config-unknown-name", _model("cvae", _config(_set(("name",), "nope"))), ModelFileError,
     "config.json")
case("model-config-wrong-kind", _model("cvae", _config(_set(("kind",), "model"))), ModelFileError,
     "config.json")
case("model-config-future-version", _model("cvae", _config(_set(("format_version",), 99))), ModelFileError,
     "config.json")
case("model-config-version-string", _model("cvae", _config(_set(("format_version",), "2"))), ModelFileError,
     "config.json")
case("model-config-unknown-param", _model("cvae", _config(_set(("params", "evil"), 1))), ModelFileError,
     "config.json")
case("model-config-bad-param-value", _model("cvae", _config(_set(("params", "latent_dim"), -3))),
     ModelFileError, "config.json")
case("model-config-edited-shape", _model("cvae", _config(_set(("params", "latent_dim"), 7))), ModelFileError,
     "config.json")
case("model-config-modality-tabular", _model("cvae", _config(_set(("state", "modality_"), "tabular"))),
     ModelFileError, "config.json")
case("model-config-modality-unknown", _model("cvae", _config(_set(("state", "modality_"), "smell"))),
     ModelFileError, "config.json")
case("model-config-class-names-string", _model("cvae", _config(_set(("state", "class_names_"), "abc"))),
     ModelFileError, "config.json")
case("model-copula-modality-image", _model("copula", _config(_set(("state", "modality_"), "image"))),
     ModelFileError, "config.json")
case("model-copula-no-schema", _model("copula", _config(_delete(("state", "schema_")))), ModelFileError,
     "config.json")
case("model-pretrained-path-in-config", _model("cvae", _pretrained_config), ModelFileError, "config.json")
case("model-pretrained-no-index", _pretrained({}), MissingPathError, "model_index.json")
case("model-pretrained-index-invalid", _pretrained({"model_index.json": b"{oops"}), ModelFileError,
     "model_index.json")
case("model-pretrained-index-list", _pretrained({"model_index.json": b"[]"}), ModelFileError,
     "model_index.json")
case("model-pretrained-pickle-weights", _pretrained({
    "model_index.json": json.dumps({"_class_name": "DDPMPipeline", "unet": ["diffusers", "UNet2DModel"],
                                    "scheduler": ["diffusers", "DDPMScheduler"]}).encode(),
    "unet/config.json": b'{"_class_name": "UNet2DModel", "sample_size": 8}',
    "unet/diffusion_pytorch_model.bin": b"\x80\x04 pickled, never loaded",
    "scheduler/scheduler_config.json": b'{"_class_name": "DDPMScheduler"}'}), ModelFileError, "pipe")
case("model-unknown-load-argument", _model("cvae", lambda f: None, model_dir="/etc"), TypeError, "model_dir")
if not __import__("torch").cuda.is_available():
    case("model-config-device-cuda", _model("cvae", _config(_set(("params", "device"), "cuda"))),
         ModelFileError, "config.json")
case("model-config-device-nonsense", _model("cvae", _config(_set(("params", "device"), "toaster"))),
     ModelFileError, "config.json")

# saved classifiers (the same layout, loaded through the registry's model kind)
case("classifier-weights-truncated",
     _model("logreg", _weights(lambda b: b[: len(b) // 2]), load="classifier"), ModelFileError,
     "weights.safetensors")
case("classifier-config-list", _model("logreg", _config_bytes(b"[]"), load="classifier"), ModelFileError,
     "config.json")
case("classifier-config-no-state", _model("logreg", _config(_delete(("state",))), load="classifier"),
     ModelFileError, "config.json")
case("classifier-synth-folder", _model("cvae", lambda f: None, load="classifier"), ModelFileError,
     "config.json")
case("classifier-missing-tensor", _model("logreg", _drop_tensor(""), load="classifier"), ModelFileError,
     "weights.safetensors")
case("classifier-unknown-model", _model("logreg", _config(_set(("name",), "nope")), load="classifier"),
     ModelFileError, "config.json")

# synthetic stores
case("store-missing", lambda t, c: (lambda: __import__("genaug.data.store", fromlist=["x"]).SyntheticStore(
    t / "none").read()), MissingPathError, "manifest.json")
case("store-manifest-list", _store(_manifest_bytes(b"[]")), StoreError, "manifest.json")
case("store-manifest-invalid-json", _store(_manifest_bytes(b"{oops")), StoreError, "manifest.json")
case("store-manifest-invalid-utf8", _store(_manifest_bytes(b'{"a": "\xff"}')), StoreError, "manifest.json")
case("store-manifest-empty", _store(_manifest_bytes(b"")), StoreError, "manifest.json")
case("store-manifest-deep", _store(_manifest_bytes(b"[" * 100_000 + b"]" * 100_000)), StoreError,
     "manifest.json")
case("store-manifest-folder", _store(_replace_folder_file("manifest.json")), StoreError, "manifest.json")
case("store-wrong-format", _store(_manifest(_set(("format",), "other"))), StoreError, "manifest.json")
case("store-wrong-version", _store(_manifest(_set(("format_version",), 9))), StoreError, "manifest.json")
case("store-num-shards-too-small", _store(_manifest(_set(("num_shards",), 2))), StoreError, "manifest.json")
case("store-num-shards-too-big", _store(_manifest(_set(("num_shards",), 9))), StoreError, "manifest.json")
case("store-num-shards-string", _store(_manifest(_set(("num_shards",), "4"))), StoreError, "manifest.json")
case("store-num-rows-lie", _store(_manifest(_set(("num_rows",), 999))), StoreError, "manifest.json")
case("store-complete-lie", _store(_manifest(lambda m: m["shards"].pop())), StoreError, "manifest.json")
case("store-shard-absolute-path", _store(_manifest(_shard(0, "file", "/etc/passwd"))), StoreError,
     "manifest.json")
case("store-shard-dotdot-path", _store(_manifest(_shard(0, "file", "../outside.parquet"))), StoreError,
     "manifest.json")
case("store-shard-other-name", _store(_manifest(_shard(0, "file", "shard-00001.parquet"))), StoreError,
     "manifest.json")
case("store-shard-index-repeated", _store(_manifest(_shard(1, "index", 0))), StoreError, "manifest.json")
case("store-shard-index-out-of-range", _store(_manifest(_shard(3, "index", 7))), StoreError, "manifest.json")
case("store-shard-bad-sha", _store(_manifest(_shard(0, "sha256", "xyz"))), StoreError, "manifest.json")
case("store-shard-rows-negative", _store(_manifest(_shard(0, "rows", -1))), StoreError, "manifest.json")
case("store-shard-request-edited", _store(_manifest(_shard(0, "request", {"0": 4}))), StoreError,
     "manifest.json")
case("store-shard-seed-edited", _store(_manifest(_shard(0, "seed", 1))), StoreError, "manifest.json")
case("store-shards-not-list", _store(_manifest(_set(("shards",), {}))), StoreError, "manifest.json")
case("store-shard-entry-string", _store(_manifest(lambda m: m["shards"].__setitem__(0, "shard-00000"))),
     StoreError, "manifest.json")
case("store-args-missing", _store(_manifest(_delete(("args",)))), StoreError, "manifest.json")
case("store-args-totals-edited", _store(_manifest(_set(("args", "total_per_class"), {"0": 1}))), StoreError,
     "manifest.json")
case("store-data-modality-unknown", _store(_manifest(_set(("data", "modality"), "smell"))), StoreError,
     "manifest.json")
case("store-data-class-names-empty", _store(_manifest(_set(("data", "class_names"), []))), StoreError,
     "manifest.json")
case("store-data-shape-bad", _store(_manifest(_set(("data", "sample_shape"), ["a"]))), StoreError,
     "manifest.json")
case("store-data-null-with-shards", _store(_manifest(_set(("data",), None))), StoreError, "manifest.json")
case("store-data-huge-shape", _store(_manifest(_set(("data", "sample_shape"), [10**6, 10**6]))), LimitError,
     "manifest.json")
case("store-shards-swapped-with-hashes", _store(_swap_shards), StoreError, "shard-00000.parquet")
case("store-shard-corrupt", _store(lambda r: write(r / "shard-00002.parquet", b"PAR1garbage")), StoreError,
     "shard-00002.parquet")
case("store-shard-not-parquet-rehashed", _store(lambda r: _rehash(r, 2, b"not parquet at all")), StoreError,
     "shard-00002.parquet")
case("store-shard-missing", _store(lambda r: (r / "shard-00001.parquet").unlink()), StoreError,
     "shard-00001.parquet")
case("store-shard-is-folder", _store(_replace_folder_file("shard-00001.parquet")), StoreError,
     "shard-00001.parquet")
case("store-shard-symlink-outside", _store(_shard_symlink), StoreError, "shard-00001.parquet")
case("store-shard-rows-differ", _store(_shard_with_other_rows), StoreError, "shard-00000.parquet")
case("store-shard-without-x", _store(_shard_without_x), StoreError, "shard-00000.parquet")
case("store-incomplete-read", _store(_manifest(_drop_last_shard)), StoreError, "store")
case("store-lock-is-folder", _store(_lock_dir, action="write"), StoreError, ".lock")
case("store-lock-symlink", _store(_lock_symlink, action="write"), StoreError, ".lock")
case("store-resume-other-seed", _store(_manifest(_other_seed), action="write"), StoreError, "manifest.json")
case("store-resume-manifest-list", _store(_manifest_bytes(b"[]"), action="write"), StoreError,
     "manifest.json")

case("store-root-is-file", lambda t, c: (write(t / "store", b"x"), _resume(t / "store"))[1], StoreError,
     "store")
case("store-checkpoint-missing", _call("genaug.data.store:describe_generator", lambda t: ("cvae",),
                                       checkpoint="/nonexistent/ckpt"), MissingPathError, "checkpoint")

# output paths (the API)
case("out-is-file", _out_check(_a_file), OutputPathError, "--out")
case("out-parent-is-file", _out_check(lambda t: _a_file(t, "f") / "sub" / "out"), OutputPathError, "--out")
case("out-unwritable", _out_check(lambda t: Path(UNWRITABLE)), OutputPathError, "--out")
case("out-unwritable-nested", _out_check(lambda t: Path(UNWRITABLE) / "a" / "b"), OutputPathError, "--out")
case("out-results-is-folder", _out_check(lambda t: _folder_with(t, "results.json"), files=("results.json",)),
     OutputPathError, "results.json")
case("out-broken-symlink", _out_check(lambda t: (t / "out").symlink_to(t / "gone") or t / "out"),
     OutputPathError, "--out")
case("out-not-empty", _out_check(lambda t: (_folder_with(t, "x"), t / "out")[1], must_be_empty=True),
     OutputPathError, "--out")
case("out-publish-onto-file", _publish_onto_file, OutputPathError, "out")
case("out-failing-block", _failing_block, DataFileError, "report.html")
case("out-write-onto-folder", _write_onto_folder, OutputPathError, "results.json")
case("results-load-missing", _results_load(None), MissingPathError, "results.json")
case("results-load-invalid-json", _results_load(b"{nan"), DataFileError, "results.json")
case("results-load-list", _results_load(b"[]"), DataFileError, "results.json")
case("results-load-no-runs", _results_load(b'{"spec": {}}'), DataFileError, "results.json")
case("results-load-invalid-utf8", _results_load(b'{"spec": "\xff"}'), DataFileError, "results.json")
case("limits-env-not-int", _env_limit("GENAUG_MAX_CLASSES", "lots"), LimitError, "GENAUG_MAX_CLASSES")
case("limits-env-zero", _env_limit("GENAUG_MAX_SPEC_BYTES", "0"), LimitError, "GENAUG_")

# the CLI (exit code 2, one line, then the exception with GENAUG_DEBUG=1)
case("cli-run-spec-missing", _cli(lambda t, c: ["run", str(t / "none.yaml"), "--out", str(t / "out")]),
     SpecFileError, "none.yaml")
case("cli-run-spec-folder", _cli(lambda t, c: ["run", str((t / "s.yaml").mkdir() or t / "s.yaml"), "--out",
                                              str(t / "out")]), SpecFileError, "s.yaml")
case("cli-run-spec-invalid-utf8", _cli(lambda t, c: ["run", str(write(t / "s.yaml", b"name: \xff")), "--out",
                                                    str(t / "out")]), SpecFileError, "s.yaml")
case("cli-run-alias-bomb", _cli(lambda t, c: ["run", str(write(t / "s.yaml", _alias_bomb())), "--out",
                                             str(t / "out")]), LimitError, "s.yaml")
case("cli-run-unknown-key", _cli(lambda t, c: ["run", str(_spec_file(t, SPEC + "colour: 1\n")), "--out",
                                              str(t / "out")]), SpecFileError, "spec.yaml")
case("cli-run-out-is-file", _cli(lambda t, c: ["run", str(_spec_file(t)), "--out", str(_a_file(t))]),
     OutputPathError, "--out")
case("cli-run-out-unwritable", _cli(lambda t, c: ["run", str(_spec_file(t)), "--out", UNWRITABLE]),
     OutputPathError, "--out")
case("cli-run-report-is-folder", _cli(lambda t, c: ["run", str(_spec_file(t)), "--out",
                                                   str(_folder_with(t, "report.html"))]), OutputPathError,
     "report.html")
case("cli-run-results-is-folder", _cli(lambda t, c: ["run", str(_spec_file(t)), "--out",
                                                    str(_folder_with(t, "results.json"))]), OutputPathError,
     "results.json")
case("cli-run-csv-header-only", _cli(lambda t, c: ["run", str(_spec_file(t, SPEC.replace(
    "{name: digits}", "{name: csv, path: " + str(write(t / "t.csv", "a,y\n")) + ", target: y}"))), "--out",
    str(t / "out")]), DataFileError, "t.csv")
case("cli-demo-out-is-file", _cli(lambda t, c: ["demo", "--out", str(_a_file(t))]), OutputPathError, "--out")
case("cli-fit-out-is-file", _cli(lambda t, c: ["synth", "fit", "digits", "-s", "cvae", "--out",
                                              str(_a_file(t))]), OutputPathError, "--out")
case("cli-fit-out-unwritable", _cli(lambda t, c: ["synth", "fit", "digits", "-s", "cvae", "--out",
                                                 UNWRITABLE]), OutputPathError, "--out")
case("cli-fit-config-is-folder", _cli(lambda t, c: ["synth", "fit", "digits", "-s", "cvae", "--out",
                                                   str(_folder_with(t, "config.json"))]), OutputPathError,
     "config.json")
case("cli-fit-unknown-synth", _cli(lambda t, c: ["synth", "fit", "digits", "-s", "nope", "--out",
                                                str(t / "out")]), ValueError, "nope")
case("cli-fit-bad-set", _cli(lambda t, c: ["synth", "fit", "digits", "-s", "cvae", "--set", "steps", "--out",
                                          str(t / "out")]), GenaugError, "--set")
case("cli-fit-set-bad-yaml", _cli(lambda t, c: ["synth", "fit", "digits", "-s", "cvae", "--set", "steps=[1",
                                               "--out", str(t / "out")]), GenaugError, "--set steps")
case("cli-fit-set-alias-bomb", _cli(lambda t, c: ["synth", "fit", "digits", "-s", "cvae", "--set",
                                                 "steps=" + _alias_bomb(7).split("\nname:")[0].replace(
                                                     "\n", ", ").replace("a0:", "{a0:") + "}",
                                                 "--out", str(t / "out")]), LimitError, "--set steps")
case("cli-fit-missing-npz", _cli(lambda t, c: ["synth", "fit", str(t / "none.npz"), "--out", str(t / "out")]),
     MissingPathError, "none.npz")
case("cli-fit-truncated-npz", _cli(lambda t, c: ["synth", "fit", str(write(t / "d.npz", b"PK\x03\x04")),
                                                "--out", str(t / "out")]), DataFileError, "d.npz")
case("cli-sample-out-is-file", _cli(lambda t, c: ["synth", "sample", str(c["cvae"]), "--out",
                                                 str(_a_file(t))]), OutputPathError, "--out")
case("cli-sample-manifest-is-folder", _cli(lambda t, c: ["synth", "sample", str(c["cvae"]), "--out",
                                                        str(_folder_with(t, "manifest.json"))]),
     OutputPathError, "manifest.json")
case("cli-sample-model-missing", _cli(lambda t, c: ["synth", "sample", str(t / "none"), "--out",
                                                   str(t / "out")]), MissingPathError, "none")
case("cli-sample-lock-is-folder", _cli(lambda t, c: ["synth", "sample", str(c["cvae"]), "--out",
                                                    str(_folder_with(t, ".lock"))]), StoreError, ".lock")
case("cli-sample-weights-random", _cli(lambda t, c: ["synth", "sample", str((lambda f: (
    shutil.copytree(c["cvae"], f), write(f / "weights.safetensors", b"\x01" * 64))[0])(t / "m")), "--out",
    str(t / "out")]), ModelFileError, "weights.safetensors")
case("cli-sample-model-dir-for-cvae", _cli(lambda t, c: ["synth", "sample", str(c["cvae"]), "--model-dir",
                                                        "/etc", "--out", str(t / "out")]), TypeError,
     "model_dir")
case("cli-inspect-no-fit-info", _cli(lambda t, c: ["synth", "inspect", str(c["cvae"]), "--out",
                                                  str(t / "out")]), MissingPathError, "fit.json")
case("cli-inspect-fit-info-list", _cli(lambda t, c: ["synth", "inspect", str((lambda f: (
    shutil.copytree(c["cvae"], f), write(f / "fit.json", "[]"))[0])(t / "m")), "--out", str(t / "out")]),
    ModelFileError, "fit.json")
case("cli-inspect-fit-info-keys", _cli(lambda t, c: ["synth", "inspect", str((lambda f: (
    shutil.copytree(c["cvae"], f), write(f / "fit.json", '{"data": "digits"}'))[0])(t / "m")), "--out",
    str(t / "out")]), ModelFileError, "fit.json")
case("cli-inspect-out-is-file", _cli(lambda t, c: ["synth", "inspect", str(c["cvae"]), "--out",
                                                  str(_a_file(t))]), OutputPathError, "--out")
case("cli-inspect-grid-is-folder", _cli(lambda t, c: ["synth", "inspect", str(c["cvae"]), "--out",
                                                     str(_folder_with(t, "grid.png"))]), OutputPathError,
     "grid.png")


# ----- the test ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def context(saved_models: dict[str, Path], reference_store: Path) -> dict[str, Path]:
    return {**saved_models, "store": reference_store}


@pytest.mark.parametrize(("builder", "error", "names"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_one_clear_error_and_leaves_nothing(
    tmp_path: Path, context: dict[str, Path], builder: Builder, error: type[BaseException], names: str,
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    action = builder(work, context)
    before = snapshot(work)
    with pytest.raises(BaseException) as info:  # noqa: PT011 - checked below, any type is a finding
        action()
    exc = info.value
    assert isinstance(exc, error), f"{type(exc).__name__}: {exc}"
    if error is not TypeError and not (error is ValueError and not isinstance(exc, GenaugError)):
        assert isinstance(exc, GenaugError), f"not a genaug error: {type(exc).__name__}: {exc}"
    message = str(exc)
    assert "\n" not in message and 0 < len(message) <= 2000, message
    assert names in message, f"{names!r} not named in: {message}"
    assert snapshot(work) == before, "the failed call changed the folder"
    leftovers = [p.name for p in work.parent.iterdir() if p.name != "work"]
    assert not leftovers, leftovers


def test_the_table_covers_every_kind_of_input() -> None:
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 150
    for prefix in ("spec-", "csv-", "jsonl-", "npz-", "images-", "model-", "classifier-", "store-", "out-",
                   "cli-"):
        assert sum(i.startswith(prefix) for i in ids) >= 5, prefix
