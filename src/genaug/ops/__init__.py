"""Classical augmentation (batched, explicit-generator)."""

from genaug.ops.base import Augmenter

__all__ = ["Augmenter"]
