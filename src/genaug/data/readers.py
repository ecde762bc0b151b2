"""Read a user's data into :class:`LabeledData`: image folders and ``.npz`` archives.

Every reader validates all of its input before it returns anything: a bad file raises a
:class:`~genaug.errors.DataFileError` (a ``ValueError``) that names the file (or key) and what
was expected; there are no partial results. Sizes are checked against :mod:`genaug.limits`
before anything is decoded (pixels per image from the header, bytes per ``.npz`` array from
its header, the number of classes), and only the ``.npz`` keys that are used are read.
(CSV/Parquet tabular reading lives in ``genaug.data.tabular``.)

Example:
    >>> from genaug.data.readers import read_image_folder, write_npz, read_npz
    >>> data = read_image_folder("flowers/", size=(32, 32), mode="RGB")  # doctest: +SKIP
    >>> write_npz(data, "flowers.npz")  # doctest: +SKIP
    >>> read_npz("flowers.npz").x.shape  # doctest: +SKIP
    torch.Size([120, 3, 32, 32])
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.errors import DataFileError, GenaugError, LimitError, MissingPathError, one_line
from genaug.limits import check_limit, get_limits, short_repr
from genaug.modalities import get_modality

__all__ = ["IMAGE_EXTENSIONS", "read_image_folder", "read_npz", "write_npz"]

IMAGE_EXTENSIONS: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".bmp")
_META_PREFIX = "meta."
_RESERVED_KEYS = ("class_names", "modality")


# ------------------------------------------------------------------------------------ image folder


def read_image_folder(
    path: str | os.PathLike[str],
    *,
    size: tuple[int, int] | None = None,
    mode: Literal["L", "RGB"] = "L",
    extensions: Sequence[str] = IMAGE_EXTENSIONS,
) -> LabeledData:
    """Read a folder with one sub-folder of images per class.

    ``path/<class name>/<any/depth/>image.png``: the sorted names of the sub-folders are the class
    names (hidden folders, starting with ``.``, are skipped); images are found recursively inside
    each class folder, matched on ``extensions`` (case-insensitive), and read in sorted order.
    Files with other extensions are ignored. Pillow decodes them; ``mode="L"`` gives one grey
    channel, ``"RGB"`` three (transparency is dropped).

    Args:
        path: the root folder.
        size: ``(height, width)`` to resize every image to (bilinear, antialiased). When
            ``None``, all images must already have the same size.
        mode: ``"L"`` (grey) or ``"RGB"``.
        extensions: file name endings that count as images.

    Returns:
        Images ``x`` of shape (N, C, H, W), float32 in [0, 1] (C = 1 for ``"L"``, 3 for
        ``"RGB"``); ``meta["path"]`` holds each file's path relative to ``path`` (POSIX style).

    16-bit grey images (PNG ``I;16``) are divided by 65535, so their full range maps to
    [0, 1]; 8-bit images by 255.

    Raises:
        MissingPathError: ``path`` does not exist (a ``FileNotFoundError``).
        DataFileError: no class folders; a class folder without images (named); an image that
            cannot be decoded (named); images of different sizes without ``size`` (the file and
            both sizes are named).
        LimitError: an image over ``max_image_pixels`` (from its header, before decoding), more
            class folders than ``max_classes``, or all images over ``max_array_bytes``.
        ValueError: an invalid ``size`` or ``mode``.

    Example:
        >>> data = read_image_folder("pets/", size=(64, 64), mode="RGB")  # doctest: +SKIP
        >>> data.class_names  # doctest: +SKIP
        ('cat', 'dog')
    """
    from PIL import Image

    root = Path(path)
    if not root.exists():
        raise MissingPathError("does not exist", path=root, accepted="a folder of class folders")
    if not root.is_dir():
        raise DataFileError("is a file, not a folder", path=root,
                            accepted="a folder with one sub-folder per class")
    _choice("mode", mode, ("L", "RGB"))
    target = _check_size(size)
    exts = _check_extensions(extensions)

    try:
        class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError as err:
        raise DataFileError(f"cannot be listed: {err.strerror or err}", path=root) from None
    if not class_dirs:
        raise DataFileError(
            "holds no class folders", path=root,
            accepted="one sub-folder of images per class, e.g. root/cat/1.png, root/dog/2.png",
        )
    check_limit("max_classes", len(class_dirs), what="class folders", path=root)
    files: list[Path] = []
    labels: list[int] = []
    for label, class_dir in enumerate(class_dirs):
        found = sorted(
            f for f in class_dir.rglob("*")
            if f.is_file() and f.suffix.lower() in exts
            and not any(part.startswith(".") for part in f.relative_to(class_dir).parts)
        )
        if not found:
            raise DataFileError(
                f"class folder {class_dir.name!r} holds no images", path=class_dir,
                accepted=f"files with extensions {list(exts)}",
            )
        files.extend(found)
        labels.extend([label] * len(found))

    arrays: list[np.ndarray] = []
    first: tuple[Path, tuple[int, int]] | None = None
    for file in files:
        array = _read_image(file, mode, target, Image)
        hw = (int(array.shape[0]), int(array.shape[1]))
        if first is None:
            first = (file, hw)
            channels = 1 if array.ndim == 2 else array.shape[2]
            check_limit(
                "max_array_bytes", len(files) * channels * hw[0] * hw[1] * 4, path=root,
                what=f"bytes of {len(files)} float32 images of {hw[0]}x{hw[1]}",
            )
        elif hw != first[1]:
            raise DataFileError(
                f"all images must have the same size; it is {hw[0]}x{hw[1]} (HxW) but "
                f"{str(first[0])!r} is {first[1][0]}x{first[1][1]}", path=file,
                accepted="images of one size, or pass size=(height, width) to resize",
            )
        arrays.append(array)

    stacked = np.stack(arrays)
    stacked = stacked[:, None] if stacked.ndim == 3 else stacked.transpose(0, 3, 1, 2)
    x = torch.from_numpy(np.ascontiguousarray(stacked, dtype=np.float32))
    rel = np.array([f.relative_to(root).as_posix() for f in files])
    return LabeledData(x, np.asarray(labels, np.int64), [d.name for d in class_dirs], "image", {"path": rel})


_SIXTEEN_BIT_MODES = ("I;16", "I;16L", "I;16B", "I;16N")


def _read_image(file: Path, mode: str, target: tuple[int, int] | None, Image: Any) -> np.ndarray:
    """One image as float32 in [0, 1], (H, W) for ``"L"`` or (H, W, 3) for ``"RGB"``.

    The pixel count is checked from the header before anything is decoded; 16-bit grey
    images are divided by 65535 (not clipped to 8 bits).
    """
    limit = get_limits().max_image_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(file) as img:
                width, height = img.size
                check_limit("max_image_pixels", int(width) * int(height), path=file,
                            what=f"pixels of a {width}x{height} (WxH) image")
                if img.mode in _SIXTEEN_BIT_MODES or img.mode == "I":
                    img.load()
                    raw = np.asarray(img)
                    if raw.size and (raw.min() < 0 or raw.max() > 65535):
                        raise DataFileError(
                            f"holds 32-bit integer pixels from {int(raw.min())} to {int(raw.max())}",
                            path=file, accepted="8-bit or 16-bit images",
                        )
                    grey = raw.astype(np.float32) / np.float32(65535.0)
                    if target is not None and grey.shape != target:
                        grey_img = Image.fromarray(grey, mode="F")
                        grey = np.asarray(
                            grey_img.resize((target[1], target[0]), resample=Image.Resampling.BILINEAR),
                            dtype=np.float32,
                        )
                    grey = np.clip(grey, 0.0, 1.0)
                    return grey if mode == "L" else np.repeat(grey[..., None], 3, axis=2)
                img = img.convert(mode)
                if target is not None and (img.height, img.width) != target:
                    img = img.resize((target[1], target[0]), resample=Image.Resampling.BILINEAR)
                return np.asarray(img, dtype=np.uint8).astype(np.float32) / np.float32(255.0)
    except GenaugError:
        raise
    except Image.DecompressionBombError as err:
        raise LimitError(
            f"is a decompression bomb: {one_line(err, 200)}", path=file,
            accepted=f"at most max_image_pixels={limit:,} pixels",
        ) from None
    except Exception as err:  # Pillow decoders raise many types on hostile bytes
        raise DataFileError(
            f"cannot read image: {type(err).__name__}: {one_line(err, 200)}", path=file,
            accepted="a PNG, JPEG or BMP image",
        ) from None


def _choice(name: str, value: Any, choices: Sequence[Any]) -> None:
    if not isinstance(value, str | type(None)) or value not in choices:
        raise GenaugError(f"is {short_repr(value)}", argument=name, accepted=f"one of {list(choices)}")


def _check_size(size: Any) -> tuple[int, int] | None:
    if size is None:
        return None
    ok = (
        isinstance(size, tuple | list) and len(size) == 2
        and all(isinstance(s, int | np.integer) and not isinstance(s, bool) and s > 0 for s in size)
    )
    if not ok:
        raise GenaugError(f"is {short_repr(size)}", argument="size",
                          accepted="None or a (height, width) pair of positive ints")
    return int(size[0]), int(size[1])


def _check_extensions(extensions: Any) -> tuple[str, ...]:
    if isinstance(extensions, str) or not all(isinstance(e, str) and e for e in extensions):
        raise GenaugError(f"is {short_repr(extensions)}", argument="extensions",
                          accepted="a sequence of file endings such as ('.png', '.jpg')")
    exts = tuple(e.lower() if e.startswith(".") else f".{e.lower()}" for e in extensions)
    if not exts:
        raise GenaugError("is empty", argument="extensions", accepted="at least one file ending")
    return exts


# ---------------------------------------------------------------------------------------- npz


def read_npz(
    path: str | os.PathLike[str],
    *,
    x_key: str = "x",
    y_key: str = "y",
    modality: Literal["image", "signal", "audio", "tabular", "text"] | None = None,
    class_names: Sequence[str] | None = None,
    scale: Literal["auto"] | None = None,
) -> LabeledData:
    """Read samples and labels from a NumPy ``.npz`` archive (no pickle).

    How ``x`` is read (when ``modality`` is ``None``, it is inferred from ``x.ndim``):

    * 4-D: images (N, C, H, W). Channels-last (N, H, W, C) is refused, not transposed.
    * 3-D with ``modality="signal"``/``"audio"``: (N, C, T).
    * 3-D with ``modality="image"``, or with ``modality=None`` when it looks like grey images
      (N, H, W) -- both H and W at least 4 and neither more than 4 times the other -- becomes
      (N, 1, H, W). Any other 3-D ``x`` without ``modality`` is an error that asks for one.
    * 2-D: tabular (N, F); 1-D strings: text.

    Labels ``y`` are ints in ``[0, n_classes)`` or strings (mapped to their index in
    ``class_names``; sorted unique values when ``class_names`` is not given). Class names come
    from the argument, else from a ``class_names`` array in the archive, else ``"0"`` ...
    ``str(max(y))``. Arrays stored as ``meta.<name>`` (as :func:`write_npz` writes them)
    become ``meta[<name>]``.

    Args:
        path: the ``.npz`` file.
        x_key: key of the samples.
        y_key: key of the labels.
        modality: ``"image"``, ``"signal"``, ``"audio"``, ``"tabular"``, ``"text"`` or ``None``
            (infer, see above; a ``modality`` array in the archive is used first).
        class_names: one name per class.
        scale: ``"auto"`` divides integer images by their dtype's maximum (uint8 by 255, uint16
            by 65535); ``None`` leaves values as stored. Only images are scaled.

    Returns:
        The data; image/signal/audio ``x`` as float32 tensors, tabular ``x`` as an array, text as
        a list of str.

    Only ``x_key``, ``y_key``, ``class_names``, ``modality`` and ``meta.*`` are read; every
    array's size is checked from its header against ``max_array_bytes`` before it is decoded,
    and the number of classes (from the largest label or the distinct string labels) against
    ``max_classes`` (see :mod:`genaug.limits`).

    Raises:
        MissingPathError: ``path`` does not exist.
        DataFileError: not a zip of ``.npy`` arrays (truncated, empty, random bytes); a missing
            key (named, with the keys present); object (pickle) or structured arrays; ``x``/``y``
            length mismatch or no samples; NaN or infinite values (first bad sample named);
            image values outside [0, 1]; a shape that does not fit the modality; labels outside
            ``class_names``.
        LimitError: an array over ``max_array_bytes`` or more classes than ``max_classes``.

    Example:
        >>> import numpy as np
        >>> np.savez("d.npz", x=np.zeros((4, 28, 28), np.uint8), y=[0, 1, 0, 1])  # doctest: +SKIP
        >>> read_npz("d.npz", scale="auto").x.shape  # doctest: +SKIP
        torch.Size([4, 1, 28, 28])
    """
    file = Path(path)
    if not file.exists():
        raise MissingPathError("does not exist", path=file, accepted="a .npz archive")
    if not file.is_file():
        raise DataFileError("is not a file", path=file, accepted="a .npz archive")
    if modality is not None:
        _choice("modality", modality, registry.available("modality"))
    _choice("scale", scale, ("auto", None))
    for name, key in (("x_key", x_key), ("y_key", y_key)):
        if not isinstance(key, str) or not key:
            raise TypeError(f"{name} must be a non-empty str; got {short_repr(key)}")
    where = f"in {str(file)!r}"
    try:
        arrays = _read_npz_arrays(file, x_key, y_key)
        x, y = arrays[x_key], arrays[y_key]
        if y.ndim != 1:
            raise DataFileError(f"{y_key!r} must be 1-D (one label per sample); got shape {y.shape}",
                                path=file)
        if x.ndim == 0 or len(x) != len(y):
            n_x = 0 if x.ndim == 0 else len(x)
            raise DataFileError(
                f"{x_key!r} and {y_key!r} must have the same length; got {n_x} samples "
                f"(shape {x.shape}) and {len(y)} labels", path=file,
            )
        if len(y) == 0:
            raise DataFileError(f"{x_key!r} holds no samples", path=file, accepted=">= 1 sample")
        if modality is None and "modality" in arrays:
            stored = arrays["modality"]
            known = registry.available("modality")
            value = str(stored) if stored.ndim == 0 and stored.dtype.kind in "US" else None
            if value not in known:
                raise DataFileError(f"stored 'modality' is {short_repr(stored.tolist())}", path=file,
                                    accepted=f"one of {known}")
            modality = value
        modality = _infer_modality(x, modality, x_key, where)

        names = class_names
        if names is None and "class_names" in arrays:
            stored_names = np.atleast_1d(arrays["class_names"])
            if stored_names.ndim != 1 or stored_names.dtype.kind not in "USiub":
                raise DataFileError(
                    f"stored 'class_names' has shape {stored_names.shape} and dtype {stored_names.dtype}",
                    path=file, accepted="a 1-D array of strings",
                )
            check_limit("max_classes", len(stored_names), what="stored class_names", path=file)
            names = [str(n) for n in stored_names]
        labels, names = _labels(y, names, y_key, where, file)

        meta = {k[len(_META_PREFIX):]: v for k, v in arrays.items() if k.startswith(_META_PREFIX)}
        return LabeledData(_to_x(x, modality, scale, x_key, where), labels, names, modality, meta)
    except GenaugError:
        raise
    except (ValueError, TypeError) as err:  # LabeledData / modality checks: name the file
        raise DataFileError(one_line(err), path=file) from None


def _read_npz_arrays(file: Path, x_key: str, y_key: str) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` that :func:`read_npz` uses, each size-checked from its header
    before it is decoded; other members are never read."""
    try:
        zf = zipfile.ZipFile(file)
    except zipfile.BadZipFile as err:
        with contextlib.suppress(OSError), file.open("rb") as fh:
            if fh.read(6) == b"\x93NUMPY":
                raise DataFileError(
                    f"holds a single array (.npy), not a .npz archive with keys {x_key!r}, {y_key!r}",
                    path=file, accepted="np.savez(path, x=..., y=...)",
                ) from None
        raise DataFileError(f"is not a .npz archive (a zip of .npy arrays): {one_line(err, 120)}",
                            path=file, accepted="a file written by np.savez or write_npz") from None
    except (OSError, ValueError, EOFError, RuntimeError, NotImplementedError, OverflowError) as err:
        raise DataFileError(f"cannot be opened as a .npz archive: {type(err).__name__}: "
                            f"{one_line(err, 120)}", path=file) from None
    with zf:
        members: dict[str, zipfile.ZipInfo] = {}
        for info in zf.infolist():
            if info.filename.endswith(".npy"):
                members.setdefault(info.filename[:-4], info)
        keys = sorted(members)
        for name, key in (("x_key", x_key), ("y_key", y_key)):
            if key not in members:
                raise DataFileError(f"{name}={key!r} is not in the archive; keys present: "
                                    f"{short_repr(keys)}", path=file, argument=name)
        wanted = [x_key, y_key] + [k for k in keys if k in _RESERVED_KEYS or k.startswith(_META_PREFIX)]
        return {key: _read_member(zf, members[key], key, file) for key in dict.fromkeys(wanted)}


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, key: str, file: Path) -> np.ndarray:
    fmt = np.lib.format
    try:
        with zf.open(info) as fh:
            version = fmt.read_magic(fh)
            if version == (1, 0):
                shape, fortran, dtype = fmt.read_array_header_1_0(fh)
            elif version in ((2, 0), (3, 0)):
                shape, fortran, dtype = fmt.read_array_header_2_0(fh)
            else:
                raise ValueError(f"unsupported .npy format version {version}")
            if dtype.hasobject:
                raise DataFileError(
                    f"key {key!r} holds Python objects, which need pickle (never allowed)", path=file,
                    accepted="numeric or string arrays",
                )
            if dtype.names is not None or dtype.subdtype is not None:
                raise DataFileError(f"key {key!r} has a structured dtype {short_repr(str(dtype))}",
                                    path=file, accepted="numeric or string arrays")
            count = math.prod(int(s) for s in shape)
            check_limit("max_array_bytes", count * dtype.itemsize, path=file,
                        what=f"bytes of key {key!r} (shape {short_repr(tuple(shape))}, dtype {dtype})")
        with zf.open(info) as fh:
            return fmt.read_array(fh, allow_pickle=False)
    except GenaugError:
        raise
    except Exception as err:  # zip/zlib/NumPy raise many types on hostile bytes
        raise DataFileError(f"cannot read key {key!r}: {type(err).__name__}: {one_line(err, 160)}",
                            path=file, accepted="an archive written by np.savez or write_npz") from None


