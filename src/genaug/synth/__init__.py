"""Generative models that fit on labeled (+ unlabeled) data and sample labeled synthetic data.

Registry kind ``"synthesizer"``:

===================== ==============================================================
name                  model
===================== ==============================================================
cvae                  semi-supervised conditional VAE (M2), images and 1-D signals
cgan                  conditional GAN (spectral norm, hinge, projection D), pool-aware
diffusion             class-conditional DDPM, classifier-free guidance, DDIM sampler
img2img               SDEdit-style label-preserving variations of the labeled samples
pretrained_diffusion  a local diffusers pipeline: img2img (DA-Fusion) or text/class-to-image
pseudo_label          not generative: the unlabeled pool labeled by a teacher (self-training;
                      images, signals, audio and text)
text_lm               text: label-conditioned causal transformer trained on the task texts
text_vae              text: class-conditional sentence VAE (GRU, KL annealing, word dropout)
hf_causal_lm          text: your own local Hugging Face causal LM, label-prepended prompts
tabular ones          see :mod:`genaug.synth.tabular`
===================== ==============================================================

Every synthesizer, tabular ones included, follows :class:`Synthesizer`: ``fit(X, y=None, *,
unlabeled=None, generator=None)``, ``sample(n_per_class, *, generator=None)``,
``save(dir)``/``load(dir)``, ``supports(modality)``, ``uses_unlabeled``; before fit, scikit-learn's
``NotFittedError``. A saved folder (``config.json`` naming the registry entry +
``weights.safetensors``, :mod:`genaug.serialization`) loads with :func:`load_synthesizer`.
"""

import genaug.synth.audio_spectrogram  # noqa: F401  (registers spec_vae, spec_diffusion)
import genaug.synth.audio_tts  # noqa: F401  (registers espeak_tts)
import genaug.synth.tabular  # noqa: F401  (registers the tabular synthesizers)
import genaug.synth.text_hf  # noqa: F401  (registers hf_causal_lm; imports transformers lazily)
import genaug.synth.text_lm  # noqa: F401  (registers text_lm)
import genaug.synth.text_vae  # noqa: F401  (registers text_vae)
from genaug.synth.base import NotFittedError, Synthesizer, as_labeled_data, load_synthesizer
from genaug.synth.cvae import CVAE
from genaug.synth.diffusion import Diffusion
from genaug.synth.gan import CGAN
from genaug.synth.img2img import Img2Img
from genaug.synth.pretrained import PretrainedDiffusion
from genaug.synth.pseudo_label import PseudoLabel

__all__ = [
    "CGAN",
    "CVAE",
    "Diffusion",
    "Img2Img",
    "NotFittedError",
    "PretrainedDiffusion",
    "PseudoLabel",
    "Synthesizer",
    "as_labeled_data",
    "load_synthesizer",
]
