"""The built-in demo experiment: scikit-learn digits with 10 labels per class."""

from __future__ import annotations

from genaug.experiment.spec import ExperimentSpec


def demo_spec(seed: int = 0, *, n_seeds: int = 3) -> ExperimentSpec:
    """Digits, 10 labeled images per class (the rest an unlabeled pool), a small CNN trained with
    no augmentation and with classical augmentation, plus an RBF SVM baseline, over ``n_seeds``
    seeds starting at ``seed``."""
    return ExperimentSpec.from_dict({
        "name": "demo: digits, 10 labels per class",
        "dataset": {"name": "digits"},
        "split": {"labeled_per_class": [10], "val_per_class": 10, "test_fraction": 0.3},
        "model": {"name": "small_cnn", "steps": 400, "batch_size": 64},
        "baselines": [{"name": "svm_rbf"}],
        "strategies": [{"name": "none"}, {"name": "classical"}],
        "seeds": [seed + i for i in range(n_seeds)],
    })
