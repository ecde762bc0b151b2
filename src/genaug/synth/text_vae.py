"""``text_vae``: a class-conditional sentence VAE (Bowman et al. 2016) trained on the task's texts.

A GRU encoder reads a text and, with the class embedding, gives the posterior ``q(z | x, y)``;
a GRU decoder regenerates the text from ``z`` and the class (teacher forcing, ``[word; z;
class]`` at every step, its first hidden state a projection of ``[z; class]``). Two remedies
against posterior collapse, both from the paper: **KL annealing** (the KL weight rises linearly
from 0 to 1 over the first ``kl_anneal`` fraction of the steps) and **word dropout** (a share
``word_dropout`` of the decoder's input words is replaced by ``<unk>``, so the decoder must lean
on ``z``). Sampling draws ``z ~ N(0, I)`` and decodes for the requested class.

The unlabeled pool, when given, trains the VAE under an extra "unlabeled" class embedding (it
learns the language without labels). The tokenizer is a word vocabulary trained on the task's
texts (:class:`genaug.synth.text_lm.WordVocab`), stored in ``config.json``; weights in
safetensors.

Randomness: ``fit(generator=)`` seeds the initial weights (inside a forked global RNG), batches,
word dropout and the posterior noise; ``sample(generator=)`` draws ``z`` and the tokens from the
given generator only.
"""

from __future__ import annotations

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
from genaug.synth.base import progress_bar
from genaug.synth.text_lm import BOS, EOS, PAD, SPECIALS, UNK, UNLABELED, TextSynthesizer, WordVocab, _Threads
from genaug.validation import check_int, check_range

__all__ = ["TextVAE"]


