"""Contract suite for every registered ``dataset``: built-ins that work offline, and the file
datasets (csv, parquet, jsonl, image_folder, npz) read from tiny files written in ``tmp_path``.

The contract (:mod:`genaug.data.datasets`, :mod:`genaug.data.file_datasets`): ``load_dataset``
returns a ``LabeledData`` of a registered modality, with distinct non-empty class names, every
class present, and the size, sample shape, class count and modality its description states; the
same options load the same data. A file dataset returns what the file holds; ``test_path`` rows
come after the ``path`` rows, marked in ``meta["split"]``; a missing ``path``/``test_path`` is a
``MissingPathError`` (also a FileNotFoundError) naming the path, and no ``path`` a GenaugError
saying it is required.

A newly registered file dataset fails here until it gets a writer in ``WRITERS``; a built-in
is loaded with ``BUILTIN_OPTIONS`` (smaller where generation is slow).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from genaug import registry
from genaug.data.datasets import list_datasets, load_dataset
from genaug.data.labeled import LabeledData
from genaug.errors import GenaugError, MissingPathError

CLASSES = ("cat", "dog", "eel")


# ----- tiny files, one writer per file dataset: (path, how many samples per class) -> options
def _frame(n_per_class: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    label = np.repeat(CLASSES, n_per_class)
    return pd.DataFrame({
        "size": np.round(rng.normal(size=len(label)), 3), "legs": rng.integers(0, 5, len(label)),
        "colour": rng.choice(["red", "blue"], len(label)), "label": label,
    })  # fmt: skip


def write_csv(path: Path, n: int, seed: int) -> dict:
    _frame(n, seed).to_csv(path.with_suffix(".csv"), index=False)
    return {"path": str(path.with_suffix(".csv")), "target": "label"}


def write_parquet(path: Path, n: int, seed: int) -> dict:
    _frame(n, seed).to_parquet(path.with_suffix(".parquet"), index=False)
    return {"path": str(path.with_suffix(".parquet")), "target": "label"}


def write_jsonl(path: Path, n: int, seed: int) -> dict:
    lines = [json.dumps({"text": f"a {c} number {i} caf\u00e9", "label": c})
             for c in CLASSES for i in range(n)]  # fmt: skip
    path.with_suffix(".jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"path": str(path.with_suffix(".jsonl"))}


def write_image_folder(path: Path, n: int, seed: int) -> dict:
    from PIL import Image

    rng = np.random.default_rng(seed)
    for c in CLASSES:
        (path / c).mkdir(parents=True)
        for i in range(n):
            Image.fromarray(rng.integers(0, 256, (8, 8), dtype=np.uint8)).save(path / c / f"{i}.png")
    return {"path": str(path)}


def write_npz(path: Path, n: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    x = rng.random((3 * n, 1, 8, 8)).astype(np.float32)
    np.savez(path.with_suffix(".npz"), x=x, y=np.repeat(np.arange(3), n))
    return {"path": str(path.with_suffix(".npz")), "class_names": list(CLASSES)}


def _texts(n: int) -> pd.DataFrame:
    label = np.repeat(CLASSES, n)
    texts = [f"a {c} number {i % n} caf\u00e9" for i, c in enumerate(label)]
    return pd.DataFrame({"text": texts, "label": label})


def write_text_csv(path: Path, n: int, seed: int) -> dict:
    _texts(n).to_csv(path.with_suffix(".csv"), index=False)
    return {"path": str(path.with_suffix(".csv"))}


def write_text_parquet(path: Path, n: int, seed: int) -> dict:
    _texts(n).to_parquet(path.with_suffix(".parquet"), index=False)
    return {"path": str(path.with_suffix(".parquet"))}


def write_text_folder(path: Path, n: int, seed: int) -> dict:
    for c in CLASSES:
        (path / c).mkdir(parents=True)
        for i in range(n):
            (path / c / f"{i}.txt").write_text(f"a {c} number {i} caf\u00e9", encoding="utf-8")
    return {"path": str(path)}


def write_wav_folder(path: Path, n: int, seed: int) -> dict:
    import soundfile

    rng = np.random.default_rng(seed)
    for c in CLASSES:
        (path / c).mkdir(parents=True)
        for i in range(n):
            soundfile.write(path / c / f"{i}.wav", rng.uniform(-0.5, 0.5, 800).astype(np.float32), 8000)
    return {"path": str(path)}


WRITERS: dict[str, tuple[Callable[[Path, int, int], dict], str]] = {
    "csv": (write_csv, "tabular"), "parquet": (write_parquet, "tabular"), "jsonl": (write_jsonl, "text"),
    "image_folder": (write_image_folder, "image"), "npz": (write_npz, "image"),
    "text_csv": (write_text_csv, "text"), "text_parquet": (write_text_parquet, "text"),
    "text_folder": (write_text_folder, "text"), "wav_folder": (write_wav_folder, "audio"),
}
# Options of built-ins whose default size is slow to generate.
BUILTIN_OPTIONS: dict[str, dict] = {
    "mnist1d": {"num_samples": 100},
    "spoken_digits": {"train_voices": ["en-us+m1"], "test_voices": ["en-gb+f3"], "speeds": [175],
                      "pitches": [50]},
}
# Built-ins that take long on every load (no cache; janeausten ~5 s): loaded once, not twice.
SLOW_TO_LOAD = {"janeausten", "kddcup_buffer_overflow_vs_back", "kddcup_rootkit_imap_vs_back"}

INFOS = {info.name: info for info in list_datasets()}
NAMES = [n for n in registry.available("dataset")
         if getattr(registry.get("dataset", n), "__module__", "").startswith("genaug.")]  # fmt: skip
FILES = [n for n in NAMES if n in WRITERS]
BUILTINS = [n for n in NAMES if n not in WRITERS]


def _check_labeled(data: LabeledData) -> None:
    assert isinstance(data, LabeledData)
    assert data.modality in registry.available("modality")
    names = data.class_names
    assert len(set(names)) == len(names) and all(isinstance(s, str) and s for s in names), names
    assert (data.class_counts() > 0).all(), "every class has samples"


@pytest.mark.parametrize("name", BUILTINS)
def test_builtin_dataset_loads_as_described(name, same) -> None:
    info = INFOS[name]
    assert info.modality != "unknown", f"describe {name!r} with @describe_dataset"
    if not info.available:
        pytest.skip(f"{name} is not available here: {info.how_to_get}")
    options = BUILTIN_OPTIONS.get(name, {})
    data = load_dataset(name, **options)
    _check_labeled(data)
    assert data.modality == info.modality
    if info.sample_shape is not None:
        assert data.sample_shape == info.sample_shape
    if not options:
        assert info.n_classes is None or data.num_classes == info.n_classes
        assert info.n_samples is None or len(data) == info.n_samples
    if name not in SLOW_TO_LOAD:
        assert same(load_dataset(name, **options), data), "the same options load the same data"
    with pytest.raises(TypeError, match="unknown option"):
        load_dataset(name, no_such_option=1)


@pytest.mark.parametrize("name", FILES)
def test_file_dataset_loads_what_the_file_holds(name, tmp_path) -> None:
    write, modality = WRITERS[name]
    options = write(tmp_path / "train", 4, 0)
    data = load_dataset(name, **options)
    _check_labeled(data)
    assert data.modality == modality and data.class_names == CLASSES and len(data) == 12
    np.testing.assert_array_equal(data.y, np.repeat(np.arange(3), 4))
    if name in ("csv", "parquet"):
        frame = _frame(4, 0)
        assert list(data.x.columns) == ["size", "legs", "colour"]
        np.testing.assert_allclose(data.x["size"].to_numpy(), frame["size"].to_numpy())
        assert data.x["colour"].astype(str).tolist() == frame["colour"].tolist()
    elif modality == "text":
        assert data.x[0] == "a cat number 0 caf\u00e9" and data.x[-1] == "a eel number 3 caf\u00e9"
    elif name == "npz":
        x = np.load(options["path"])["x"]
        np.testing.assert_allclose(np.asarray(data.x), x, rtol=0, atol=1e-7)
    elif name == "image_folder":
        from PIL import Image

        first = np.asarray(Image.open(tmp_path / "train" / "cat" / "0.png"), dtype=np.float64) / 255
        assert data.sample_shape == (1, 8, 8)
        np.testing.assert_allclose(np.asarray(data.x[0, 0], dtype=np.float64), first, atol=1e-6)


@pytest.mark.parametrize("name", FILES)
def test_file_dataset_test_path_rows_come_last_marked_test(name, tmp_path) -> None:
    write, _ = WRITERS[name]
    options = write(tmp_path / "train", 4, 0)
    test = write(tmp_path / "test", 2, 1)
    data = load_dataset(name, **options, test_path=test["path"])
    _check_labeled(data)
    assert len(data) == 18 and data.class_names == CLASSES
    assert np.asarray(data.meta["split"]).astype(str).tolist() == ["train"] * 12 + ["test"] * 6
    np.testing.assert_array_equal(data.y[12:], np.repeat(np.arange(3), 2))


@pytest.mark.parametrize("name", FILES)
def test_file_dataset_missing_path_is_a_clear_error(name, tmp_path) -> None:
    write, _ = WRITERS[name]
    options = write(tmp_path / "train", 2, 0)
    missing = tmp_path / ("nowhere" if name in ("image_folder", "wav_folder") else "nowhere.file")
    for key in ("path", "test_path"):
        with pytest.raises(MissingPathError) as err:
            load_dataset(name, **{**options, key: str(missing)})
        assert isinstance(err.value, FileNotFoundError) and str(missing) in str(err.value)
        assert key in str(err.value) and name in str(err.value)
    without = {k: v for k, v in options.items() if k != "path"}
    with pytest.raises(GenaugError, match="path is required"):
        load_dataset(name, **without)
