"""The audio demo: spoken digits (Debian ``espeak-ng``), 5 clips per class, unseen test voices.

``genaug demo --modality audio`` runs :func:`audio_demo_spec`: the log-mel CNN (``audio_cnn``)
under ``none``, ``waveform-ops`` (the audio default: gain, shift, noise), ``tts`` (espeak-ng
speaking the class names in voices absent from the training data, with the waveform ops on
top) and ``auto`` (a validation-only choice among those), plus the
MFCC-statistics RBF SVM as the non-deep baseline. The test clips come from voices never
trained on. Sizing: at 250 CNN steps the demo took 208 CPU-seconds (2026-12-06, a heavily loaded
2-core machine), over the three-minute goal, so it trains 200 steps (not re-measured; the CNN
trainings are most of the cost). The dataset is generated and cached on first use; the
spectrogram generators, pseudo-labels and the 20-clip budget are in
``examples/spoken_digits.yaml``.
"""

from __future__ import annotations

from genaug.experiment.spec import ExperimentSpec

__all__ = ["audio_demo_spec"]

_MODEL = {"name": "audio_cnn", "steps": 200, "batch_size": 32,
          "arch_kwargs": {"sample_rate": 8000, "width": 16}}


def audio_demo_spec(seed: int = 0, *, n_seeds: int = 2) -> ExperimentSpec:
    """The audio demo spec over ``n_seeds`` seeds starting at ``seed`` (see the module doc).

    Raises:
        MissingPathError: when the Debian package ``espeak-ng`` is not installed (at run time,
            when the dataset loads; the message says how to install it).
    """
    return ExperimentSpec.from_dict({
        "name": "demo: spoken digits, 5 clips per class, unseen voices",
        "dataset": {"name": "spoken_digits"},
        "split": {"labeled_per_class": [5], "val_per_class": 5},
        "model": dict(_MODEL),
        "baselines": [{"name": "mfcc_svm", "sample_rate": 8000}],
        "strategies": [
            {"name": "none"},
            {"name": "classical", "label": "waveform-ops"},
            {"name": "generative+classical", "label": "tts", "n_per_class": 20,
             "synthesizer": {"name": "espeak_tts"}},
            {"name": "auto", "synthesizers": [{"name": "espeak_tts"}], "n_per_class": [20],
             "thresholds": [0.0], "weights": [1.0], "classical": [True], "n_trials": 1,
             "repeats": 1, "search": "grid", "model": dict(_MODEL)},
        ],
        "seeds": [seed + i for i in range(n_seeds)],
    })
