"""Atomic writes and the one save layout of fitted models: a folder with ``config.json`` and
``weights.safetensors`` (never pickle).

``config.json`` (format version 2) names the registry entry the model was built from::

    {"format_version": 2, "kind": "synthesizer", "name": "cvae",
     "params": {...constructor arguments...}, "state": {...fitted JSON state...},
     "genaug_version": "0.1.0"}

and ``weights.safetensors`` holds the fitted tensors. :class:`SavedModel` (the base of
:class:`~genaug.synth.Synthesizer` and :class:`~genaug.train.BaseClassifier`) writes and reads
it; loading looks the class up with :func:`genaug.registry.get` and checks, before any tensor is
read, that the file is a well-formed safetensors file, that ``config.json`` is a JSON object with
``params`` and ``state``, that the state agrees with the class (e.g. its declared modality) and
that every tensor the config needs is present with the shape and dtype the config implies.
Every problem is one :class:`genaug.errors.ModelFileError` (a ``GenaugError``, so a
``ValueError``) naming the file, the problem and what is accepted. Folders written before
format version 2 still load.

What is trusted: a saved folder is data, never code (safetensors and JSON only). Parameters
that point outside the folder (a ``model_dir`` of ``pretrained_diffusion``) are never taken
from ``config.json``: the caller passes them to ``load`` (see ``SavedModel.load_time_params``).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from genaug.errors import MissingPathError, ModelFileError
from genaug.outputs import current_umask

__all__ = [
    "CONFIG_NAME",
    "FORMAT_VERSION",
    "WEIGHTS_NAME",
    "ModelFileError",
    "SavedModel",
    "TensorSpec",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "check_device",
    "inspect_weights",
    "load_model_dir",
    "load_weights",
    "read_config",
    "save_model_dir",
]

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "weights.safetensors"
FORMAT_VERSION = 2
MAX_CONFIG_BYTES = 64 * 2**20
MAX_HEADER_BYTES = 100 * 2**20  # safetensors' own limit

# safetensors dtype names -> (torch dtype, bytes per element)
_DTYPES: dict[str, tuple[torch.dtype, int]] = {
    "F64": (torch.float64, 8), "F32": (torch.float32, 4), "F16": (torch.float16, 2),
    "BF16": (torch.bfloat16, 2), "I64": (torch.int64, 8), "I32": (torch.int32, 4),
    "I16": (torch.int16, 2), "I8": (torch.int8, 1), "U8": (torch.uint8, 1), "BOOL": (torch.bool, 1),
}  # fmt: skip


def _error(path: str | os.PathLike[str], problem: str, accepted: str | None = "") -> ModelFileError:
    """The :class:`~genaug.errors.ModelFileError` for ``path``."""
    return ModelFileError(problem, path=path, accepted=accepted or None)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temp file in the same folder and a rename (mode
    ``0o666 & ~umask``; see :func:`genaug.outputs.atomic_write_bytes`)."""
    from genaug import outputs

    return outputs.atomic_write_bytes(path, data)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Atomically write UTF-8 ``text`` to ``path``."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    """Atomically write ``obj`` as strict, indented, key-sorted JSON (NaN and +-inf as ``null``)."""
    from genaug.outputs import strict_json

    return atomic_write_text(path, strict_json(obj))


def _json_default(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, tuple | set):
        return list(obj)
    raise TypeError(f"object of type {type(obj).__name__} is not JSON serializable")


def save_model_dir(
    path: str | os.PathLike[str], config: dict[str, Any], tensors: dict[str, torch.Tensor]
) -> Path:
    """Save ``config`` (plus the library version) and ``tensors`` into folder ``path``.

    The weights are written first and config.json last, each atomically (temp file + rename).
    """
    from genaug import __version__

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    weights = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    fd, tmp = tempfile.mkstemp(prefix=f".{WEIGHTS_NAME}.", suffix=".tmp", dir=path)
    os.close(fd)
    try:
        save_file(weights, tmp)
        with contextlib.suppress(OSError):  # mkstemp makes 0600; give the file the user's umask
            os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path / WEIGHTS_NAME)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    atomic_write_json(path / CONFIG_NAME, {**config, "genaug_version": __version__})
    return path


def read_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON object in ``path`` (a ``config.json``), without its ``genaug_version``.

    Raises:
        FileNotFoundError: no such file.
        ModelFileError: not UTF-8, not valid JSON, not a JSON object, or over 64 MiB.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingPathError("does not exist", path=path,
                               accepted="a folder written by save() (config.json + weights.safetensors)")
    size = path.stat().st_size
    if size > MAX_CONFIG_BYTES:
        raise _error(path, f"is {size} bytes, over the {MAX_CONFIG_BYTES} byte limit of a config")
    try:
        config = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as err:
        raise _error(path, f"is not UTF-8 text ({err.reason} at byte {err.start})",
                             "the JSON object written by save()") from None
    except json.JSONDecodeError as err:
        raise _error(path, f"is not valid JSON ({err.msg} at line {err.lineno}, column {err.colno})",
                             "the JSON object written by save()") from None
    except RecursionError:
        raise _error(path, "nests JSON too deeply", "the JSON object written by save()") from None
    if not isinstance(config, dict):
        raise _error(path, f"holds a JSON {_json_kind(config)}, not an object",
                             "the JSON object written by save()")
    config.pop("genaug_version", None)
    return config


def _json_kind(value: Any) -> str:
    return {list: "list", str: "string", bool: "boolean", int: "number", float: "number"}.get(
        type(value), "null" if value is None else type(value).__name__
    )


@dataclass(frozen=True)
class TensorSpec:
    """A tensor a saved model needs: its shape (``None`` entries match any size) and dtype.

    ``optional`` tensors may be absent.
    """

    shape: tuple[int | None, ...]
    dtype: torch.dtype | None = None
    optional: bool = False

    def matches(self, shape: tuple[int, ...]) -> bool:
        """Whether a tensor of ``shape`` fits this spec's shape."""
        if len(shape) != len(self.shape):
            return False
        return all(w is None or w == s for w, s in zip(self.shape, shape, strict=True))


