"""The built-in demo experiment: scikit-learn digits with 10 labels per class and an unlabeled pool."""

from __future__ import annotations

from typing import Any

from genaug.experiment.spec import ExperimentSpec

#: The demo's generator: a class-conditional GAN fitted on the 10 labeled images per class,
#: sized to keep samples of every class through the label-fidelity filter (measured: 26-30 of 30
#: per class on seeds 0 and 1 at 19-22 CPU-seconds per fit; the semi-supervised cVAE at the same
#: budget kept one or two classes only) and to fit the demo's time on two CPU cores.
DEMO_SYNTHESIZER: dict[str, Any] = {"name": "cgan", "steps": 300, "batch_size": 32, "progress": False}


def demo_spec(seed: int = 0, *, n_seeds: int = 3) -> ExperimentSpec:
    """Digits, 10 labeled images per class (the rest of the training split an unlabeled pool),
    a small CNN trained under ``none``, ``classical``, ``generative+classical`` (the cGAN above,
    filtered by label fidelity) and ``auto`` (a validation-only choice between no augmentation,
    classical augmentation and classical plus pseudo-labels of the pool; it falls back to
    classical augmentation unless the pseudo-labels clearly help), plus an RBF SVM baseline,
    over ``n_seeds`` seeds starting at ``seed``."""
    return ExperimentSpec.from_dict({
        "name": "demo: digits, 10 labels per class",
        "dataset": {"name": "digits"},
        "split": {"labeled_per_class": [10], "val_per_class": 10, "test_fraction": 0.3},
        "model": {"name": "small_cnn", "steps": 400, "batch_size": 64},
        "baselines": [{"name": "svm_rbf"}],
        "strategies": [
            {"name": "none"},
            {"name": "classical"},
            {"name": "generative+classical", "label": "cgan+classical", "synthesizer": DEMO_SYNTHESIZER,
             "n_per_class": 30, "use_pool": False, "filter": {"name": "label_fidelity", "threshold": 0.5}},
            {"name": "auto", "synthesizers": [{"name": "pseudo_label"}],
             "n_per_class": [30], "thresholds": [0.5], "weights": [1.0], "classical": [True],
             "n_trials": 1, "repeats": 2, "search": "grid", "model": {"name": "small_cnn", "steps": 150}},
        ],
        "seeds": [seed + i for i in range(n_seeds)],
    })
