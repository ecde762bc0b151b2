"""The ``text`` corruption suite: typos, OCR errors, homoglyphs and word deletion at 5 severities.

Each corruption maps a batch of texts (``list[str]``) and a severity in 0..5 (0: identity) to
corrupted texts, drawing from an explicit generator, like the image and signal suites of
:mod:`genaug.train.corruptions`; importing this module adds the suite there under ``"text"``,
so ``evaluate_corruptions`` (and ``evaluation: {robustness: true}`` in a spec) measure text
robustness too.

=================== =====================================================================
name                what (rate at severity s)
=================== =====================================================================
``typos``           keyboard-neighbour substitutions, per character ``0.02 s``
``ocr``             OCR confusions (0/o, 1/l, rn/m, ...), per character ``0.03 s``
``homoglyphs``      Cyrillic/Greek look-alike letters, per character ``0.03 s``
``word_deletion``   each word dropped with probability ``0.06 s`` (one word always stays)
=================== =====================================================================
"""

from __future__ import annotations

from typing import Any

from genaug.ops.text import CharNoise, RandomDelete, check_texts
from genaug.rng import Seed, as_generator
from genaug.train import corruptions as _corruptions

__all__ = ["TEXT_CORRUPTIONS", "homoglyphs", "ocr", "typos", "word_deletion"]


def _severity(severity: int) -> int:
    if isinstance(severity, bool) or not isinstance(severity, int) or not 0 <= severity <= 5:
        raise ValueError(f"severity must be an int in 0..5; got {severity!r}")
    return severity


def _chars(x: Any, severity: int, generator: Seed, kind: str, rate: float) -> list[str]:
    texts = check_texts("x", x)
    s = _severity(severity)
    if s == 0:
        return list(texts)
    return CharNoise(rate=min(1.0, rate * s), kinds=[kind])(texts, generator=as_generator(generator))


def typos(x: list[str], severity: int, *, generator: Seed = None) -> list[str]:
    """Keyboard typos: each character replaced by a neighbouring key with probability 0.02 s."""
    return _chars(x, severity, generator, "keyboard", 0.02)


def ocr(x: list[str], severity: int, *, generator: Seed = None) -> list[str]:
    """OCR confusions with probability 0.03 s per character."""
    return _chars(x, severity, generator, "ocr", 0.03)


def homoglyphs(x: list[str], severity: int, *, generator: Seed = None) -> list[str]:
    """Look-alike Unicode letters with probability 0.03 s per character."""
    return _chars(x, severity, generator, "homoglyph", 0.03)


def word_deletion(x: list[str], severity: int, *, generator: Seed = None) -> list[str]:
    """Each word deleted with probability 0.06 s (one word always stays)."""
    texts = check_texts("x", x)
    s = _severity(severity)
    if s == 0:
        return list(texts)
    return RandomDelete(alpha=0.06 * s)(texts, generator=as_generator(generator))


TEXT_CORRUPTIONS: dict[str, Any] = {
    "typos": typos, "ocr": ocr, "homoglyphs": homoglyphs, "word_deletion": word_deletion,
}
_corruptions._SUITES.setdefault("text", TEXT_CORRUPTIONS)
