"""Property-based fuzzing (hypothesis) of the readers of untrusted files.

The spec loader, the ``.npz``, CSV and image-folder readers and the store's manifest reader
get mutated and generated inputs; each must either succeed or raise one of genaug's own errors
(:class:`genaug.errors.GenaugError`) with a one-line message. Any other exception fails.

The example budget is fixed and derandomized (same examples every run, no example database),
so the suite stays fast and reproducible.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from genaug.errors import GenaugError

FUZZ = settings(max_examples=30, derandomize=True, deadline=None, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

SPEC = b"""\
name: fuzz
dataset: {name: digits}
split: {labeled_per_class: [3], val_per_class: 3, test_fraction: 0.3}
model: {name: logreg}
baselines: []
strategies: [{name: none}, {name: classical}]
seeds: [0, 1]
"""


def only_genaug_errors(fn: Callable[[], Any]) -> None:
    """Run ``fn``: success, or a GenaugError with a one-line message; anything else fails."""
    try:
        fn()
    except GenaugError as err:
        message = str(err)
        assert message and "\n" not in message and len(message) <= 2000, message


def mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """Apply ``(kind, position, payload)`` edits: 0 flip a byte, 1 insert, 2 delete, 3 truncate."""
    buf = bytearray(data)
    for kind, pos, payload in edits:
        if not buf:
            buf.extend(payload)
            continue
        i = pos % len(buf)
        if kind == 0:
            buf[i] ^= (payload[0] if payload else 0xFF) or 1
        elif kind == 1:
            buf[i:i] = payload
        elif kind == 2:
            del buf[i : i + max(1, len(payload))]
        else:
            del buf[i:]
    return bytes(buf)


EDITS = st.lists(st.tuples(st.integers(0, 3), st.integers(0, 10_000), st.binary(min_size=0, max_size=8)),
                 min_size=1, max_size=6)
YAML_TOKENS = st.sampled_from([b"&a ", b"*a", b"!!python/object:os.system ", b"[", b"]", b"{", b"}", b": ",
                               b"- ", b"\t", b"\xff", b"\n", b"'", b'"', b"---\n", b"? ", b"!!binary ",
                               b"<<: *a", b"%YAML 1.1\n", b"\x00", b"\xef\xbb\xbf", b"1e999", b".nan"])


# ----- the spec loader --------------------------------------------------------------------------
@FUZZ
@given(edits=EDITS, tokens=st.lists(st.tuples(st.integers(0, 400), YAML_TOKENS), max_size=5))
def test_spec_loader_mutated(tmp_path_factory, edits, tokens) -> None:
    from genaug.experiment import ExperimentSpec

    data = mutate(SPEC, edits)
    for pos, token in tokens:
        data = data[: pos % (len(data) + 1)] + token + data[pos % (len(data) + 1):]
    path = tmp_path_factory.mktemp("spec") / "spec.yaml"
    path.write_bytes(data)
    only_genaug_errors(lambda: ExperimentSpec.from_yaml(path))


YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 10**6) | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=6), kids, max_size=4),
    max_leaves=20,
)
SPEC_KEYS = st.sampled_from(["name", "dataset", "split", "model", "baselines", "strategies", "seeds",
                             "evaluation", "labeled_per_class", "steps", "zzz"])


@FUZZ
@given(changes=st.dictionaries(SPEC_KEYS, YAML_VALUES, min_size=1, max_size=3))
def test_spec_loader_generated(tmp_path_factory, changes) -> None:
    import yaml

    from genaug.experiment import ExperimentSpec

    spec = yaml.safe_load(SPEC)
    spec.update(changes)
    path = tmp_path_factory.mktemp("spec") / "spec.yaml"
    path.write_text(yaml.safe_dump(spec))
    only_genaug_errors(lambda: ExperimentSpec.from_yaml(path))


# ----- .npz archives ----------------------------------------------------------------------------
DTYPES = st.sampled_from([np.float32, np.float64, np.int64, np.int8, np.uint8, np.uint16, np.bool_,
                          np.complex64, "U3", "S2", np.float16])
ARRAYS = DTYPES.flatmap(lambda dt: hnp.arrays(dt, hnp.array_shapes(min_dims=0, max_dims=5, max_side=5)))
NPZ_KEYS = st.sampled_from(["x", "y", "class_names", "modality", "meta.a", "other"])


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


GOOD_NPZ = _npz_bytes({"x": np.random.default_rng(0).random((6, 1, 4, 4)).astype(np.float32),
                       "y": np.array([0, 1, 2, 0, 1, 2]), "class_names": np.array(["a", "b", "c"])})


@FUZZ
@given(arrays=st.dictionaries(NPZ_KEYS, ARRAYS, min_size=1, max_size=4),
       modality=st.sampled_from([None, "image", "signal", "tabular", "text"]),
       scale=st.sampled_from([None, "auto"]))
def test_npz_reader_generated(tmp_path_factory, arrays, modality, scale) -> None:
    from genaug.data.readers import read_npz

    path = tmp_path_factory.mktemp("npz") / "d.npz"
    path.write_bytes(_npz_bytes(arrays))
    only_genaug_errors(lambda: read_npz(path, modality=modality, scale=scale))


@FUZZ
@given(edits=EDITS)
def test_npz_reader_mutated(tmp_path_factory, edits) -> None:
    from genaug.data.readers import read_npz

    path = tmp_path_factory.mktemp("npz") / "d.npz"
    path.write_bytes(mutate(GOOD_NPZ, edits))
    only_genaug_errors(lambda: read_npz(path))


@FUZZ
@given(members=st.dictionaries(st.sampled_from(["x.npy", "y.npy", "x", "meta.a.npy", "../y.npy", "x.npy/"]),
                               st.binary(max_size=200), min_size=1, max_size=3))
def test_npz_reader_raw_members(tmp_path_factory, members) -> None:
    from genaug.data.readers import read_npz

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, np.lib.format.MAGIC_PREFIX + data if data[:1] == b"\x01" else data)
    path = tmp_path_factory.mktemp("npz") / "d.npz"
    path.write_bytes(buf.getvalue())
    only_genaug_errors(lambda: read_npz(path))


# ----- CSV tables -------------------------------------------------------------------------------
CSV_CELL = st.one_of(st.sampled_from(["", "nan", "inf", "-inf", "1e999", "NA", "y", "a", '"x,y"', "0", "1",
                                      "2", "-0.5", "true", "\u00e9"]),
                     st.floats(allow_nan=True).map(repr), st.integers(-3, 3).map(str))


@FUZZ
@given(header=st.lists(st.sampled_from(["a", "b", "y", "y", "c", "", " y"]), min_size=0, max_size=4),
       rows=st.lists(st.lists(CSV_CELL, min_size=0, max_size=5), max_size=8),
       missing=st.sampled_from(["error", "drop", "impute"]), raw=st.booleans(), edits=EDITS)
def test_csv_reader(tmp_path_factory, header, rows, missing, raw, edits) -> None:
    from genaug.data.tabular import read_table

    text = "\n".join([",".join(header)] + [",".join(r) for r in rows]) + "\n"
    data = text.encode("utf-8")
    if raw:
        data = mutate(data, edits)
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    path.write_bytes(data)
    only_genaug_errors(lambda: read_table(path, target="y", missing=missing))


# ----- image folders ----------------------------------------------------------------------------
def _image_bytes(mode: str, size: tuple[int, int], fmt: str, seed: int) -> bytes:
    from PIL import Image

    rng = np.random.default_rng(seed)
    if mode == "I;16":
        img = Image.fromarray(rng.integers(0, 65535, size[::-1], dtype=np.uint16))
    else:
        channels = {"L": 1, "RGB": 3, "RGBA": 4, "1": 1, "P": 1}[mode]
        raw = rng.integers(0, 255, (*size[::-1], channels), dtype=np.uint8)
        base = Image.fromarray(raw[..., 0] if channels == 1 else raw, "L" if channels == 1 else
                               ("RGB" if channels == 3 else "RGBA"))
        img = base.convert(mode) if mode in ("1", "P") else base
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


IMAGE = st.tuples(st.sampled_from(["L", "RGB", "RGBA", "1", "P", "I;16"]),
                  st.tuples(st.integers(1, 6), st.integers(1, 6)),
                  st.sampled_from(["PNG", "BMP", "JPEG"]), st.integers(0, 100), st.booleans(), EDITS)


def _image_file(spec: tuple) -> tuple[str, bytes]:
    mode, size, fmt, seed, corrupt, edits = spec
    if fmt == "JPEG" and mode in ("RGBA", "P", "I;16", "1"):
        fmt = "PNG"
    if fmt == "BMP" and mode == "I;16":
        fmt = "PNG"
    data = _image_bytes(mode, size, fmt, seed)
    ext = {"PNG": ".png", "BMP": ".bmp", "JPEG": ".jpg"}[fmt]
    return ext, mutate(data, edits) if corrupt else data


@FUZZ
@given(classes=st.dictionaries(st.sampled_from(["a", "b", ".hidden", "c d"]),
                               st.lists(IMAGE, min_size=0, max_size=3), min_size=0, max_size=3),
       size=st.sampled_from([None, (4, 4), (2, 7)]), mode=st.sampled_from(["L", "RGB"]))
def test_image_folder_reader(tmp_path_factory, classes, size, mode) -> None:
    from genaug.data.readers import read_image_folder

    root = tmp_path_factory.mktemp("img") / "root"
    root.mkdir()
    for name, images in classes.items():
        (root / name).mkdir()
        for i, spec in enumerate(images):
            ext, data = _image_file(spec)
            (root / name / f"{i}{ext}").write_bytes(data)
    only_genaug_errors(lambda: read_image_folder(root, size=size, mode=mode))


# ----- store manifests --------------------------------------------------------------------------
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 10**12) | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=5), kids, max_size=3),
    max_leaves=8,
)


def _paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _paths(v, (*prefix, i))
    return out


@pytest.fixture(scope="module")
def manifest_template(reference_store: Path) -> dict:
    return json.loads((reference_store / "manifest.json").read_text())


@FUZZ
@given(data=st.data(), n=st.integers(1, 3), raw=st.booleans(), edits=EDITS)
def test_manifest_reader(reference_store: Path, manifest_template: dict, data, n, raw, edits) -> None:
    from genaug.data.store import SyntheticStore

    manifest = json.loads(json.dumps(manifest_template))
    paths = _paths(manifest)
    for _ in range(n):
        where = data.draw(st.sampled_from(paths))
        value = data.draw(JSON_VALUES)
        if not where:
            manifest = value
            break
        target = manifest
        try:
            for key in where[:-1]:
                target = target[key]
            target[where[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    text = json.dumps(manifest).encode()
    if raw:
        text = mutate(text, edits)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "store"
        shutil.copytree(reference_store, root)
        (root / "manifest.json").write_bytes(text)
        store = SyntheticStore(root)
        only_genaug_errors(lambda: store.read(allow_incomplete=True))
