"""Contract suite for every registered synthesizer of images or 1-D signals.

Parametrized over ``registry.available("synthesizer")``, keeping the library's entries whose
``supports`` ``"image"`` or ``"signal"`` (tabular synthesizers own their suite in
``tests/tabular``; stand-ins that other test modules register are left out). Every model is
built from ``get_test_params()``: tiny nets and a handful of steps, so these tests check
behaviour, never quality.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.serialization import CONFIG_NAME, WEIGHTS_NAME
from genaug.synth import NotFittedError, Synthesizer, load_synthesizer

SHAPES = {"image": (1, 8, 8), "signal": (1, 40)}
NUM_CLASSES = 3
PER_CLASS = 4


def _cases() -> list[tuple[str, str]]:
    cases = []
    for name in registry.available("synthesizer"):
        cls = registry.get("synthesizer", name)
        if not getattr(cls, "__module__", "").startswith("genaug."):
            continue  # stand-ins registered by other test modules
        for modality in SHAPES:
            if cls.supports(modality):
                cases.append((name, modality))
    return cases


CASES = _cases()
IDS = [f"{n}-{m}" for n, m in CASES]


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny nets run fastest on one thread (and a shared machine stays responsive)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def make_data(modality: str, *, n_per_class: int = PER_CLASS, seed: int = 0) -> LabeledData:
    g = torch.Generator().manual_seed(seed)
    shape = SHAPES[modality]
    y = np.repeat(np.arange(NUM_CLASSES), n_per_class)
    x = torch.rand((len(y), *shape), generator=g)
    # Class-dependent mean so the classes differ.
    x = (0.5 * x + 0.25 * torch.as_tensor(y, dtype=torch.float32).view(-1, *[1] * len(shape)) / 2).clamp(0, 1)
    if modality == "signal":
        x = 3.0 * x - 1.0  # signals are not restricted to [0, 1]
    return LabeledData(x, y, ("a", "b", "c"), modality)


def make_pool(modality: str, n: int = 10, seed: int = 1) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand((n, *SHAPES[modality]), generator=g)


def build(name: str) -> Synthesizer:
    cls = registry.get("synthesizer", name)
    return cls(**cls.get_test_params())


@pytest.fixture(scope="module")
def fitted_models() -> dict[tuple[str, str], Synthesizer]:
    return {}


@pytest.fixture(params=CASES, ids=IDS)
def case(request, fitted_models) -> tuple[str, str, Synthesizer]:
    name, modality = request.param
    key = (name, modality)
    if key not in fitted_models:
        fitted_models[key] = build(name).fit(make_data(modality), unlabeled=make_pool(modality), generator=0)
    return name, modality, fitted_models[key]


def test_parameter_list_is_not_empty() -> None:
    names = {n for n, _ in CASES}
    assert {"cvae", "cgan", "diffusion"} <= names


@pytest.mark.parametrize(("name", "modality"), CASES, ids=IDS)
def test_constructor_stores_arguments_unchanged(name: str, modality: str) -> None:
    cls = registry.get("synthesizer", name)
    params = cls.get_test_params()
    obj = cls(**params)
    for key, value in params.items():
        assert getattr(obj, key) == value
    assert type(obj)(**obj.get_config()).get_config() == obj.get_config()
    assert not [k for k in vars(obj) if k.endswith("_")], "unfitted object has fitted state"
    assert name in repr(obj) or cls.__name__ in repr(obj)


def test_fit_returns_self_and_sets_state(case) -> None:
    _, modality, synth = case
    assert synth.sample_shape_ == SHAPES[modality]
    assert synth.modality_ == modality
    assert synth.class_names_ == ("a", "b", "c")
    assert isinstance(synth.history_, dict)


def test_sample_shapes_labels_counts(case) -> None:
    _, modality, synth = case
    out = synth.sample(3, generator=1)
    assert isinstance(out, LabeledData)
    assert out.modality == modality
    assert tuple(out.x.shape) == (3 * NUM_CLASSES, *SHAPES[modality])
    assert out.x.dtype == torch.float32
    assert torch.isfinite(out.x).all()
    if modality == "image":
        assert out.x.min() >= 0 and out.x.max() <= 1
    assert out.class_counts().tolist() == [3, 3, 3]
    assert out.y.tolist() == sorted(out.y.tolist())
    assert out.class_names == ("a", "b", "c")
    assert set(out.meta["source"]) == {"synthetic"}
    assert out.meta["source_index"].shape == (len(out),)
    some = synth.sample({2: 2, "a": 1}, generator=1)
    assert some.y.tolist() == [0, 2, 2]
    none = synth.sample(0, generator=1)
    assert len(none) == 0 and tuple(none.x.shape) == (0, *SHAPES[modality])


def test_same_seed_same_samples_different_seed_different(case) -> None:
    _, _, synth = case
    a = synth.sample(2, generator=5)
    b = synth.sample(2, generator=5)
    c = synth.sample(2, generator=6)
    assert torch.equal(a.x, b.x)
    # a deterministic selection (pseudo_label) says so; everything else must vary with the seed
    assert torch.equal(a.x, c.x) != type(synth).seeded_sampling
    g1, g2 = torch.Generator().manual_seed(9), torch.Generator().manual_seed(9)
    assert torch.equal(synth.sample(1, generator=g1).x, synth.sample(1, generator=g2).x)


def test_no_global_rng_touched(case) -> None:
    _, _, synth = case
    state = torch.get_rng_state()
    synth.sample(1, generator=0)
    assert torch.equal(state, torch.get_rng_state())


@pytest.mark.parametrize(("name", "modality"), CASES, ids=IDS)
def test_fit_is_deterministic(name: str, modality: str) -> None:
    data, pool = make_data(modality), make_pool(modality)
    state = torch.get_rng_state()
    a = build(name).fit(data, unlabeled=pool, generator=3).sample(1, generator=0)
    b = build(name).fit(data, unlabeled=pool, generator=3).sample(1, generator=0)
    assert torch.equal(a.x, b.x)
    assert torch.equal(state, torch.get_rng_state()), "fit touched the global RNG"


def test_save_then_load_samples_identically(case, tmp_path) -> None:
    name, _, synth = case
    synth.save(tmp_path / "m")
    assert (tmp_path / "m" / CONFIG_NAME).is_file() and (tmp_path / "m" / WEIGHTS_NAME).is_file()
    config = json.loads((tmp_path / "m" / CONFIG_NAME).read_text())
    assert config["synthesizer"] == name
    assert not list((tmp_path / "m").glob("*.pkl")) and not list((tmp_path / "m").glob("*.pt"))
    cls = registry.get("synthesizer", name)
    path = tmp_path / "m"
    for loaded in (cls.load(path), Synthesizer.load(path), load_synthesizer(path)):
        assert type(loaded) is cls
        assert json.loads(json.dumps(loaded.get_config())) == json.loads(json.dumps(synth.get_config()))
        assert loaded.class_names_ == synth.class_names_
        assert torch.equal(loaded.sample(2, generator=4).x, synth.sample(2, generator=4).x)


@pytest.mark.parametrize(("name", "modality"), CASES, ids=IDS)
def test_use_before_fit_names_the_class(name: str, modality: str, tmp_path) -> None:
    synth = build(name)
    cls_name = type(synth).__name__
    with pytest.raises(NotFittedError, match=cls_name):
        synth.sample(2, generator=0)
    with pytest.raises(NotFittedError, match=cls_name):
        synth.save(tmp_path / "never")


@pytest.mark.parametrize(("name", "modality"), CASES, ids=IDS)
def test_bad_input_raises_value_error_naming_it(name: str, modality: str) -> None:
    synth = build(name)
    data = make_data(modality)
    shape = SHAPES[modality]
    # Wrong number of dimensions.
    with pytest.raises(ValueError, match=r"X must be an image batch .* got shape"):
        synth.fit(torch.rand(6, 8), np.zeros(6, dtype=int), generator=0)
    # Label out of range.
    bad_y = data.y.copy()
    bad_y[0] = -1
    with pytest.raises(ValueError, match="label -1 is out of range"):
        synth.fit(data.x, bad_y, generator=0)
    # An empty class.
    keep = data.y != 1
    empty = LabeledData(data.x[torch.as_tensor(keep)], data.y[keep], data.class_names, modality)
    with pytest.raises(ValueError, match="'b'.*no labeled samples"):
        synth.fit(empty, generator=0)
    # NaN in the labeled data and in the pool.
    x_nan = data.x.clone()
    x_nan[0].view(-1)[0] = float("nan")
    with pytest.raises(ValueError, match="X contains NaN"):
        synth.fit(x_nan, data.y, generator=0)
    pool = make_pool(modality)
    pool[1].view(-1)[0] = float("nan")
    with pytest.raises(ValueError, match="unlabeled contains NaN"):
        synth.fit(data, unlabeled=pool, generator=0)
    # A pool of another sample shape.
    with pytest.raises(ValueError, match="unlabeled must have shape"):
        synth.fit(data, unlabeled=torch.rand(5, *[s + 1 for s in shape]), generator=0)
    # A modality the synthesizer does not accept.
    tab = LabeledData(np.zeros((3, 2)), [0, 1, 2], ("a", "b", "c"), "tabular")
    with pytest.raises(ValueError, match="modality"):
        synth.fit(tab, generator=0)
    # y given twice.
    with pytest.raises(ValueError, match="y must be None"):
        synth.fit(data, data.y, generator=0)
    assert not hasattr(synth, "class_names_"), "a failed fit left fitted state behind"


def test_bad_sample_request_raises(case) -> None:
    _, _, synth = case
    with pytest.raises(ValueError, match="n_per_class key"):
        synth.sample({5: 1}, generator=0)
    with pytest.raises(ValueError, match="n_per_class key 'zebra'"):
        synth.sample({"zebra": 1}, generator=0)
    with pytest.raises(ValueError, match="n_per_class"):
        synth.sample(-1, generator=0)
    with pytest.raises(TypeError, match="n_per_class"):
        synth.sample(1.5, generator=0)


def test_unlabeled_pool_is_used(case) -> None:
    _, _, synth = case
    if type(synth).uses_unlabeled:
        assert synth.history_["unlabeled_samples"] > 0
    else:
        assert synth.history_.get("unlabeled_samples", 0) == 0


@pytest.mark.parametrize(("name", "modality"), CASES, ids=IDS)
def test_raw_batch_and_labeled_pool_accepted(name: str, modality: str) -> None:
    data = make_data(modality, n_per_class=2)
    pool = LabeledData(make_pool(modality, 4), np.zeros(4, dtype=int), ("p",), modality)
    synth = build(name).fit(data.x.numpy(), data.y.tolist(), unlabeled=pool, generator=0)
    out = synth.sample(1, generator=0)
    assert synth.class_names_ == ("0", "1", "2")
    assert tuple(out.x.shape) == (3, *SHAPES[modality])


@pytest.mark.parametrize("name", sorted({n for n, m in CASES if m == "image"}))
def test_odd_image_sizes(name: str) -> None:
    g = torch.Generator().manual_seed(0)
    data = LabeledData(torch.rand(4, 3, 7, 10, generator=g), [0, 1, 0, 1], ("a", "b"), "image")
    synth = build(name)
    pool = torch.rand(6, 3, 7, 10, generator=g) if synth.requires_unlabeled else None
    out = synth.fit(data, unlabeled=pool, generator=0).sample(2, generator=0)
    assert tuple(out.x.shape) == (4, 3, 7, 10)


@pytest.mark.parametrize(("name", "modality"), CASES, ids=IDS)
def test_a_required_pool_is_asked_for_by_name(name: str, modality: str) -> None:
    synth = build(name)
    if synth.requires_unlabeled:
        with pytest.raises(ValueError, match="unlabeled"):
            synth.fit(make_data(modality), generator=0)
    else:
        assert synth.fit(make_data(modality), generator=0) is synth
