"""Pure, deterministic augmentation math (no randomness, no settings).

Every function takes a batch and per-sample parameter tensors and returns a new batch; the
classes in :mod:`genaug.ops` draw the parameters and call these functions.
"""

from genaug.ops.functional import audio, image, signal1d

__all__ = ["audio", "image", "signal1d"]
