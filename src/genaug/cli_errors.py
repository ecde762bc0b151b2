"""How the CLI reports errors: one line on stderr, exit code 2, never a traceback.

Every command of ``genaug`` and ``genaug synth`` is wrapped in :func:`cli_errors`:

* a :class:`~genaug.errors.GenaugError` (a bad file, folder or argument) prints
  ``error: <message>``; the message names the file or argument, the problem and what is
  accepted; exit code 2;
* other input errors (``ValueError``, ``TypeError``, ``OSError``, ``ImportError``) print one
  line the same way, exit code 2;
* Ctrl-C prints ``interrupted`` (exit 130);
* anything else is a bug in genaug: one line saying so (exit 1). ``GENAUG_DEBUG=1`` shows the
  traceback instead.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click
import typer
from rich.console import Console
from rich.markup import escape

from genaug.errors import GenaugError, one_line

__all__ = ["USER_ERRORS", "cli_errors", "error_line", "fail"]

err_console = Console(stderr=True)

USER_ERRORS: tuple[type[BaseException], ...] = (
    GenaugError, ValueError, TypeError, OSError, ImportError, RuntimeError,
)
"""Exceptions reported as a user error (exit code 2)."""

F = TypeVar("F", bound=Callable[..., Any])


def error_line(exc: BaseException) -> str:
    """The one line the CLI prints for ``exc`` (without the ``error:`` prefix)."""
    if isinstance(exc, GenaugError):
        return str(exc)
    if isinstance(exc, OSError) and exc.filename is not None:
        reason = exc.strerror or type(exc).__name__
        return one_line(f"{str(exc.filename)!r}: {reason}")
    text = one_line(exc) or type(exc).__name__
    return text


def fail(exc: BaseException, code: int = 2) -> NoReturn:
    """Print ``error: <one line>`` on stderr and exit with ``code``."""
    err_console.print(f"[red]error:[/red] {escape(error_line(exc))}", soft_wrap=True, highlight=False)
    raise typer.Exit(code=code)


def cli_errors(command: F) -> F:
    """Wrap a typer command so that no exception reaches the user as a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:
            err_console.print("[red]interrupted[/red]", highlight=False)
            raise typer.Exit(code=130) from None
        except USER_ERRORS as exc:
            if os.environ.get("GENAUG_DEBUG"):
                raise
            fail(exc)
        except MemoryError:
            fail(MemoryError("out of memory; use smaller inputs or raise the machine's memory"))
        except Exception as exc:  # a bug: say so in one line
            if os.environ.get("GENAUG_DEBUG"):
                raise
            err_console.print(
                f"[red]error:[/red] internal error ({type(exc).__name__}): {escape(one_line(exc, 500))}; "
                "please report it (GENAUG_DEBUG=1 shows the traceback)", soft_wrap=True, highlight=False,
            )
            raise typer.Exit(code=1) from None

    return wrapper  # type: ignore[return-value]
