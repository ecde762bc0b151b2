"""``text_lm``: a small label-conditioned causal transformer LM trained on the task's own texts.

LAMBADA (Anaby-Tavor et al. 2020) and Kumar et al. (2020): prepend the label to each training
text, train a language model on the result, then generate per class by starting from the label.
No pretrained weights exist offline, so the model is small and trained from scratch on the
labeled texts (and, when given, on the unlabeled pool under an ``<unlabeled>`` prefix, which
teaches it the language without labels). Pair it with a ``label_fidelity`` filter to keep the
samples a classifier assigns to the intended class.

Tokenizer: a word vocabulary built from the training texts (:class:`WordVocab`: lower-cased
words and punctuation with at least ``min_count`` occurrences; the rest is ``<unk>``). It is
stored in ``config.json``, the weights in safetensors.

Randomness: ``fit(generator=)`` seeds the initial weights, the batches and dropout (dropout
runs inside a forked global RNG seeded from it, so the caller's global state is untouched);
``sample(generator=)`` draws tokens with ``torch.multinomial`` from the given generator only.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from genaug.data.labeled import LabeledData
from genaug.registry import register
from genaug.rng import derive_seed, draw_seed
from genaug.serialization import TensorSpec
from genaug.synth.base import Synthesizer
from genaug.validation import check_int, check_range

__all__ = ["TextLM", "TextSynthesizer", "WordVocab", "detokenize", "tokenize"]

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")
SPECIALS: tuple[str, ...] = ("<pad>", "<bos>", "<eos>", "<unk>", "<unlabeled>")
PAD, BOS, EOS, UNK, UNLABELED = range(len(SPECIALS))


def tokenize(text: str) -> list[str]:
    """Lower-cased words (with inner apostrophes) and single punctuation marks."""
    return _TOKEN.findall(text.lower())


def detokenize(tokens: Sequence[str]) -> str:
    """Tokens joined by spaces, with no space before closing punctuation."""
    text = " ".join(tokens)
    text = re.sub(r" ([.,!?;:)%\]}])", r"\1", text)
    return re.sub(r"([(\[{$]) ", r"\1", text)


class WordVocab:
    """A word vocabulary: the specials, one token per class label, then the words by frequency.

    Args:
        words: the word tokens (most frequent first; ties alphabetical).
        n_classes: number of label tokens ``<label_0>`` ... after the specials.

    Example:
        >>> v = WordVocab.build(["a cat", "a dog"], n_classes=2, min_count=1)
        >>> v.decode(v.encode("a cat")), len(v)
        ('a cat', 10)
    """

    def __init__(self, words: Sequence[str], n_classes: int) -> None:
        self.words = list(words)
        self.n_classes = n_classes
        self.itos = [*SPECIALS, *(f"<label_{k}>" for k in range(n_classes)), *self.words]
        self.stoi = {w: i for i, w in enumerate(self.itos)}

    @classmethod
    def build(cls, texts: Sequence[str], *, n_classes: int, min_count: int = 2,
              max_size: int = 20_000) -> WordVocab:
        """The vocabulary of ``texts``: words seen ``min_count`` times or more, at most ``max_size``."""
        counts = Counter(t for text in texts for t in tokenize(text))
        words = sorted((w for w, c in counts.items() if c >= min_count), key=lambda w: (-counts[w], w))
        return cls(words[:max_size], n_classes)

    def __len__(self) -> int:
        return len(self.itos)

    def label(self, k: int) -> int:
        """Token id of class ``k``'s label token."""
        return len(SPECIALS) + k

    def encode(self, text: str) -> list[int]:
        """Word ids of ``text`` (unknown words: ``<unk>``), without label or end tokens."""
        return [self.stoi.get(t, UNK) for t in tokenize(text)]

    def decode(self, ids: Sequence[int]) -> str:
        """Text of word ids, stopping at ``<eos>`` and skipping specials and label tokens."""
        out = []
        first_word = len(SPECIALS) + self.n_classes
        for i in ids:
            if i == EOS:
                break
            if i >= first_word:
                out.append(self.itos[i])
            elif i == UNK:
                out.append("<unk>")
        return detokenize(out)


