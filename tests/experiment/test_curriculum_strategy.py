"""A generative strategy with the ``mix_curriculum`` fusion trains on the curriculum's batches."""

from __future__ import annotations

import pytest

from genaug.data import load_dataset, split
from genaug.experiment import ExperimentSpec, GenerativeAugmentation, run
from genaug.mixing import MixedBatchSampler

TINY_CGAN = {"name": "cgan", "steps": 3, "batch_size": 8}
CURRICULUM = {"name": "mix_curriculum", "synthetic_fraction": 0.5, "batch_size": 8, "warmup_steps": 2}


def test_plan_carries_a_curriculum_sampler_over_its_training_data():
    parts = split(load_dataset("digits"), labeled_per_class=3, val_per_class=2, seed=0)
    plan = GenerativeAugmentation(synthesizer=TINY_CGAN, n_per_class=4, use_pool=False,
                                  mix=CURRICULUM).prepare(parts, generator=0)
    sampler = plan.batch_sampler
    assert isinstance(sampler, MixedBatchSampler) and sampler.data is plan.train
    assert len(plan.train) == 30 + 40
    assert [sampler.synthetic_count(t) for t in range(4)] == [0, 0, 4, 4]


def test_plain_fusion_leaves_the_default_batches():
    parts = split(load_dataset("digits"), labeled_per_class=3, val_per_class=2, seed=0)
    plan = GenerativeAugmentation(synthesizer=TINY_CGAN, n_per_class=4, use_pool=False,
                                  mix="mix_concat").prepare(parts, generator=0)
    assert plan.batch_sampler is None


def _spec(model: dict) -> ExperimentSpec:
    return ExperimentSpec.from_dict({
        "dataset": {"name": "digits"}, "split": {"labeled_per_class": 3, "val_per_class": 2},
        "model": model, "baselines": [], "seeds": [0],
        "strategies": [{"name": "generative", "synthesizer": TINY_CGAN, "n_per_class": 4,
                        "use_pool": False, "mix": CURRICULUM}],
    })


def test_runner_trains_a_torch_model_on_the_curriculum():
    results = run(_spec({"name": "small_cnn", "steps": 4, "batch_size": 8, "eval_every": 4}))
    (record,) = results.runs
    assert record.n_train == 70 and 0.0 <= record.metrics["test_accuracy"] <= 1.0


def test_runner_refuses_a_curriculum_for_a_model_without_batches():
    with pytest.raises(ValueError, match="mix_curriculum.*'logreg'"):
        run(_spec({"name": "logreg"}))
