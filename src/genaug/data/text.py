"""Text datasets: built-ins from Debian packages and readers for your own texts.

================= ======== =====================================================================
name              modality reads
================= ======== =====================================================================
``fortunes``      text     topic classification: one class per ``fortunes`` category file
                           (Debian package ``fortunes``; ``off/`` is never read)
``janeausten``    text     authorship-style classification: which of Jane Austen's six novels
                           a passage comes from (Debian package ``r-cran-janeaustenr``)
``text_folder``   text     ``path/<class>/*.txt``, one text per file (or per line)
``text_csv``      text     a CSV file with a text column and a label column
``text_parquet``  text     a Parquet file with a text column and a label column
================= ======== =====================================================================

The built-ins read installed package files only (no download at run time). When a package is
missing the error names it and the command that installs it (``scripts/system-deps.sh``
installs both on machines where apt-get works).

Example:
    >>> from genaug.data import load_dataset
    >>> data = load_dataset("fortunes", categories=["food", "law"])  # doctest: +SKIP
    >>> data.modality, data.class_names  # doctest: +SKIP
    ('text', ('food', 'law'))
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from genaug.data.datasets import describe_dataset
from genaug.data.file_datasets import _check_file, _reraise, _with_test
from genaug.data.labeled import LabeledData
from genaug.errors import DataFileError, GenaugError, MissingPathError
from genaug.limits import check_limit, short_repr
from genaug.registry import register

__all__ = [
    "FORTUNES_DIR",
    "FORTUNES_TOPICS",
    "JANEAUSTEN_DIR",
    "decode_text",
    "load_fortunes",
    "load_janeausten",
    "load_text_csv",
    "load_text_folder",
    "load_text_parquet",
    "read_fortune_file",
]

FORTUNES_DIR = Path("/usr/share/games/fortunes")
"""Where Debian's ``fortunes`` package installs its category files."""
FORTUNES_TOPICS: tuple[str, ...] = (
    "computers", "politics", "science", "law", "food", "love", "sports", "medicine",
)
"""The default topic classes of ``fortunes`` (categories with >= 70 texts on a clear subject)."""
JANEAUSTEN_DIR = Path("/usr/lib/R/site-library/janeaustenr")
"""Where Debian's ``r-cran-janeaustenr`` package installs the R package."""
JANEAUSTEN_BOOKS: tuple[str, ...] = (
    "sensesensibility", "prideprejudice", "mansfieldpark", "emma", "northangerabbey", "persuasion",
)

_APT = "apt-get update && apt-get install -y {pkg}  (as root; or run scripts/system-deps.sh)"


def _missing_package(dataset: str, package: str, path: Path, argument: str) -> MissingPathError:
    return MissingPathError(
        f"dataset {dataset!r} needs the Debian package {package!r}, which is not installed "
        f"(nothing at this path); install it with: {_APT.format(pkg=package)}, or pass {argument}=",
        path=path, argument=argument,
    )


def decode_text(raw: bytes) -> str:
    """UTF-8 text, or Latin-1 where the bytes are not valid UTF-8 (old fortune files)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def read_fortune_file(path: str | os.PathLike[str]) -> list[str]:
    """The texts of one fortune file: entries separated by lines that hold only ``%``.

    Returns:
        Non-empty entries, stripped of surrounding whitespace, in file order.
    """
    text = decode_text(Path(path).read_bytes()).replace("\r\n", "\n")
    return [part.strip() for part in re.split(r"^%\s*$", text, flags=re.MULTILINE) if part.strip()]


def _fortunes_present() -> bool:
    return (FORTUNES_DIR / "computers").is_file()


def _categories_in(root: Path) -> list[str]:
    return sorted(
        p.name for p in root.iterdir()
        if p.is_file() and "." not in p.name and not p.is_symlink() and (root / f"{p.name}.dat").exists()
    )


@register("dataset", "fortunes")
@describe_dataset(
    modality="text", n_samples=2892, sample_shape=None, n_classes=len(FORTUNES_TOPICS),
    source="Debian package fortunes (category files under /usr/share/games/fortunes; off/ left out)",
    license="BSD (fortune-mod)", how_to_get=_APT.format(pkg="fortunes"), is_available=_fortunes_present,
)
def load_fortunes(
    *, categories: Sequence[str] | str | None = None, max_chars: int | None = 600,
    path: str | os.PathLike[str] | None = None,
) -> LabeledData:
    """Topic classification on fortune cookies: the class is the category file a text is in.

    Args:
        categories: category names (file names), ``"all"`` for every category installed, or
            None for :data:`FORTUNES_TOPICS`. The offensive ``off/`` folder is never read.
        max_chars: texts longer than this are left out (ASCII art, long stories); None keeps all.
        path: the fortunes folder (default :data:`FORTUNES_DIR`).

    Returns:
        Text data; ``meta["index"]`` is each text's position in its category file.

    Raises:
        MissingPathError: the package is not installed (the message says how to install it).
        GenaugError: an unknown category (the message lists the installed ones).
    """
    root = Path(path).expanduser() if path is not None else FORTUNES_DIR
    if not root.is_dir():
        raise _missing_package("fortunes", "fortunes", root, "path")
    installed = [c for c in _categories_in(root) if c != "off"]
    if categories is None:
        names = list(FORTUNES_TOPICS)
    elif categories == "all":
        names = installed
    elif isinstance(categories, str) or not isinstance(categories, Sequence) or not categories:
        raise GenaugError(f"dataset 'fortunes': categories is {short_repr(categories)}",
                          argument="categories", accepted=f"'all' or a list from {installed}")
    else:
        names = [str(c) for c in categories]
    bad = [c for c in names if c not in installed]
    if bad or len(set(names)) != len(names) or len(names) < 2:
        if not installed:
            raise _missing_package("fortunes", "fortunes", root, "path")
        raise GenaugError(
            f"dataset 'fortunes': categories {short_repr(bad or names)} are not distinct installed "
            "categories (at least two)", argument="categories", accepted=f"names from {installed}",
        )
    bad_max = isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 1
    if max_chars is not None and bad_max:
        raise GenaugError(f"dataset 'fortunes': max_chars is {short_repr(max_chars)}",
                          argument="max_chars", accepted="a positive int or None")
    texts: list[str] = []
    labels: list[int] = []
    index: list[int] = []
    for k, name in enumerate(names):
        entries = read_fortune_file(root / name)
        for i, t in enumerate(entries):
            if max_chars is None or len(t) <= max_chars:
                texts.append(t)
                labels.append(k)
                index.append(i)
    return LabeledData(texts, np.asarray(labels, dtype=np.int64), tuple(names), "text",
                       {"index": np.asarray(index, dtype=np.int64)})


def _janeausten_present() -> bool:
    return (JANEAUSTEN_DIR / "data" / "Rdata.rdb").is_file()


@register("dataset", "janeausten")
@describe_dataset(
    modality="text", n_samples=None, sample_shape=None, n_classes=6,
    source="Debian package r-cran-janeaustenr (the six novels, read from the R lazy-load database "
           "without R)", license="MIT (package); texts public domain",
    how_to_get=_APT.format(pkg="r-cran-janeaustenr"), is_available=_janeausten_present,
)
def load_janeausten(
    *, books: Sequence[str] | None = None, lines_per_passage: int = 5, min_chars: int = 120,
    path: str | os.PathLike[str] | None = None,
) -> LabeledData:
    """Which novel is a passage from? Passages of ``lines_per_passage`` consecutive text lines.

    Args:
        books: R object names of the novels (default all six: ``sensesensibility``,
            ``prideprejudice``, ``mansfieldpark``, ``emma``, ``northangerabbey``, ``persuasion``).
        lines_per_passage: consecutive non-empty lines joined into one passage.
        min_chars: shorter passages (chapter headings) are left out.
        path: the installed R package folder (default :data:`JANEAUSTEN_DIR`).

    Returns:
        Text data, one class per book; ``meta["line"]`` is the passage's first line number.

    Raises:
        MissingPathError: the package is not installed (the message says how to install it).
    """
    root = Path(path).expanduser() if path is not None else JANEAUSTEN_DIR
    rdb = root / "data" / "Rdata.rdb"
    if not rdb.is_file():
        raise _missing_package("janeausten", "r-cran-janeaustenr", root, "path")
    names = list(JANEAUSTEN_BOOKS if books is None else books)
    bad = [b for b in names if b not in JANEAUSTEN_BOOKS]
    if bad or len(names) < 2 or len(set(names)) != len(names):
        raise GenaugError(f"dataset 'janeausten': books {short_repr(bad or names)}", argument="books",
                          accepted=f"at least two distinct names from {list(JANEAUSTEN_BOOKS)}")
    for option, value in (("lines_per_passage", lines_per_passage), ("min_chars", min_chars)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise GenaugError(f"dataset 'janeausten': {option} is {short_repr(value)}", argument=option,
                              accepted="a positive int")
    lines = _read_r_lazyload(root / "data" / "Rdata", names)
    texts: list[str] = []
    labels: list[int] = []
    starts: list[int] = []
    for k, book in enumerate(names):
        buf: list[str] = []
        first = 0
        for i, line in enumerate([*lines[book], ""]):
            line = line.strip()
            if line:
                if not buf:
                    first = i
                buf.append(line)
            if buf and (len(buf) == lines_per_passage or not line):
                passage = " ".join(buf)
                if len(passage) >= min_chars:
                    texts.append(passage)
                    labels.append(k)
                    starts.append(first)
                buf = []
    return LabeledData(texts, np.asarray(labels, dtype=np.int64), tuple(names), "text",
                       {"line": np.asarray(starts, dtype=np.int64)})


def _read_r_lazyload(base: Path, objects: Sequence[str]) -> dict[str, list[str]]:
    """Character vectors ``objects`` from an R lazy-load database (``base.rdb`` + ``base.rdx``).

    Each object is R-serialized data behind a 4-byte big-endian length and a compression type
    ('Z' zlib, '2' bzip2, 'X' xz, '0' none); the index (``.rdx``) is a gzip- or zlib-compressed
    serialized list of ``variables`` offsets. Parsed with the ``rdata`` package (no R needed).
    """
    import bz2
    import gzip
    import lzma
    import zlib

    try:
        import rdata
    except ImportError as err:  # pragma: no cover - rdata is in the text extra
        raise GenaugError("dataset 'janeausten' needs the PyPI package 'rdata' (pip install rdata)",
                          argument="dataset") from err

    def unpack(blob: bytes, where: str) -> bytes:
        kind = blob[4:5]
        if kind == b"Z":
            return zlib.decompress(blob[5:])
        if kind == b"2":
            return bz2.decompress(blob[5:])
        if kind == b"X":
            return lzma.decompress(blob[5:], format=lzma.FORMAT_RAW,
                                   filters=[{"id": lzma.FILTER_LZMA2}]) if blob[5:6] != b"\xfd" \
                else lzma.decompress(blob[5:])
        if kind == b"0":
            return blob[5:]
        return zlib.decompress(blob[4:])  # old format: no type byte

    rdx_file, rdb_file = base.with_suffix(".rdx"), base.with_suffix(".rdb")
    try:
        raw = rdx_file.read_bytes()
        raw = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else zlib.decompress(raw[4:])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "Unknown file type: assumed RDS"
            index = rdata.parser.parse_data(raw, expand_altrep=True)
        index = rdata.conversion.convert(index)
        blob = rdb_file.read_bytes()
    except OSError as err:
        raise DataFileError(f"dataset 'janeausten': cannot be read: {err}", path=rdx_file) from None
    variables = index["variables"]
    out: dict[str, list[str]] = {}
    for name in objects:
        if name not in variables:
            raise DataFileError(f"dataset 'janeausten': the database has no object {name!r}",
                                path=rdx_file, accepted=str(sorted(variables)))
        offset, length = (int(v) for v in np.asarray(variables[name]).ravel()[:2])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            parsed = rdata.parser.parse_data(unpack(blob[offset:offset + length], name), expand_altrep=True)
        value = rdata.conversion.convert(parsed)
        out[name] = [str(s) if s is not None else "" for s in np.asarray(value).ravel().tolist()]
    return out


# ----------------------------------------------------------------------------- your own texts

_YOURS = dict(modality="text", n_samples=None, sample_shape=None, n_classes=None, license="yours")


def _read_text_folder(root: Path, per_line: bool, extensions: tuple[str, ...]) -> LabeledData:
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(classes) < 1:
        raise DataFileError("dataset 'text_folder': has no class sub-folders", path=root,
                            accepted="path/<class name>/<text>.txt")
    check_limit("max_classes", len(classes), what="class folders", path=root)
    texts: list[str] = []
    labels: list[int] = []
    files: list[str] = []
    for k, name in enumerate(classes):
        for file in sorted((root / name).iterdir()):
            if not file.is_file() or not file.name.lower().endswith(extensions):
                continue
            raw = file.read_bytes()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise DataFileError(
                    f"dataset 'text_folder': is not valid UTF-8 (byte 0x{raw[err.start]:02x} at offset "
                    f"{err.start})", path=file, accepted="UTF-8 text files",
                ) from None
            parts = [ln.strip() for ln in text.splitlines()] if per_line else [text.strip()]
            for part in parts:
                if part:
                    texts.append(part)
                    labels.append(k)
                    files.append(f"{name}/{file.name}")
    if not texts:
        raise DataFileError("dataset 'text_folder': holds no non-empty text files", path=root,
                            accepted=f"files ending in {list(extensions)}")
    return LabeledData(texts, np.asarray(labels, dtype=np.int64), tuple(classes), "text",
                       {"file": np.asarray(files)})


@register("dataset", "text_folder")
@describe_dataset(**_YOURS, source="your folder (path:), one sub-folder of .txt files per class")
def load_text_folder(
    *, path: str | os.PathLike[str] | None = None, test_path: str | os.PathLike[str] | None = None,
    per_line: bool = False, extensions: Sequence[str] = (".txt",),
) -> LabeledData:
    """Texts of your own: ``path/<class name>/<file>.txt`` (sub-folder names are the classes).

    Args:
        path: the root folder (required).
        test_path: an optional second root folder with the same class sub-folders (test split).
        per_line: each non-empty line of a file is one text (default: each file is one text).
        extensions: file endings that count as texts.
    """
    root = _check_file("path", "text_folder", path, folder=True)
    if not isinstance(per_line, bool):
        raise GenaugError(f"dataset 'text_folder': per_line is {short_repr(per_line)}",
                          argument="per_line", accepted="true or false")
    if isinstance(extensions, str) or not isinstance(extensions, Sequence) or not extensions:
        raise GenaugError(f"dataset 'text_folder': extensions is {short_repr(extensions)}",
                          argument="extensions", accepted="a list of file endings, e.g. ['.txt']")
    ext = tuple(str(e).lower() for e in extensions)

    def read(p: Path) -> LabeledData:
        return _reraise("text_folder", lambda: _read_text_folder(p, per_line, ext))

    return _with_test("text_folder", read(root), test_path, read, folder=True)


def _read_text_table(
    dataset: str, file: Path, fmt: str, text_column: str, label_column: str,
    class_names: Sequence[str] | None, sep: str,
) -> LabeledData:
    import pandas as pd

    try:
        if fmt == "csv":
            frame = pd.read_csv(file, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8")
        else:
            frame = pd.read_parquet(file)
    except UnicodeDecodeError as err:
        raise DataFileError(f"dataset {dataset!r}: is not valid UTF-8 ({err.reason} at byte {err.start})",
                            path=file, accepted="UTF-8 text") from None
    except (OSError, ValueError, pd.errors.ParserError) as err:
        raise DataFileError(f"dataset {dataset!r}: cannot be read as {fmt}: {err}", path=file) from None
    for option, column in (("text_column", text_column), ("label_column", label_column)):
        if column not in frame.columns:
            raise DataFileError(f"dataset {dataset!r}: has no column {column!r} ({option})", path=file,
                                accepted=f"one of {short_repr([str(c) for c in frame.columns])}")
    texts_raw = frame[text_column].tolist()
    bad = [i for i, t in enumerate(texts_raw) if not isinstance(t, str)]
    if bad:
        raise DataFileError(f"dataset {dataset!r}: row {bad[0] + 1} of column {text_column!r} is not "
                            f"text ({short_repr(texts_raw[bad[0]])})", path=file, accepted="strings")
    labels = [str(v) for v in frame[label_column].tolist()]
    if not texts_raw:
        raise DataFileError(f"dataset {dataset!r}: holds no rows", path=file,
                            accepted="a header and >= 1 row")
    if class_names is not None:
        names = tuple(str(n) for n in class_names)
    else:
        distinct = set(labels)
        check_limit("max_classes", len(distinct), what="distinct labels", path=file)
        names = tuple(sorted(distinct))
    index = {n: i for i, n in enumerate(names)}
    unknown = sorted(set(labels) - set(index))
    if unknown:
        raise DataFileError(f"dataset {dataset!r}: has labels {short_repr(unknown[:10])} that are not "
                            f"among the class names {short_repr(list(names))}", path=file)
    y = np.asarray([index[v] for v in labels], dtype=np.int64)
    return LabeledData([str(t) for t in texts_raw], y, names, "text")


def _text_table(dataset: str, fmt: str, path: Any, test_path: Any, text_column: Any, label_column: Any,
                class_names: Any, sep: str) -> LabeledData:
    file = _check_file("path", dataset, path)
    for option, value in (("text_column", text_column), ("label_column", label_column)):
        if not isinstance(value, str) or not value:
            raise GenaugError(f"dataset {dataset!r}: {option} is {short_repr(value)}", argument=option,
                              accepted="a column name")
    train = _read_text_table(dataset, file, fmt, text_column, label_column, class_names, sep)
    return _with_test(dataset, train, test_path, lambda p: _read_text_table(
        dataset, p, fmt, text_column, label_column, train.class_names, sep))


@register("dataset", "text_csv")
@describe_dataset(**_YOURS, source="your CSV file (path:) with a text and a label column")
def load_text_csv(
    *, path: str | os.PathLike[str] | None = None, test_path: str | os.PathLike[str] | None = None,
    text_column: str = "text", label_column: str = "label", class_names: Sequence[str] | None = None,
    sep: str = ",",
) -> LabeledData:
    """Texts of your own in a CSV file (UTF-8), one row per text.

    Args:
        path: the CSV file (required).
        test_path: an optional second file with the same columns, used as the test split.
        text_column: the column holding the text.
        label_column: the column holding the label (compared as a string).
        class_names: labels in class order (default: sorted unique labels of ``path``).
        sep: the column separator.
    """
    return _text_table("text_csv", "csv", path, test_path, text_column, label_column, class_names, sep)


@register("dataset", "text_parquet")
@describe_dataset(**_YOURS, source="your Parquet file (path:) with a text and a label column")
def load_text_parquet(
    *, path: str | os.PathLike[str] | None = None, test_path: str | os.PathLike[str] | None = None,
    text_column: str = "text", label_column: str = "label", class_names: Sequence[str] | None = None,
) -> LabeledData:
    """Texts of your own in a Parquet file (same options as ``text_csv``, without ``sep``)."""
    return _text_table("text_parquet", "parquet", path, test_path, text_column, label_column,
                       class_names, ",")
