"""Bad saved classifier folders: each is refused with one ModelFileError naming the file.

Classifiers save in the synthesizers' layout (``config.json`` naming the registry ``model``
entry + ``weights.safetensors``) and load through the registry (``load_classifier``, no list
of class names). The table mirrors ``tests/synth/test_load_hardening.py`` on a scikit-learn
(``logreg``) and a torch (``mlp`` on a table, so it has input statistics) classifier.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.errors import GenaugError, ModelFileError
from genaug.serialization import CONFIG_NAME, FORMAT_VERSION, WEIGHTS_NAME
from genaug.train import BaseClassifier, LogRegClassifier, MLPNetClassifier, TorchClassifier, load_classifier

Mutation = Callable[[Path], None]


def _images() -> LabeledData:
    g = torch.Generator().manual_seed(0)
    y = np.repeat(np.arange(3), 4)
    x = (0.3 * torch.rand(12, 1, 6, 6, generator=g) + 0.2 * torch.as_tensor(y).view(-1, 1, 1, 1)).clamp(0, 1)
    return LabeledData(x, y, ("a", "b", "c"), "image")


def _table() -> LabeledData:
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 15)
    return LabeledData(rng.normal(size=(30, 4)) + y[:, None], y, ("neg", "pos"), "tabular")


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("classifiers")
    LogRegClassifier().fit(_images(), generator=0).save(root / "logreg")
    MLPNetClassifier(steps=3, arch_kwargs={"hidden": (8,)}).fit(_table(), generator=0).save(root / "mlp")
    return {"logreg": root / "logreg", "mlp": root / "mlp"}


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


def config_text(text: str) -> Mutation:
    return lambda path: (path / CONFIG_NAME).write_text(text)


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


def _set(keys: tuple[str, ...], value: object) -> Callable[[dict], None]:
    def fn(c: dict) -> None:
        for k in keys[:-1]:
            c = c[k]
        c[keys[-1]] = value

    return fn


def _drop(*keys: str) -> Callable[[dict], None]:
    def fn(c: dict) -> None:
        for k in keys[:-1]:
            c = c[k]
        del c[keys[-1]]

    return fn


def _pop(name: str) -> Callable[[dict[str, torch.Tensor]], None]:
    def fn(t: dict[str, torch.Tensor]) -> None:
        del t[name]

    return fn


def _rows(t: dict[str, torch.Tensor]) -> None:
    t["y"] = t["y"][:-1]


CASES: list[tuple[str, str, Mutation, str, str]] = [
    ("weights-truncated", "mlp", weights_bytes(lambda b: b[: len(b) - 7]), WEIGHTS_NAME, "truncated"),
    ("weights-empty", "logreg", weights_bytes(lambda b: b""), WEIGHTS_NAME, "is empty"),
    ("weights-random", "mlp", weights_bytes(lambda b: np.random.default_rng(1).bytes(2048)), WEIGHTS_NAME,
     "header"),
    ("weights-huge-header", "logreg", weights_bytes(lambda b: (2**50).to_bytes(8, "little") + b[8:]),
     WEIGHTS_NAME, "byte limit"),
    ("weights-missing-input-mean", "mlp", edit_weights(_pop("input_mean")), WEIGHTS_NAME,
     "lacks the tensor.*input_mean"),
    ("weights-missing-x", "logreg", edit_weights(_pop("x")), WEIGHTS_NAME, "lacks the tensor.*x"),
    ("weights-rows-disagree", "logreg", edit_weights(_rows), WEIGHTS_NAME, "'y' of shape"),
    ("config-invalid-json", "mlp", config_text("{'kind': 'model'}"), CONFIG_NAME, "not valid JSON"),
    ("config-list", "logreg", config_text('[{"kind": "model"}]'), CONFIG_NAME, "JSON list"),
    ("config-missing-state", "mlp", edit_config(_drop("state")), CONFIG_NAME, "lacks 'state'"),
    ("config-missing-params", "logreg", edit_config(_drop("params")), CONFIG_NAME, "lacks 'params'"),
    ("config-unknown-name", "mlp", edit_config(_set(("name",), "resnet9000")), CONFIG_NAME,
     "unknown model 'resnet9000'"),
    ("config-synthesizer-kind", "mlp", edit_config(_set(("kind",), "synthesizer")), CONFIG_NAME,
     "'synthesizer' entry, not a 'model'"),
    ("config-missing-classes", "logreg", edit_config(_drop("state", "classes_")), CONFIG_NAME,
     "missing key 'classes_'"),
    ("config-modality-unknown", "mlp", edit_config(_set(("state", "modality_"), "smell")), CONFIG_NAME,
     "not a registered modality"),
    ("config-modality-image-on-table", "mlp", edit_config(_set(("state", "modality_"), "image")), CONFIG_NAME,
     "sample_shape must be"),
    ("config-bad-param", "mlp", edit_config(_set(("params", "steps"), -1)), CONFIG_NAME, "refuses.*steps"),
    ("config-unknown-param", "logreg", edit_config(_set(("params", "penalty"), "l1")), CONFIG_NAME,
     r"params \['penalty'\]"),
    ("config-edited-hidden", "mlp", edit_config(_set(("params", "arch_kwargs"), {"hidden": [9]})),
     WEIGHTS_NAME, "needs shape"),
    ("config-edited-input-shape", "mlp", edit_config(_set(("state", "input_shape_"), [5])), WEIGHTS_NAME,
     "needs shape"),
    ("config-edited-classes", "mlp", edit_config(_set(("state", "classes_"), ["a", "b", "c"])), WEIGHTS_NAME,
     "needs shape"),
    ("config-edited-arch", "mlp", edit_config(_set(("params", "arch"), "cnn1d")), CONFIG_NAME,
     "refuses: arch_kwargs has unknown keys"),
    ("config-edited-arch-kwargs", "mlp", edit_config(_set(("params", "arch_kwargs"), None)), WEIGHTS_NAME,
     "lacks the tensor.*net.body.4"),
    ("config-history-not-list", "mlp", edit_config(_set(("state", "history_"), 3)), CONFIG_NAME, "history_"),
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
        load_classifier(path)
    assert isinstance(info.value, GenaugError) and isinstance(info.value, ValueError)
    assert culprit in str(info.value) and Path(info.value.path).name == culprit, str(info.value)


def test_saved_layout_names_the_registry_entry(saved) -> None:
    for name, path in saved.items():
        config = json.loads((path / CONFIG_NAME).read_text())
        assert (config["format_version"], config["kind"], config["name"]) == (FORMAT_VERSION, "model", name)
        assert "progress_callback" not in config["params"]
        assert type(load_classifier(path)) is registry.get("model", name)


def test_every_loader_gives_the_same_error_and_classes_are_checked(saved, tmp_path) -> None:
    path = copy_of(saved, "mlp", tmp_path)
    weights_bytes(lambda b: b[:3])(path)
    for load in (load_classifier, BaseClassifier.load, TorchClassifier.load, MLPNetClassifier.load):
        with pytest.raises(ModelFileError, match=WEIGHTS_NAME):
            load(path)
    with pytest.raises(ModelFileError, match=r"'mlp' model \(MLPNetClassifier\), not a LogRegClassifier"):
        LogRegClassifier.load(saved["mlp"])


def test_a_synthesizer_folder_is_not_a_classifier(tmp_path) -> None:
    from genaug.synth import CVAE

    CVAE(**CVAE.get_test_params()).fit(_images(), generator=0).save(tmp_path / "cvae")
    with pytest.raises(ModelFileError, match="'synthesizer' entry, not a 'model'"):
        load_classifier(tmp_path / "cvae")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_device_on_a_cpu_machine(saved, tmp_path) -> None:
    path = copy_of(saved, "mlp", tmp_path)
    edit_config(_set(("params", "device"), "cuda:0"))(path)
    with pytest.raises(ModelFileError, match=r"config\.json'?: sets params\.device to 'cuda:0'.*'cpu'"):
        load_classifier(path)
    data = _table()
    loaded = load_classifier(path, device="cpu")
    reference = load_classifier(saved["mlp"])
    np.testing.assert_array_equal(loaded.predict_proba(data), reference.predict_proba(data))


def test_a_plain_torch_classifier_saves_as_its_arch_preset(tmp_path) -> None:
    clf = TorchClassifier(arch="mlp", steps=2).fit(_table(), generator=0)
    clf.save(tmp_path / "plain")
    assert json.loads((tmp_path / "plain" / CONFIG_NAME).read_text())["name"] == "mlp"
    loaded = load_classifier(tmp_path / "plain")
    assert type(loaded) is MLPNetClassifier and loaded.get_params() == clf.get_params()
    np.testing.assert_array_equal(loaded.predict_proba(_table()), clf.predict_proba(_table()))


def _as_format_1(path: Path, class_name: str) -> None:
    """Rewrite a classifier folder into the layout genaug wrote before format version 2."""
    config = json.loads((path / CONFIG_NAME).read_text())
    old = {"class": class_name, "registry_name": config["name"], "params": config["params"],
           "genaug_version": config["genaug_version"]}  # fmt: skip
    old.update({k.rstrip("_"): v for k, v in config["state"].items() if k != "n_train_rows_"})
    (path / CONFIG_NAME).write_text(json.dumps(old))


@pytest.mark.parametrize(
    ("which", "class_name"), [("logreg", "LogRegClassifier"), ("mlp", "MLPNetClassifier")]
)
@pytest.mark.parametrize("registry_name", [True, False])
def test_format_1_folders_still_load(
    saved, tmp_path, which: str, class_name: str, registry_name: bool
) -> None:
    path = copy_of(saved, which, tmp_path)
    _as_format_1(path, class_name)
    if not registry_name:  # very old folders: only the class name (looked up in the registry)
        config = json.loads((path / CONFIG_NAME).read_text())
        config["registry_name"] = None
        (path / CONFIG_NAME).write_text(json.dumps(config))
    old, new = load_classifier(path), load_classifier(saved[which])
    data = _images() if which == "logreg" else _table()
    assert type(old) is type(new) and old.classes_ == new.classes_
    np.testing.assert_array_equal(old.predict_proba(data), new.predict_proba(data))
