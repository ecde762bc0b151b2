"""Built-in offline datasets, reachable by name through the registry (kind ``"dataset"``).

Each built-in is a function registered with ``@register("dataset", name)`` that returns a
:class:`~genaug.data.labeled.LabeledData`; :func:`describe_dataset` attaches the facts that
:func:`list_datasets` reports (and the ``genaug datasets`` command prints). None of them
downloads anything at run time.

============== ======== ======= =========== ======= ==========================================
name           modality samples sample      classes where it comes from
============== ======== ======= =========== ======= ==========================================
digits         image    1,797   (1, 8, 8)   10      scikit-learn ``load_digits`` (ships with it)
mnist1d        signal   5,000   (1, 40)     10      ``pip install mnist1d``, built locally
opencv-digits  image    5,000   (1, 20, 20) 10      OpenCV's ``digits.png`` (Debian opencv-doc)
============== ======== ======= =========== ======= ==========================================

Example:
    >>> from genaug.data import load_dataset
    >>> data = load_dataset("digits")
    >>> data.x.shape, data.num_classes
    (torch.Size([1797, 1, 8, 8]), 10)
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch

from genaug import registry
from genaug.data.labeled import LabeledData, Modality
from genaug.registry import register
from genaug.validation import check_int

__all__ = [
    "OPENCV_DIGITS_HOW_TO_GET",
    "DatasetInfo",
    "describe_dataset",
    "find_opencv_digits",
    "list_datasets",
    "load_dataset",
    "load_digits",
    "load_mnist1d",
    "load_opencv_digits",
]

F = TypeVar("F", bound=Callable[..., Any])

DIGIT_NAMES: tuple[str, ...] = tuple(str(d) for d in range(10))


@dataclass(frozen=True)
class DatasetInfo:
    """What :func:`list_datasets` reports about one registered dataset.

    Args:
        name: registry name, as passed to :func:`load_dataset`.
        modality: ``"image"``, ``"signal"``, ``"audio"``, ``"tabular"`` or ``"text"``.
        n_samples: number of samples with default arguments (``None`` when unknown).
        sample_shape: shape of one sample, e.g. ``(1, 8, 8)`` (``None`` when unknown).
        n_classes: number of classes (``None`` when unknown).
        source: where the data comes from.
        license: the data's license.
        available: whether it loads on this machine right now (package installed / file found).
        how_to_get: what to run to make it available (empty when nothing is needed).
    """

    name: str
    modality: str
    n_samples: int | None
    sample_shape: tuple[int, ...] | None
    n_classes: int | None
    source: str
    license: str
    available: bool
    how_to_get: str


@dataclass(frozen=True)
class _Description:
    modality: Modality
    n_samples: int | None
    sample_shape: tuple[int, ...] | None
    n_classes: int | None
    source: str
    license: str
    how_to_get: str
    is_available: Callable[[], bool]


def describe_dataset(
    *,
    modality: Modality,
    n_samples: int | None,
    sample_shape: tuple[int, ...] | None,
    n_classes: int | None,
    source: str,
    license: str,
    how_to_get: str = "",
    is_available: Callable[[], bool] | None = None,
) -> Callable[[F], F]:
    """Decorator that attaches :class:`DatasetInfo` facts to a dataset loader.

    Put it under ``@register("dataset", name)``; datasets registered without it are still
    listed, with unknown sizes.

    Args:
        modality: modality of the returned data.
        n_samples: samples with default arguments.
        sample_shape: shape of one sample.
        n_classes: number of classes.
        source: where the data comes from.
        license: the data's license.
        how_to_get: what to run when it is not available.
        is_available: a cheap check (no loading) that the data can be loaded now; default:
            always available.

    Returns:
        The decorator (it returns the loader unchanged, with a ``dataset_description``
        attribute).

    Example:
        >>> @describe_dataset(modality="tabular", n_samples=3, sample_shape=(2,), n_classes=2,
        ...                   source="made up", license="CC0")
        ... def tiny():
        ...     ...
        >>> tiny.dataset_description.n_classes
        2
    """
    description = _Description(
        modality=modality,
        n_samples=n_samples,
        sample_shape=None if sample_shape is None else tuple(sample_shape),
        n_classes=n_classes,
        source=source,
        license=license,
        how_to_get=how_to_get,
        is_available=is_available or (lambda: True),
    )

    def decorator(fn: F) -> F:
        fn.dataset_description = description  # type: ignore[attr-defined]
        return fn

    return decorator


def load_dataset(name: str, **kwargs: Any) -> LabeledData:
    """Load the registered dataset ``name``.

    Args:
        name: a name from :func:`list_datasets` (``registry.available("dataset")``).
        **kwargs: options of that dataset (e.g. ``seed`` for ``"mnist1d"``, ``path`` for
            ``"opencv-digits"``).

    Returns:
        The dataset as :class:`LabeledData`.

    Raises:
        ValueError: unknown ``name`` (the message lists the registered ones).
        TypeError: an option the dataset does not accept (the message lists those it does).
        FileNotFoundError: the dataset's files are missing (the message says how to get them).

    Example:
        >>> load_dataset("mnist1d", seed=0).modality
        'signal'
    """
    loader = registry.get("dataset", name)
    try:
        signature = inspect.signature(loader)
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return loader(**kwargs)
    params = signature.parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    if not takes_any:
        unknown = sorted(set(kwargs) - set(params))
        if unknown:
            accepted = [p for p in params if params[p].kind is not inspect.Parameter.VAR_POSITIONAL]
            raise TypeError(
                f"dataset {name!r} got unknown option(s) {unknown}; accepted options: {accepted}"
            )
    return loader(**kwargs)


def list_datasets() -> list[DatasetInfo]:
    """Every registered dataset with its size, source and whether it is available here.

    Availability is checked cheaply (installed package, file present); nothing is loaded.

    Returns:
        One :class:`DatasetInfo` per registered dataset, sorted by name.

    Example:
        >>> [info.name for info in list_datasets() if info.name == "digits"]
        ['digits']
    """
    infos = []
    for name in registry.available("dataset"):
        loader = registry.get("dataset", name)
        d: _Description | None = getattr(loader, "dataset_description", None)
        if d is None:
            doc = (inspect.getdoc(loader) or "").split("\n", 1)[0]
            infos.append(DatasetInfo(name, "unknown", None, None, None, doc, "unknown", True, ""))
            continue
        try:
            ok = bool(d.is_available())
        except Exception:  # an availability probe must never break the listing
            ok = False
        infos.append(
            DatasetInfo(
                name=name,
                modality=d.modality,
                n_samples=d.n_samples,
                sample_shape=d.sample_shape,
                n_classes=d.n_classes,
                source=d.source,
                license=d.license,
                available=ok,
                how_to_get="" if ok else d.how_to_get,
            )
        )
    return infos


def _has_module(name: str) -> Callable[[], bool]:
    return lambda: importlib.util.find_spec(name) is not None


# --------------------------------------------------------------------------------------- digits


@register("dataset", "digits")
@describe_dataset(
    modality="image",
    n_samples=1797,
    sample_shape=(1, 8, 8),
    n_classes=10,
    source="scikit-learn load_digits (UCI optical recognition of handwritten digits)",
    license="BSD-3-Clause (scikit-learn); data CC BY 4.0 (UCI)",
    how_to_get="pip install scikit-learn",
    is_available=_has_module("sklearn"),
)
def load_digits() -> LabeledData:
    """scikit-learn's 1,797 real 8x8 handwritten digits, about 180 per class.

    Returns:
        Images ``x`` of shape (1797, 1, 8, 8), float32 in [0, 1] (the 0-16 grey levels divided
        by 16); labels 0-9 with class names ``"0"`` ... ``"9"``.

    Example:
        >>> data = load_digits()
        >>> data.x.shape, float(data.x.max())
        (torch.Size([1797, 1, 8, 8]), 1.0)
    """
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    images = np.asarray(bunch.images, dtype=np.float32) / 16.0
    x = torch.from_numpy(np.ascontiguousarray(images[:, None]))
    return LabeledData(x, np.asarray(bunch.target, dtype=np.int64), DIGIT_NAMES, "image")


# -------------------------------------------------------------------------------------- mnist1d

# mnist1d seeds and draws from the *global* `random` and `numpy.random` state; we save and
# restore both around the call (under a lock) so that loading leaves global RNGs untouched.
_MNIST1D_LOCK = threading.Lock()


@lru_cache(maxsize=4)
def _mnist1d_arrays(seed: int, num_samples: int) -> tuple[np.ndarray, ...]:
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.seed = seed
    args.num_samples = num_samples
    with _MNIST1D_LOCK:
        py_state = random.getstate()
        np_state = np.random.get_state()
        try:
            raw = make_dataset(args)
        finally:
            random.setstate(py_state)
            np.random.set_state(np_state)
    arrays = (
        np.asarray(raw["x"], dtype=np.float32),
        np.asarray(raw["y"], dtype=np.int64),
        np.asarray(raw["x_test"], dtype=np.float32),
        np.asarray(raw["y_test"], dtype=np.int64),
    )
    for a in arrays:
        a.setflags(write=False)
    return arrays


@register("dataset", "mnist1d")
@describe_dataset(
    modality="signal",
    n_samples=5000,
    sample_shape=(1, 40),
    n_classes=10,
    source="MNIST-1D (Greydanus & Kobak, 2020), generated locally by mnist1d.data.make_dataset",
    license="Apache-2.0",
    how_to_get="pip install mnist1d",
    is_available=_has_module("mnist1d"),
)
def load_mnist1d(*, seed: int = 42, num_samples: int = 5000) -> LabeledData:
    """MNIST-1D: 1-D signals of length 40 made from 10 digit templates, generated offline.

    Built with ``mnist1d.data.make_dataset`` (never ``get_dataset``, which downloads). The
    package's default ``seed=42`` and ``num_samples=5000`` give the paper's dataset; its 80/20
    train/test split (4,000/1,000) is kept in ``meta["original_split"]`` so that
    ``split(..., use_original_split=True)`` reproduces the paper setting (reference accuracies:
    logistic regression 32%, MLP 68%, CNN 94%, GRU 91%). Global ``random``/``numpy.random``
    state, which mnist1d uses internally, is restored afterwards. Generated once per
    ``(seed, num_samples)`` per process (about 1 s) and kept in memory; nothing is written to disk.

    Args:
        seed: the generator seed, an int in [0, 2**32 - 1]; same seed, same data.
        num_samples: total samples (train + test), at least 10; divided evenly among the classes.

    Returns:
        Signals ``x`` of shape (N, 1, 40), float32, standardized over the whole set (mean 0,
        std 1); labels 0-9 with class names ``"0"`` ... ``"9"``; ``meta["original_split"]`` is
        ``"train"`` for the first 80% and ``"test"`` for the rest.

    Example:
        >>> data = load_mnist1d()
        >>> data.x.shape, int((data.meta["original_split"] == "test").sum())
        (torch.Size([5000, 1, 40]), 1000)
    """
    seed = check_int("seed", seed, 0, 2**32 - 1)
    num_samples = check_int("num_samples", num_samples, 10)
    x_train, y_train, x_test, y_test = _mnist1d_arrays(seed, num_samples)
    x = np.concatenate([x_train, x_test])[:, None, :]
    y = np.concatenate([y_train, y_test])
    original = np.array(["train"] * len(y_train) + ["test"] * len(y_test))
    return LabeledData(
        torch.from_numpy(np.ascontiguousarray(x)), y, DIGIT_NAMES, "signal",
        {"original_split": original},
    )


# -------------------------------------------------------------------------------- opencv-digits

OPENCV_DIGITS_SYSTEM_PATH = Path("/usr/share/doc/opencv-doc/examples/data/digits.png")
_OPENCV_MEMBER = "./usr/share/doc/opencv-doc/examples/data/digits.png"
_GRID_ROWS, _GRID_COLS, _CELL = 50, 100, 20

OPENCV_DIGITS_HOW_TO_GET = (
    "run scripts/fetch_opencv_digits.sh from the genaug repository, or by hand (Debian/Ubuntu; "
    "downloads the ~96 MB opencv-doc package and extracts one file):\n"
    "  cd \"$(mktemp -d)\"\n"
    f"  apt-get download opencv-doc && dpkg-deb --fsys-tarfile opencv-doc_*.deb | tar -x {_OPENCV_MEMBER}\n"
    "  mkdir -p ~/.cache/genaug/opencv-digits\n"
    f"  mv {_OPENCV_MEMBER[2:]} ~/.cache/genaug/opencv-digits/digits.png\n"
    "(or put it in $GENAUG_DATA_DIR/opencv-digits/, or pass path=...; run 'apt-get update' first "
    "if apt-get cannot find the package)"
)


def _opencv_digits_candidates() -> list[Path]:
    candidates = []
    data_dir = os.environ.get("GENAUG_DATA_DIR")
    if data_dir:
        candidates.append(Path(data_dir).expanduser() / "opencv-digits" / "digits.png")
    candidates.append(Path.home() / ".cache" / "genaug" / "opencv-digits" / "digits.png")
    candidates.append(OPENCV_DIGITS_SYSTEM_PATH)
    return candidates


def find_opencv_digits(path: str | os.PathLike[str] | None = None) -> Path:
    """Locate OpenCV's ``digits.png``.

    Looks at ``path`` if given (and only there), else in order at
    ``$GENAUG_DATA_DIR/opencv-digits/digits.png``, ``~/.cache/genaug/opencv-digits/digits.png``
    and ``/usr/share/doc/opencv-doc/examples/data/digits.png``.

    Args:
        path: an explicit location of the file.

    Returns:
        The path of the first file found.

    Raises:
        FileNotFoundError: nothing found; the message lists the places searched and the exact
            commands that get the file.

    Example:
        >>> find_opencv_digits("/nonexistent/digits.png")  # doctest: +IGNORE_EXCEPTION_DETAIL
        Traceback (most recent call last):
        FileNotFoundError: ...
    """
    candidates = [Path(path).expanduser()] if path is not None else _opencv_digits_candidates()
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    searched = "\n".join(f"  {c}" for c in candidates)
    raise FileNotFoundError(
        f"opencv-digits: digits.png not found; searched:\n{searched}\nTo get it, "
        + OPENCV_DIGITS_HOW_TO_GET
    )


def _opencv_digits_present() -> bool:
    return any(c.is_file() for c in _opencv_digits_candidates())


def parse_digits_grid(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cut OpenCV's 1000x2000 digit sheet into 5,000 cells of 20x20 with their labels.

    The sheet is a 50 x 100 grid of 20x20 cells; digit ``d`` fills cell rows ``5d`` to
    ``5d + 4`` (500 cells). Cells are returned row by row, left to right.

    Args:
        grid: uint8 array of shape (1000, 2000).

    Returns:
        ``(cells, labels)``: cells of shape (5000, 20, 20) (same dtype) and int64 labels (5000,).

    Example:
        >>> cells, labels = parse_digits_grid(np.zeros((1000, 2000), np.uint8))
        >>> cells.shape, labels[:3].tolist(), labels[-1].item()
        ((5000, 20, 20), [0, 0, 0], 9)
    """
    expected = (_GRID_ROWS * _CELL, _GRID_COLS * _CELL)
    if grid.shape != expected:
        raise ValueError(f"grid must have shape {expected} (height, width); got {grid.shape}")
    cells = grid.reshape(_GRID_ROWS, _CELL, _GRID_COLS, _CELL).transpose(0, 2, 1, 3)
    cells = cells.reshape(_GRID_ROWS * _GRID_COLS, _CELL, _CELL)
    rows = np.repeat(np.arange(_GRID_ROWS), _GRID_COLS)  # cell row of each sample
    labels = (rows // (_GRID_ROWS // 10)).astype(np.int64)
    return np.ascontiguousarray(cells), labels


@register("dataset", "opencv-digits")
@describe_dataset(
    modality="image",
    n_samples=5000,
    sample_shape=(1, 20, 20),
    n_classes=10,
    source="OpenCV sample data digits.png (Debian package opencv-doc)",
    license="Apache-2.0 (OpenCV)",
    how_to_get=OPENCV_DIGITS_HOW_TO_GET,
    is_available=_opencv_digits_present,
)
def load_opencv_digits(*, path: str | os.PathLike[str] | None = None) -> LabeledData:
    """OpenCV's 5,000 real 20x20 handwritten digits (500 per class), white ink on black.

    The file is found by :func:`find_opencv_digits` (``path``, then ``$GENAUG_DATA_DIR``,
    ``~/.cache/genaug`` and the opencv-doc install location).

    Args:
        path: explicit location of ``digits.png``; when given, no other place is searched.

    Returns:
        Images ``x`` of shape (5000, 1, 20, 20), float32 in [0, 1] (grey level / 255), labels 0-9
        (class names ``"0"`` ... ``"9"``), in sheet order: samples ``500d`` to ``500d + 499`` are
        digit ``d``; ``meta["cell"]`` holds each sample's ``(row, column)`` on the sheet.

    Raises:
        FileNotFoundError: the file is missing; the message gives the commands that fetch it.
        ValueError: the file is not a readable 1000x2000 image.

    Example:
        >>> data = load_opencv_digits()  # doctest: +SKIP
        >>> data.class_counts().tolist()  # doctest: +SKIP
        [500, 500, 500, 500, 500, 500, 500, 500, 500, 500]
    """
    from PIL import Image, UnidentifiedImageError

    file = find_opencv_digits(path)
    try:
        with Image.open(file) as img:
            grid = np.asarray(img.convert("L"))
    except (OSError, UnidentifiedImageError, ValueError) as err:
        raise ValueError(f"cannot read opencv-digits image {file}: {err}") from err
    if grid.shape != (_GRID_ROWS * _CELL, _GRID_COLS * _CELL):
        raise ValueError(
            f"opencv-digits image {file} must be 1000x2000 (height x width) pixels; "
            f"got {grid.shape[0]}x{grid.shape[1]}"
        )
    cells, labels = parse_digits_grid(grid)
    x = torch.from_numpy(cells[:, None].astype(np.float32) / 255.0)
    index = np.arange(len(labels))
    cell = np.stack([index // _GRID_COLS, index % _GRID_COLS], axis=1)
    return LabeledData(x, labels, DIGIT_NAMES, "image", {"cell": cell})
