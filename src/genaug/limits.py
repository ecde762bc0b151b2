"""Resource limits for untrusted inputs, bounded ``repr`` for messages, and safe spec loading.

A file handed to genaug may be careless or hostile: an ``.npz`` whose labels run to ``10**7``
(ten million class names), a PNG that decodes to gigapixels, a 660-byte YAML "alias bomb"
that expands to a million leaves. Every reader checks the sizes it is about to allocate
against the :class:`Limits` in force and raises :class:`~genaug.errors.LimitError` naming the
file, the size found and the setting that bounds it.

The defaults are generous for real data. Override them

* for a block of code: ``with override_limits(max_classes=50_000): ...``,
* for the process: ``set_limits(max_image_pixels=200_000_000)``,
* from the environment: ``GENAUG_MAX_CLASSES=50000 genaug run spec.yaml`` (upper-case name
  with a ``GENAUG_`` prefix; read when no override is active).

Example:
    >>> get_limits().max_classes
    10000
    >>> with override_limits(max_classes=3):
    ...     get_limits().max_classes
    3
    >>> short_repr(list(range(1000)))
    '[0, 1, 2, 3, 4, 5, ...]'
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import os
import reprlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from genaug.errors import LimitError, SpecFileError, SpecLimitError, one_line

__all__ = [
    "Limits",
    "check_limit",
    "get_limits",
    "load_spec_yaml",
    "load_yaml_value",
    "override_limits",
    "set_limits",
    "short_repr",
]


@dataclass(frozen=True)
class Limits:
    """Upper bounds on what genaug reads from a file (all overridable; see the module docstring).

    Args:
        max_classes: most classes a dataset may have (bounds the labels of an ``.npz``: a label
            ``k`` implies ``k + 1`` classes).
        max_array_bytes: most bytes one array decoded from an ``.npz`` may take (the header
            is read first; nothing is decoded above it).
        max_image_pixels: most pixels (width x height) of one image in an image folder (checked
            from the header, before decoding).
        max_spec_bytes: largest spec file, in bytes.
        max_spec_depth: deepest nesting of mappings and lists in a spec.
        max_spec_nodes: most values in a spec after YAML aliases are expanded.
        max_repr_chars: longest rendering of a user value inside an error message.
    """

    max_classes: int = 10_000
    max_array_bytes: int = 4 * 2**30
    max_image_pixels: int = 64_000_000
    max_spec_bytes: int = 1 << 20
    max_spec_depth: int = 64
    max_spec_nodes: int = 100_000
    max_repr_chars: int = 200

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"limit {f.name} must be an int >= 1; got {value!r}")


_FIELDS = tuple(f.name for f in dataclasses.fields(Limits))
_process: Limits | None = None
_override: contextvars.ContextVar[Limits | None] = contextvars.ContextVar("genaug_limits", default=None)


def _from_env() -> Limits:
    values: dict[str, int] = {}
    for name in _FIELDS:
        env = f"GENAUG_{name.upper()}"
        raw = os.environ.get(env)
        if raw is None or not raw.strip():
            continue
        try:
            values[name] = int(raw.replace("_", ""))
        except ValueError:
            raise LimitError(
                f"is not an int: {short_repr(raw, 80)}", argument=f"environment variable {env}",
                accepted="a positive int",
            ) from None
    try:
        return Limits(**values)
    except ValueError as err:
        raise LimitError(str(err), argument="GENAUG_* environment variables") from None


def get_limits() -> Limits:
    """The limits in force: the innermost :func:`override_limits`, else :func:`set_limits`, else
    the ``GENAUG_*`` environment variables over the defaults."""
    current = _override.get()
    if current is not None:
        return current
    if _process is not None:
        return _process
    return _from_env()


def set_limits(**changes: int) -> Limits:
    """Change limits for the whole process (``set_limits()`` with no argument resets to the
    environment/defaults); returns the limits now in force."""
    global _process
    _check_names(changes)
    _process = dataclasses.replace(_from_env(), **changes) if changes else None
    return get_limits()


@contextlib.contextmanager
def override_limits(**changes: int) -> Iterator[Limits]:
    """Change limits inside a ``with`` block (thread- and task-local)."""
    _check_names(changes)
    token = _override.set(dataclasses.replace(get_limits(), **changes))
    try:
        yield _override.get()  # type: ignore[misc]
    finally:
        _override.reset(token)


def _check_names(changes: dict[str, Any]) -> None:
    unknown = sorted(set(changes) - set(_FIELDS))
    if unknown:
        raise TypeError(f"unknown limit(s) {unknown}; known: {list(_FIELDS)}")


def check_limit(name: str, value: int, *, what: str, path: str | os.PathLike[str] | None = None,
                argument: str | None = None) -> None:
    """Raise :class:`LimitError` if ``value`` exceeds limit ``name``.

    Args:
        name: a :class:`Limits` field, e.g. ``"max_classes"``.
        value: the size found.
        what: what was measured, e.g. ``"classes (labels run up to 10000000)"``.
        path: the file concerned; argument: the argument concerned.
    """
    bound = getattr(get_limits(), name)
    if value > bound:
        raise LimitError(
            f"{what}: {value:,} is over the limit {name}={bound:,}",
            path=path, argument=argument,
            accepted=f"at most {bound:,}; raise it with genaug.limits.override_limits({name}=...) "
            f"or GENAUG_{name.upper()}",
        )


_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxlist = _REPR.maxtuple = _REPR.maxset = _REPR.maxfrozenset = _REPR.maxdeque = 6
_REPR.maxdict = 6
_REPR.maxstring = 80
_REPR.maxother = 80
_REPR.maxlong = 40


def short_repr(value: Any, limit: int | None = None) -> str:
    """A bounded, one-line ``repr`` of ``value`` for error messages (cost bounded too: nested
    containers are cut after a few items and levels, so a huge value is never rendered whole)."""
    if limit is None:
        try:
            limit = get_limits().max_repr_chars
        except LimitError:  # a bad GENAUG_* variable is reported elsewhere; format this message anyway
            limit = Limits.max_repr_chars
    try:
        text = _REPR.repr(value)
    except Exception:  # a hostile __repr__: say what it is instead
        text = f"<{type(value).__name__}>"
    return one_line(text, max(limit, 30))


# ---------------------------------------------------------------------------------- spec files
def load_spec_yaml(path: str | os.PathLike[str]) -> Any:
    """Read an experiment spec file safely and return the parsed YAML mapping.

    See :func:`_load_spec_yaml` for the checks. Limit errors are :class:`SpecLimitError`
    (both a :class:`~genaug.errors.SpecFileError` and a :class:`~genaug.errors.LimitError`).
    """
    try:
        return _load_spec_yaml(path)
    except LimitError as err:
        if isinstance(err, SpecFileError):
            raise
        raise SpecLimitError(err.problem, path=err.path, argument=err.argument,
                             accepted=err.accepted) from None


def _load_spec_yaml(path: str | os.PathLike[str]) -> Any:
    """Read an experiment spec file safely and return the parsed YAML mapping.

    Checks, in order, each failing with one line that names the file: the path is an existing
    file (not a folder); it is at most ``max_spec_bytes`` long; it is valid UTF-8 (the byte
    offset and line of the first bad byte are named); it is valid YAML with a single
    document; after aliases are expanded it holds at most ``max_spec_nodes`` values nested at
    most ``max_spec_depth`` deep (sizes are counted on the alias graph, so an alias bomb is
    refused without being expanded); no alias refers to itself; the top level is a mapping.
    Only plain YAML types are built (``yaml.SafeLoader``): no tags run code.

    Args:
        path: the spec file.

    Returns:
        The spec as a ``dict``.

    Raises:
        SpecFileError: not a file, not UTF-8, not YAML, empty or not a mapping.
        LimitError: too big, too deep or too many values.
    """
    import yaml

    file = Path(path)
    if not file.exists():
        raise SpecFileError("does not exist", path=file, accepted="a YAML spec file")
    if file.is_dir():
        raise SpecFileError("is a folder, not a spec file", path=file, accepted="a YAML spec file")
    try:
        size = file.stat().st_size
        check_limit("max_spec_bytes", size, what="spec file size in bytes", path=file)
        with file.open("rb") as fh:
            raw = fh.read(get_limits().max_spec_bytes + 1)
    except OSError as err:
        raise SpecFileError(f"cannot be read: {err.strerror or err}", path=file) from None
    check_limit("max_spec_bytes", len(raw), what="spec file size in bytes", path=file)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise SpecFileError(
            f"is not valid UTF-8: byte 0x{raw[err.start]:02x} at offset {err.start} (line {line})",
            path=file, accepted="a UTF-8 text file",
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        raise SpecFileError(f"is not valid YAML: {one_line(err, 300)}", path=file) from None
    except RecursionError:
        raise LimitError(
            "nesting is too deep to parse", path=file,
            accepted=f"at most max_spec_depth={get_limits().max_spec_depth} levels",
        ) from None
    if node is None:
        raise SpecFileError("is empty", path=file, accepted="a YAML mapping with at least `dataset:`")
    _check_yaml_graph(node, file)
    try:
        data = _construct(node)
    except yaml.YAMLError as err:
        raise SpecFileError(f"is not valid YAML: {one_line(err, 300)}", path=file) from None
    except (RecursionError, TypeError, ValueError) as err:
        raise SpecFileError(f"cannot be built from YAML: {one_line(err, 200)}", path=file) from None
    if not isinstance(data, dict):
        raise SpecFileError(
            f"holds a {type(data).__name__} at the top level", path=file,
            accepted="a YAML mapping of keys (name, dataset, split, model, strategies, seeds, ...)",
        )
    return data


def load_yaml_value(text: str, *, argument: str) -> Any:
    """Parse one YAML value given on the command line (``--set steps=10``) with the spec limits.

    Raises:
        GenaugError: not valid YAML (the message names ``argument``).
        LimitError: too many values after aliases are expanded, or nested too deep.
    """
    import yaml

    from genaug.errors import GenaugError

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as err:
        raise GenaugError(f"is not a valid YAML value: {one_line(err, 300)}", argument=argument) from None
    except RecursionError:
        raise LimitError("nests too deeply to parse", argument=argument) from None
    if node is None:
        return None
    _check_yaml_graph(node, None, argument)
    try:
        return _construct(node)
    except (yaml.YAMLError, RecursionError, TypeError, ValueError) as err:
        raise GenaugError(f"is not a valid YAML value: {one_line(err, 200)}", argument=argument) from None


def _construct(node: Any) -> Any:
    """Build Python values from a composed (and already size-checked) YAML node graph."""
    import yaml

    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _check_yaml_graph(root: Any, file: Path | None, argument: str | None = None) -> None:
    """Expanded size and depth of a YAML node graph, counted without expanding aliases."""
    import yaml

    limits = get_limits()
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_stack: set[int] = set()
    # iterative post-order walk (no recursion: a deep document must not blow the stack)
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_stack.discard(key)
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            if size[key] > limits.max_spec_nodes:
                check_limit("max_spec_nodes", size[key], path=file, argument=argument,
                            what="values in the spec once YAML aliases are expanded")
            if depth[key] > limits.max_spec_depth:
                check_limit("max_spec_depth", depth[key], path=file, argument=argument,
                            what="nesting depth of the spec")
            continue
        if key in size:
            continue
        if key in on_stack:
            raise SpecFileError(
                "holds a YAML alias that refers to itself (a recursive structure)",
                path=file, argument=argument,
                accepted="aliases (*name) to complete values only",
            )
        if not isinstance(node, yaml.Node):  # pragma: no cover - composer only yields nodes
            raise SpecFileError("is not a YAML document", path=file, argument=argument)
        on_stack.add(key)
        stack.append((node, True))
        if len(on_stack) > limits.max_spec_depth + 1:
            check_limit("max_spec_depth", len(on_stack), path=file, argument=argument,
                        what="nesting depth of the spec")
        for kid in _children(node):
            if id(kid) not in size:
                stack.append((kid, False))


def _children(node: Any) -> list[Any]:
    import yaml

    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    return []