class _CausalLM(nn.Module):
    def __init__(self, vocab: int, d_model: int, n_layers: int, n_heads: int, max_len: int,
                 dropout: float) -> None:
        super().__init__()
        self.tok = nn.Embedding(vocab, d_model)
        self.pos = nn.Embedding(max_len, d_model)
        layer = nn.TransformerEncoderLayer(d_model, n_heads, 4 * d_model, dropout, batch_first=True,
                                           norm_first=True, activation="gelu")
        self.blocks = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab, bias=False)
        self.head.weight = self.tok.weight  # tied input/output embeddings

    def forward(self, ids: torch.Tensor, *, last_only: bool = False) -> torch.Tensor:
        """Next-token logits (B, T, V), or (B, V) for the last position with ``last_only``."""
        t = ids.shape[1]
        h = self.tok(ids) + self.pos(torch.arange(t, device=ids.device))[None]
        mask = torch.triu(torch.full((t, t), float("-inf"), device=ids.device), diagonal=1)
        padding = torch.zeros(ids.shape, device=ids.device).masked_fill(ids == PAD, float("-inf"))
        h = self.blocks(h, mask=mask, is_causal=True, src_key_padding_mask=padding)
        if last_only:
            h = h[:, -1]
        return self.head(self.norm(h))


class _Threads:
    """Context manager: torch intra-op threads set to ``n`` (None: unchanged), then restored."""

    def __init__(self, n: int | None) -> None:
        self.n = n

    def __enter__(self) -> None:
        self.before = torch.get_num_threads()
        if self.n is not None:
            torch.set_num_threads(self.n)

    def __exit__(self, *exc: object) -> None:
        torch.set_num_threads(self.before)


class TextSynthesizer(Synthesizer):
    """Base of synthesizers whose samples are texts (``list[str]``): text input checks."""

    modalities: ClassVar[tuple[str, ...] | None] = ("text",)

    def _as_data(self, X: Any, y: Any) -> LabeledData:
        if isinstance(X, LabeledData):
            if y is not None:
                raise ValueError("y must be None when X is a LabeledData (its labels are used)")
            return X
        if not isinstance(X, list | tuple):
            raise TypeError(f"X must be a LabeledData or a list of str; got {type(X).__name__}")
        if y is None:
            raise ValueError("y is required when X is a list of texts; got None")
        labels = np.asarray(y)
        if labels.size and labels.min() < 0:
            raise ValueError(f"label {int(labels.min())} is out of range; labels must be >= 0")
        k = int(labels.max()) + 1 if labels.size else 1
        return LabeledData(list(X), labels, tuple(str(i) for i in range(k)), "text")

    def _check_pool(self, unlabeled: Any, data: LabeledData) -> Any:
        if unlabeled is None:
            return None
        if isinstance(unlabeled, LabeledData):
            if unlabeled.modality != data.modality:
                raise ValueError(f"unlabeled must have the modality of X ({data.modality!r}); "
                                 f"got {unlabeled.modality!r}")
            texts = unlabeled.x
        else:
            texts = unlabeled
        if not isinstance(texts, list | tuple) or not all(isinstance(s, str) for s in texts):
            raise TypeError("unlabeled must be a list of str (or a text LabeledData)")
        return list(texts) or None

    def _empty_sample(self) -> Any:
        return []