def _infer_modality(x: np.ndarray, modality: str | None, x_key: str, where: str) -> str:
    shape = tuple(x.shape)
    if x.dtype.kind in "US":
        if (modality is not None and get_modality(modality).numeric) or x.ndim != 1:
            raise ValueError(
                f"{x_key!r} {where} holds strings of shape {shape}; only modality='text' with 1-D "
                f"strings is accepted; got modality={modality!r}"
            )
        return "text"
    if x.dtype.kind not in "biuf":
        raise ValueError(f"{x_key!r} {where} must be numeric or strings; got dtype {x.dtype}")
    if modality is not None:
        spec = get_modality(modality)
        if x.ndim not in spec.array_ndims or not spec.numeric:
            raise ValueError(
                f"{x_key!r} {where} has shape {shape}, which does not fit modality={modality!r}; "
                f"expected {spec.array_doc}"
            )
        inferred = modality
    elif x.ndim == 4:
        inferred = "image"
    elif x.ndim == 3:
        h, w = shape[1], shape[2]
        if min(h, w) >= 4 and max(h, w) <= 4 * min(h, w):
            inferred = "image"
        else:
            raise ValueError(
                f"{x_key!r} {where} has shape {shape}, which does not look like grey images (N, H, W); "
                "pass modality='signal' or 'audio' for (N, C, T), or modality='image'"
            )
    elif x.ndim == 2:
        inferred = "tabular"
    else:
        raise ValueError(
            f"{x_key!r} {where} has shape {shape}; expected (N, C, H, W) or (N, H, W) images, "
            "(N, C, T) signals or (N, F) tables"
        )
    if inferred == "image" and x.ndim == 4 and shape[1] not in (1, 3, 4) and shape[3] in (1, 3, 4):
        raise ValueError(
            f"{x_key!r} {where} has shape {shape}, which looks channels-last (N, H, W, C); "
            "store images as (N, C, H, W), e.g. x.transpose(0, 3, 1, 2)"
        )
    return inferred


