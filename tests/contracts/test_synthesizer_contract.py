"""Contract suite for every registered synthesizer, of every modality (tabular included).

Parametrized over ``registry.available("synthesizer")`` x the modalities each one ``supports``
among image, signal and tabular (stand-ins that other test modules register are left out).
Every model is built from ``get_test_params()``: tiny nets and a handful of steps, so these
tests check behaviour, never quality. Tabular-only behaviour (dtypes, value ranges, arrays in
and out) is in ``tests/tabular/test_synth_contract.py``; bad saved files in
``tests/synth/test_load_hardening.py``.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import NotFittedError as SklearnNotFittedError

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.serialization import CONFIG_NAME, FORMAT_VERSION, WEIGHTS_NAME
from genaug.synth import NotFittedError, Synthesizer, load_synthesizer

SHAPES = {"image": (1, 8, 8), "signal": (1, 40), "audio": (1, 400)}
MODALITIES = ("image", "signal", "tabular", "text")
NUM_CLASSES = 3
PER_CLASS = 4
TABLE_PER_CLASS = 12


def _cases() -> list[tuple[str, str]]:
    cases = []
    for name in registry.available("synthesizer"):
        cls = registry.get("synthesizer", name)
        if not getattr(cls, "__module__", "").startswith("genaug."):
            continue  # stand-ins registered by other test modules
        for modality in MODALITIES:
            if cls.supports(modality):
                cases.append((name, modality))
        # audio: synthesizers that name it (tensor generators take it as they take signals)
        if "audio" in (cls.modalities or ()):
            cases.append((name, "audio"))
    return cases


CASES = _cases()
IDS = [f"{n}-{m}" for n, m in CASES]
TENSOR_CASES = [c for c in CASES if c[1] in SHAPES]
TENSOR_IDS = [f"{n}-{m}" for n, m in TENSOR_CASES]


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny nets run fastest on one thread (and a shared machine stays responsive)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def make_table(n_per_class: int = TABLE_PER_CLASS, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(NUM_CLASSES), n_per_class)
    return pd.DataFrame({
        "amount": np.round(rng.lognormal(2 + y, 0.4), 2),
        "count": rng.poisson(2 + y).astype(np.int64),
        "channel": pd.Categorical(rng.choice(["web", "shop", "phone"], size=len(y))),
        "flag": rng.random(len(y)) < 0.3 + 0.2 * y,
    })  # fmt: skip


TEXTS = (["sweet apple pie", "fresh bread and jam", "a ripe red apple", "warm bread"],
         ["the compiler found a bug", "python code runs", "debug the code", "a bug in python"],
         ["the team won the match", "a late goal", "the final match", "the team scored"])
POOL_TEXTS = ["an apple tart", "the code compiles", "a goal in the match", "jam on bread", "a python bug",
              "", "caf\u00e9 au lait", "the team lost", "bread and apple", "code review"]


def make_data(modality: str, *, n_per_class: int = PER_CLASS, seed: int = 0) -> LabeledData:
    if modality == "text":
        y = np.repeat(np.arange(NUM_CLASSES), PER_CLASS)
        return LabeledData([t for group in TEXTS for t in group], y, ("a", "b", "c"), "text")
    if modality == "tabular":
        y = np.repeat(np.arange(NUM_CLASSES), TABLE_PER_CLASS)
        return LabeledData(make_table(TABLE_PER_CLASS, seed), y, ("a", "b", "c"), "tabular")
    g = torch.Generator().manual_seed(seed)
    shape = SHAPES[modality]
    y = np.repeat(np.arange(NUM_CLASSES), n_per_class)
    x = torch.rand((len(y), *shape), generator=g)
    # Class-dependent mean so the classes differ.
    x = (0.5 * x + 0.25 * torch.as_tensor(y, dtype=torch.float32).view(-1, *[1] * len(shape)) / 2).clamp(0, 1)
    if modality == "signal":
        x = 3.0 * x - 1.0  # signals are not restricted to [0, 1]
    return LabeledData(x, y, ("a", "b", "c"), modality)


def make_pool(modality: str, n: int = 10, seed: int = 1) -> torch.Tensor | LabeledData | list[str]:
    if modality == "text":
        return list(POOL_TEXTS[:n])
    if modality == "tabular":
        return LabeledData(make_table(4, seed), np.zeros(12, dtype=np.int64), ("p",), "tabular")
    g = torch.Generator().manual_seed(seed)
    return torch.rand((n, *SHAPES[modality]), generator=g)


def build(name: str, modality: str | None = None) -> Synthesizer:
    """The synthesizer at its test settings (``get_test_params_for(modality)`` where a class
    needs settings per modality, e.g. ``pseudo_label``'s teacher)."""
    cls = registry.get("synthesizer", name)
    if modality is not None and hasattr(cls, "get_test_params_for"):
        return cls(**cls.get_test_params_for(modality))
    return cls(**cls.get_test_params())


def load_args(synth: Synthesizer) -> dict[str, object]:
    """What ``load`` needs from the caller (``pretrained_diffusion``: the pipeline folder)."""
    return {k: getattr(synth, k) for k in type(synth).load_time_params}


def same_x(a: object, b: object) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and torch.equal(a, b)
    if isinstance(a, pd.DataFrame):
        return isinstance(b, pd.DataFrame) and a.dtypes.equals(b.dtypes) and a.equals(b)
    return np.array_equal(np.asarray(a), np.asarray(b))


def sample_shape(data: LabeledData) -> tuple[int, ...]:
    return tuple(int(s) for s in data.sample_shape)


@pytest.fixture(scope="module")
def fitted_models() -> dict[tuple[str, str], Synthesizer]:
    return {}


@pytest.fixture(params=CASES, ids=IDS)
def case(request, fitted_models) -> tuple[str, str, Synthesizer]:
    name, modality = request.param
    key = (name, modality)
    if key not in fitted_models:
        synth = build(name, modality)
        assert synth.fit(make_data(modality), unlabeled=make_pool(modality), generator=0) is synth
        fitted_models[key] = synth
    return name, modality, fitted_models[key]


# ----- the registry and the class contract -------------------------------------------------------
def test_parameter_list_covers_every_modality() -> None:
    names = {n for n, _ in CASES}
    assert {"cvae", "cgan", "diffusion"} <= names
    assert {"gaussian_copula", "tvae", "ctgan", "tabddpm"} <= {n for n, m in CASES if m == "tabular"}
    ours = {n for n in registry.available("synthesizer")
            if registry.get("synthesizer", n).__module__.startswith("genaug.")}  # fmt: skip
    assert ours == names, "a registered synthesizer accepts none of image, signal, tabular, text, audio"


@pytest.mark.parametrize("name", sorted({n for n, _ in CASES}))
def test_class_contract(name: str) -> None:
    cls = registry.get("synthesizer", name)
    assert issubclass(cls, Synthesizer) and cls.registry_name == name and cls.registry_kind == "synthesizer"
    for flag in ("uses_unlabeled", "requires_unlabeled", "seeded_sampling"):
        assert isinstance(getattr(cls, flag), bool), flag
    assert not (cls.requires_unlabeled and not cls.uses_unlabeled)
    assert all(isinstance(cls.supports(m), bool) for m in MODALITIES)
    accepted = cls.accepted_modalities()
    assert accepted and all(cls.supports(m) for m in accepted)
    assert isinstance(cls.load_time_params, tuple)


@pytest.mark.parametrize(("name", "modality"), CASES, ids=IDS)
def test_constructor_stores_arguments_unchanged(name: str, modality: str) -> None:
    cls = registry.get("synthesizer", name)
    params = cls.get_test_params()
    obj = cls(**params)
    for key, value in params.items():
        assert getattr(obj, key) == value
    assert type(obj)(**obj.get_config()).get_config() == obj.get_config()
    assert obj.get_params() == obj.get_config()
    assert not [k for k in vars(obj) if k.endswith("_")], "unfitted object has fitted state"
    assert name in repr(obj) or cls.__name__ in repr(obj)


# ----- fit and sample ----------------------------------------------------------------------------
def test_fit_returns_self_and_sets_state(case) -> None:
    _, modality, synth = case
    data = make_data(modality)
    assert synth.sample_shape_ == sample_shape(data)
    assert synth.modality_ == modality
    assert synth.class_names_ == ("a", "b", "c")
    assert isinstance(synth.history_, dict)


def test_sample_shapes_labels_counts(case) -> None:
    _, modality, synth = case
    out = synth.sample(3, generator=1)
    assert isinstance(out, LabeledData)
    assert out.modality == modality
    assert len(out) == 3 * NUM_CLASSES and sample_shape(out) == synth.sample_shape_
    if modality == "tabular":
        assert list(out.x.columns) == list(make_table().columns)
    elif modality == "text":
        assert isinstance(out.x, list) and all(isinstance(t, str) for t in out.x)
    else:
        assert out.x.dtype == torch.float32 and torch.isfinite(out.x).all()
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
    assert len(none) == 0 and none.modality == modality
    if modality in SHAPES:
        assert tuple(none.x.shape) == (0, *SHAPES[modality])


def test_same_seed_same_samples_different_seed_different(case) -> None:
    _, _, synth = case
    a = synth.sample(2, generator=5)
    b = synth.sample(2, generator=5)
    c = synth.sample(2, generator=6)
    assert same_x(a.x, b.x)
    # a deterministic selection (pseudo_label) says so; everything else must vary with the seed
    assert same_x(a.x, c.x) != type(synth).seeded_sampling
    g1, g2 = torch.Generator().manual_seed(9), torch.Generator().manual_seed(9)
    assert same_x(synth.sample(1, generator=g1).x, synth.sample(1, generator=g2).x)


def test_no_global_rng_touched(case) -> None:
    _, _, synth = case
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()[1].copy()
    synth.sample(1, generator=0)
    assert torch.equal(torch_state, torch.get_rng_state())
    assert np.array_equal(np_state, np.random.get_state()[1])


@pytest.mark.parametrize(("name", "modality"), CASES, ids=IDS)
def test_fit_is_deterministic(name: str, modality: str) -> None:
    data, pool = make_data(modality), make_pool(modality)
    torch_state, np_state = torch.get_rng_state(), np.random.get_state()[1].copy()
    a = build(name, modality).fit(data, unlabeled=pool, generator=3).sample(1, generator=0)
    b = build(name, modality).fit(data, unlabeled=pool, generator=3).sample(1, generator=0)
    assert same_x(a.x, b.x)
    assert torch.equal(torch_state, torch.get_rng_state()), "fit touched the global torch RNG"
    assert np.array_equal(np_state, np.random.get_state()[1]), "fit touched the global numpy RNG"


# ----- the unlabeled pool --------------------------------------------------------------------------
def test_unlabeled_pool_is_used_or_ignored(case) -> None:
    name, modality, synth = case
    if type(synth).uses_unlabeled:
        assert synth.history_["unlabeled_samples"] > 0
    else:
        assert synth.history_.get("unlabeled_samples", 0) == 0
        if not type(synth).requires_unlabeled:  # accepted and ignored: the same model without it
            alone = build(name, modality).fit(make_data(modality), generator=0)
            assert same_x(alone.sample(2, generator=1).x, synth.sample(2, generator=1).x)


# ----- save and load -------------------------------------------------------------------------------
def test_save_then_load_samples_identically(case, tmp_path) -> None:
    name, _, synth = case
    path = tmp_path / "m"
    synth.save(path)
    assert sorted(p.name for p in path.iterdir()) == [CONFIG_NAME, WEIGHTS_NAME]
    config = json.loads((path / CONFIG_NAME).read_text())
    assert config["format_version"] == FORMAT_VERSION
    assert (config["kind"], config["name"]) == ("synthesizer", name)
    assert set(config) == {"format_version", "kind", "name", "params", "state", "genaug_version"}
    assert config["state"]["class_names_"] == ["a", "b", "c"]
    cls = registry.get("synthesizer", name)
    extra = load_args(synth)
    for loaded in (cls.load(path, **extra), Synthesizer.load(path, **extra), load_synthesizer(path, **extra)):
        assert type(loaded) is cls
        assert json.loads(json.dumps(loaded.get_config())) == json.loads(json.dumps(synth.get_config()))
        assert loaded.class_names_ == synth.class_names_ and loaded.modality_ == synth.modality_
        assert loaded.sample_shape_ == synth.sample_shape_
        assert same_x(loaded.sample(2, generator=4).x, synth.sample(2, generator=4).x)


@pytest.mark.parametrize(("name", "modality"), CASES, ids=IDS)
def test_use_before_fit_raises_sklearns_not_fitted_error(name: str, modality: str, tmp_path) -> None:
    synth = build(name, modality)
    cls_name = type(synth).__name__
    assert NotFittedError is SklearnNotFittedError
    with pytest.raises(SklearnNotFittedError, match=cls_name):
        synth.sample(2, generator=0)
    with pytest.raises(SklearnNotFittedError, match=cls_name):
        synth.save(tmp_path / "never")
    assert not (tmp_path / "never").exists()


# ----- bad requests and inputs ---------------------------------------------------------------------
def test_bad_sample_request_raises(case) -> None:
    _, _, synth = case
    with pytest.raises(ValueError, match="n_per_class key 5 is an unseen label"):
        synth.sample({5: 1}, generator=0)
    with pytest.raises(ValueError, match="n_per_class key 'zebra'"):
        synth.sample({"zebra": 1}, generator=0)
    with pytest.raises(ValueError, match="n_per_class must be a non-negative int"):
        synth.sample(-1, generator=0)
    with pytest.raises(TypeError, match="n_per_class"):
        synth.sample(1.5, generator=0)


@pytest.mark.parametrize(("name", "modality"), CASES, ids=IDS)
def test_an_unaccepted_modality_is_refused(name: str, modality: str) -> None:
    synth = build(name, modality)
    other = next(m for m in MODALITIES if not type(synth).supports(m))
    with pytest.raises(ValueError, match="modality"):
        synth.fit(make_data(other), generator=0)
    assert not hasattr(synth, "class_names_"), "a failed fit left fitted state behind"


@pytest.mark.parametrize(("name", "modality"), TENSOR_CASES, ids=TENSOR_IDS)
def test_bad_input_raises_value_error_naming_it(name: str, modality: str) -> None:
    synth = build(name, modality)
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
    # y given twice.
    with pytest.raises(ValueError, match="y must be None"):
        synth.fit(data, data.y, generator=0)
    assert not hasattr(synth, "class_names_"), "a failed fit left fitted state behind"


RAW_CASES = [c for c in TENSOR_CASES if c[1] != "audio"]  # a raw 3-D batch is a signal, never audio


@pytest.mark.parametrize(("name", "modality"), RAW_CASES, ids=[f"{n}-{m}" for n, m in RAW_CASES])
def test_raw_batch_and_labeled_pool_accepted(name: str, modality: str) -> None:
    data = make_data(modality, n_per_class=2)
    pool = LabeledData(make_pool(modality, 4), np.zeros(4, dtype=int), ("p",), modality)
    synth = build(name, modality).fit(data.x.numpy(), data.y.tolist(), unlabeled=pool, generator=0)
    out = synth.sample(1, generator=0)
    assert synth.class_names_ == ("0", "1", "2")
    assert tuple(out.x.shape) == (3, *SHAPES[modality])


@pytest.mark.parametrize("name", sorted({n for n, m in CASES if m == "image"}))
def test_odd_image_sizes(name: str) -> None:
    g = torch.Generator().manual_seed(0)
    data = LabeledData(torch.rand(4, 3, 7, 10, generator=g), [0, 1, 0, 1], ("a", "b"), "image")
    synth = build(name, "image")
    pool = torch.rand(6, 3, 7, 10, generator=g) if synth.requires_unlabeled else None
    out = synth.fit(data, unlabeled=pool, generator=0).sample(2, generator=0)
    assert tuple(out.x.shape) == (4, 3, 7, 10)


@pytest.mark.parametrize(("name", "modality"), CASES, ids=IDS)
def test_a_required_pool_is_asked_for_by_name(name: str, modality: str) -> None:
    synth = build(name, modality)
    if synth.requires_unlabeled:
        with pytest.raises(ValueError, match="unlabeled"):
            synth.fit(make_data(modality), generator=0)
    else:
        assert synth.fit(make_data(modality), generator=0) is synth
