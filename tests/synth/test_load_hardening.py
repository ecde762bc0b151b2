"""Bad saved synthesizer folders: each is refused with one ModelFileError naming the file.

A table of cases, each a change to a folder written by ``save()`` (a tiny CVAE on images, or a
Gaussian copula on a table): broken ``weights.safetensors`` (truncated, random, empty, a huge
or malformed header), broken ``config.json`` (invalid JSON, a JSON list, ``params`` or
``state`` missing), a config that disagrees with the class (unknown entry, a tampered
``modality_``, ``params.device: cuda`` on a CPU machine) or with the weights (a missing tensor,
a shape changed by an edited config). Loading must raise ``ModelFileError`` (a ValueError),
never a raw SafetensorError/KeyError/AttributeError/AssertionError, and say which file is at
fault. Folders in the layout written before format version 2 still load.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors.torch import load_file, save_file

from genaug.data.labeled import LabeledData
from genaug.errors import GenaugError, ModelFileError
from genaug.serialization import CONFIG_NAME, WEIGHTS_NAME
from genaug.synth import CVAE, Synthesizer, load_synthesizer
from genaug.synth.tabular import GaussianCopula

Mutation = Callable[[Path], None]


# ----- folders ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("saved")
    g = torch.Generator().manual_seed(0)
    images = LabeledData(torch.rand(6, 1, 8, 8, generator=g), [0, 1, 2] * 2, ("a", "b", "c"), "image")
    CVAE(**CVAE.get_test_params()).fit(images, generator=0).save(root / "cvae")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"v": rng.normal(size=40), "c": pd.Categorical(rng.choice(["x", "y"], 40))})
    table = LabeledData(frame, np.repeat([0, 1], 20), ("neg", "pos"), "tabular")
    GaussianCopula(n_quantiles=10).fit(table, generator=0).save(root / "copula")
    return {"cvae": root / "cvae", "copula": root / "copula"}


def copy_of(saved: dict[str, Path], which: str, tmp_path: Path) -> Path:
    path = tmp_path / which
    shutil.copytree(saved[which], path)
    return path


def edit_config(fn: Callable[[dict], None]) -> Mutation:
    def mutate(path: Path) -> None:
        config = json.loads((path / CONFIG_NAME).read_text())
        fn(config)
        (path / CONFIG_NAME).write_text(json.dumps(config))

    return mutate


def config_text(text: str | bytes) -> Mutation:
    def mutate(path: Path) -> None:
        data = text.encode() if isinstance(text, str) else text
        (path / CONFIG_NAME).write_bytes(data)

    return mutate


def weights_bytes(fn: Callable[[bytes], bytes]) -> Mutation:
    def mutate(path: Path) -> None:
        (path / WEIGHTS_NAME).write_bytes(fn((path / WEIGHTS_NAME).read_bytes()))

    return mutate


def edit_weights(fn: Callable[[dict[str, torch.Tensor]], None]) -> Mutation:
    def mutate(path: Path) -> None:
        tensors = dict(load_file(str(path / WEIGHTS_NAME)))
        fn(tensors)
        save_file(tensors, str(path / WEIGHTS_NAME))

    return mutate


def header(obj: object, data: bytes = b"") -> bytes:
    raw = json.dumps(obj).encode()
    return len(raw).to_bytes(8, "little") + raw + data


def _drop(key: str) -> Callable[[dict], None]:
    def fn(c: dict) -> None:
        del c[key]

    return fn


def _set(path: tuple[str, ...], value: object) -> Callable[[dict], None]:
    def fn(c: dict) -> None:
        for k in path[:-1]:
            c = c[k]
        c[path[-1]] = value

    return fn


def _del_state(key: str) -> Callable[[dict], None]:
    def fn(c: dict) -> None:
        del c["state"][key]

    return fn


def _as_float64(name: str) -> Callable[[dict[str, torch.Tensor]], None]:
    def fn(t: dict[str, torch.Tensor]) -> None:
        t[name] = t[name].double()

    return fn


def _drop_column(c: dict) -> None:  # the copula's schema loses its categorical column
    c["state"]["schema_"]["columns"] = c["state"]["schema_"]["columns"][:1]
    c["state"]["sample_shape_"] = [1]
    c["state"]["dtypes_"] = {"v": "float64"}


BAD_SHAPE = {"dtype": "F32", "shape": "x"}
PAST_END = {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}  # 16 bytes claimed, 8 present

# (id, folder, mutation, file named in the message, message pattern)
CASES: list[tuple[str, str, Mutation, str, str]] = [
    # weights.safetensors
    ("weights-truncated", "cvae", weights_bytes(lambda b: b[: len(b) // 2]), WEIGHTS_NAME, "truncated"),
    ("weights-4-bytes", "cvae", weights_bytes(lambda b: b[:4]), WEIGHTS_NAME, r"truncated \(4 bytes\)"),
    ("weights-empty", "cvae", weights_bytes(lambda b: b""), WEIGHTS_NAME, "is empty"),
    ("weights-random", "cvae", weights_bytes(lambda b: np.random.default_rng(0).bytes(4096)), WEIGHTS_NAME,
     "header"),
    ("weights-huge-header", "cvae", weights_bytes(lambda b: (2**40).to_bytes(8, "little") + b[8:]),
     WEIGHTS_NAME, "over the .* byte limit"),
    ("weights-header-past-end", "cvae", weights_bytes(lambda b: (10**6).to_bytes(8, "little") + b[8:]),
     WEIGHTS_NAME, "holds only"),
    ("weights-header-not-json", "cvae", weights_bytes(lambda b: (5).to_bytes(8, "little") + b"{\xff\x00]]"),
     WEIGHTS_NAME, "not valid JSON"),
    ("weights-header-list", "cvae", weights_bytes(lambda b: header([1, 2])), WEIGHTS_NAME, "JSON list"),
    ("weights-header-bad-entry", "cvae", weights_bytes(lambda b: header({"w": BAD_SHAPE})), WEIGHTS_NAME,
     "malformed header entry"),
    ("weights-bad-offsets", "cvae", weights_bytes(lambda b: header({"w": PAST_END}, bytes(8))), WEIGHTS_NAME,
     "data offsets"),
    ("weights-unknown-dtype", "cvae",
     weights_bytes(lambda b: header({"w": {"dtype": "Q9", "shape": [1], "data_offsets": [0, 1]}}, b"\0")),
     WEIGHTS_NAME, "dtype 'Q9'"),
    ("weights-pickle", "cvae", weights_bytes(lambda b: b"\x80\x04\x95" + b"\0" * 64), WEIGHTS_NAME, "header"),
    ("weights-missing-mean", "cvae", edit_weights(lambda t: t.pop("mean_")), WEIGHTS_NAME,
     "lacks the tensor.*mean_"),
    ("weights-extra-tensor", "cvae", edit_weights(lambda t: t.update(extra=torch.zeros(2))), WEIGHTS_NAME,
     "extra.*does not use"),
    ("weights-wrong-dtype", "cvae", edit_weights(_as_float64("mean_")), WEIGHTS_NAME, "torch.float64"),
    ("weights-missing-quantiles", "copula", edit_weights(lambda t: t.pop("quantiles")), WEIGHTS_NAME,
     "lacks the tensor.*quantiles"),
    # config.json as a file
    ("config-invalid-json", "cvae", config_text('{"kind": "synthesizer",'), CONFIG_NAME, "not valid JSON"),
    ("config-not-utf8", "cvae", config_text(b'{"name": "\xff"}'), CONFIG_NAME, "not UTF-8"),
    ("config-list", "cvae", config_text("[1, 2, 3]"), CONFIG_NAME, "JSON list, not an object"),
    ("config-string", "cvae", config_text('"cvae"'), CONFIG_NAME, "JSON string"),
    ("config-empty-object", "cvae", config_text("{}"), CONFIG_NAME, "does not say which model"),
    ("config-missing-state", "cvae", edit_config(_drop("state")), CONFIG_NAME, "lacks 'state'"),
    ("config-missing-params", "cvae", edit_config(_drop("params")), CONFIG_NAME, "lacks 'params'"),
    ("config-state-list", "cvae", edit_config(_set(("state",), [])), CONFIG_NAME, "'state' as a JSON list"),
    ("config-newer-format", "cvae", edit_config(_set(("format_version",), 99)), CONFIG_NAME, "newer genaug"),
    ("config-bad-format", "cvae", edit_config(_set(("format_version",), "2")), CONFIG_NAME, "format_version"),
    # config.json against the registry and the class
    ("config-unknown-name", "cvae", edit_config(_set(("name",), "no_such_model")), CONFIG_NAME,
     "unknown synthesizer 'no_such_model'"),
    ("config-name-not-str", "cvae", edit_config(_set(("name",), 3)), CONFIG_NAME, "not a registry name"),
    ("config-wrong-kind", "cvae", edit_config(_set(("kind",), "model")), CONFIG_NAME, "'model' entry"),
    ("config-other-class", "cvae", edit_config(_set(("name",), "cgan")), CONFIG_NAME,
     "that CGAN does not take"),
    ("config-unknown-param", "cvae", edit_config(_set(("params", "depth"), 3)), CONFIG_NAME,
     r"params \['depth'\]"),
    ("config-bad-param", "cvae", edit_config(_set(("params", "steps"), 0)), CONFIG_NAME, "refuses.*steps"),
    ("config-missing-class-names", "cvae", edit_config(_del_state("class_names_")), CONFIG_NAME,
     "missing key 'class_names_'"),
    ("config-class-names-not-list", "cvae", edit_config(_set(("state", "class_names_"), "abc")), CONFIG_NAME,
     "class_names_"),
    ("config-modality-tabular", "cvae", edit_config(_set(("state", "modality_"), "tabular")), CONFIG_NAME,
     "modality_ 'tabular' is not a modality CVAE accepts"),
    ("config-modality-signal", "cvae", edit_config(_set(("state", "modality_"), "signal")), CONFIG_NAME,
     "sample_shape"),
    ("config-modality-unknown", "cvae", edit_config(_set(("state", "modality_"), "smell")), CONFIG_NAME,
     "not a registered modality"),
    ("config-modality-image-on-table", "copula", edit_config(_set(("state", "modality_"), "image")),
     CONFIG_NAME, "not a modality GaussianCopula accepts"),
    ("config-sample-shape-bad", "cvae", edit_config(_set(("state", "sample_shape_"), [1, -8, 8])),
     CONFIG_NAME, "sample_shape_"),
    # config.json against the weights
    ("config-edited-latent-dim", "cvae", edit_config(_set(("params", "latent_dim"), 6)), WEIGHTS_NAME,
     "needs shape"),
    ("config-edited-sample-shape", "cvae", edit_config(_set(("state", "sample_shape_"), [1, 8, 10])),
     WEIGHTS_NAME, "needs shape"),
    ("config-edited-channels", "cvae", edit_config(_set(("state", "sample_shape_"), [3, 8, 8])), WEIGHTS_NAME,
     "needs shape"),
    ("config-edited-classes", "cvae", edit_config(_set(("state", "class_names_"), ["a", "b", "c", "d"])),
     WEIGHTS_NAME, "needs shape"),
    ("config-edited-quantiles", "copula", edit_config(_set(("params", "n_quantiles"), 12)), WEIGHTS_NAME,
     "quantiles.*needs shape"),
    ("config-edited-schema", "copula", edit_config(_drop_column), WEIGHTS_NAME, "needs shape"),
    ("config-table-counts", "copula", edit_config(_set(("state", "class_counts_"), [1])), CONFIG_NAME,
     "class_counts_"),
    ("config-table-kind", "copula", edit_config(_set(("state", "input_kind_"), "parquet")), CONFIG_NAME,
     "input_kind_"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("which", "mutate", "culprit", "pattern"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_bad_folder_is_one_clear_error_naming_the_file(
    saved, tmp_path, which: str, mutate: Mutation, culprit: str, pattern: str
) -> None:
    path = copy_of(saved, which, tmp_path)
    mutate(path)
    with pytest.raises(ModelFileError, match=pattern) as info:
        load_synthesizer(path)
    err = info.value
    assert isinstance(err, GenaugError) and isinstance(err, ValueError)
    assert culprit in str(err) and Path(err.path).name == culprit, str(err)
    assert "\n" not in str(err) and ("accepted:" in str(err)) == bool(err.accepted)


def test_every_loader_gives_the_same_error(saved, tmp_path) -> None:
    path = copy_of(saved, "cvae", tmp_path)
    weights_bytes(lambda b: b[:10])(path)
    for load in (load_synthesizer, Synthesizer.load, CVAE.load):
        with pytest.raises(ModelFileError, match=WEIGHTS_NAME):
            load(path)


def test_a_folder_of_another_class_is_refused(saved) -> None:
    with pytest.raises(ModelFileError, match=r"'gaussian_copula' synthesizer \(GaussianCopula\), not a CVAE"):
        CVAE.load(saved["copula"])


def test_missing_files_are_file_not_found(saved, tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match=CONFIG_NAME):
        load_synthesizer(tmp_path / "nothing")
    path = copy_of(saved, "cvae", tmp_path)
    (path / WEIGHTS_NAME).unlink()
    with pytest.raises(FileNotFoundError, match=WEIGHTS_NAME):
        load_synthesizer(path)


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_device_on_a_cpu_machine(saved, tmp_path) -> None:
    path = copy_of(saved, "cvae", tmp_path)
    edit_config(_set(("params", "device"), "cuda"))(path)
    with pytest.raises(ModelFileError, match=r"config\.json'?: sets params\.device to 'cuda'.*no CUDA"):
        load_synthesizer(path)
    loaded = load_synthesizer(path, device="cpu")  # the override the message names
    assert loaded.device == "cpu" and len(loaded.sample(1, generator=0)) == 3


def test_device_override_and_unknown_load_arguments(saved) -> None:
    assert load_synthesizer(saved["cvae"], device="cpu").device == "cpu"
    with pytest.raises(TypeError, match="unexpected arguments"):
        load_synthesizer(saved["cvae"], model_dir="/etc")
    bad = saved["cvae"]
    with pytest.raises(ModelFileError, match="not a torch device"):
        load_synthesizer(bad, device="toaster")


# ----- folders written before format version 2 -----------------------------------------------------
def _as_format_1(path: Path) -> None:
    """Rewrite a synthesizer folder into the layout genaug wrote before format version 2."""
    config = json.loads((path / CONFIG_NAME).read_text())
    state, name = config["state"], config["name"]
    if "schema_" in state:  # tabular: flat keys, no common state
        old = {
            "synthesizer": name, "params": config["params"], "schema": state["schema_"],
            "input_kind": state["input_kind_"], "dtypes": state["dtypes_"],
            "array_dtype": state["array_dtype_"], "class_names": state["class_names_"],
            "class_counts": state["class_counts_"], "model": state["model"],
        }  # fmt: skip
    else:
        old = {"synthesizer": name, "params": config["params"], "state": state}
    old["genaug_version"] = config["genaug_version"]
    (path / CONFIG_NAME).write_text(json.dumps(old))


@pytest.mark.parametrize("which", ["cvae", "copula"])
def test_format_1_folders_still_load(saved, tmp_path, which: str) -> None:
    path = copy_of(saved, which, tmp_path)
    _as_format_1(path)
    old = load_synthesizer(path)
    new = load_synthesizer(saved[which])
    a, b = old.sample(3, generator=1).x, new.sample(3, generator=1).x
    assert torch.equal(a, b) if isinstance(a, torch.Tensor) else a.equals(b)
    assert old.class_names_ == new.class_names_ and old.history_.keys() <= new.history_.keys()