def _labels(
    y: np.ndarray, names: Sequence[str] | None, y_key: str, where: str, file: Path | None = None
) -> tuple[np.ndarray, list[str]]:
    if names is not None:
        if isinstance(names, str):
            raise TypeError(f"class_names must be a sequence of names, not a str; got {short_repr(names)}")
        names = [str(n) for n in names]
        if not names:
            raise ValueError("class_names must name at least one class; got an empty sequence")
        check_limit("max_classes", len(names), what="class_names", argument="class_names")
        if len(set(names)) != len(names):
            raise ValueError(f"class_names must be unique; got {short_repr(names)}")
    if y.dtype.kind in "US":
        values = [str(v) for v in y]
        if names is None:
            distinct = set(values)
            check_limit("max_classes", len(distinct), what=f"distinct string labels in {y_key!r}",
                        path=file)
            names = sorted(distinct)
        lookup = {n: i for i, n in enumerate(names)}
        unknown = sorted(set(values) - set(lookup))
        if unknown:
            raise ValueError(
                f"labels {short_repr(unknown[:5])} in {y_key!r} {where} are not in class_names "
                f"{short_repr(names)}"
            )
        return np.array([lookup[v] for v in values], dtype=np.int64), names
    if y.dtype.kind == "f":
        if not np.isfinite(y).all() or not np.all(y == np.round(y)):
            raise ValueError(f"{y_key!r} {where} must hold integer class indices; got non-integer floats")
        if y.size and (y.max() > np.iinfo(np.int64).max // 2 or y.min() < np.iinfo(np.int64).min // 2):
            raise ValueError(f"{y_key!r} {where} holds labels too large for class indices")
    elif y.dtype.kind not in "biu":
        raise ValueError(f"{y_key!r} {where} must hold integer class indices or strings; got dtype {y.dtype}")
    if y.dtype.kind == "u" and y.size and int(y.max()) > np.iinfo(np.int64).max:
        raise ValueError(f"{y_key!r} {where} holds labels too large for class indices")
    labels = y.astype(np.int64)
    if labels.size and labels.min() < 0:
        raise ValueError(f"{y_key!r} {where} must hold labels >= 0; got {int(labels.min())}")
    if names is None:
        n = int(labels.max()) + 1 if labels.size else 1
        check_limit("max_classes", n, path=file,
                    what=f"classes implied by the largest label in {y_key!r} ({n - 1})")
        names = [str(i) for i in range(n)]
    elif labels.size and labels.max() >= len(names):
        raise ValueError(
            f"label {int(labels.max())} in {y_key!r} {where} is out of range for "
            f"{len(names)} class_names {short_repr(names)}"
        )
    return labels, names


def _to_x(x: np.ndarray, modality: str, scale: str | None, x_key: str, where: str) -> Any:
    spec = get_modality(modality)
    if spec.numeric and x.dtype.kind == "f":
        bad = ~np.isfinite(x.reshape(len(x), -1)).all(axis=1)
        if bad.any():
            raise ValueError(
                f"{x_key!r} {where} contains NaN or infinite values (first at sample "
                f"{int(np.flatnonzero(bad)[0])}; {int(bad.sum())} samples affected)"
            )
    return spec.from_numpy(x, scale=scale, where=f"{x_key!r} {where}")


def write_npz(data: LabeledData, path: str | os.PathLike[str], *, compress: bool = False) -> Path:
    """Write ``data`` to a ``.npz`` archive that :func:`read_npz` reads back unchanged.

    Keys: ``x``, ``y``, ``class_names``, ``modality`` and ``meta.<name>`` per metadata entry.
    The archive is written to a temporary file in the same folder and renamed into place, so a
    reader never sees a partial file. Nothing is pickled: object-dtype metadata is refused.

    Args:
        data: image/signal/audio (tensor ``x``), tabular (NumPy ``x``) or text data.
        path: destination; written exactly there (no ``.npz`` suffix is added).
        compress: use zip compression (smaller, slower).

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Example:
        >>> write_npz(data, "out/digits.npz")  # doctest: +SKIP
        PosixPath('out/digits.npz')
    """
    if not isinstance(data, LabeledData):
        raise TypeError(f"data must be a LabeledData; got {type(data).__name__}")
    x = data.x
    if isinstance(x, torch.Tensor):
        x_arr = x.detach().cpu().numpy()
    elif isinstance(x, np.ndarray):
        x_arr = x
    elif isinstance(x, list) and all(isinstance(s, str) for s in x):
        x_arr = np.array(x, dtype=str)
    else:
        raise TypeError(
            f"write_npz stores tensor, NumPy or text x; got {type(x).__name__} for modality "
            f"{data.modality!r} (write tables with genaug.data.tabular)"
        )
    arrays: dict[str, np.ndarray] = {
        "x": x_arr,
        "y": data.y,
        "class_names": np.array(data.class_names, dtype=str),
        "modality": np.array(data.modality),
    }
    for key, value in data.meta.items():
        value = np.asarray(value)
        if value.dtype == object:
            raise TypeError(f"meta[{key!r}] has dtype object, which .npz cannot hold without pickle")
        arrays[_META_PREFIX + key] = value
    if len(x_arr) != len(data.y):  # pragma: no cover - LabeledData guarantees it
        raise ValueError("x and y lengths differ")

    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            (np.savez_compressed if compress else np.savez)(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest
