"""genaug's own error types: one clear, one-line message for every bad input.

Every error a user can cause by handing genaug a bad file, folder or argument is a
:class:`GenaugError`. Its message is one line that names

* **where**: the file (``path``) or the argument (``argument``, e.g. ``--out``),
* **what** is wrong (``problem``),
* **what is accepted** (``accepted``), when that can be said briefly.

The CLI prints ``error: <message>`` and exits with code 2; no traceback reaches the user.
:class:`GenaugError` subclasses :class:`ValueError`, so code that catches ``ValueError`` keeps
working.

Example:
    >>> err = DataFileError("holds no rows", path="train.csv", accepted="a header and >= 1 row")
    >>> str(err)
    "'train.csv': holds no rows; accepted: a header and >= 1 row"
"""

from __future__ import annotations

import os
from typing import Any

__all__ = [
    "DataFileError",
    "GenaugError",
    "LimitError",
    "MissingPathError",
    "ModelFileError",
    "OutputPathError",
    "SpecFileError",
    "SpecLimitError",
    "StoreError",
    "one_line",
]

_MAX_MESSAGE = 2000


def one_line(text: Any, limit: int = _MAX_MESSAGE) -> str:
    """``text`` as a single line of at most ``limit`` characters (newlines become ``" | "``)."""
    s = " | ".join(part.strip() for part in str(text).splitlines() if part.strip())
    if len(s) > limit:
        s = s[: limit - 25] + f"... ({len(s)} chars in all)"
    return s


class GenaugError(ValueError):
    """A bad input the user can fix; the message names the file or argument and what is accepted.

    Args:
        problem: what is wrong, e.g. ``"holds no rows"``.
        path: the file or folder concerned (named first in the message).
        argument: the argument or option concerned (used when there is no ``path``), e.g.
            ``"--out"`` or ``"labels"``.
        accepted: what would have been accepted, e.g. ``"a folder that can be created"``.

    Attributes:
        problem, path, argument, accepted: as given (``path`` as a ``str``).
    """

    def __init__(
        self,
        problem: str,
        *,
        path: str | os.PathLike[str] | None = None,
        argument: str | None = None,
        accepted: str | None = None,
    ) -> None:
        self.problem = one_line(problem)
        self.path = None if path is None else os.fspath(path)
        self.argument = argument
        self.accepted = None if accepted is None else one_line(accepted, 500)
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.path is not None:
            where.append(repr(self.path))
        if self.argument is not None:
            where.append(self.argument)
        head = " ".join(where)
        text = f"{head}: {self.problem}" if head else self.problem
        if self.accepted:
            text += f"; accepted: {self.accepted}"
        return one_line(text)

    def __reduce__(self) -> tuple[Any, ...]:  # picklable across processes (Ray, multiprocessing)
        return (_rebuild, (type(self), self.problem, self.path, self.argument, self.accepted))


def _rebuild(cls: type[GenaugError], problem: str, path: str | None, argument: str | None,
             accepted: str | None) -> GenaugError:
    return cls(problem, path=path, argument=argument, accepted=accepted)


class MissingPathError(GenaugError, FileNotFoundError):
    """A file or folder that does not exist (also a :class:`FileNotFoundError`)."""


class DataFileError(GenaugError):
    """A data file or folder (CSV, Parquet, JSONL, ``.npz``, image folder) that cannot be read."""


class StoreError(GenaugError):
    """A synthetic store folder (manifest, shards, lock) that is broken or was tampered with."""


class SpecFileError(GenaugError):
    """An experiment spec that cannot be used: the file cannot be read (not a file, not UTF-8,
    not YAML) or its content is invalid (unknown keys, bad values). ``genaug.experiment.SpecError``
    is this class."""


class ModelFileError(GenaugError):
    """A saved model folder (``config.json`` + ``weights.safetensors``) that cannot be loaded."""


class OutputPathError(GenaugError):
    """An output path (``--out``) that cannot hold the output; checked before any work starts."""


class LimitError(GenaugError):
    """An input over a resource limit (see :mod:`genaug.limits`); the message names the setting."""


class SpecLimitError(SpecFileError, LimitError):
    """A spec file over a resource limit (size, nesting, values after aliases): both kinds."""
