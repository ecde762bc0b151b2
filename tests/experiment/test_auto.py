"""The ``auto`` strategy: validation-only search that falls back to no synthetic data.

Stand-in synthesizers keep the tests fast and their outcome known:

* ``_test_noise_synth``: uniform-noise images with random labels (pure harm);
* ``_test_oracle_synth``: held-back real pool samples with their true labels (a "perfect"
  generator; it reads the labels from ``bank``, set by the test, never from the hidden pool).

They are registered for this module only (a fixture), so registry-wide suites never see them.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pytest
import torch

from genaug import registry
from genaug.data import load_dataset, split
from genaug.data.labeled import LabeledData
from genaug.experiment.auto import AutoStrategy
from genaug.experiment.protocols import cross_folds as _cross_folds
from genaug.experiment.protocols import stratified_halves
from genaug.experiment.stats import paired_gain as _paired_gain
from genaug.rng import as_generator

LOGREG = {"name": "logreg"}


class _StandIn:
    """A minimal synthesizer double that counts its fits and samples."""

    modalities: ClassVar[tuple[str, ...]] = ("image",)
    calls: ClassVar[dict[str, int]]

    def fit(self, data: LabeledData, y: Any = None, *, unlabeled: LabeledData | None = None,
            generator: Any = None) -> _StandIn:
        type(self).calls["fit"] += 1
        self.data_ = data
        self.pool_ = unlabeled
        return self

    def sample(self, n_per_class: int, *, generator: Any = None) -> LabeledData:
        type(self).calls["sample"] += 1
        return self._sample(int(n_per_class), as_generator(generator))


class NoiseSynth(_StandIn):
    """Uniform noise images; their (balanced) labels say nothing about them."""

    calls: ClassVar[dict[str, int]] = {"fit": 0, "sample": 0}

    def _sample(self, n: int, g: torch.Generator) -> LabeledData:
        k = self.data_.num_classes
        x = torch.rand(n * k, *self.data_.sample_shape, generator=g)
        y = np.repeat(np.arange(k), n)
        return LabeledData(x, y, self.data_.class_names, "image")


class OracleSynth(_StandIn):
    """Real pool samples with their true labels (``bank`` is set by the test)."""

    calls: ClassVar[dict[str, int]] = {"fit": 0, "sample": 0}
    bank: ClassVar[LabeledData | None] = None

    def _sample(self, n: int, g: torch.Generator) -> LabeledData:
        assert self.pool_ is not None and not self.pool_.y.any(), "the pool's labels must be hidden"
        bank = type(self).bank
        perm = torch.randperm(len(bank), generator=g).numpy()
        idx = np.concatenate([perm[bank.y[perm] == c][:n] for c in range(bank.num_classes)])
        picked = bank.subset(np.sort(idx))
        return LabeledData(picked.x, picked.y, picked.class_names, "image")


class SignalOnlySynth(NoiseSynth):
    """Declares that it cannot handle images (must be skipped)."""

    modalities: ClassVar[tuple[str, ...]] = ("signal",)


STAND_INS = {"_test_noise_synth": NoiseSynth, "_test_oracle_synth": OracleSynth,
             "_test_signal_only_synth": SignalOnlySynth}


@pytest.fixture(scope="module", autouse=True)
def _stand_ins() -> Any:
    """Register the doubles for this module only, so that no other suite sees them."""
    registry.available("synthesizer")  # load the real entries first
    with pytest.MonkeyPatch.context() as mp:
        for name, cls in STAND_INS.items():
            mp.setitem(registry._REGISTRY["synthesizer"], name, cls)
        yield


class PoisonedSplit:
    """A split whose ``test`` part raises on any access."""

    def __init__(self, parts: Any) -> None:
        self.labeled, self.unlabeled, self.val = parts.labeled, parts.unlabeled, parts.val

    @property
    def test(self) -> LabeledData:
        raise AssertionError("the auto strategy read split.test")


@pytest.fixture(scope="module")
def parts() -> PoisonedSplit:
    data = load_dataset("digits")
    s = split(data, labeled_per_class=3, val_per_class=10, seed=0)
    OracleSynth.bank = s.unlabeled
    return PoisonedSplit(s)


def _auto(**options: Any) -> AutoStrategy:
    config = {"n_per_class": [200], "thresholds": [0.0], "weights": [1.0], "classical": [False],
              "baselines": ["none"], "model": LOGREG, "repeats": 2, "search": "grid", "n_trials": 4}
    return registry.create("strategy", "auto", **{**config, **options})


def _without_timings(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "seconds"} for r in history]


def test_noise_synthesizer_is_never_chosen(parts: PoisonedSplit) -> None:
    plan = _auto(synthesizers=["_test_noise_synth"], n_per_class=[50, 200],
                 baselines=["none", "classical"]).prepare(parts, generator=0)
    info = plan.info
    assert info["chosen"]["strategy"] in ("none", "classical")
    assert "source" not in plan.train.meta or not (plan.train.meta["source"] == "synthetic").any()
    assert len(plan.train) == len(parts.labeled)
    generative = [r for r in info["history"] if r["kind"] == "generative"]
    assert [r["n_synthetic"] for r in generative] == [500, 2000]
    # noise clearly hurts, so the choice is not a coin flip
    assert max(r["mean"] for r in generative) < info["best_no_synthetic"]["mean"]
    assert len(info["history"]) == 4 and info["search_seconds"] > 0
    assert info["val_halves"] == {"select": 50, "score": 50}


def test_useful_synthetic_data_is_chosen(parts: PoisonedSplit) -> None:
    OracleSynth.calls.update(fit=0, sample=0)
    plan = _auto(synthesizers=["_test_oracle_synth"], n_per_class=[50]).prepare(parts, generator=0)
    chosen = plan.info["chosen"]
    assert chosen == {"strategy": "generative", "synthesizer": "_test_oracle_synth", "n_per_class": 50,
                      "threshold": 0.0, "weight": 1.0, "classical": False}
    assert plan.info["best_generative"]["mean"] > plan.info["best_no_synthetic"]["mean"] + 0.1
    # the plan trains on the full labeled set plus the chosen synthetic samples
    assert len(plan.train) == len(parts.labeled) + 500
    assert (plan.train.meta["source"] == "synthetic").sum() == 500
    assert OracleSynth.calls == {"fit": 1, "sample": 1}


def test_optuna_search_is_deterministic_and_fits_each_synthesizer_once(parts: PoisonedSplit) -> None:
    options = {"synthesizers": ["_test_noise_synth", "_test_signal_only_synth"],
               "n_per_class": [10, 20], "thresholds": [0.0, 0.5], "weights": [0.25, 1.0],
               "search": "optuna", "n_trials": 3, "repeats": 1}
    NoiseSynth.calls.update(fit=0, sample=0)
    a = _auto(**options).prepare(parts, generator=123)
    assert NoiseSynth.calls == {"fit": 1, "sample": 1}  # one fit, one draw of the largest amount
    b = _auto(**options).prepare(parts, generator=123)
    assert a.info["chosen"] == b.info["chosen"]
    assert _without_timings(a.info["history"]) == _without_timings(b.info["history"])
    generative = [r for r in a.info["history"] if r["kind"] == "generative"]
    assert len(generative) == 3 and len({tuple(r["config"].values()) for r in generative}) == 3
    assert all(r["config"]["synthesizer"] == "_test_noise_synth" for r in generative)
    assert any("_test_signal_only_synth" in s for s in a.info["skipped"])
    for r in a.info["history"]:
        assert r["score"] == pytest.approx(r["mean"] - r["stderr"])


def test_a_synthesizer_that_needs_the_pool_is_skipped_without_one(parts: PoisonedSplit) -> None:
    plan = _auto(synthesizers=[{"name": "pseudo_label", "model": LOGREG, "augment": False}],
                 use_pool=False, baselines=["none"]).prepare(parts, generator=0)
    assert any("'pseudo_label': needs an unlabeled pool" in s for s in plan.info["skipped"])
    assert [r["kind"] for r in plan.info["history"]] == ["baseline"]


def test_pseudo_labels_from_the_pool_are_searched_like_synthetic_data(parts: PoisonedSplit) -> None:
    plan = _auto(synthesizers=[{"name": "pseudo_label", "model": LOGREG, "augment": False}],
                 n_per_class=[20], baselines=["none"]).prepare(parts, generator=0)
    (record,) = [r for r in plan.info["history"] if r["kind"] == "generative"]
    assert record["config"]["synthesizer"] == "pseudo_label" and record["n_synthetic"] == 200
    assert plan.info["skipped"] == []


def test_stratified_halves_are_disjoint_and_balanced(parts: PoisonedSplit) -> None:
    first, second = stratified_halves(parts.val, generator=5)
    assert not set(first) & set(second) and len(first) + len(second) == len(parts.val)
    assert parts.val.subset(first).class_counts().tolist() == [5] * 10
    again = stratified_halves(parts.val, generator=5)
    assert np.array_equal(first, again[0]) and np.array_equal(second, again[1])


def test_options_are_stored_unchanged() -> None:
    auto = AutoStrategy(n_per_class=[5], weights=(0.5,), model=LOGREG, search="grid")
    config = auto.get_config()
    assert config["n_per_class"] == [5] and config["weights"] == (0.5,) and config["model"] is LOGREG
    assert config["filter"] == "label_fidelity" and config["synthesizers"] is None


def test_paired_gain_counts_the_finite_score_set() -> None:
    reference = np.zeros((2, 50))
    assert _paired_gain(reference, reference) == (0.0, 0.0)
    lucky = reference.copy()
    lucky[:, :3] = 1.0  # a deterministic classifier that gets 3 more of 50 samples right
    gain, stderr = _paired_gain(lucky, reference)
    assert gain == pytest.approx(0.06)
    assert stderr == pytest.approx(np.std(lucky[0], ddof=1) / np.sqrt(50))  # no spread over seeds
    assert gain - stderr < 0.03  # one standard error eats half the gain


def test_yaml_options_are_checked_against_the_signature() -> None:
    from genaug.experiment.spec import ExperimentSpec, SpecError

    base = {"name": "t", "dataset": {"name": "digits"}, "model": {"name": "logreg"}}
    spec = ExperimentSpec.from_dict({**base, "strategies": [{"name": "auto", "n_trials": 2,
                                                             "n_per_class": [5, 10]}]})
    assert spec.strategies[0].options == {"n_trials": 2, "n_per_class": [5, 10]}
    with pytest.raises(SpecError, match="n_trails"):
        ExperimentSpec.from_dict({**base, "strategies": [{"name": "auto", "n_trails": 2}]})


@pytest.mark.parametrize(("option", "value"), [
    ("n_per_class", [0]), ("n_per_class", []), ("n_per_class", [10, 10]), ("weights", [0.0]),
    ("thresholds", [1.5]), ("search", "random"), ("repeats", 0), ("n_trials", 0), ("penalty", -1.0),
    ("margin", -0.1), ("baselines", ["bogus"]), ("synthesizers", ["no_such_synth"]),
    ("model", {"steps": 3}), ("model", {"name": "small_cnn", "steps": 0}),
    ("filter", {"name": "label_fidelity", "threshold": 0.5}), ("filter", "topk_per_class"),
    ("protocol", "loo"), ("metric", "auc"), ("folds", 1), ("candidates", ["none"]),
    ("candidates", ["auto"]), ("candidates", ["tabular_auto"]), ("candidates", ["no_such_strategy"]),
    ("candidates", [{"name": "classical", "bogus": 1}]),
])
def test_bad_options_raise_value_error_naming_them(option: str, value: Any) -> None:
    with pytest.raises(ValueError, match=option):
        AutoStrategy(**{option: value})


@pytest.mark.parametrize(("option", "value"), [
    ("classical", [1]), ("use_pool", "yes"), ("n_per_class", 10), ("weights", "0.5"),
])
def test_options_of_the_wrong_type_raise_type_error(option: str, value: Any) -> None:
    with pytest.raises(TypeError, match=option):
        AutoStrategy(**{option: value})


def test_grid_larger_than_budget_and_missing_val_raise(parts: PoisonedSplit) -> None:
    auto = _auto(synthesizers=["_test_noise_synth"], n_per_class=[1, 2, 3], n_trials=2)
    with pytest.raises(ValueError, match="n_trials"):
        auto.prepare(parts, generator=0)
    empty = PoisonedSplit(parts)
    empty.val = parts.val.subset([])
    with pytest.raises(ValueError, match="split.val"):
        _auto(synthesizers=["_test_noise_synth"]).prepare(empty, generator=0)


def test_paired_gain_skips_samples_a_repeat_did_not_score() -> None:
    # two repeats, cross-fitted: repeat 0 scores samples 0-1, repeat 1 scores samples 2-3
    nan = np.nan
    reference = np.array([[0.0, 1.0, nan, nan], [nan, nan, 1.0, 0.0]])
    better = np.array([[1.0, 1.0, nan, nan], [nan, nan, 1.0, 1.0]])
    gain, stderr = _paired_gain(better, reference)
    assert gain == pytest.approx(0.5)  # 2 more right out of 4 scored samples
    per_sample = np.array([1.0, 0.0, 0.0, 1.0])
    expected = np.hypot(np.std(per_sample, ddof=1) / 2, 0.0)  # equal per-repeat gains: no seed part
    assert stderr == pytest.approx(expected)


def test_the_two_folds_swap_the_halves_so_every_validation_sample_is_scored(parts: PoisonedSplit) -> None:
    first, second = stratified_halves(parts.val, generator=0)
    folds = _cross_folds(parts.val, first, second)
    assert [len(f.score) for f in folds] == [50, 50]
    assert np.array_equal(folds[0].score_idx, second) and np.array_equal(folds[1].score_idx, first)
    assert torch.equal(folds[1].select.x, folds[0].score.x)  # one fold's score half selects in the other
    assert sorted(np.concatenate([f.score_idx for f in folds]).tolist()) == list(range(len(parts.val)))
    # one labeled sample per class in val: the first half is empty, so there is a single fold
    (only,) = _cross_folds(parts.val, np.array([], dtype=np.int64), np.arange(len(parts.val)))
    assert only.select is None and len(only.score) == len(parts.val)


class _Recording:
    """A strategy stand-in that records the labeled rows of every split it prepares on."""

    seen: ClassVar[list[np.ndarray]] = []
    quality: ClassVar[list[bool]] = []

    def __init__(self, *, quality: bool = True) -> None:
        self.with_quality = quality

    def prepare(self, split: Any, *, generator: Any = None) -> Any:
        from genaug.experiment.strategies import TrainingPlan

        type(self).seen.append(np.asarray(split.labeled.meta["index"]).copy())
        type(self).quality.append(self.with_quality)
        assert split.unlabeled is not None and len(split.unlabeled) > 0  # pool strategies keep the pool
        return TrainingPlan(train=split.labeled)


def test_kfold_prepares_candidates_on_the_other_folds_only(parts: PoisonedSplit) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(registry._REGISTRY["strategy"], "_test_recording", _Recording)
        _Recording.seen, _Recording.quality = [], []
        plan = _auto(synthesizers=[], candidates=["_test_recording"], protocol="kfold", folds=3,
                     repeats=1, metric="macro_f1").prepare(parts, generator=0)
    pool = np.concatenate([parts.labeled.meta["index"], parts.val.meta["index"]])
    folds = _Recording.seen
    assert len(folds) == 3 and plan.info["folds"] == 3  # chosen "none": no final plan is prepared
    for fold in folds:  # each fold's plan sees two thirds of labeled + val, never the rest
        assert set(fold) < set(pool) and len(fold) == pytest.approx(len(pool) * 2 / 3, abs=10)
    held_out = [set(pool) - set(f) for f in folds]
    assert set().union(*held_out) == set(pool) and sum(map(len, held_out)) == len(pool)
    assert _Recording.quality == [False] * 3  # trial plans skip quality metrics
    (record,) = [r for r in plan.info["history"] if r["kind"] == "candidate"]
    assert len(record["scores"]) == 3 and record["label"] == "_test_recording"
    assert plan.info["metric"] == "macro_f1" and plan.info["protocol"] == "kfold"
    assert set(plan.info["scores"]) == {"none", "_test_recording"}
    # the same training as the baseline: a tie, so the baseline is kept
    assert plan.info["chosen"] == {"strategy": "none"}


def test_a_useful_candidate_strategy_wins_and_a_harmful_one_does_not(parts: PoisonedSplit) -> None:
    oracle = {"name": "generative", "synthesizer": "_test_oracle_synth", "n_per_class": 50, "use_pool": True}
    noise = {"name": "generative", "synthesizer": "_test_noise_synth", "n_per_class": 200}
    plan = _auto(synthesizers=[], candidates=[noise, oracle]).prepare(parts, generator=0)
    info = plan.info
    assert info["chosen_label"] == "generative:_test_oracle_synth"
    assert info["chosen"] == {"strategy": "generative", **{k: v for k, v in oracle.items() if k != "name"}}
    assert [r["kind"] for r in info["history"]] == ["baseline", "candidate", "candidate"]
    noise_record, oracle_record = info["history"][1:]
    assert noise_record["mean"] < info["best_no_synthetic"]["mean"] < oracle_record["mean"]
    assert (plan.train.meta["source"] == "synthetic").sum() == 500 and len(plan.synthetic) == 500
    again = _auto(synthesizers=[], candidates=[noise, oracle]).prepare(parts, generator=0)
    assert _without_timings(again.info["history"]) == _without_timings(info["history"])


@pytest.mark.parametrize("metric", ["macro_f1", "pr_auc"])
def test_metrics_without_per_sample_terms_pair_per_evaluation(parts: PoisonedSplit, metric: str) -> None:
    plan = _auto(synthesizers=["_test_noise_synth"], metric=metric).prepare(parts, generator=0)
    base, generative = plan.info["history"]
    assert len(base["scores"]) == 2 and all(0.0 <= v <= 1.0 for v in base["scores"])
    assert generative["gain"] == pytest.approx(generative["mean"] - base["mean"])
    assert plan.info["chosen"] == {"strategy": "none"}


def test_symmetries_are_scored_on_validation_not_assumed(parts: PoisonedSplit) -> None:
    plan = _auto(synthesizers=[], baselines=["none", "classical"], symmetries=True, repeats=1).prepare(
        parts, generator=0)
    candidates = [r for r in plan.info["history"] if r["kind"] == "candidate"]
    assert [r["label"] for r in candidates] == ["classical+hflip", "classical+vflip"]  # grayscale digits
    hflip = candidates[0]["config"]
    assert hflip["strategy"] == "classical" and hflip["augment"][0] == {"name": "flip", "horizontal": True,
                                                                          "p": 0.5}
    assert set(plan.info["scores"]) == {"none", "classical", "classical+hflip", "classical+vflip"}
    from genaug.modalities.base import get_modality

    colour = get_modality("image").symmetry_variants((3, 8, 8))
    assert set(colour) == {"no_hflip", "vflip"} and all(op["name"] != "flip" for op in colour["no_hflip"])


def test_kfold_fits_a_synthesizer_once_per_fold_and_once_for_a_chosen_plan(parts: PoisonedSplit) -> None:
    NoiseSynth.calls.update(fit=0, sample=0)
    noise = _auto(synthesizers=["_test_noise_synth"], protocol="kfold", folds=2, repeats=1,
                  n_per_class=[20, 50]).prepare(parts, generator=0)
    assert NoiseSynth.calls == {"fit": 2, "sample": 2}  # two folds; two amounts share one draw
    assert noise.info["chosen"] == {"strategy": "none"}
    OracleSynth.calls.update(fit=0, sample=0)
    oracle = _auto(synthesizers=["_test_oracle_synth"], protocol="kfold", folds=2, repeats=1,
                   n_per_class=[50]).prepare(parts, generator=0)
    assert oracle.info["chosen"]["strategy"] == "generative"
    assert OracleSynth.calls == {"fit": 3, "sample": 3}  # two folds + the final plan on the labeled set
    assert len(oracle.train) == len(parts.labeled) + 500


def _records(*rows: tuple[str, str, float, float | None, float | None], mode: str = "none") -> Any:
    """A bare search state holding records (kind, label, score, gain, gain_stderr), with
    ``reference_mode`` ``mode``."""
    from types import SimpleNamespace

    from genaug.experiment.auto import _Search

    search = object.__new__(_Search)
    search.auto = SimpleNamespace(penalty=1.0, margin=0.0, _baseline_names=lambda: ["none", "classical"])
    search.skipped = []
    search.reference_mode = mode
    search.history = [
        {"trial": i, "kind": kind, "label": label,
         "config": {"strategy": label if kind == "baseline" else kind}, "score": score,
         "mean": score, "gain": gain, "gain_stderr": se, "n_synthetic": 1}
        for i, (kind, label, score, gain, se) in enumerate(rows)]
    return search


def test_baselines_in_any_order_pair_classical_with_none(parts: PoisonedSplit) -> None:
    # listed classical first: none is still scored first, so classical's paired gain (which the
    # reference "none" needs) is against it
    plan = _auto(synthesizers=[], baselines=["classical", "none"], reference="none",
                 repeats=1).prepare(parts, generator=0)
    base = {r["label"]: r for r in plan.info["history"] if r["kind"] == "baseline"}
    assert base["none"]["gain"] is None and base["classical"]["gain"] is not None
    assert plan.info["reference_baseline"] in ("none", "classical")


def test_classical_must_beat_none_like_a_challenger() -> None:
    tie = _records(("baseline", "none", 0.70, None, None), ("baseline", "classical", 0.70, 0.0, 0.02))
    assert tie.reference()["label"] == "none" and tie.choose()[0]["label"] == "none"  # a tie keeps none
    noisy = _records(("baseline", "none", 0.70, None, None), ("baseline", "classical", 0.72, 0.02, 0.03))
    assert noisy.choose()[0]["label"] == "none"  # a gain inside one standard error is noise
    clear = _records(("baseline", "none", 0.70, None, None), ("baseline", "classical", 0.80, 0.10, 0.03))
    assert clear.reference()["label"] == "classical" and clear.choose()[0]["label"] == "classical"


def test_reference_best_falls_back_to_classical_on_a_tie() -> None:
    tie = _records(("baseline", "none", 0.70, None, None), ("baseline", "classical", 0.70, 0.0, 0.02),
                   mode="best")
    assert tie.reference()["label"] == "classical" and tie.choose()[0]["label"] == "classical"
    lower = _records(("baseline", "none", 0.72, None, None), ("baseline", "classical", 0.70, -0.02, 0.02),
                     mode="best")
    assert lower.choose()[0]["label"] == "none"  # the higher score wins, classical only on a tie


def test_reference_auto_follows_the_trial_model() -> None:
    from genaug.experiment.auto import _reference_mode

    assert _reference_mode("auto", {"name": "small_cnn", "steps": 5}) == "best"  # learns its features
    assert _reference_mode("auto", {"name": "minilm_logreg"}) == "none"  # frozen encoder + LR
    assert _reference_mode("auto", {"name": "tfidf_logreg"}) == "none"
    assert _reference_mode("none", {"name": "small_cnn"}) == "none"  # an explicit choice wins
    with pytest.raises(ValueError, match="reference"):
        AutoStrategy(reference="classical")


def test_a_challenger_must_beat_the_best_baseline_score_and_gain_on_the_reference() -> None:
    wins = _records(("baseline", "none", 0.70, None, None), ("baseline", "classical", 0.72, 0.02, 0.03),
                    ("generative", "g", 0.78, 0.08, 0.03))
    chosen, why = wins.choose()
    assert chosen["label"] == "g" and "beats the baselines" in why
    below = _records(("baseline", "none", 0.70, None, None), ("baseline", "classical", 0.80, 0.02, 0.03),
                     ("generative", "g", 0.78, 0.08, 0.03))
    assert below.choose()[0]["label"] == "none"  # under classical's score, whose gain was noise
    unsure = _records(("baseline", "none", 0.70, None, None), ("generative", "g", 0.75, 0.05, 0.06))
    chosen, why = unsure.choose()
    assert chosen["label"] == "none" and "paired gain" in why