def inspect_weights(path: str | os.PathLike[str]) -> dict[str, TensorSpec]:
    """Names, shapes and dtypes of the tensors in a safetensors file, read from its header only.

    Checks what ``safetensors`` would otherwise report as a raw ``SafetensorError`` (or not at
    all): an empty or truncated file, a header length beyond the file or over 100 MiB, a header
    that is not a JSON object of tensor entries, unknown dtypes, and data offsets outside the
    file or disagreeing with the shape.

    Raises:
        FileNotFoundError: no such file.
        ModelFileError: any of the above.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingPathError("does not exist", path=path,
                               accepted="a folder written by save() (config.json + weights.safetensors)")
    accepted = "a safetensors file written by save()"
    size = path.stat().st_size
    if size < 8:
        raise _error(path, f"is {'empty' if size == 0 else f'truncated ({size} bytes)'}", accepted)
    with path.open("rb") as fh:
        n = int.from_bytes(fh.read(8), "little")
        if n > MAX_HEADER_BYTES:
            raise _error(path, f"claims a {n} byte header, over the {MAX_HEADER_BYTES} byte limit "
                                 "(a corrupt or hostile file)", accepted)
        if n > size - 8:
            raise _error(path, f"claims a {n} byte header but holds only {size - 8} bytes after "
                                 "the length (truncated or not a safetensors file)", accepted)
        raw = fh.read(n)
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise _error(path, "has a header that is not valid JSON (random bytes or a corrupt file)",
                             accepted) from None
    if not isinstance(header, dict):
        raise _error(path, f"has a JSON {_json_kind(header)} as header, not an object", accepted)
    data_size = size - 8 - n
    specs: dict[str, TensorSpec] = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        ok = (
            isinstance(entry, dict)
            and isinstance(entry.get("shape"), list)
            and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in entry["shape"])
            and isinstance(entry.get("data_offsets"), list)
            and len(entry["data_offsets"]) == 2
            and all(isinstance(o, int) and not isinstance(o, bool) for o in entry["data_offsets"])
        )
        if not ok:
            raise _error(path, f"has a malformed header entry for tensor {name!r}", accepted)
        if entry.get("dtype") not in _DTYPES:
            raise _error(path, f"stores tensor {name!r} with dtype {entry.get('dtype')!r}",
                                 f"dtypes {sorted(_DTYPES)}")
        dtype, itemsize = _DTYPES[entry["dtype"]]
        shape = tuple(entry["shape"])
        start, end = entry["data_offsets"]
        numel = 1
        for s in shape:
            numel *= s
        if not 0 <= start <= end <= data_size or end - start != numel * itemsize:
            raise _error(
                path, f"has data offsets [{start}, {end}] for tensor {name!r} of shape {list(shape)} "
                f"({entry['dtype']}) that do not fit its {data_size} data bytes (truncated or corrupt)",
                accepted,
            )
        specs[name] = TensorSpec(shape, dtype)
    return specs


def load_weights(path: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """Every tensor of a safetensors file, after :func:`inspect_weights` checked its header.

    Raises:
        FileNotFoundError: no such file.
        ModelFileError: a malformed file.
    """
    path = Path(path)
    inspect_weights(path)
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as err:
        raise _error(path, f"cannot be read as safetensors ({err})",
                             "a safetensors file written by save()") from None


def load_model_dir(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """Load ``(config, tensors)`` written by :func:`save_model_dir` (both files checked)."""
    path = Path(path)
    config = read_config(path / CONFIG_NAME)
    return config, load_weights(path / WEIGHTS_NAME)


def check_device(device: Any, where: str | os.PathLike[str], *, override: str = "device='cpu'") -> None:
    """Raise :class:`ModelFileError` unless ``device`` names a torch device present on this machine."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise _error(where, f"sets params.device to {device!r}, which is not a torch device",
                             "'cpu', 'cuda', 'cuda:<index>' or 'mps'") from None
    if dev.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0 or (dev.index is not None and dev.index >= count):
            have = "no CUDA device" if count == 0 else f"{count} CUDA device(s)"
            raise _error(where, f"sets params.device to {device!r} but this machine has {have}",
                                 f"load it with {override} (load(path, device=...))")
    elif dev.type == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        raise _error(where, f"sets params.device to {device!r} but MPS is not available here",
                             f"load it with {override} (load(path, device=...))")


