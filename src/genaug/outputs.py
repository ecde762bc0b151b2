"""Output paths: checked before any work starts, written atomically, with the user's umask.

* :func:`check_output_dir` refuses an ``--out`` that cannot hold the output (an existing
  file, a folder that cannot be created or written, an expected output name that is a folder)
  **before** an experiment or a fit spends minutes of work.
* :func:`atomic_output_dir` gives a temporary folder next to the destination; when the
  ``with`` block succeeds, the folder is moved into place in one rename, so readers find all
  the files written in it or none of them (a kill or an error leaves the destination as it
  was). Entries of an existing destination that the block did not write are kept.
* :func:`atomic_write_bytes` / :func:`atomic_write_json` write one file through a temp file
  and a rename; files get the mode ``0o666 & ~umask`` like any file the user creates
  (``tempfile`` alone would leave 0600).
* :func:`strict_json` is JSON that strict parsers accept: NaN and +-inf are written as
  ``null``.

Example:
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "run"
    >>> check_output_dir(out, argument="--out", files=("results.json",)) == out
    True
    >>> with atomic_output_dir(out) as tmp:
    ...     _ = atomic_write_json(tmp / "results.json", {"acc": float("nan")})
    >>> (out / "results.json").read_text()
    '{\\n  "acc": null\\n}'
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from genaug.errors import OutputPathError

__all__ = [
    "atomic_output_dir",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "check_output_dir",
    "current_umask",
    "strict_json",
]

_TMP_MARK = ".genaug-tmp-"
_OLD_MARK = ".genaug-old-"


# ----------------------------------------------------------------------------------- umask
def current_umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux ``/proc``)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # elsewhere: the classic set-and-restore
    os.umask(mask)
    return mask


def _file_mode() -> int:
    return 0o666 & ~current_umask()


def _dir_mode() -> int:
    return 0o777 & ~current_umask()


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not supported everywhere (e.g. Windows)
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# ------------------------------------------------------------------------------ single files
def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` through a fsynced temp file in the same folder and a rename.

    The file gets mode ``0o666 & ~umask``. On any error the temp file is removed and ``path``
    is left as it was.

    Raises:
        OutputPathError: ``path`` is an existing folder.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputPathError("is a folder; cannot write a file there", path=path,
                              accepted="a file path (remove or rename the folder)")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            with contextlib.suppress(OSError):
                os.fchmod(fh.fileno(), _file_mode())
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Atomically write UTF-8 ``text`` to ``path`` (see :func:`atomic_write_bytes`)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def strict_json(obj: Any, *, indent: int | None = 2) -> str:
    """``obj`` as key-sorted JSON without NaN/Infinity tokens (non-finite floats become ``null``).

    NumPy scalars and arrays, paths, tuples and sets are converted as
    :mod:`genaug.serialization` does.

    Example:
        >>> strict_json({"a": float("inf"), "b": [1.5, float("nan")]}, indent=None)
        '{"a": null, "b": [1.5, null]}'
    """
    return json.dumps(_finite(obj), indent=indent, sort_keys=True, allow_nan=False)


def _finite(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, str | int | bool) or obj is None:
        return obj
    if isinstance(obj, dict):
        return {_key(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [_finite(v) for v in obj]
    from genaug.serialization import _json_default

    return _finite(_json_default(obj))


def _key(key: Any) -> Any:
    if isinstance(key, str | int | bool) or key is None:
        return key
    if isinstance(key, float):
        return key if math.isfinite(key) else str(key)
    import numpy as np

    if isinstance(key, np.generic):
        return key.item()
    return str(key)


def atomic_write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    """Atomically write ``obj`` as strict, indented, key-sorted JSON (NaN/inf -> ``null``)."""
    return atomic_write_text(path, strict_json(obj))


# ------------------------------------------------------------------------------ output folders
def _nearest_existing(path: Path) -> Path:
    probe = path
    while not probe.exists() and not probe.is_symlink():
        if probe.parent == probe:
            break
        probe = probe.parent
    return probe


def _probe_writable(folder: Path, path: Path, argument: str) -> None:
    try:
        tmp = tempfile.mkdtemp(prefix=".genaug-write-probe-", dir=folder)
    except OSError as err:
        reason = err.strerror or str(err)
        raise OutputPathError(
            f"cannot be written: {reason} in {str(folder)!r}", path=path, argument=argument,
            accepted="a folder you can create and write to",
        ) from None
    os.rmdir(tmp)


def check_output_dir(
    path: str | os.PathLike[str], *, argument: str = "--out", files: Iterable[str] = (),
    must_be_empty: bool = False,
) -> Path:
    """Check that ``path`` can become (or already is) a writable output folder; create nothing.

    Args:
        path: the output folder.
        argument: how the user named it, for the message (``"--out"``, ``"out"``).
        files: names the command will write inside it; none may be an existing folder.
        must_be_empty: refuse an existing folder that holds anything.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        OutputPathError: ``path`` (or a parent) is a file; it cannot be created or written;
            one of ``files`` is a folder; it is not empty when ``must_be_empty``.
    """
    out = Path(path).expanduser()
    if out.is_symlink() and not out.exists():
        raise OutputPathError("is a broken symbolic link", path=out, argument=argument,
                              accepted="a folder, or a path where one can be created")
    if out.exists():
        if not out.is_dir():
            raise OutputPathError(
                "is an existing file, not a folder", path=out, argument=argument,
                accepted="a folder (existing or to be created)",
            )
        for name in files:
            inner = out / name
            if inner.is_dir():
                raise OutputPathError(
                    f"{name!r} inside it is a folder, where a file will be written", path=out,
                    argument=argument, accepted=f"a folder without a sub-folder named {name!r}",
                )
        if must_be_empty and any(out.iterdir()):
            raise OutputPathError("is a folder that is not empty", path=out, argument=argument,
                                  accepted="a new or empty folder")
        _probe_writable(out, out, argument)
        return out
    anchor = _nearest_existing(out.parent)
    if not anchor.is_dir():
        raise OutputPathError(
            f"cannot be created: {str(anchor)!r} is a file, not a folder", path=out, argument=argument,
            accepted="a path whose parents are folders",
        )
    _probe_writable(anchor, out, argument)
    return out


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale(parent: Path, name: str) -> None:
    """Remove temp folders of earlier, killed publishes into ``parent/name`` (ours only)."""
    prefix_tmp = f".{name}{_TMP_MARK}"
    prefix_old = f".{name}{_OLD_MARK}"
    with contextlib.suppress(OSError):
        for entry in parent.iterdir():
            for prefix in (prefix_tmp, prefix_old):
                if not entry.name.startswith(prefix) or not entry.is_dir() or entry.is_symlink():
                    continue
                pid_text = entry.name[len(prefix):].split("-", 1)[0]
                if pid_text.isdigit() and not _pid_alive(int(pid_text)):
                    shutil.rmtree(entry, ignore_errors=True)


def _link_tree(src: Path, dst: Path) -> None:
    """Mirror ``src`` into ``dst`` with hard links (copies where linking is refused)."""
    if src.is_symlink():
        os.symlink(os.readlink(src), dst)
    elif src.is_dir():
        dst.mkdir()
        shutil.copystat(src, dst)
        for entry in src.iterdir():
            _link_tree(entry, dst / entry.name)
    else:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux ``renameat2(RENAME_EXCHANGE)``); False if unsupported."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _publish(tmp: Path, dest: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise OutputPathError("is an existing file, not a folder", path=dest,
                              accepted="a folder (existing or to be created)")
    if dest.is_dir():
        with contextlib.suppress(OSError):
            os.chmod(tmp, stat.S_IMODE(dest.stat().st_mode))
        for entry in dest.iterdir():  # keep what this run did not write
            if not (tmp / entry.name).exists() and not (tmp / entry.name).is_symlink():
                _link_tree(entry, tmp / entry.name)
    try:
        os.rename(tmp, dest)  # dest absent or empty: one atomic step
        return
    except OSError as err:
        if err.errno not in (errno.ENOTEMPTY, errno.EEXIST):
            raise
    old = dest.parent / f".{dest.name}{_OLD_MARK}{os.getpid()}-{os.urandom(4).hex()}"
    if _exchange(tmp, dest):  # tmp now holds the old contents
        shutil.rmtree(tmp, ignore_errors=True)
        return
    os.rename(dest, old)  # fallback: a moment with neither, never a mix
    os.rename(tmp, dest)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def atomic_output_dir(path: str | os.PathLike[str], *, argument: str = "--out") -> Iterator[Path]:
    """Yield a temporary folder; on success move it into place as ``path`` in one step.

    Everything written into the yielded folder appears at ``path`` together: an error inside
    the block (or a kill) leaves ``path`` untouched and removes the temp folder (a killed
    process's temp folder, ``.<name>.genaug-tmp-<pid>-...``, is removed by the next call).
    Entries already in ``path`` that the block did not write are kept (hard-linked, so
    nothing is copied), and files the block did write replace their old versions.

    Args:
        path: the destination folder (created with its parents).
        argument: how the user named ``path``, for error messages.

    Raises:
        OutputPathError: ``path`` cannot be an output folder (see :func:`check_output_dir`).
    """
    dest = check_output_dir(path, argument=argument)
    dest.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(dest.parent, dest.name)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}{_TMP_MARK}{os.getpid()}-", dir=dest.parent))
    try:
        os.chmod(tmp, _dir_mode())
        yield tmp
        for entry in tmp.iterdir():
            if entry.is_file():
                with contextlib.suppress(OSError):
                    fd = os.open(entry, os.O_RDONLY)
                    try:
                        os.fsync(fd)
                    finally:
                        os.close(fd)
        _fsync_dir(tmp)
        _publish(tmp, dest)
        _fsync_dir(dest.parent)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
