"""Datasets read from the user's own files, reachable by name in a spec (registry kind ``"dataset"``).

====================== ======== ============================================================
name                   modality reads
====================== ======== ============================================================
``csv``                tabular  a CSV table (:func:`~genaug.data.tabular.read_table`)
``parquet``            tabular  a Parquet table (:func:`~genaug.data.tabular.read_table`)
``jsonl``              text     one JSON object per line, with a text and a label field
``image_folder``       image    ``path/<class>/*.png`` (:func:`~genaug.data.readers.read_image_folder`)
``npz``                any      a NumPy archive (:func:`~genaug.data.readers.read_npz`)
====================== ======== ============================================================

Each takes ``path`` (required) and the reader's options. With ``test_path``, a second file is
read with the same options; it must have the same class names, and its rows become the test
split of an experiment: the returned data holds the training rows then the test rows, with
``meta["split"]`` ``"train"``/``"test"``, and :func:`~genaug.data.splits.split` takes the
``"test"`` rows as the test part (``test_fraction`` is then ignored).

Example (in a spec)::

    dataset: {name: csv, path: data/train.csv, test_path: data/test.csv, target: label}
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from genaug import registry
from genaug.data.datasets import describe_dataset
from genaug.data.labeled import LabeledData
from genaug.errors import DataFileError, GenaugError, MissingPathError, one_line
from genaug.limits import check_limit, short_repr
from genaug.modalities.base import is_modality
from genaug.registry import register

__all__ = ["SPLIT_KEY", "load_csv", "load_image_folder", "load_jsonl", "load_npz", "load_parquet"]

SPLIT_KEY = "split"
"""Per-sample meta key: ``"train"``/``"test"`` when the dataset brings its own test file."""

PathLike = str | os.PathLike[str]


def _check_file(name: str, dataset: str, path: Any, *, folder: bool = False) -> Path:
    kind = "folder" if folder else "file"
    if path is None or (isinstance(path, str) and not path.strip()):
        raise GenaugError(
            f"dataset {dataset!r}: {name} is required: the {kind} to read", argument=name,
            accepted=f"a path, e.g. dataset: {{name: {dataset}, {name}: ...}}",
        )
    if not isinstance(path, str | os.PathLike):
        raise GenaugError(f"dataset {dataset!r}: {name} must be a path string; got {short_repr(path)}",
                          argument=name, accepted=f"a path to a {kind}")
    p = Path(path).expanduser()
    where = f"(relative paths are read from the current folder {os.getcwd()})"
    if not p.exists():
        raise MissingPathError(f"dataset {dataset!r}: {name} is not an existing {kind} {where}",
                               path=p, argument=name)
    if p.is_dir() != folder:
        other = "folder" if p.is_dir() else "file"
        raise DataFileError(f"dataset {dataset!r}: {name} is a {other}, not a {kind}", path=p,
                            argument=name, accepted=f"a {kind}")
    return p


def _with_test(
    dataset: str, train: LabeledData, test_path: PathLike | None, read: Callable[[Path], LabeledData],
    *, folder: bool = False,
) -> LabeledData:
    """``train`` alone, or train then test rows marked in ``meta["split"]``."""
    if test_path is None:
        return train
    file = _check_file("test_path", dataset, test_path, folder=folder)
    test = read(file)
    if tuple(test.class_names) != tuple(train.class_names):
        raise DataFileError(
            f"dataset {dataset!r}: test_path has class names {short_repr(list(test.class_names))}, "
            f"but path has {short_repr(list(train.class_names))}; they must match exactly (same "
            "classes, same order)"
            + ("; pass classes: [...] to fix the order and include classes absent from one file"
               if is_modality(train, "tabular") else ""), path=file, argument="test_path",
        )
    if test.modality != train.modality:
        raise DataFileError(
            f"dataset {dataset!r}: test_path reads as {test.modality!r} data but path "
            f"as {train.modality!r}", path=file, argument="test_path",
        )
    if len(test) == 0:
        raise DataFileError(f"dataset {dataset!r}: test_path holds no samples", path=file,
                            argument="test_path")
    columns = getattr(train.x, "columns", None)
    if columns is not None and list(getattr(test.x, "columns", [])) != list(columns):
        raise DataFileError(
            f"dataset {dataset!r}: test_path has the columns {short_repr(list(test.x.columns))}, but path "
            f"has {short_repr(list(columns))}", path=file, argument="test_path",
            accepted="a test table with the same columns, in the same order",
        )
    marked_train = train.with_meta(**{SPLIT_KEY: np.array(["train"] * len(train))})
    marked_test = test.with_meta(**{SPLIT_KEY: np.array(["test"] * len(test))})
    try:
        return marked_train.concat(marked_test)
    except ValueError as err:
        raise DataFileError(f"dataset {dataset!r}: cannot combine path and test_path: {one_line(err)}",
                            path=file, argument="test_path") from None


def _reraise(dataset: str, fn: Callable[[], LabeledData]) -> LabeledData:
    """Run a reader; its errors become genaug errors that also name the dataset."""
    try:
        return fn()
    except GenaugError as err:
        raise _prefixed(dataset, err) from None
    except FileNotFoundError as err:
        raise MissingPathError(f"dataset {dataset!r}: {one_line(err)}",
                               path=getattr(err, "filename", None)) from None
    except TypeError as err:
        raise GenaugError(f"dataset {dataset!r}: bad option: {one_line(err)}",
                          argument="dataset options") from None
    except ValueError as err:
        raise GenaugError(f"dataset {dataset!r}: {one_line(err)}", argument="dataset options") from None


def _prefixed(dataset: str, err: GenaugError) -> GenaugError:
    prefix = f"dataset {dataset!r}: "
    problem = err.problem if err.problem.startswith(prefix) else prefix + err.problem
    return type(err)(problem, path=err.path, argument=err.argument, accepted=err.accepted)


# ------------------------------------------------------------------------------------ tables


def _table(
    dataset: str, fmt: str, path: Any, test_path: Any, target: Any, categorical: Any,
    missing: Any, classes: Any, read_kwargs: dict[str, Any],
) -> LabeledData:
    from genaug.data.tabular import read_table

    file = _check_file("path", dataset, path)
    if not isinstance(target, str) or not target:
        raise GenaugError(
            f"dataset {dataset!r}: target is required: the name of the label column; got "
            f"{short_repr(target)}", argument="target", accepted="a column name, e.g. target: label",
        )
    if categorical is not None and (
        isinstance(categorical, str) or not isinstance(categorical, Sequence)
        or not all(isinstance(c, str) for c in categorical)
    ):
        raise GenaugError(
            f"dataset {dataset!r}: categorical must be a list of column names; got "
            f"{short_repr(categorical)}", argument="categorical", accepted="a list of column names",
        )
    if not isinstance(missing, str) or missing not in ("error", "drop", "impute"):
        raise GenaugError(
            f"dataset {dataset!r}: missing is {short_repr(missing)}", argument="missing",
            accepted="'error', 'drop' or 'impute'",
        )

    def read(p: Path) -> LabeledData:
        return _reraise(dataset, lambda: read_table(
            p, target=target, categorical=categorical, missing=missing, classes=classes,
            format=fmt, **read_kwargs,
        ))

    train = read(file)
    return _with_test(dataset, train, test_path, read)


_TABLE_DOC = dict(
    modality="tabular", n_samples=None, sample_shape=None, n_classes=None,
    source="your file (path:)", license="yours",
)


@register("dataset", "csv")
@describe_dataset(**_TABLE_DOC)
def load_csv(
    *, path: PathLike | None = None, target: str | None = None, test_path: PathLike | None = None,
    categorical: Sequence[str] | None = None, missing: str = "error",
    classes: Sequence[Any] | None = None, sep: str = ",",
) -> LabeledData:
    """A CSV table of your own: one row per sample, the label in column ``target``.

    Args:
        path: the CSV file (required).
        target: the label column (required).
        test_path: an optional CSV with the same columns, used as the test split.
        categorical: numeric-coded columns to treat as categorical (text columns always are).
        missing: ``"error"``, ``"drop"`` or ``"impute"``.
        classes: label values in class order (default: sorted unique labels of ``path``).
        sep: the column separator.

    Raises:
        ValueError: missing or unreadable file, bad option, class names of ``test_path``
            different from those of ``path``.
    """
    return _table("csv", "csv", path, test_path, target, categorical, missing, classes, {"sep": sep})


@register("dataset", "parquet")
@describe_dataset(**_TABLE_DOC)
def load_parquet(
    *, path: PathLike | None = None, target: str | None = None, test_path: PathLike | None = None,
    categorical: Sequence[str] | None = None, missing: str = "error",
    classes: Sequence[Any] | None = None,
) -> LabeledData:
    """A Parquet table of your own (same options as ``csv``, without ``sep``)."""
    return _table("parquet", "parquet", path, test_path, target, categorical, missing, classes, {})


# -------------------------------------------------------------------------------------- text


def _read_jsonl(
    file: Path, text_field: str, label_field: str, class_names: Sequence[str] | None
) -> LabeledData:
    texts: list[str] = []
    labels: list[str] = []

    def fail(problem: str, lineno: int | None = None, accepted: str | None = None) -> DataFileError:
        where = f"line {lineno}: " if lineno is not None else ""
        return DataFileError(f"dataset 'jsonl': {where}{problem}", path=file, accepted=accepted)

    try:
        with file.open("rb") as fh:
            for lineno, raw in enumerate(fh, 1):
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as err:
                    raise fail(f"is not valid UTF-8 (byte 0x{raw[err.start]:02x} at column {err.start})",
                               lineno, "UTF-8 text") from None
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except (json.JSONDecodeError, RecursionError) as err:
                    raise fail(f"is not valid JSON: {one_line(err, 120)}", lineno,
                               'one JSON object per line, e.g. {"text": "great!", "label": "pos"}') from None
                if not isinstance(obj, dict):
                    raise fail(f"must be a JSON object; got {short_repr(obj)}", lineno)
                for field in (text_field, label_field):
                    if field not in obj:
                        option = "text_field" if field == text_field else "label_field"
                        raise fail(f"has no field {field!r} ({option}); fields present: "
                                   f"{short_repr(sorted(obj))}", lineno)
                if not isinstance(obj[text_field], str):
                    raise fail(f"field {text_field!r} must be a string; got {short_repr(obj[text_field])}",
                               lineno)
                label = obj[label_field]
                if isinstance(label, dict | list):
                    raise fail(f"field {label_field!r} must be a string or number; got "
                               f"{short_repr(label)}", lineno)
                texts.append(obj[text_field])
                labels.append(str(label))
    except OSError as err:
        raise DataFileError(f"dataset 'jsonl': cannot be read: {err.strerror or err}", path=file) from None
    if not texts:
        raise fail("holds no samples", accepted='>= 1 line like {"text": "great!", "label": "pos"}')
    if class_names is not None:
        names = tuple(str(n) for n in class_names)
    else:
        distinct = set(labels)
        check_limit("max_classes", len(distinct), what="distinct labels", path=file)
        names = tuple(sorted(distinct))
    index = {name: i for i, name in enumerate(names)}
    unknown = sorted(set(labels) - set(index))
    if unknown:
        raise fail(f"has labels {short_repr(unknown[:10])} that are not among the class names "
                   f"{short_repr(list(names))}")
    y = np.array([index[lab] for lab in labels], dtype=np.int64)
    return LabeledData(texts, y, names, "text")


@register("dataset", "jsonl")
@describe_dataset(
    modality="text", n_samples=None, sample_shape=None, n_classes=None,
    source="your file (path:)", license="yours",
)
def load_jsonl(
    *, path: PathLike | None = None, test_path: PathLike | None = None,
    text_field: str = "text", label_field: str = "label", class_names: Sequence[str] | None = None,
) -> LabeledData:
    """Texts of your own: one JSON object per line, e.g. ``{"text": "great!", "label": "pos"}``.

    Args:
        path: the ``.jsonl`` file (required).
        test_path: an optional second file, used as the test split (its labels must be among the
            class names of ``path``).
        text_field: the field holding the text.
        label_field: the field holding the label (any JSON value; compared as a string).
        class_names: labels in class order (default: sorted unique labels of ``path``).
    """
    file = _check_file("path", "jsonl", path)
    for name, value in (("text_field", text_field), ("label_field", label_field)):
        if not isinstance(value, str) or not value:
            raise GenaugError(f"dataset 'jsonl': {name} is {short_repr(value)}", argument=name,
                              accepted="a non-empty field name")
    train = _read_jsonl(file, text_field, label_field, class_names)
    return _with_test(
        "jsonl", train, test_path,
        lambda p: _read_jsonl(p, text_field, label_field, train.class_names),
    )


# ---------------------------------------------------------------------------- images, arrays


@register("dataset", "image_folder")
@describe_dataset(
    modality="image", n_samples=None, sample_shape=None, n_classes=None,
    source="your folder (path:), one sub-folder of images per class", license="yours",
)
def load_image_folder(
    *, path: PathLike | None = None, test_path: PathLike | None = None,
    size: Sequence[int] | None = None, mode: str = "L", extensions: Sequence[str] | None = None,
) -> LabeledData:
    """Images of your own: ``path/<class name>/<image>.png`` (sub-folder names are the classes).

    Args:
        path: the root folder (required).
        test_path: an optional second root folder with the same class sub-folders, used as the
            test split.
        size: ``[height, width]`` to resize every image to (default: all must share one size).
        mode: ``"L"`` (grey) or ``"RGB"``.
        extensions: file endings that count as images (default: the common image formats).
    """
    from genaug.data.readers import IMAGE_EXTENSIONS, read_image_folder

    root = _check_file("path", "image_folder", path, folder=True)
    if not isinstance(mode, str) or mode not in ("L", "RGB"):
        raise GenaugError(f"dataset 'image_folder': mode is {short_repr(mode)}", argument="mode",
                          accepted="'L' or 'RGB'")
    for name, value in (("size", size), ("extensions", extensions)):
        if value is not None and (isinstance(value, str) or not isinstance(value, Sequence)):
            raise GenaugError(f"dataset 'image_folder': {name} is {short_repr(value)}", argument=name,
                              accepted="[height, width]" if name == "size" else "a list of file endings")
    options: dict[str, Any] = {
        "size": None if size is None else tuple(size), "mode": mode,
        "extensions": IMAGE_EXTENSIONS if extensions is None else tuple(extensions),
    }

    def read(p: Path) -> LabeledData:
        return _reraise("image_folder", lambda: read_image_folder(p, **options))

    return _with_test("image_folder", read(root), test_path, read, folder=True)


@register("dataset", "npz")
@describe_dataset(
    modality="image", n_samples=None, sample_shape=None, n_classes=None,
    source="your NumPy archive (path:) with arrays x and y", license="yours",
)
def load_npz(
    *, path: PathLike | None = None, test_path: PathLike | None = None, x_key: str = "x",
    y_key: str = "y", modality: str | None = None, class_names: Sequence[str] | None = None,
    scale: str | None = None,
) -> LabeledData:
    """Arrays of your own in a ``.npz`` archive (see :func:`~genaug.data.readers.read_npz`).

    Args:
        path: the archive (required).
        test_path: an optional second archive with the same keys, used as the test split.
        x_key: the samples array; y_key: the labels array.
        modality: ``"image"``, ``"signal"``, ``"audio"``, ``"tabular"`` or ``"text"``
            (default: inferred from the shape of ``x``).
        class_names: class names in label order.
        scale: ``"auto"`` to scale uint8 images to [0, 1].
    """
    from genaug.data.readers import read_npz

    file = _check_file("path", "npz", path)
    known = registry.available("modality")
    if modality is not None and (not isinstance(modality, str) or modality not in known):
        raise GenaugError(f"dataset 'npz': modality is {short_repr(modality)}", argument="modality",
                          accepted=f"one of {known}, or left out")

    def read(p: Path, names: Sequence[str] | None) -> LabeledData:
        return _reraise("npz", lambda: read_npz(
            p, x_key=x_key, y_key=y_key, modality=modality, class_names=names, scale=scale,  # type: ignore[arg-type]
        ))

    train = read(file, class_names)
    return _with_test("npz", train, test_path, lambda p: read(p, class_names or train.class_names))
