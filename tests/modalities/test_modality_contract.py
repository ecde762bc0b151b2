"""The modality contract: every registered modality, the no-branches rule, and a toy modality
registered here (2-channel series) that runs an experiment without editing anything in src/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
import torch

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.modalities import Modality, TensorModality, get_modality

SRC = Path(__file__).resolve().parents[2] / "src" / "genaug"
# A modality string compared with a literal, or looked up in a literal tuple/list/set or table.
BRANCH = re.compile(
    r"""modality_?\]?\)?\s*(==|!=)\s*["']"""
    r"""|["']\s*(==|!=)\s*\S*modality"""
    r"""|modality\S*\s+(not\s+)?in\s+[\(\[\{]"""
    r"""|modality_?\s+(not\s+)?in\s+_[A-Z_]+"""
)


def test_no_modality_branches_outside_modalities():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if "modalities" in path.relative_to(SRC).parts:
            continue
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if BRANCH.search(line):
                found.append(f"{path.relative_to(SRC)}:{i}: {line.strip()}")
    assert not found, "modality branches belong in genaug/modalities:\n" + "\n".join(found)


def test_the_grep_catches_a_branch():
    assert BRANCH.search('if data.modality == "image":')
    assert BRANCH.search('if modality in ("image", "signal"):')
    assert not BRANCH.search("if get_modality(data.modality).value_range is not None:")


SAMPLES: dict[str, Any] = {
    "image": torch.rand(6, 1, 8, 8),
    "signal": torch.randn(6, 1, 16),
    "audio": torch.randn(6, 1, 32),
    "tabular": np.random.default_rng(0).normal(size=(6, 3)),
    "text": [f"text {i}" for i in range(6)],
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_builtin_modality_contract(name, tmp_path):
    spec = get_modality(name)
    assert spec.name == name and registry.get("modality", name) is type(spec)
    x = SAMPLES[name]
    data = LabeledData(x, [0, 1, 0, 1, 0, 1], ("a", "b"), name)
    part = data.subset([4, 0])
    assert len(part) == 2 and part.y.tolist() == [0, 0]
    both = part.concat(data)
    assert len(both) == 8 and both.sample_shape == data.sample_shape
    # store round trip through Arrow
    col = spec.to_arrow(data.x)
    back = spec.from_arrow(col, len(data), spec.store_shape(data.x))
    if isinstance(x, list):
        assert back == x
    else:
        np.testing.assert_allclose(np.asarray(back, dtype=np.float32), np.asarray(x, dtype=np.float32))
    # defaults are registry configs that build
    if spec.default_model is not None:
        assert spec.default_model["name"] in registry.available("model")
    cfg = spec.default_augmenter(data.sample_shape) if spec.tensor_ndim else None
    if cfg is not None:
        aug = registry.create("augmenter", "sequential", augmenters=cfg)
        out = aug(data.x, generator=0)
        assert out.shape == data.x.shape


def test_bad_batches_are_refused_by_the_modality():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        LabeledData(torch.full((2, 1, 4, 4), 2.0), [0, 1], ("a", "b"), "image")
    with pytest.raises(ValueError, match=r"\(N, C, T\)"):
        LabeledData(torch.zeros(2, 4), [0, 1], ("a", "b"), "audio")
    with pytest.raises(TypeError, match="list of str"):
        LabeledData([1, 2], [0, 1], ("a", "b"), "text")
    with pytest.raises(ValueError, match="modality must be one of"):
        LabeledData([1, 2], [0, 1], ("a", "b"), "nope")


def test_audio_reaches_the_tensor_generators():
    """Audio-shaped data is accepted by cvae/cgan/diffusion (they used to call it 'signal')."""
    for name in ("cvae", "cgan", "diffusion"):
        assert registry.get("synthesizer", name).supports("audio")
        assert not registry.get("synthesizer", name).supports("text")


# ----- a toy modality, registered only here ---------------------------------------------------
class ToySeries(TensorModality):
    """Two-channel series (N, 2, T) with values in [-1, 1]."""

    name: ClassVar[str] = "toy_series"
    shape_doc: ClassVar[str] = "(N, 2, T)"
    tensor_ndim: ClassVar[int | None] = 3
    value_range: ClassVar[tuple[float, float] | None] = (-1.0, 1.0)
    spatial_dims: ClassVar[int] = 1
    default_model: ClassVar[dict[str, Any] | None] = {"name": "toy_nearest_mean"}
    feature_extractor: ClassVar[dict[str, Any] | None] = {"name": "flatten"}

    def default_augmenter(self, sample_shape: Any) -> list[dict[str, Any]]:
        return [{"name": "toy_jitter", "std": 0.05}]


@pytest.fixture(scope="module")
def toy():
    from genaug.ops.base import Augmenter
    from genaug.train.base import BaseClassifier

    registry.register("modality", "toy_series")(ToySeries)

    @registry.register("augmenter", "toy_jitter")
    class ToyJitter(Augmenter):
        input_ndim: ClassVar[int] = 3

        def __init__(self, *, std: float = 0.05, p: float = 1.0) -> None:
            super().__init__(p=p)
            self.std = std

        def _make_params(self, batch, *, generator):
            return {"noise": torch.randn(batch.shape, generator=generator) * self.std}

        def _apply(self, batch, params):
            return (batch + params["noise"]).clamp(-1, 1)

    @registry.register("model", "toy_nearest_mean")
    class ToyNearestMean(BaseClassifier):
        def __init__(self) -> None:
            pass

        def fit(self, train, val=None, *, generator=None, **_: Any):
            x = train.x.reshape(len(train), -1)
            self.means_ = torch.stack([x[torch.as_tensor(train.y == k)].mean(0)
                                       for k in range(train.num_classes)])
            self.class_names_ = train.class_names
            return self

        def predict(self, data):
            return self.predict_proba(data).argmax(1)

        def predict_proba(self, data):
            d = torch.cdist(data.x.reshape(len(data), -1), self.means_)
            return torch.softmax(-d, dim=1).numpy()

    @registry.register("dataset", "toy_series_data")
    def toy_data() -> LabeledData:
        g = torch.Generator().manual_seed(0)
        y = np.arange(120) % 2
        t = torch.linspace(0, 6.28, 24)
        base = torch.stack([torch.sin(t), torch.cos(t)])
        x = base[None] * torch.as_tensor(1 - 2 * y, dtype=torch.float32)[:, None, None] * 0.5
        x = (x + 0.2 * torch.randn(x.shape, generator=g)).clamp(-1, 1)
        return LabeledData(x, y, ("up", "down"), "toy_series")

    yield
    for kind, name in (("modality", "toy_series"), ("augmenter", "toy_jitter"),
                       ("model", "toy_nearest_mean"), ("dataset", "toy_series_data")):
        registry._REGISTRY[kind].pop(name, None)


def test_toy_modality_runs_an_experiment(toy, tmp_path):
    from genaug.experiment import ExperimentSpec, run_to_folder

    spec = ExperimentSpec.from_dict({
        "name": "toy",
        "dataset": {"name": "toy_series_data"},
        "split": {"labeled_per_class": [5], "val_per_class": 5, "test_fraction": 0.3},
        "model": {"name": "toy_nearest_mean"},
        "strategies": [{"name": "none"}, {"name": "classical"},
                       {"name": "generative", "synthesizer": {"name": "cvae", "steps": 5, "width": 4},
                        "n_per_class": 5},
                       {"name": "auto", "synthesizers": [{"name": "cvae", "steps": 5, "width": 4}],
                        "n_per_class": [5], "thresholds": [0.0], "weights": [1.0], "n_trials": 2,
                        "repeats": 1, "search": "grid", "use_pool": False}],
        "seeds": [0],
    })
    results, results_path, report_path = run_to_folder(spec, tmp_path / "out")
    assert {r.strategy for r in results.runs} >= {"none", "classical", "generative", "auto"}
    auto = [r for r in results.runs if r.strategy == "auto"][0]
    assert auto.info["chosen"]  # auto searched the toy modality's classical default and the cvae
    generative = [r for r in results.runs if r.strategy == "generative"][0]
    assert sum(generative.details["n_synthetic_per_class"]) > 0  # the cvae sampled toy series
    assert '"toy_series"' in results_path.read_text()
    assert report_path.is_file() and report_path.stat().st_size > 1000
    assert isinstance(get_modality("toy_series"), Modality)


def test_one_not_fitted_error_everywhere():
    from sklearn.exceptions import NotFittedError

    import genaug.quality.filters as filters
    import genaug.synth as synth
    import genaug.synth.tabular as tabular
    import genaug.train as train

    assert train.NotFittedError is synth.NotFittedError is tabular.NotFittedError is NotFittedError
    assert filters.NotFittedError is NotFittedError
    with pytest.raises(NotFittedError):
        registry.create("synthesizer", "cvae").sample(1)
    with pytest.raises(NotFittedError):
        data = LabeledData(torch.rand(2, 1, 4, 4), [0, 1], ("a", "b"), "image")
        registry.create("model", "logreg").predict_proba(data)