@register("synthesizer", "text_lm")
class TextLM(TextSynthesizer):
    """Label-conditioned causal transformer LM trained from scratch on the task texts.

    Args:
        steps: optimizer steps (AdamW, cosine decay after a 5 % warm-up).
        batch_size: sequences per step.
        lr: peak learning rate.
        d_model, n_layers, n_heads: transformer size.
        max_len: longest sequence in tokens (label + words + end); longer texts are cut.
        dropout: dropout inside the transformer.
        min_count: words seen fewer times in the training texts become ``<unk>``.
        max_vocab: largest word vocabulary.
        pool_weight: fraction of each batch drawn from the unlabeled pool (when given), trained
            with the ``<unlabeled>`` prefix; in [0, 1).
        temperature: sampling temperature (> 0).
        top_k: sample among the ``top_k`` most likely tokens (0: all).
        ban_unk: never sample ``<unk>``.
        n_threads: torch intra-op threads while fitting and sampling (None: leave as is); one
            thread is fastest for a model this small, especially on a shared machine.

    Example:
        >>> lm = TextLM(steps=300).fit(train, generator=0)  # doctest: +SKIP
        >>> lm.sample(5, generator=1).x[:2]  # doctest: +SKIP
    """

    registry_name: ClassVar[str] = "text_lm"
    uses_unlabeled: ClassVar[bool] = True

    def __init__(self, *, steps: int = 1500, batch_size: int = 32, lr: float = 3e-3, d_model: int = 64,
                 n_layers: int = 2, n_heads: int = 4, max_len: int = 40, dropout: float = 0.1,
                 min_count: int = 2, max_vocab: int = 20_000, pool_weight: float = 0.5,
                 temperature: float = 0.9, top_k: int = 40, ban_unk: bool = True,
                 n_threads: int | None = 1) -> None:
        self.steps = steps
        self.batch_size = batch_size
        self.lr = lr
        self.d_model = d_model
        self.n_layers = n_layers
        self.n_heads = n_heads
        self.max_len = max_len
        self.dropout = dropout
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.pool_weight = pool_weight
        self.temperature = temperature
        self.top_k = top_k
        self.ban_unk = ban_unk
        self.n_threads = n_threads
        if n_threads is not None:
            check_int("n_threads", n_threads, 1)
        check_int("steps", steps, 1)
        check_int("batch_size", batch_size, 1)
        check_range("lr", lr, 0.0, low_inclusive=False)
        check_int("d_model", d_model, 2)
        check_int("n_layers", n_layers, 1)
        check_int("n_heads", n_heads, 1)
        if d_model % n_heads:
            raise ValueError(f"d_model must be a multiple of n_heads; got d_model={d_model}, "
                             f"n_heads={n_heads}")
        check_int("max_len", max_len, 3)
        check_range("dropout", dropout, 0.0, 1.0, high_inclusive=False)
        check_int("min_count", min_count, 1)
        check_int("max_vocab", max_vocab, 1)
        check_range("pool_weight", pool_weight, 0.0, 1.0, high_inclusive=False)
        check_range("temperature", temperature, 0.0, low_inclusive=False)
        check_int("top_k", top_k, 0)
        if not isinstance(ban_unk, bool):
            raise TypeError(f"ban_unk must be a bool; got {ban_unk!r}")

    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        return {"steps": 4, "batch_size": 8, "d_model": 8, "n_layers": 1, "n_heads": 2, "max_len": 12}

    def _net(self, vocab: int) -> _CausalLM:
        with torch.random.fork_rng(devices=[]):
            return _CausalLM(vocab, self.d_model, self.n_layers, self.n_heads, self.max_len, self.dropout)

    def _sequences(self, texts: Sequence[str], prefixes: Sequence[int]) -> torch.Tensor:
        rows = []
        for text, prefix in zip(texts, prefixes, strict=True):
            ids = [prefix, *self.vocab_.encode(text)][: self.max_len - 1] + [EOS]
            rows.append(ids + [PAD] * (self.max_len - len(ids)))
        return torch.tensor(rows, dtype=torch.long).reshape(len(rows), self.max_len)

    def _threads(self) -> Any:
        return _Threads(self.n_threads)

    def _fit(self, data: LabeledData, pool: Any, generator: torch.Generator) -> None:
        with self._threads():
            self._fit_lm(data, pool, generator)

    def _fit_lm(self, data: LabeledData, pool: Any, generator: torch.Generator) -> None:
        seed = draw_seed(generator)
        texts = list(data.x) + list(pool or [])
        self.vocab_ = WordVocab.build(texts, n_classes=data.num_classes, min_count=self.min_count,
                                      max_size=self.max_vocab)
        labeled = self._sequences(data.x, [self.vocab_.label(int(k)) for k in data.y])
        unlabeled = self._sequences(pool, [UNLABELED] * len(pool)) if pool else None
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(derive_seed(seed, "init") % 2**63)
            net = _CausalLM(len(self.vocab_), self.d_model, self.n_layers, self.n_heads, self.max_len,
                            self.dropout)
            g = torch.Generator().manual_seed(derive_seed(seed, "batches") % 2**63)
            opt = torch.optim.AdamW(net.parameters(), lr=self.lr, weight_decay=0.01)
            warm = max(1, self.steps // 20)
            sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * 0.5 * (
                1 + np.cos(np.pi * min(1.0, s / self.steps))))
            n_pool = int(round(self.pool_weight * self.batch_size)) if unlabeled is not None else 0
            losses = []
            net.train()
            for _ in range(self.steps):
                batch = labeled[torch.randint(len(labeled), (self.batch_size - n_pool,), generator=g)]
                if n_pool:
                    extra = unlabeled[torch.randint(len(unlabeled), (n_pool,), generator=g)]
                    batch = torch.cat([batch, extra])
                logits = net(batch[:, :-1])
                loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1),
                                       ignore_index=PAD)
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                opt.step()
                sched.step()
                losses.append(float(loss.detach()))
        self.model_ = net.eval()
        self.history_.update({
            "loss": [float(np.mean(losses[i:i + 50])) for i in range(0, len(losses), 50)],
            "vocab_size": len(self.vocab_), "unlabeled_samples": len(pool or []),
            "labeled_samples": len(data),
        })

    def _sample(self, y: torch.Tensor, generator: torch.Generator) -> Any:
        with self._threads():
            return self._sample_lm(y, generator)

    def _sample_lm(self, y: torch.Tensor, generator: torch.Generator) -> Any:
        n = len(y)
        ids = torch.tensor([[self.vocab_.label(int(k))] for k in y.tolist()], dtype=torch.long)
        done = torch.zeros(n, dtype=torch.bool)
        for _ in range(self.max_len - 1):
            logits = self.model_(ids, last_only=True) / self.temperature
            logits[:, [PAD, BOS, UNLABELED]] = float("-inf")
            logits[:, len(SPECIALS): len(SPECIALS) + self.vocab_.n_classes] = float("-inf")
            if self.ban_unk:
                logits[:, UNK] = float("-inf")
            if ids.shape[1] == 1:
                logits[:, EOS] = float("-inf")  # at least one word
            if self.top_k and self.top_k < logits.shape[1]:
                kth = torch.topk(logits, self.top_k, dim=1).values[:, -1:]
                logits = logits.masked_fill(logits < kth, float("-inf"))
            stuck = torch.isinf(logits).all(1)  # nothing allowed (tiny vocabularies): end the text
            logits[stuck, EOS] = 0.0
            nxt = torch.multinomial(torch.softmax(logits, 1), 1, generator=generator).squeeze(1)
            nxt = torch.where(done, torch.full_like(nxt, PAD), nxt)
            ids = torch.cat([ids, nxt[:, None]], 1)
            done |= nxt == EOS
            if bool(done.all()):
                break
        return [self.vocab_.decode(row[1:].tolist()) for row in ids]

    def _state(self) -> dict[str, Any]:
        return {"vocab_words_": self.vocab_.words}

    def _tensors(self) -> dict[str, torch.Tensor]:
        return {f"model.{k}": v for k, v in self.model_.state_dict().items() if k != "head.weight"}

    def _restore_state(self, state: dict[str, Any]) -> None:
        words = state["vocab_words_"]
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise ValueError("vocab_words_ must be a list of strings")
        self.vocab_ = WordVocab(words, len(self.class_names_))

    def _expected_tensors(self) -> dict[str, TensorSpec]:
        with torch.device("meta"):
            net = _CausalLM(len(self.vocab_), self.d_model, self.n_layers, self.n_heads, self.max_len,
                            self.dropout)
        return {f"model.{k}": TensorSpec(tuple(v.shape), v.dtype) for k, v in net.state_dict().items()
                if k != "head.weight"}

    def _restore(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        net = self._net(len(self.vocab_))
        net.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")}, strict=False)
        net.head.weight = net.tok.weight
        self.model_ = net.eval()
