"""Class-conditional tabular synthesizers (registry kind ``"synthesizer"``, modality tabular).

================= ================================================================
name              model
================= ================================================================
gaussian_copula   per-class Gaussian copula with empirical marginals
tvae              conditional VAE, mode-specific normalization, one-hot categoricals
ctgan             conditional WGAN-GP with training-by-sampling and PacGAN
tabddpm           Gaussian (numeric) + multinomial (categorical) diffusion
================= ================================================================

All share :class:`TabularSynthesizer`, the tabular side of the one
:class:`~genaug.synth.Synthesizer` contract: ``fit(data, *, unlabeled, generator)`` (a pool is
accepted and ignored: ``uses_unlabeled`` is False), ``sample(n_per_class, *, generator)``
(conditional on the class), ``save(dir)``/``load(dir)`` in the one save layout (config.json
naming the registry entry + weights.safetensors; :mod:`genaug.serialization`).
"""

from genaug.synth.tabular.base import NotFittedError, TabularSynthesizer
from genaug.synth.tabular.copula import GaussianCopula
from genaug.synth.tabular.ctgan import CTGAN
from genaug.synth.tabular.tabddpm import TabDDPM
from genaug.synth.tabular.tvae import TVAE

__all__ = ["CTGAN", "TVAE", "GaussianCopula", "NotFittedError", "TabDDPM", "TabularSynthesizer"]
