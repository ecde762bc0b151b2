"""Contract suite for every registered ``strategy`` (``prepare(split, generator=...)``), tabular
strategies on a mixed-type table, tensor ones on images or signals.

The contract (:mod:`genaug.experiment.strategies`): ``prepare`` returns a ``TrainingPlan`` whose
``train`` holds every labeled real sample, unchanged, plus any synthetic ones; it never reads
``split.test`` (the split used here counts every read of it); the same seed gives an identical
``plan.train``; ``plan.synthetic`` is exactly the synthetic part of ``plan.train`` (every row
marked ``meta["source"] == "synthetic"``, the same samples and per-class counts) or None when
the plan adds none; ``get_config()`` rebuilds the same strategy.

A newly registered strategy fails ``test_every_strategy_has_test_params`` until it has an entry
in ``PARAMS`` (tiny options: few steps, small grids) and ``DATA``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.experiment.strategies import Strategy, TrainingPlan
from genaug.mixing.base import is_synthetic


def _names() -> list[str]:
    return [n for n in registry.available("strategy")
            if getattr(registry.get("strategy", n), "__module__", "").startswith("genaug.")]  # fmt: skip


NAMES = _names()
CVAE = {"name": "cvae", **registry.get("synthesizer", "cvae").get_test_params()}
LOGREG = {"name": "logreg", "C_grid": [1.0], "max_iter": 100}
PARAMS: dict[str, dict] = {
    "none": {},
    "classical": {},
    "class_weight": {},
    "resample": {"resampler": "smote", "quality": False},
    "synthesize": {"synthesizer": {"name": "gaussian_copula", "n_quantiles": 20}, "quality": False},
    "tabular_auto": {"candidates": ["none", {"name": "resample", "resampler": "tabular_noise",
                                             "quality": False}],
                     "model": {"name": "hist_gb", "max_iter": 3}, "folds": 2},
    "generative": {"synthesizer": CVAE, "n_per_class": 3},
    "generative+classical": {"synthesizer": CVAE, "n_per_class": 3,
                             "mix": {"name": "mix_ratio", "synthetic_fraction": 0.2}},
    "auto": {"synthesizers": [CVAE], "n_per_class": [3], "thresholds": [0.0], "weights": [0.5],
             "classical": [False], "baselines": ["none"], "model": LOGREG, "repeats": 1, "n_trials": 1,
             "search": "grid", "use_pool": False},
    "fixmatch": {"ratio": 2},
    "uda": {"ratio": 2},
    "pretrain": {"model": {"name": "small_cnn", "steps": 2}, "steps": 2, "batch_size": 8,
                 "projection_dim": 8},
    "dpt": {"synthesizer": CVAE, "n_per_class": 3, "teacher": {**LOGREG, "n_aug_copies": 1},
            "threshold": 0.0, "memorization": False},
    "online_generative": {"synthesizer": CVAE, "fraction": 0.5, "use_pool": False},
}
# The data each strategy is checked on ("mixed": an imbalanced table with categorical columns).
DATA: dict[str, tuple[str, ...]] = {
    "none": ("image", "mixed"), "classical": ("image", "signal"), "class_weight": ("mixed",),
    "resample": ("mixed", "tabular"), "synthesize": ("mixed",), "tabular_auto": ("mixed",),
    "generative": ("image",), "generative+classical": ("signal",), "auto": ("image",),
    "fixmatch": ("image",), "uda": ("signal",), "pretrain": ("image",), "dpt": ("image",),
    "online_generative": ("image",),
}
CASES = [(n, m) for n in NAMES for m in DATA.get(n, ())]
IDS = [f"{n}-{m}" for n, m in CASES]


class NoTestSplit:
    """A split whose ``test`` part counts reads and raises: a strategy must never touch it."""

    def __init__(self, labeled: LabeledData, unlabeled: LabeledData, val: LabeledData) -> None:
        self.labeled, self.unlabeled, self.val = labeled, unlabeled, val
        self.test_reads = 0

    @property
    def test(self) -> LabeledData:
        self.test_reads += 1
        raise AssertionError("a strategy read split.test")


def make_split(make_data, modality: str) -> NoTestSplit:
    counts = (12, 6, 6) if modality in ("mixed", "tabular") else (6, 6, 6)  # tables: imbalanced
    labeled = make_data(modality, counts=counts, seed=0)
    unlabeled = make_data(modality, per_class=3, seed=1)
    val = make_data(modality, per_class=3, seed=2)
    return NoTestSplit(labeled, unlabeled, val)


def make(name: str) -> Strategy:
    return registry.create("strategy", name, **PARAMS.get(name, {}))


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        yield


def _core(data: LabeledData) -> LabeledData:
    return LabeledData(data.x, data.y, data.class_names, data.modality)


def test_every_strategy_has_test_params() -> None:
    for name in NAMES:
        assert name in PARAMS and name in DATA, f"add tiny options and data for strategy {name!r}"
        assert issubclass(registry.get("strategy", name), Strategy)


@pytest.mark.parametrize(("name", "modality"), CASES, ids=IDS)
def test_prepare_gives_a_plan_from_labeled_data_without_reading_test(name, modality, make_data, same) -> None:
    split = make_split(make_data, modality)
    plan = make(name).prepare(split, generator=0)
    assert split.test_reads == 0, "prepare read split.test"
    assert isinstance(plan, TrainingPlan) and isinstance(plan.train, LabeledData)
    train = plan.train
    assert (train.modality, train.class_names) == (split.labeled.modality, split.labeled.class_names)
    real = train.subset(np.flatnonzero(~is_synthetic(train)))
    assert same(_core(real), _core(split.labeled)), "train holds every labeled sample, unchanged, in order"
    assert np.array_equal(real.meta["row"], split.labeled.meta["row"])
    assert isinstance(plan.info, dict)
    again = make(name).prepare(split, generator=0)
    assert same(again.train, train), "same seed, same plan.train"


@pytest.mark.parametrize(("name", "modality"), CASES, ids=IDS)
def test_plan_synthetic_is_the_synthetic_part_of_train(name, modality, make_data, same) -> None:
    split = make_split(make_data, modality)
    plan = make(name).prepare(split, generator=1)
    marked = is_synthetic(plan.train)
    if plan.synthetic is None:
        assert not marked.any(), "train has synthetic rows but plan.synthetic is None"
        return
    syn = plan.synthetic
    assert isinstance(syn, LabeledData)
    assert is_synthetic(syn).all(), "every row of plan.synthetic is marked synthetic"
    assert len(syn) == int(marked.sum())
    part = plan.train.subset(np.flatnonzero(marked))
    np.testing.assert_array_equal(syn.class_counts(), part.class_counts())
    assert same(_core(syn), _core(part)), "plan.synthetic holds the synthetic samples of train, in order"


SYNTHETIC_CASES = [("generative", "image"), ("generative+classical", "signal"), ("resample", "mixed"),
                   ("synthesize", "mixed"), ("dpt", "image")]


@pytest.mark.parametrize(("name", "modality"), [c for c in SYNTHETIC_CASES if c[0] in NAMES])
def test_strategies_that_add_samples_add_some(name, modality, make_data) -> None:
    split = make_split(make_data, modality)
    plan = make(name).prepare(split, generator=2)
    assert plan.synthetic is not None and len(plan.synthetic) > 0
    assert len(plan.train) == len(split.labeled) + len(plan.synthetic)


@pytest.mark.parametrize("name", NAMES)
def test_get_config_rebuilds_the_strategy(name) -> None:
    strategy = make(name)
    config = strategy.get_config()
    public = {k: v for k, v in config.items() if not k.startswith("_")}
    rebuilt = type(strategy)(**public)
    assert rebuilt.get_config() == config
