"""``hf_causal_lm``: your own Hugging Face causal LM (a local folder) as a label-conditioned generator.

LAMBADA-style prompting (Anaby-Tavor et al. 2020; Kumar et al. 2020): each class gets a prompt
with its label prepended (``prompt.format(label=...)``, default ``"{label}: "``), the model
continues it, and the continuation up to the end token (or a newline) is the sample. With
``finetune_steps > 0`` the model is first fine-tuned on ``prompt + text + <eos>`` for the
labeled texts (AdamW, the loss on the text tokens only), which is what makes a small model
follow the labels.

Nothing is downloaded: ``transformers`` loads ``model_dir`` with ``local_files_only=True`` and
``use_safetensors=True`` (a folder with pickled weights is refused). ``transformers`` is imported
only when a model is loaded (``pip install 'genaug[hf]'``), so ``import genaug`` does not import
it. As with ``pretrained_diffusion``, ``model_dir`` is never taken from a saved file:
``load(path, model_dir=...)`` needs it again and checks it is the same folder (a hash of its
files); a fine-tuned model saves its weights in the synthesizer's safetensors file.

Randomness: ``fit(generator=)`` seeds the fine-tuning batches (dropout runs in a forked global RNG
seeded from it); ``sample(generator=)`` draws every token with ``torch.multinomial`` from the
given generator (``model.generate`` is not used: it draws from the global RNG).
"""

from __future__ import annotations

import inspect
import tempfile
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from genaug.data.labeled import LabeledData
from genaug.registry import register
from genaug.rng import derive_seed, draw_seed
from genaug.serialization import TensorSpec
from genaug.synth.base import progress_bar
from genaug.synth.text_lm import TextSynthesizer, _Threads
from genaug.validation import check_int, check_range

__all__ = ["HFCausalLM", "build_tiny_causal_lm"]


def _transformers() -> Any:
    try:
        import transformers
    except ImportError:
        raise ImportError("hf_causal_lm needs the 'transformers' package: pip install 'genaug[hf]'") from None
    transformers.logging.set_verbosity_error()
    return transformers


