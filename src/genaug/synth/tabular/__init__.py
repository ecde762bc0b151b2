"""Class-conditional tabular synthesizers (registry kind ``"synthesizer"``, modality tabular).

================= ================================================================
name              model
================= ================================================================
gaussian_copula   per-class Gaussian copula with empirical marginals
tvae              conditional VAE, mode-specific normalization, one-hot categoricals
ctgan             conditional WGAN-GP with training-by-sampling and PacGAN
tabddpm           Gaussian (numeric) + multinomial (categorical) diffusion
================= ================================================================

All share :class:`TabularSynthesizer`: ``fit(data, *, generator)``,
``sample(n_per_class, *, generator)`` (conditional on the class), ``save(dir)``/``load(dir)``
(config.json + weights.safetensors).
"""

from genaug.synth.tabular.base import NotFittedError, TabularSynthesizer
from genaug.synth.tabular.copula import GaussianCopula
from genaug.synth.tabular.ctgan import CTGAN
from genaug.synth.tabular.tabddpm import TabDDPM
from genaug.synth.tabular.tvae import TVAE

__all__ = ["CTGAN", "TVAE", "GaussianCopula", "NotFittedError", "TabDDPM", "TabularSynthesizer"]