class _SentenceVAE(nn.Module):
    def __init__(self, vocab: int, n_classes: int, d_embed: int, hidden: int, latent: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, d_embed, padding_idx=PAD)
        self.label = nn.Embedding(n_classes + 1, d_embed)  # the last row: unlabeled pool texts
        self.encoder = nn.GRU(d_embed, hidden, batch_first=True)
        self.to_stats = nn.Linear(hidden + d_embed, 2 * latent)
        self.to_hidden = nn.Linear(latent + d_embed, hidden)
        self.decoder = nn.GRU(d_embed + latent + d_embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def encode(self, ids: torch.Tensor, lengths: torch.Tensor,
               c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        packed = nn.utils.rnn.pack_padded_sequence(self.embed(ids), lengths.clamp_min(1).cpu(),
                                                   batch_first=True, enforce_sorted=False)
        _, h = self.encoder(packed)
        mu, logvar = self.to_stats(torch.cat([h[-1], self.label(c)], 1)).chunk(2, dim=1)
        return mu, logvar.clamp(-8.0, 8.0)

    def decode(self, inputs: torch.Tensor, z: torch.Tensor, c: torch.Tensor,
               h: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits (B, T, V) for input ids (B, T), and the last hidden state."""
        lab = self.label(c)
        if h is None:
            h = torch.tanh(self.to_hidden(torch.cat([z, lab], 1)))[None]
        t = inputs.shape[1]
        cond = torch.cat([z, lab], 1)[:, None].expand(-1, t, -1)
        out, h = self.decoder(torch.cat([self.embed(inputs), cond], 2), h)
        return self.head(out), h


@register("synthesizer", "text_vae")
class TextVAE(TextSynthesizer):
    """Class-conditional sentence VAE (GRU encoder and decoder, KL annealing, word dropout).

    Args:
        steps: optimizer steps (Adam).
        batch_size: texts per step.
        lr: learning rate.
        d_embed: word and class embedding size.
        hidden: GRU hidden size.
        latent: size of ``z``.
        max_len: longest text in tokens (+ the end token); longer texts are cut.
        word_dropout: share of decoder input words replaced by ``<unk>`` while training, in [0, 1).
        kl_anneal: fraction of the steps over which the KL weight rises from 0 to 1, in [0, 1]
            (0: full weight from the start).
        min_count: words seen fewer times become ``<unk>``.
        max_vocab: largest word vocabulary.
        pool_weight: share of each batch drawn from the unlabeled pool (when given), in [0, 1).
        temperature: sampling temperature (> 0).
        top_k: sample among the ``top_k`` most likely words (0: all).
        n_threads: torch intra-op threads while fitting and sampling (None: leave as is).
        progress: show a progress bar during fit.

    Attributes:
        history_: ``loss``, ``recon`` and ``kl`` (means over blocks of 50 steps),
            ``vocab_size``, ``labeled_samples``, ``unlabeled_samples``.

    Example:
        >>> vae = TextVAE(steps=500).fit(train, unlabeled=pool, generator=0)  # doctest: +SKIP
        >>> vae.sample(5, generator=1).x[:2]  # doctest: +SKIP
    """

    registry_name: ClassVar[str] = "text_vae"
    uses_unlabeled: ClassVar[bool] = True

    def __init__(self, *, steps: int = 1000, batch_size: int = 32, lr: float = 3e-3, d_embed: int = 64,
                 hidden: int = 128, latent: int = 16, max_len: int = 32, word_dropout: float = 0.3,
                 kl_anneal: float = 0.5, min_count: int = 2, max_vocab: int = 20_000,
                 pool_weight: float = 0.5, temperature: float = 0.8, top_k: int = 40,
                 n_threads: int | None = 1, progress: bool = False) -> None:
        self.steps = steps
        self.batch_size = batch_size
        self.lr = lr
        self.d_embed = d_embed
        self.hidden = hidden
        self.latent = latent
        self.max_len = max_len
        self.word_dropout = word_dropout
        self.kl_anneal = kl_anneal
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.pool_weight = pool_weight
        self.temperature = temperature
        self.top_k = top_k
        self.n_threads = n_threads
        self.progress = progress
        for name, low in (("steps", 1), ("batch_size", 1), ("d_embed", 1), ("hidden", 1), ("latent", 1),
                          ("max_len", 2), ("min_count", 1), ("max_vocab", 1), ("top_k", 0)):
            check_int(name, getattr(self, name), low)
        if n_threads is not None:
            check_int("n_threads", n_threads, 1)
        check_range("lr", lr, 0.0, low_inclusive=False)
        check_range("word_dropout", word_dropout, 0.0, 1.0, high_inclusive=False)
        check_range("kl_anneal", kl_anneal, 0.0, 1.0)
        check_range("pool_weight", pool_weight, 0.0, 1.0, high_inclusive=False)
        check_range("temperature", temperature, 0.0, low_inclusive=False)
        if not isinstance(progress, bool):
            raise TypeError(f"progress must be a bool; got {progress!r}")

    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        return {"steps": 4, "batch_size": 8, "d_embed": 8, "hidden": 8, "latent": 4, "max_len": 10}

    def _net(self) -> _SentenceVAE:
        return _SentenceVAE(len(self.vocab_), len(self.class_names_), self.d_embed, self.hidden, self.latent)

    def _encode(self, texts: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Word ids + ``<eos>`` padded to ``max_len`` (N, max_len), and the lengths with ``<eos>``."""
        rows, lengths = [], []
        for text in texts:
            ids = self.vocab_.encode(text)[: self.max_len - 1] + [EOS]
            lengths.append(len(ids))
            rows.append(ids + [PAD] * (self.max_len - len(ids)))
        return (torch.tensor(rows, dtype=torch.long).reshape(len(rows), self.max_len),
                torch.tensor(lengths, dtype=torch.long))

    def _fit(self, data: LabeledData, pool: Any, generator: torch.Generator) -> None:
        with _Threads(self.n_threads):
            self._fit_vae(data, pool, generator)

    def _fit_vae(self, data: LabeledData, pool: Any, generator: torch.Generator) -> None:
        seed = draw_seed(generator)
        k = data.num_classes
        self.vocab_ = WordVocab.build(list(data.x) + list(pool or []), n_classes=k, min_count=self.min_count,
                                      max_size=self.max_vocab)
        ids, lengths = self._encode(data.x)
        labels = torch.as_tensor(np.asarray(data.y), dtype=torch.long)
        if pool:
            pool_ids, pool_len = self._encode(pool)
            n_pool = int(round(self.pool_weight * self.batch_size))
        else:
            pool_ids = pool_len = None
            n_pool = 0
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(derive_seed(seed, "init") % 2**63)
            net = self._net()
        g = torch.Generator().manual_seed(derive_seed(seed, "batches") % 2**63)
        opt = torch.optim.Adam(net.parameters(), lr=self.lr)
        anneal = max(1, int(self.kl_anneal * self.steps))
        logs: dict[str, list[float]] = {"loss": [], "recon": [], "kl": []}
        net.train()
        with progress_bar(self.steps, "text_vae", self.progress) as advance:
            for step in range(self.steps):
                idx = torch.randint(len(ids), (self.batch_size - n_pool,), generator=g)
                x, n, c = ids[idx], lengths[idx], labels[idx]
                if n_pool and pool_ids is not None and pool_len is not None:
                    jdx = torch.randint(len(pool_ids), (n_pool,), generator=g)
                    x, n = torch.cat([x, pool_ids[jdx]]), torch.cat([n, pool_len[jdx]])
                    c = torch.cat([c, torch.full((n_pool,), k, dtype=torch.long)])
                mu, logvar = net.encode(x, n, c)
                z = mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=g)
                inputs = torch.cat([torch.full((len(x), 1), BOS, dtype=torch.long), x[:, :-1]], 1)
                drop = (torch.rand(inputs.shape, generator=g) < self.word_dropout) & (inputs != PAD)
                drop[:, 0] = False
                logits, _ = net.decode(inputs.masked_fill(drop, UNK), z, c)
                recon = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), x.reshape(-1), ignore_index=PAD,
                                        reduction="sum") / len(x)
                kl = (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1)).mean()
                beta = 1.0 if self.kl_anneal == 0 else min(1.0, (step + 1) / anneal)
                loss = recon + beta * kl
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
                opt.step()
                for key, value in (("loss", loss), ("recon", recon), ("kl", kl)):
                    logs[key].append(float(value.detach()))
                advance(loss=float(loss.detach()), kl=float(kl.detach()))
        self.model_ = net.eval()
        self.history_.update({
            **{key: [float(np.mean(v[i:i + 50])) for i in range(0, len(v), 50)] for key, v in logs.items()},
            "vocab_size": len(self.vocab_), "labeled_samples": len(data),
            "unlabeled_samples": len(pool or []),
        })

    def _sample(self, y: torch.Tensor, generator: torch.Generator) -> list[str]:
        with _Threads(self.n_threads):
            n = len(y)
            z = torch.randn((n, self.latent), generator=generator)
            tok = torch.full((n, 1), BOS, dtype=torch.long)
            out, h = [], None
            done = torch.zeros(n, dtype=torch.bool)
            banned = [PAD, BOS, UNK, UNLABELED, *range(len(SPECIALS), len(SPECIALS) + self.vocab_.n_classes)]
            for step in range(self.max_len):
                logits, h = self.model_.decode(tok, z, y, h)
                logits = logits[:, -1] / self.temperature
                logits[:, banned] = float("-inf")
                if step == 0:
                    logits[:, EOS] = float("-inf")  # at least one word
                if self.top_k and self.top_k < logits.shape[1]:
                    kth = torch.topk(logits, self.top_k, dim=1).values[:, -1:]
                    logits = logits.masked_fill(logits < kth, float("-inf"))
                stuck = torch.isinf(logits).all(1)  # nothing allowed (tiny vocabularies): end the text
                logits[stuck, EOS] = 0.0
                tok = torch.multinomial(torch.softmax(logits, 1), 1, generator=generator)
                tok = torch.where(done[:, None], torch.full_like(tok, PAD), tok)
                out.append(tok)
                done |= tok[:, 0] == EOS
                if bool(done.all()):
                    break
            ids = torch.cat(out, 1)
            return [self.vocab_.decode(row.tolist()) for row in ids]

    # ----- saving
    def _state(self) -> dict[str, Any]:
        return {"vocab_words_": self.vocab_.words}

    def _tensors(self) -> dict[str, torch.Tensor]:
        return {f"model.{k}": v for k, v in self.model_.state_dict().items()}

    def _restore_state(self, state: dict[str, Any]) -> None:
        words = state["vocab_words_"]
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise ValueError("vocab_words_ must be a list of strings")
        self.vocab_ = WordVocab(words, len(self.class_names_))

    def _expected_tensors(self) -> dict[str, TensorSpec]:
        with torch.device("meta"):
            net = self._net()
        return {f"model.{k}": TensorSpec(tuple(v.shape), v.dtype) for k, v in net.state_dict().items()}

    def _restore(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        with torch.random.fork_rng(devices=[]):
            net = self._net()
        net.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
        self.model_ = net.eval()