def build_tiny_causal_lm(path: str | Path, texts: list[str] | None = None) -> Path:
    """Save a tiny randomly initialised GPT-2 and a byte-level BPE tokenizer trained on ``texts``
    to ``path`` (for tests and examples; a real use points ``model_dir`` at your own model)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tf = _transformers()
    path = Path(path)
    corpus = texts or ["a tiny corpus for a tiny model", "label: text", "the end"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=["<|endoftext|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus, trainer)
    fast = tf.PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>",
                                      bos_token="<|endoftext|>", unk_token="<|endoftext|>")
    config = tf.GPT2Config(vocab_size=tok.get_vocab_size(), n_positions=64, n_embd=16, n_layer=1, n_head=2,
                           eos_token_id=fast.eos_token_id, bos_token_id=fast.bos_token_id)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = tf.GPT2LMHeadModel(config)
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path, safe_serialization=True)
    fast.save_pretrained(path)
    return path


@register("synthesizer", "hf_causal_lm")
class HFCausalLM(TextSynthesizer):
    """A local Hugging Face causal LM prompted with the class label (optionally fine-tuned).

    Args:
        model_dir: a folder written by ``save_pretrained`` (model + tokenizer, safetensors).
            Not trusted from a saved file: ``load(path, model_dir=...)`` requires it again.
        prompt: the prompt template; ``{label}`` is replaced by the class's label text.
        labels: ``{class_name: label text}`` for the prompt (default: the class names).
        finetune_steps: fine-tuning steps on the labeled texts (0: prompting only).
        batch_size: texts per fine-tuning step.
        lr: fine-tuning learning rate (AdamW).
        max_length: longest fine-tuning sequence in tokens (prompt + text + end).
        max_new_tokens: longest sample in tokens.
        temperature: sampling temperature (> 0).
        top_k: sample among the ``top_k`` most likely tokens (0: all).
        stop_at_newline: end a sample at its first newline.
        n_threads: torch intra-op threads while fitting and sampling (None: leave as is).
        progress: show a progress bar while fine-tuning.

    Example:
        >>> lm = HFCausalLM(model_dir="models/my-gpt2", finetune_steps=200)  # doctest: +SKIP
        >>> lm.fit(train, generator=0).sample(5, generator=1).x[:2]  # doctest: +SKIP
    """

    registry_name: ClassVar[str] = "hf_causal_lm"
    uses_unlabeled: ClassVar[bool] = False
    load_time_params: ClassVar[tuple[str, ...]] = ("model_dir",)
    _tiny_dir: ClassVar[Path | None] = None

    def __init__(self, *, model_dir: str, prompt: str = "{label}: ", labels: dict[str, str] | None = None,
                 finetune_steps: int = 0, batch_size: int = 8, lr: float = 5e-4, max_length: int = 64,
                 max_new_tokens: int = 40, temperature: float = 0.9, top_k: int = 50,
                 stop_at_newline: bool = True, n_threads: int | None = 1, progress: bool = False) -> None:
        self.model_dir = model_dir
        self.prompt = prompt
        self.labels = labels
        self.finetune_steps = finetune_steps
        self.batch_size = batch_size
        self.lr = lr
        self.max_length = max_length
        self.max_new_tokens = max_new_tokens
        self.temperature = temperature
        self.top_k = top_k
        self.stop_at_newline = stop_at_newline
        self.n_threads = n_threads
        self.progress = progress
        if not isinstance(model_dir, str | Path):
            raise TypeError(f"model_dir must be a path to a transformers model folder; got {model_dir!r}")
        if not isinstance(prompt, str) or "{label}" not in prompt:
            raise ValueError(f"prompt must be a str holding '{{label}}'; got {prompt!r}")
        if labels is not None and (not isinstance(labels, dict)
                                   or not all(isinstance(v, str) for v in labels.values())):
            raise TypeError(f"labels must be a dict {{class_name: label text}} or None; got {labels!r}")
        check_int("finetune_steps", finetune_steps, 0)
        check_int("batch_size", batch_size, 1)
        check_range("lr", lr, 0.0, low_inclusive=False)
        check_int("max_length", max_length, 2)
        check_int("max_new_tokens", max_new_tokens, 1)
        check_range("temperature", temperature, 0.0, low_inclusive=False)
        check_int("top_k", top_k, 0)
        for name in ("stop_at_newline", "progress"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be a bool; got {getattr(self, name)!r}")
        if n_threads is not None:
            check_int("n_threads", n_threads, 1)

    @classmethod
    def get_test_params(cls) -> dict[str, Any]:
        """Points at a tiny random GPT-2 saved once per process."""
        if cls._tiny_dir is None or not (cls._tiny_dir / "config.json").is_file():
            root = Path(tempfile.mkdtemp(prefix="genaug-tiny-gpt2-"))
            cls._tiny_dir = build_tiny_causal_lm(root / "lm")
        return {"model_dir": str(cls._tiny_dir), "finetune_steps": 2, "batch_size": 4, "max_new_tokens": 6}

    # ----- loading
    def _load(self) -> tuple[Any, Any]:
        from genaug.errors import MissingPathError, ModelFileError, one_line

        tf = _transformers()
        root = Path(self.model_dir)
        accepted = "a folder written by a transformers causal LM's save_pretrained (with its tokenizer)"
        if not (root / "config.json").is_file():
            raise MissingPathError("does not exist", path=root / "config.json", argument="model_dir",
                                   accepted=accepted)
        with torch.random.fork_rng(devices=[]):
            try:
                tok = tf.AutoTokenizer.from_pretrained(str(root), local_files_only=True)
                model = tf.AutoModelForCausalLM.from_pretrained(str(root), local_files_only=True,
                                                                use_safetensors=True)
            except (OSError, ValueError, TypeError, KeyError, AttributeError, RuntimeError) as err:
                raise ModelFileError(f"cannot be loaded as a causal LM: {type(err).__name__}: "
                                     f"{one_line(err, 300)}", path=root, argument="model_dir",
                                     accepted=accepted) from None
        if tok.eos_token_id is None:
            raise ValueError(f"the tokenizer in {root} has no end-of-text token (eos_token); "
                             f"accepted: {accepted}")
        return tok, model.eval()

    def _prompts(self) -> list[str]:
        labels = self.labels or {}
        unknown = sorted(set(labels) - set(self.class_names_))
        if unknown:
            raise ValueError(f"labels names classes {unknown} that are not in the data's "
                             f"{list(self.class_names_)}")
        return [self.prompt.format(label=labels.get(c, c)) for c in self.class_names_]

    # ----- fit
    def _fit(self, data: LabeledData, pool: Any, generator: torch.Generator) -> None:
        from genaug.synth.pretrained import model_dir_hash

        with _Threads(self.n_threads):
            self.tokenizer_, self.model_ = self._load()
            self.model_hash_ = model_dir_hash(self.model_dir)
            self.prompts_ = self._prompts()
            losses = self._finetune(data, generator) if self.finetune_steps else []
        self.history_.update({"loss": losses, "labeled_samples": len(data), "prompts": self.prompts_})

    def _finetune(self, data: LabeledData, generator: torch.Generator) -> list[float]:
        seed = draw_seed(generator)
        tok, eos = self.tokenizer_, self.tokenizer_.eos_token_id
        rows, masks = [], []
        for text, k in zip(data.x, np.asarray(data.y), strict=True):
            prompt = tok(self.prompts_[int(k)], add_special_tokens=False)["input_ids"]
            body = tok(text, add_special_tokens=False)["input_ids"]
            ids = (prompt + body)[: self.max_length - 1] + [eos]
            rows.append(ids)
            n_prompt = min(len(prompt), len(ids) - 1)  # the loss is on the text (and end) tokens
            masks.append([0] * n_prompt + [1] * (len(ids) - n_prompt))
        g = torch.Generator().manual_seed(derive_seed(seed, "batches") % 2**63)
        opt = torch.optim.AdamW(self.model_.parameters(), lr=self.lr)
        losses = []
        self.model_.train()
        with torch.random.fork_rng(devices=[]), progress_bar(self.finetune_steps, "hf_causal_lm",
                                                             self.progress) as advance:
            torch.manual_seed(derive_seed(seed, "dropout") % 2**63)
            for _ in range(self.finetune_steps):
                idx = torch.randint(len(rows), (min(self.batch_size, len(rows)),), generator=g).tolist()
                width = max(len(rows[i]) for i in idx)
                ids = torch.tensor([rows[i] + [eos] * (width - len(rows[i])) for i in idx])
                attn = torch.tensor([[1] * len(rows[i]) + [0] * (width - len(rows[i])) for i in idx])
                labels = torch.tensor([[t if m else -100 for t, m in zip(rows[i], masks[i], strict=True)]
                                       + [-100] * (width - len(rows[i])) for i in idx])
                loss = self.model_(input_ids=ids, attention_mask=attn, labels=labels).loss
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.model_.parameters(), 1.0)
                opt.step()
                losses.append(float(loss.detach()))
                advance(loss=losses[-1])
        self.model_.eval()
        return [float(np.mean(losses[i:i + 50])) for i in range(0, len(losses), 50)]

    # ----- sample
    def _sample(self, y: torch.Tensor, generator: torch.Generator) -> list[str]:
        out: list[str] = [""] * len(y)
        labels = y.numpy()
        with _Threads(self.n_threads):
            for c in np.unique(labels):
                where = np.flatnonzero(labels == c)
                texts = self._generate(self.prompts_[int(c)], len(where), generator)
                for i, text in zip(where, texts, strict=True):
                    out[i] = text
        return out

    def _generate(self, prompt: str, n: int, generator: torch.Generator) -> list[str]:
        tok, eos = self.tokenizer_, self.tokenizer_.eos_token_id
        ids = tok(prompt, add_special_tokens=False)["input_ids"] or [eos]
        cur = torch.tensor([ids] * n)
        past, new = None, []
        done = torch.zeros(n, dtype=torch.bool)
        limit = getattr(self.model_.config, "n_positions", None) or getattr(
            self.model_.config, "max_position_embeddings", None) or (len(ids) + self.max_new_tokens)
        # transformers 5 renamed past_key_values to cache; take whichever this version has
        params = inspect.signature(self.model_.forward).parameters
        cache_arg = "cache" if "cache" in params else "past_key_values"
        for _ in range(min(self.max_new_tokens, max(0, int(limit) - len(ids)))):
            result = self.model_(input_ids=cur, use_cache=True, **{cache_arg: past})
            past = getattr(result, cache_arg)
            logits = result.logits[:, -1].float() / self.temperature
            if self.top_k and self.top_k < logits.shape[1]:
                kth = torch.topk(logits, self.top_k, dim=1).values[:, -1:]
                logits = logits.masked_fill(logits < kth, float("-inf"))
            nxt = torch.multinomial(torch.softmax(logits, 1), 1, generator=generator)
            nxt = torch.where(done[:, None], torch.full_like(nxt, eos), nxt)
            new.append(nxt)
            done |= nxt[:, 0] == eos
            cur = nxt
            if bool(done.all()):
                break
        texts = []
        for row in (torch.cat(new, 1).tolist() if new else [[] for _ in range(n)]):
            row = row[: row.index(eos)] if eos in row else row
            text = tok.decode(row, skip_special_tokens=True)
            if self.stop_at_newline:
                text = text.split("\n", 1)[0]
            texts.append(text.strip())
        return texts

    # ----- saving
    def _state(self) -> dict[str, Any]:
        return {"model_hash_": self.model_hash_, "prompts_": self.prompts_}

    def _tensors(self) -> dict[str, torch.Tensor]:
        if not self.finetune_steps:
            return {"finetuned": torch.zeros(0)}
        return {f"model.{k}": v.detach().contiguous() for k, v in self._own_weights().items()}

    def _own_weights(self) -> dict[str, torch.Tensor]:
        """The state dict without tied copies (safetensors refuses shared storage; the ties are
        restored by ``tie_weights`` on load)."""
        seen, out = set(), {}
        for k, v in self.model_.state_dict().items():
            key = (v.untyped_storage().data_ptr(), v.storage_offset(), tuple(v.shape))
            if key not in seen:
                seen.add(key)
                out[k] = v
        return out

    def _restore_state(self, state: dict[str, Any]) -> None:
        from genaug.synth.pretrained import model_dir_hash

        if not (Path(self.model_dir) / "config.json").is_file():
            raise FileNotFoundError(f"{Path(self.model_dir) / 'config.json'} not found; model_dir must be "
                                    "the transformers model folder this synthesizer was fitted with")
        if model_dir_hash(self.model_dir) != state["model_hash_"]:
            raise ValueError(f"model_dir {self.model_dir} is not the folder this synthesizer was fitted with "
                             "(its files' hash differs)")
        prompts = state["prompts_"]
        if not isinstance(prompts, list) or len(prompts) != len(self.class_names_) or not all(
                isinstance(p, str) for p in prompts):
            raise ValueError(f"prompts_ must be one str per class; got {prompts!r}")
        self.model_hash_, self.prompts_ = state["model_hash_"], prompts
        with _Threads(self.n_threads):
            self.tokenizer_, self.model_ = self._load()

    def _expected_tensors(self) -> dict[str, TensorSpec]:
        if not self.finetune_steps:
            return {"finetuned": TensorSpec((0,), torch.float32)}
        return {f"model.{k}": TensorSpec(tuple(v.shape), v.dtype) for k, v in self._own_weights().items()}

    def _restore(self, state: dict[str, Any], tensors: dict[str, torch.Tensor]) -> None:
        if self.finetune_steps:
            self.model_.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")},
                                        strict=False)
            self.model_.tie_weights()
        self.model_.eval()
