"""The text demo: fortunes topics (Debian ``fortunes``), 10 labels per class and an unlabeled pool.

``genaug demo --modality text`` runs :func:`text_demo_spec`: TF-IDF + logistic regression under
``none`` (the non-deep baseline), ``eda`` (the text default), ``char-noise``, pseudo-labels of
the pool and ``auto`` (a validation-only choice among those), plus the torch bag-of-n-grams net
as a baseline. Sized to finish in about three minutes on two CPU cores after set-up; the
label-conditioned LM (``text_lm``) is left out of the demo for time and is in
``examples/text_topics.yaml``.
"""

from __future__ import annotations

from genaug.experiment.spec import ExperimentSpec

__all__ = ["text_demo_spec"]


def text_demo_spec(seed: int = 0, *, n_seeds: int = 2) -> ExperimentSpec:
    """The text demo spec over ``n_seeds`` seeds starting at ``seed`` (see the module doc).

    Raises:
        MissingPathError: when the Debian package ``fortunes`` is not installed (at run time,
            when the dataset loads; the message says how to install it).
    """
    return ExperimentSpec.from_dict({
        "name": "demo: fortunes topics, 10 labels per class",
        "dataset": {"name": "fortunes"},
        "split": {"labeled_per_class": [10], "val_per_class": 10, "test_fraction": 0.3},
        "model": {"name": "tfidf_logreg", "n_aug_copies": 2, "C_grid": [1.0, 10.0]},
        "baselines": [{"name": "text_ngram", "steps": 150}],
        "strategies": [
            {"name": "none"},
            {"name": "classical", "label": "eda"},
            {"name": "classical", "label": "char-noise", "augment": {"name": "char_noise", "rate": 0.03}},
            {"name": "generative", "label": "pseudo-label", "use_pool": True, "n_per_class": 20,
             "synthesizer": {"name": "text_pseudo_label"}},
            {"name": "auto", "synthesizers": [{"name": "text_pseudo_label"}], "n_per_class": [20],
             "thresholds": [0.0], "weights": [1.0], "classical": [True, False], "n_trials": 2,
             "repeats": 1, "search": "grid"},
        ],
        "seeds": [seed + i for i in range(n_seeds)],
    })
