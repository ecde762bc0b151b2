"""The pool strategies (fixmatch, uda, pretrain, dpt): registered, seeded plans that fit_plan trains."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.data.splits import Split
from genaug.experiment.strategies import TrainingPlan, fit_plan
from genaug.mixing.base import is_synthetic
from genaug.train import SmallCNNClassifier

MODEL = {"name": "small_cnn", "steps": 3, "batch_size": 8, "eval_every": 3, "arch_kwargs": {"width": 4}}
TINY_SYNTH = {"name": "cvae", "latent_dim": 2, "width": 4, "hidden_dim": 8, "steps": 3, "batch_size": 8}


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _images(n: int, seed: int) -> LabeledData:
    g = torch.Generator().manual_seed(seed)
    y = np.arange(n) % 2
    x = 0.2 * torch.rand(n, 1, 8, 8, generator=g)
    for i, c in enumerate(y):
        x[i, 0, 1 + 4 * c] = 0.9
    return LabeledData(x, y, ("a", "b"), "image", {"index": np.arange(n)})


@pytest.fixture(scope="module")
def split() -> Split:
    return Split(labeled=_images(8, 0), unlabeled=_images(24, 1), val=_images(6, 2), test=_images(6, 3))


def _clf() -> SmallCNNClassifier:
    return registry.create("model", MODEL["name"], **{k: v for k, v in MODEL.items() if k != "name"})


@pytest.mark.parametrize("name, options", [
    ("fixmatch", {"ratio": 2}),
    ("uda", {"ratio": 2}),
    ("pretrain", {"model": MODEL, "steps": 2, "batch_size": 8, "projection_dim": 4}),
    ("dpt", {"synthesizer": TINY_SYNTH, "n_per_class": 3, "teacher": MODEL, "threshold": 0.0}),
    ("dpt", {"synthesizer": None, "teacher": MODEL, "threshold": 0.0}),
    ("dpt", {"synthesizer": TINY_SYNTH, "n_per_class": 2, "teacher": MODEL, "threshold": 0.0, "online": 0.5}),
    ("online_generative", {"synthesizer": TINY_SYNTH, "fraction": 0.5}),
    ("dpt", {"synthesizer": TINY_SYNTH, "n_per_class": 2, "teacher": MODEL, "threshold": 0.0,
             "student": "fixmatch", "student_consistency": {"ratio": 2},
             "teacher_consistency": {"ratio": 2}, "filter": None}),
])
def test_plan_is_seeded_trainable_and_never_reads_pool_labels(split, name, options):
    strategy = registry.create("strategy", name, **options)
    plan = strategy.prepare(split, generator=0)
    assert isinstance(plan, TrainingPlan)
    again = strategy.prepare(split, generator=0)
    assert torch.equal(torch.as_tensor(plan.train.x), torch.as_tensor(again.train.x))
    assert np.array_equal(plan.train.y, again.train.y)
    pool = plan.fit_options.get("unlabeled")
    if pool is not None:
        assert not pool.y.any()  # labels hidden
    scrambled = Split(labeled=split.labeled, val=split.val, test=split.test,
                      unlabeled=LabeledData(split.unlabeled.x, 1 - split.unlabeled.y,
                                            split.unlabeled.class_names, "image"))
    other = strategy.prepare(scrambled, generator=0)
    assert np.array_equal(plan.train.y, other.train.y)
    clf = fit_plan(_clf(), plan, split.val, generator=1)
    assert clf.predict_proba(split.test).shape == (6, 2)


def test_dpt_records_pseudo_labels_generation_and_memorization(split):
    plan = registry.create("strategy", "dpt", synthesizer=TINY_SYNTH, n_per_class=4, teacher=MODEL,
                           threshold=0.0, filter=None).prepare(split, generator=0)
    info = plan.info
    assert info["pseudo_kept"] == 24 and sum(info["pseudo_per_class"]) == 24
    assert info["generator_train"] == 8 + 24 and info["n_sampled"] == 8
    assert 0.0 <= info["memorized_share"] <= 1.0
    assert info["n_generated_kept"] == 8
    # real part unchanged; pseudo-labeled pool + generated samples are the synthetic part
    assert len(plan.train) == 8 + 24 + 8 and is_synthetic(plan.train).sum() == 24 + 8
    assert plan.synthetic is not None
    assert sorted(set(plan.synthetic.meta["origin"])) == ["generated", "pseudo"]
    assert np.array_equal(plan.train.meta["index"][:8], split.labeled.meta["index"])
    none = registry.create("strategy", "dpt", synthesizer=None, teacher=MODEL,
                           threshold=0.0).prepare(split, generator=0)
    assert len(none.train) == 8 + 24 and set(none.synthetic.meta["origin"]) == {"pseudo"}
    fm = registry.create("strategy", "dpt", synthesizer=None, teacher=MODEL, student="fixmatch",
                         threshold=0.0).prepare(split, generator=0)
    assert fm.synthetic is None and len(fm.train) == 8 and "consistency" in fm.fit_options
    strict = registry.create("strategy", "dpt", synthesizer=None, teacher=MODEL,
                             threshold=1.0).prepare(split, generator=0)
    assert strict.info["pseudo_kept"] <= 24 and len(strict.train) == 8 + strict.info["pseudo_kept"]


def test_errors_name_the_problem(split):
    empty = Split(labeled=split.labeled, unlabeled=split.unlabeled.subset([]), val=split.val, test=split.test)
    for name in ("fixmatch", "pretrain", "dpt"):
        with pytest.raises(ValueError, match="unlabeled pool"):
            registry.create("strategy", name).prepare(empty, generator=0)
    with pytest.raises(ValueError, match="threshold"):
        registry.create("strategy", "fixmatch", threshold=2.0)
    with pytest.raises(ValueError, match="student"):
        registry.create("strategy", "dpt", student="mean_teacher")
    plan = registry.create("strategy", "fixmatch", ratio=2).prepare(split, generator=0)
    with pytest.raises(ValueError, match="cannot use"):
        fit_plan(registry.create("model", "logreg"), plan, split.val, generator=0, label="fixmatch")


def test_online_generation_replaces_a_share_of_each_batch_with_fresh_same_class_samples(split):
    plan = registry.create("strategy", "online_generative", synthesizer=TINY_SYNTH,
                           fraction=0.5, augment=False).prepare(split, generator=0)
    hook = plan.mixer
    xb = split.labeled.x[:8].clone()
    y = torch.nn.functional.one_hot(torch.as_tensor(split.labeled.y[:8]), 2).float()
    a, ya = hook(xb, y, generator=0)
    b, _ = hook(xb, y, generator=0)
    assert torch.equal(a, b) and torch.equal(ya, y)  # seeded; labels unchanged
    changed = (a != xb).flatten(1).any(1)
    assert int(changed.sum()) == 4
    assert hook.generated_.sum() == 8 and hook.calls_ == 2
    c, _ = hook(xb, y, generator=1)
    assert not torch.equal(a, c)  # fresh samples every batch
    fit_plan(_clf(), plan, split.val, generator=0)
    assert hook.calls_ == 3 + MODEL["steps"]


def test_fixmatch_steps_override_the_classifier_steps_and_are_checked(split):
    from genaug.experiment.strategies import create_model

    plan = registry.create("strategy", "fixmatch", ratio=2, steps=5).prepare(split, generator=0)
    assert plan.model_options == {"steps": 5} and plan.info["steps"] == 5
    options = {k: v for k, v in MODEL.items() if k != "name"}
    clf = create_model(MODEL["name"], options, plan, label="fixmatch")
    assert clf.steps == 5  # the spec's 3 steps are replaced for this strategy only
    fit_plan(clf, plan, split.val, generator=0, label="fixmatch")
    assert clf.history_[-1]["step"] == 5
    default = registry.create("strategy", "fixmatch", ratio=2).prepare(split, generator=0)
    assert create_model(MODEL["name"], options, default).steps == 3
    with pytest.raises(ValueError, match="steps"):
        registry.create("strategy", "fixmatch", steps=0)
    with pytest.raises(ValueError, match=r"strategy 'fixmatch' trains model 'logreg' with \{'steps': 5\}"):
        create_model("logreg", {}, plan, label="fixmatch")


def test_dpt_student_steps_override_the_students_steps_only(split):
    plan = registry.create("strategy", "dpt", synthesizer=None, teacher=MODEL, student="fixmatch",
                           student_steps=4, threshold=0.0).prepare(split, generator=0)
    assert plan.model_options == {"steps": 4} and plan.info["student_steps"] == 4
    assert plan.info["teacher"]["steps"] == MODEL["steps"]  # the teacher keeps its own
    default = registry.create("strategy", "dpt", synthesizer=None, teacher=MODEL,
                              threshold=0.0).prepare(split, generator=0)
    assert default.model_options == {} and "student_steps" not in default.info
    with pytest.raises(ValueError, match="student_steps"):
        registry.create("strategy", "dpt", student_steps=0)


class _FixedTeacher:
    """A teacher whose probabilities are given."""

    def __init__(self, probs: np.ndarray) -> None:
        self.probs = probs

    def predict_proba(self, data: LabeledData) -> np.ndarray:
        return self.probs[: len(data)]


def test_dpt_relabel_hard_keeps_confident_samples_under_the_teachers_label(split):
    strategy = registry.create("strategy", "dpt", relabel="hard", threshold=0.8)
    generated = split.labeled.subset([0, 1, 2, 3])  # classes 0, 1, 0, 1
    probs = np.array([[0.9, 0.1], [0.95, 0.05], [0.6, 0.4], [0.1, 0.9]])
    kept, agree = strategy._relabel_hard(_FixedTeacher(probs), generated)
    assert kept.y.tolist() == [0, 0, 1] and np.array_equal(kept.meta["index"], [0, 1, 3])
    assert agree == 0.75  # rows 0, 2, 3 agree with the class they were made for
    plan = registry.create("strategy", "dpt", synthesizer=TINY_SYNTH, n_per_class=3, teacher=MODEL,
                           threshold=0.0, filter=None, relabel="hard").prepare(split, generator=0)
    assert plan.info["n_relabel_kept"] == plan.info["n_sampled"] == plan.info["n_generated_kept"]
    assert 0.0 <= plan.info["relabel_agree"] <= 1.0


def test_dpt_relabel_soft_writes_the_teachers_distribution_as_weighted_rows(split):
    strategy = registry.create("strategy", "dpt", relabel="soft", soft_floor=0.2)
    generated = split.labeled.subset([0, 1]).with_meta(weight=np.array([1.0, 0.5]))
    probs = np.array([[0.7, 0.3], [0.9, 0.1]])
    rows = strategy._relabel_soft(_FixedTeacher(probs), generated)
    assert rows.y.tolist() == [0, 1, 0] and rows.meta["index"].tolist() == [0, 0, 1]
    assert np.allclose(rows.meta["weight"], [0.7, 0.3, 0.5])  # 0.1 < floor: row 2 all class 0
    plan = registry.create("strategy", "dpt", synthesizer=TINY_SYNTH, n_per_class=3, teacher=MODEL,
                           threshold=0.0, filter=None, relabel="soft").prepare(split, generator=0)
    generated_rows = plan.synthetic.subset(np.flatnonzero(plan.synthetic.meta["origin"] == "generated"))
    assert len(generated_rows) == plan.info["n_soft_rows"] >= plan.info["n_generated_kept"] == 6
    assert np.isclose(generated_rows.meta["weight"].sum(), 6.0)
    with pytest.raises(ValueError, match="relabel"):
        registry.create("strategy", "dpt", relabel="teacher")
    with pytest.raises(ValueError, match="soft_floor"):
        registry.create("strategy", "dpt", soft_floor=0.0)


def test_dpt_allocates_draws_to_the_classes_the_teacher_is_unconfident_about(split):
    strategy = registry.create("strategy", "dpt", n_per_class=10, allocate="unconfident")
    pinfo = {"pool_pred_per_class": [50, 20, 30], "pseudo_per_class": [49, 5, 10]}
    counts = strategy._counts(pinfo)  # unconfident + 1: 2, 16, 21 of 39
    assert sum(counts.values()) == 30 and counts == {0: 2, 1: 12, 2: 16}
    uniform = registry.create("strategy", "dpt", n_per_class=10)
    assert uniform._counts(pinfo) == 10
    plan = registry.create("strategy", "dpt", synthesizer=TINY_SYNTH, n_per_class=3, teacher=MODEL,
                           threshold=0.99, filter=None, allocate="unconfident").prepare(split, generator=0)
    assert sum(plan.info["generated_per_class"]) == plan.info["n_sampled"] == 6
    with pytest.raises(ValueError, match="allocate"):
        registry.create("strategy", "dpt", allocate="weighted")


def test_dpt_prepares_on_a_split_without_validation_rows(split):
    # auto's kfold folds carry an empty val: the teacher trains without selection data
    fold = Split(labeled=split.labeled, unlabeled=split.unlabeled, val=split.labeled.subset([]),
                 test=split.labeled.subset([]))
    plan = registry.create("strategy", "dpt", synthesizer=None, teacher=MODEL,
                           threshold=0.0).prepare(fold, generator=0)
    assert plan.info["pseudo_kept"] == 24


def test_dpt_online_draws_fresh_generator_samples_inside_the_students_loop(split):
    config = {"synthesizer": TINY_SYNTH, "n_per_class": 3, "teacher": MODEL, "threshold": 0.0}
    plan = registry.create("strategy", "dpt", online=0.5, **config).prepare(split, generator=0)
    fixed = registry.create("strategy", "dpt", filter=None, **config).prepare(split, generator=0)
    # no fixed generated set: the student's data is real + pseudo-labeled only
    assert not np.any(plan.synthetic.meta["origin"] == "generated")
    assert np.sum(fixed.synthetic.meta["origin"] == "generated") == 6
    assert len(plan.train) == len(fixed.train) - 6
    assert plan.info["online_fraction"] == 0.5 and "memorized_share" in plan.info
    hook = plan.mixer
    assert hook.calls_ == 0
    fit_plan(_clf(), plan, split.val, generator=0)
    assert hook.calls_ == MODEL["steps"] and hook.generated_.sum() == MODEL["steps"] * 4
    with pytest.raises(ValueError, match="online"):
        registry.create("strategy", "dpt", online=0.5, relabel="hard")
    with pytest.raises(ValueError, match="online"):
        registry.create("strategy", "dpt", online=0.5, synthesizer=None)
    with pytest.raises(ValueError, match="online"):
        registry.create("strategy", "dpt", online=1.5)