_RESTORE_ERRORS = (KeyError, TypeError, ValueError, IndexError, AttributeError, RuntimeError)


def _describe(err: BaseException) -> str:
    if isinstance(err, KeyError):
        return f"missing key {err.args[0]!r}" if err.args else "a missing key"
    return str(err).split("\n", 1)[0][:500] or type(err).__name__


class SavedModel:
    """The one save layout (module doc) for fitted models; base of synthesizers and classifiers.

    A subclass sets ``registry_kind`` (``"synthesizer"`` or ``"model"``; the registry sets
    ``registry_name``) and implements the hooks:

    * ``_param_names()``: constructor argument names; ``_saved_params()``: their saved values.
    * ``_check_fitted()``: raise scikit-learn's ``NotFittedError`` before fit.
    * ``_export()``: ``(state, tensors)``: JSON-able fitted state and the named tensors.
    * ``_import_state(state)``: set the fitted attributes that need no tensor; raise
      ``KeyError``/``ValueError``/``TypeError`` for a state that does not fit the class.
    * ``_expected_tensors()``: ``{name: TensorSpec}`` of every tensor the restored state needs
      (checked against the weights before they are read), or ``None`` to skip the check.
    * ``_import_tensors(state, tensors)``: finish restoring from the tensors.
    * ``_upgrade_state(state, version)``: map the state of an older format to the current one.
    * ``_registry_entry()``: the registry name to record (default: the class's ``registry_name``).

    Class attributes:
        load_time_params: constructor arguments never taken from ``config.json`` (paths outside
            the folder); ``load`` requires them as keyword arguments.
    """

    registry_kind: ClassVar[str]
    registry_name: ClassVar[str]
    load_time_params: ClassVar[tuple[str, ...]] = ()

    # ----- hooks -------------------------------------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        raise NotImplementedError

    def _saved_params(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._param_names()}

    def _check_fitted(self) -> None:
        raise NotImplementedError

    def _export(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        raise NotImplementedError

    def _import_state(self, state: dict[str, Any]) -> None:
        raise NotImplementedError

    def _expected_tensors(self) -> dict[str, TensorSpec] | None:
        return None

    def _import_tensors(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        raise NotImplementedError

    @classmethod
    def _upgrade_state(cls, state: dict[str, Any], version: int) -> dict[str, Any]:
        return state

    def _registry_entry(self) -> str | None:
        """The registry name ``config.json`` records (the class's own by default)."""
        return getattr(type(self), "registry_name", None)

    # ----- saving ------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write ``config.json`` (registry entry, params, fitted state) and ``weights.safetensors``.

        Returns:
            The folder path.
        """
        return save_model_dir(path, *self.export_state())

    def export_state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        """``(config, tensors)`` as :meth:`save` writes them (JSON-able config, named tensors)."""
        self._check_fitted()
        state, tensors = self._export()
        name = self._registry_entry()
        if not isinstance(name, str):
            raise TypeError(f"{type(self).__name__} is not registered under kind {self.registry_kind!r}; "
                            "only registered classes can be saved")
        config = {"format_version": FORMAT_VERSION, "kind": self.registry_kind, "name": name,
                  "params": self._saved_params(), "state": state}  # fmt: skip
        return config, tensors

    # ----- loading -----------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | os.PathLike[str], **load_args: Any) -> Self:
        """Rebuild a fitted model written by :meth:`save`; it predicts/samples identically.

        Called on a base class (``Synthesizer.load``, ``BaseClassifier.load``) the class is
        looked up in the registry by the entry ``config.json`` names.

        Args:
            path: the folder written by ``save``.
            **load_args: ``device=`` overrides the saved device (classes with a ``device``
                argument); names in ``load_time_params`` (e.g. ``model_dir=``) are required.

        Raises:
            FileNotFoundError: config.json or weights.safetensors is missing.
            ModelFileError: anything wrong with their content (see the module doc).
        """
        path = Path(path)
        config_path, weights_path = path / CONFIG_NAME, path / WEIGHTS_NAME
        config = read_config(config_path)
        specs = inspect_weights(weights_path)
        obj, state = cls._from_config(config, where=config_path, **load_args)
        obj._check_weights(specs, config_path, weights_path)
        tensors = load_weights(weights_path)
        obj._finish(state, tensors, config_path, weights_path)
        return obj

    @classmethod
    def from_state(
        cls, config: dict[str, Any], tensors: dict[str, torch.Tensor], *, where: str = "state",
        **load_args: Any,
    ) -> Self:
        """Inverse of :meth:`export_state` (dispatching through the registry like :meth:`load`)."""
        obj, state = cls._from_config(config, where=where, **load_args)
        specs = {k: TensorSpec(tuple(v.shape), v.dtype) for k, v in tensors.items()}
        obj._check_weights(specs, where, where)
        obj._finish(state, dict(tensors), where, where)
        return obj

    @classmethod
    def _from_config(
        cls, config: Any, *, where: str | os.PathLike[str], **load_args: Any
    ) -> tuple[Self, dict[str, Any]]:
        """The model built from ``config`` with its non-tensor state restored, and that state."""
        kind, name, params, state = _split_config(config, where, cls.registry_kind)
        from genaug import registry

        try:
            klass = registry.get(kind, name)  # type: ignore[arg-type]
        except ValueError:
            raise _error(where, f"names the unknown {kind} {name!r}",
                                 f"registered {kind}s {registry.available(kind)}") from None  # type: ignore[arg-type]
        if not (isinstance(klass, type) and issubclass(klass, cls)):
            raise _error(where, f"holds a {name!r} {kind} ({getattr(klass, '__name__', klass)}), "
                                 f"not a {cls.__name__}", f"a folder saved by a {cls.__name__}")
        version = config.get("format_version", 1)
        state = klass._upgrade_state(state, version)
        params = klass._load_params(params, where, load_args)
        try:
            obj = klass(**params)
        except (TypeError, ValueError) as err:
            problem = _describe(err)
            accepted = "" if "accepted" in problem else f"the params written by {klass.__name__}.save()"
            problem = f"has params that {klass.__name__} refuses: {problem}"
            raise _error(where, problem, accepted) from None
        try:
            obj._import_state(state)
        except ModelFileError as err:
            raise _within(err, where) from None
        except _RESTORE_ERRORS as err:
            raise _error(where, f"has a state that does not fit {klass.__name__}: {_describe(err)}",
                                 f"the state written by {klass.__name__}.save()") from None
        return obj, state

    @classmethod
    def _load_params(
        cls, params: dict[str, Any], where: str | os.PathLike[str], load_args: dict[str, Any]
    ) -> dict[str, Any]:
        import inspect

        names = cls._param_names()
        unknown = sorted(set(params) - set(names))
        if unknown:
            raise _error(where, f"has params {unknown} that {cls.__name__} does not take",
                                 f"its arguments {names}")
        allowed = {"device", *cls.load_time_params}
        extra = sorted(set(load_args) - allowed)
        if extra:
            raise TypeError(
                f"{cls.__name__}.load got unexpected arguments {extra}; accepted: {sorted(allowed)}"
            )
        params = dict(params)
        for name in cls.load_time_params:
            if load_args.get(name) is None:
                raise _error(
                    where, f"is a {cls.registry_name} model whose {name} is not taken from a saved file "
                    f"(the saved value {params.get(name)!r} is not trusted)",
                    f"pass the folder you trust at load time: load(path, {name}=...)",
                )
            params[name] = load_args[name]
        if "device" in names:
            if load_args.get("device") is not None:
                params["device"] = load_args["device"]
            if "device" in params:
                check_device(params["device"], where)
        defaults = {}
        for klass in cls.__mro__:
            init = klass.__dict__.get("__init__")
            if init is not None:
                for p in inspect.signature(init).parameters.values():
                    defaults.setdefault(p.name, p.default)
        for key, value in params.items():
            if isinstance(defaults.get(key), tuple) and isinstance(value, list):
                params[key] = tuple(value)
        return params

    def _check_weights(
        self, specs: Mapping[str, TensorSpec], config_path: str | os.PathLike[str],
        weights_path: str | os.PathLike[str],
    ) -> None:
        """Compare the tensors of the weights with those the restored config needs."""
        try:
            expected = self._expected_tensors()
        except ModelFileError as err:
            raise _within(err, config_path) from None
        except _RESTORE_ERRORS as err:
            name = type(self).__name__
            raise _error(config_path, f"has a state that does not fit {name}: {_describe(err)}",
                                 f"the state written by {name}.save()") from None
        if expected is None:
            return
        pair = "config.json and weights.safetensors do not belong together (was one edited or swapped?)"
        missing = sorted(k for k, s in expected.items() if k not in specs and not s.optional)
        if missing:
            shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            raise _error(weights_path, f"lacks the tensor(s) {shown} that {config_path} needs",
                                 f"the weights saved with that config; {pair}")
        extra = sorted(set(specs) - set(expected))
        if extra:
            shown = ", ".join(extra[:5]) + (f" and {len(extra) - 5} more" if len(extra) > 5 else "")
            raise _error(weights_path, f"holds tensor(s) {shown} that {config_path} does not use",
                                 f"the weights saved with that config; {pair}")
        for key, spec in expected.items():
            got = specs.get(key)
            if got is None:
                continue
            if not spec.matches(got.shape):
                want = [("any" if s is None else s) for s in spec.shape]
                raise _error(
                    weights_path, f"holds tensor {key!r} of shape {list(got.shape)}, but {config_path} "
                    f"(params and state) needs shape {want}", pair,
                )
            if spec.dtype is not None and got.dtype is not None and got.dtype != spec.dtype:
                raise _error(
                    weights_path, f"holds tensor {key!r} as {got.dtype}, but {config_path} needs "
                    f"{spec.dtype}", pair,
                )

    def _finish(
        self, state: dict[str, Any], tensors: dict[str, torch.Tensor], config_path: str | os.PathLike[str],
        weights_path: str | os.PathLike[str],
    ) -> None:
        try:
            self._import_tensors(state, tensors)
        except ModelFileError as err:
            raise _within(err, weights_path) from None
        except _RESTORE_ERRORS as err:
            raise _error(
                weights_path, f"cannot restore a {type(self).__name__} from it with {config_path}: "
                f"{_describe(err)}", "the weights and config.json written together by save()",
            ) from None


def _within(err: ModelFileError, path: str | os.PathLike[str]) -> ModelFileError:
    """``err`` of a part (a nested model's config) as an error of the file ``path``."""
    if err.path == str(path):
        return err
    return _error(path, f"{err.path}: {err.problem}", err.accepted)


def _split_config(config: Any, where: str | os.PathLike[str], kind: str) -> tuple[str, str, dict, dict]:
    """``(kind, name, params, state)`` of a config in the current or an older layout."""
    accepted = "the JSON object written by save()"
    if not isinstance(config, dict):
        raise _error(where, f"holds a JSON {_json_kind(config)}, not an object", accepted)
    version = config.get("format_version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _error(where, f"has format_version {version!r}", f"1..{FORMAT_VERSION}")
    if version > FORMAT_VERSION:
        raise _error(where, f"has format_version {version}, written by a newer genaug",
                             f"format versions 1..{FORMAT_VERSION} (upgrade genaug)")
    if version >= 2:
        got_kind, name = config.get("kind"), config.get("name")
        params, state = config.get("params"), config.get("state")
    else:  # format 1: {"synthesizer": name, ...} or {"class": ClassName, "registry_name": name, ...}
        if "synthesizer" in config:
            got_kind, name = "synthesizer", config.get("synthesizer")
            params = config.get("params")
            state = config.get("state") if "state" in config else {
                k: v for k, v in config.items() if k not in ("synthesizer", "params")
            }
        elif "class" in config:
            got_kind = "model"
            name = config.get("registry_name") or _model_name_of_class(config.get("class"),
                                                                       config.get("params"))
            params = config.get("params")
            state = {k: v for k, v in config.items() if k not in ("class", "registry_name", "params")}
        else:
            raise _error(where, "does not say which model it holds (no 'kind' and 'name')",
                                 f"{accepted} (format_version {FORMAT_VERSION})")
    if got_kind != kind:
        raise _error(where, f"holds a {got_kind!r} entry, not a {kind!r}",
                             f"a folder saved by a {kind}")
    if not isinstance(name, str):
        raise _error(where, f"names the {kind} {name!r}, not a registry name",
                             f"a registered {kind} name")
    for key, value in (("params", params), ("state", state)):
        if value is None:
            raise _error(where, f"lacks {key!r}", f"{accepted} (with 'params' and 'state' objects)")
        if not isinstance(value, dict):
            raise _error(where, f"has {key!r} as a JSON {_json_kind(value)}, not an object", accepted)
    return kind, name, params, state


def _model_name_of_class(class_name: Any, params: Any) -> str | None:
    """Registry name of a format-1 classifier saved by class name (looked up, no fixed list)."""
    from genaug import registry

    for name in registry.available("model"):
        if getattr(registry.get("model", name), "__name__", None) == class_name:
            return name
    arch = params.get("arch") if isinstance(params, dict) else None  # an unregistered TorchClassifier
    return arch if isinstance(arch, str) and arch in registry.available("model") else None
