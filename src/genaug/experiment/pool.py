"""Strategies that make the unlabeled pool pay: consistency training, contrastive pretraining +
fine-tuning, and DPT-style generators trained on the pseudo-labeled pool.

* ``fixmatch`` / ``uda``: the classifier trains with FixMatch's (or UDA's) consistency loss on
  the pool (:mod:`genaug.train.semi`); the plan carries ``fit_options = {"unlabeled": pool,
  "consistency": FixMatch(...)}``.
* ``pretrain``: SimCLR pretraining of the classifier's encoder on labeled + pool samples (labels
  hidden; :mod:`genaug.train.pretrain`), then fine-tuning from the checkpoint
  (``fit_options = {"init": checkpoint, "finetune": ...}``).
* ``online_generative``: generation inside the training loop; a fitted synthesizer replaces a
  share of every batch with fresh samples (:class:`OnlineSynthetic`, the plan's ``mixer``).
* ``dpt`` (You et al. 2023, "Diffusion models and semi-supervised learners benefit mutually
  with few labels"): a teacher (supervised with classical augmentation, or FixMatch) labels
  the pool; a class-conditional generator (``cvae``, ``diffusion``, ``cgan``) fits on the
  labeled + confidently pseudo-labeled samples, so its *conditional* branch learns from the
  pool; samples are drawn, filtered and fused with :mod:`genaug.experiment.generation`; the
  final classifier trains on real + generated samples plus the pool (as pseudo-labels, or by
  consistency training). ``synthesizer: null`` is the same pipeline without generation (the
  comparison the generation must win). Like ``pseudo_label``'s, the pseudo-labeled pool
  samples in the training set count as synthetic (``meta["source"] == "synthetic"``, with
  ``meta["origin"]`` ``"pseudo"`` or ``"generated"``): ``plan.synthetic`` holds both, and the
  real part of ``plan.train`` is ``split.labeled`` unchanged. The memorized share of the kept
  generated samples, against the generator's own training set, is ``info["memorized_share"]``.

Every strategy is a plain registered ``strategy`` (``prepare(split, generator=) ->
TrainingPlan``), so it can run on its own in ``strategies:`` or as a candidate of ``auto``.
The pool's labels are never read (:func:`genaug.experiment.generation.unlabeled_view`).
Plans with ``fit_options`` need a trainer that honours them:
:func:`genaug.experiment.strategies.fit_plan`.
"""

from __future__ import annotations

import time
from typing import Any, Literal

import numpy as np

from genaug import registry
from genaug.data.labeled import LabeledData
from genaug.experiment import generation
from genaug.experiment.budget import Work
from genaug.experiment.generation import named, unlabeled_view
from genaug.experiment.strategies import ClassicalAugmentation, Strategy, TrainingPlan
from genaug.mixing.base import SYNTHETIC
from genaug.mixing.base import fuse as fuse_data
from genaug.rng import Seed, derive_seed, draw_seed
from genaug.validation import check_choice, check_int, check_range

__all__ = ["DPTStrategy", "FixMatchStrategy", "OnlineGenerativeStrategy", "OnlineSynthetic",
           "PretrainStrategy", "UDAStrategy", "pseudo_label_pool"]

Student = Literal["pseudo_label", "fixmatch"]
Relabel = Literal["hard", "soft"]
Allocate = Literal["uniform", "unconfident"]


def _pool(split: Any) -> LabeledData | None:
    return unlabeled_view(getattr(split, "unlabeled", None))


def _require_pool(split: Any, name: str) -> LabeledData:
    pool = _pool(split)
    if pool is None:
        raise ValueError(
            f"strategy {name!r} needs an unlabeled pool: a split that leaves unlabeled training "
            "samples (split.unlabeled is empty)"
        )
    return pool


def _classical(augment: Any, labeled: LabeledData) -> tuple[Any, Any]:
    return ClassicalAugmentation(augment=augment)._build(sample_shape=labeled.sample_shape,
                                                         modality=labeled.modality)


def _model_config(model: dict[str, Any] | None, modality: str) -> tuple[str, dict[str, Any]]:
    if model is None:
        from genaug.modalities import get_modality

        model = get_modality(modality).default_model
        if model is None:
            raise ValueError(f"modality {modality!r} has no default classifier; pass model={{'name': ...}}")
    return named(model, "model")


@registry.register("strategy", "fixmatch")
class FixMatchStrategy(Strategy):
    """Consistency training on the pool (FixMatch, Sohn et al. 2020).

    Args:
        threshold: pseudo-label confidence threshold (0.95).
        ratio: unlabeled samples per labeled sample in a step (mu, 7).
        weight: unlabeled loss weight (lambda_u, 1).
        weak, strong: augmenter configs of the two views; ``None``: the modality's
            ``weak_augmenter``/``strong_augmenter``.
        ema_decay: EMA-teacher decay, or None (no teacher).
        augment: the labeled batches' augmenter config; ``None``: the weak augmenter, as in
            FixMatch.
        soft, temperature: UDA's soft sharpened targets (``uda`` sets them).
        steps: training steps of the classifier under this strategy (``None``: the spec's
            model setting). Consistency training needs longer than supervised training: on 20x20
            digits at 10 labels/class, ratio 3 at 600 steps beat pseudo-labels by +3.3 points
            where 200 steps tied (benchmarks/results/pool.md).
    """

    soft_default: bool = False

    def __init__(self, *, threshold: float = 0.95, ratio: int = 7, weight: float = 1.0,
                 weak: dict[str, Any] | list[Any] | None = None,
                 strong: dict[str, Any] | list[Any] | None = None, ema_decay: float | None = None,
                 augment: dict[str, Any] | list[Any] | None = None, soft: bool | None = None,
                 temperature: float = 0.4, steps: int | None = None) -> None:
        self.threshold = threshold
        self.ratio = ratio
        self.weight = weight
        self.weak = weak
        self.strong = strong
        self.ema_decay = ema_decay
        self.augment = augment
        self.soft = soft
        self.temperature = temperature
        self.steps = steps
        if steps is not None:
            check_int("steps", steps, low=1)
        self._consistency()  # a bad option fails when the spec is read

    def _consistency(self) -> Any:
        from genaug.train.semi import FixMatch

        return FixMatch(weak=self.weak, strong=self.strong, threshold=self.threshold, ratio=self.ratio,
                        weight=self.weight, soft=self.soft_default if self.soft is None else self.soft,
                        temperature=self.temperature, ema_decay=self.ema_decay)

    def planned_work(self) -> Work:
        """One fit whose steps also see ``ratio`` unlabeled samples per labeled one (a weak
        forward pass and a strong forward/backward pass): about ``1 + 4/3 * ratio`` plain fits."""
        return Work(classifier_fits=1.0 + 4.0 / 3.0 * self.ratio)

    def prepare(self, split: Any, *, generator: Seed = None) -> TrainingPlan:
        labeled: LabeledData = split.labeled
        pool = _require_pool(split, "fixmatch")
        consistency = self._consistency().bind(labeled.modality, labeled.sample_shape)
        augmenter = (consistency.weak_ if self.augment is None
                     else _classical(self.augment, labeled)[0])
        info = {"consistency": repr(consistency), "unlabeled_samples": len(pool),
                "augmenter": repr(augmenter)}
        if self.steps is not None:
            info["steps"] = self.steps
        return TrainingPlan(train=labeled, augmenter=augmenter, info=info,
                            fit_options={"unlabeled": pool, "consistency": consistency},
                            model_options={} if self.steps is None else {"steps": self.steps})


@registry.register("strategy", "uda")
class UDAStrategy(FixMatchStrategy):
    """:class:`FixMatchStrategy` with UDA's soft targets (Xie et al. 2020): sharpened
    distribution at temperature 0.4, confidence mask 0.8."""

    soft_default = True

    def __init__(self, *, threshold: float = 0.8, **kwargs: Any) -> None:
        super().__init__(threshold=threshold, **kwargs)


@registry.register("strategy", "pretrain")
class PretrainStrategy(Strategy):
    """SimCLR pretraining on labeled + pool samples (labels hidden), then fine-tuning.

    Args:
        model: the classifier that will fine-tune (``{name: small_cnn, arch_kwargs: ...}``; its
            ``arch`` and ``arch_kwargs`` must equal the experiment's ``model``); ``None``: the
            modality's default model.
        steps, batch_size, lr, temperature, projection_dim: SimCLR settings
            (:class:`genaug.train.pretrain.SimCLR`).
        views: augmenter config of the contrastive views; ``None``: the modality's strong one.
        finetune: ``"full"`` or ``"linear"`` (linear probe on the frozen encoder).
        augment: classical augmenter config for fine-tuning; ``None``: the modality default;
            ``False``: none.
        save_to: folder to save the checkpoint into (safetensors + JSON), or None.
    """

    def __init__(self, *, model: dict[str, Any] | None = None, steps: int = 500, batch_size: int = 256,
                 lr: float = 1e-3, temperature: float = 0.5, projection_dim: int = 128,
                 views: dict[str, Any] | list[Any] | None = None,
                 finetune: Literal["full", "linear"] = "full",
                 augment: dict[str, Any] | list[Any] | bool | None = None,
                 save_to: str | None = None) -> None:
        self.model = model
        self.steps = steps
        self.batch_size = batch_size
        self.lr = lr
        self.temperature = temperature
        self.projection_dim = projection_dim
        self.views = views
        self.finetune = finetune
        self.augment = augment
        self.save_to = save_to
        check_choice("finetune", finetune, ["full", "linear"])
        self._simclr("small_cnn", None)

    def _simclr(self, arch: str, arch_kwargs: dict[str, Any] | None) -> Any:
        from genaug.train.pretrain import SimCLR

        return SimCLR(arch=arch, arch_kwargs=arch_kwargs, steps=self.steps, batch_size=self.batch_size,
                      lr=self.lr, temperature=self.temperature, projection_dim=self.projection_dim,
                      augment=self.views)

    def planned_work(self) -> Work:
        """The fine-tune plus contrastive pretraining, in plain-fit units: ``steps x batch_size x
        2 views`` samples over the 32,000 (500 steps x 64) of a default classifier fit."""
        return Work(classifier_fits=1.0 + self.steps * self.batch_size * 2 / 32_000)

    def prepare(self, split: Any, *, generator: Seed = None) -> TrainingPlan:
        base = draw_seed(generator)
        labeled: LabeledData = split.labeled
        pool = _require_pool(split, "pretrain")
        name, options = _model_config(self.model, labeled.modality)
        clf = registry.create("model", name, **options)
        if not hasattr(clf, "arch"):
            raise ValueError(f"pretrain fine-tunes a torch model (small_cnn, cnn1d, mlp); got {name!r}")
        data = unlabeled_view(labeled).concat(pool)
        t0 = time.perf_counter()
        simclr = self._simclr(clf.arch, clf.arch_kwargs).fit(data, generator=derive_seed(base, "simclr"))
        seconds = time.perf_counter() - t0
        checkpoint = simclr.checkpoint_
        if self.save_to is not None:
            checkpoint.save(self.save_to)
        augmenter = mixer = None
        if self.augment is not False:
            augmenter, mixer = _classical(None if self.augment is True else self.augment, labeled)
        info = {"pretrain": "simclr", "seconds_pretrain": seconds, "pretrain_samples": len(data),
                "pretrain_final_loss": checkpoint.info["final_loss"], "finetune": self.finetune,
                "augmenter": repr(augmenter)}
        return TrainingPlan(train=labeled, augmenter=augmenter, mixer=mixer, info=info,
                            fit_options={"init": checkpoint, "finetune": self.finetune})


def _teacher_argmax(teacher: Any, data: LabeledData) -> tuple[np.ndarray, np.ndarray]:
    """The teacher's predicted class and its probability for every sample of ``data``."""
    probs = np.asarray(teacher.predict_proba(data), dtype=np.float64)
    return probs.argmax(axis=1), probs.max(axis=1)


def pseudo_label_pool(teacher: Any, pool: LabeledData, *,
                      threshold: float) -> tuple[LabeledData, dict[str, Any]]:
    """The pool samples whose teacher confidence is ``>= threshold``, labeled with its argmax.

    Args:
        teacher: a fitted classifier with ``predict_proba``.
        pool: unlabeled samples (labels ignored).
        threshold: confidence in [0, 1].

    Returns:
        ``(pseudo, info)``: the kept samples with ``meta["confidence"]``, ``meta["source"] ==
        "pseudo"`` and ``meta["source_index"]`` (row in ``pool``); ``info`` has the kept share
        and per-class counts (``pseudo_per_class``: the kept; ``pool_pred_per_class``: every
        pool sample's argmax).
    """
    pred, conf = _teacher_argmax(teacher, pool)
    keep = np.flatnonzero(conf >= threshold)
    pseudo = LabeledData(pool.x[keep], pred[keep].astype(np.int64), pool.class_names, pool.modality,
                         {"confidence": conf[keep], "source": np.full(len(keep), "pseudo"),
                          "source_index": keep.astype(np.int64)})
    counts = np.bincount(pred[keep], minlength=pool.num_classes).tolist()
    return pseudo, {"pseudo_kept": len(keep), "pseudo_share": float(len(keep) / max(1, len(pool))),
                    "pseudo_per_class": counts,
                    "pool_pred_per_class": np.bincount(pred, minlength=pool.num_classes).tolist()}


DPT_FILTERS: tuple[Any, ...] = ("dedup", {"name": "label_fidelity", "threshold": 0.9})
"""The DPT strategy's default filters of its generated samples."""


@registry.register("strategy", "dpt")
class DPTStrategy(Strategy):
    """DPT-style: teacher -> pseudo-labels -> class-conditional generator on real + pseudo ->
    sample, filter, fuse -> the student trains on real + generated (+ the pool).

    Args:
        synthesizer: the class-conditional generator config (``cvae``, ``diffusion``, ``cgan``);
            ``None``: no generation (the same pipeline without it).
        n_per_class: samples drawn per class before filtering (on average, with ``allocate``).
        allocate: how the ``n_per_class * classes`` draws split over the classes: ``"uniform"``,
            or ``"unconfident"``: in proportion to the pool samples the teacher assigns to the
            class below ``threshold`` (plus one), i.e. generation where pseudo-labels are missing.
        teacher: the teacher's classifier config; ``None``: the modality's default model with
            400 steps (as ``pseudo_label``'s teacher).
        teacher_consistency: FixMatch options for the teacher (``{}`` for the defaults), or
            ``None``: the teacher trains supervised with classical augmentation.
        threshold: pseudo-label confidence that admits a pool sample to the generator's (and a
            ``pseudo_label`` student's) training set.
        confidence_weight: weight each pseudo-labeled sample by its confidence (else 1).
        use_pool: the generator also sees the remaining (unconfident) pool as unlabeled data.
        filter: filter config(s), fitted on the generator's training set (real + pseudo);
            default :data:`DPT_FILTERS`: ``dedup`` (drops near-copies, the memorization
            filter), then ``label_fidelity`` at 0.9 (drops samples a probe fitted on real +
            pseudo-labeled data does not assign to their class; on MNIST-1D at 10 labels/class it
            turned dpt's -7.5 points against no generation into -1.0, benchmarks/results/pool.md).
        mix: fusion config (default ``mix_concat``).
        student: ``"pseudo_label"`` (train on real + pseudo + generated) or ``"fixmatch"``
            (real + generated, with consistency training on the pool).
        student_consistency: FixMatch options for a ``fixmatch`` student.
        student_steps: training steps of the student (``None``: the spec's classifier steps), as
            ``fixmatch``'s ``steps``: a FixMatch student at ratio 3 needs ~600 steps to beat
            pseudo-labels (benchmarks/results/pool.md).
        relabel: who labels the generated samples. ``None``: the class they were generated for.
            ``"hard"``: the teacher's argmax, keeping those at teacher confidence >= ``threshold``
            (before the filters; the conditioning becomes a proposal, so a generator that
            ignores its label still yields usable samples). ``"soft"``: the teacher's
            distribution (after the filters): each kept sample enters once per class the
            teacher gives probability >= ``soft_floor``, weighted by that probability
            (renormalised), which is the soft-target cross-entropy of distillation, written
            as weighted rows.
        soft_floor: the smallest teacher probability a ``"soft"`` row keeps.
        online: generation inside the student's training loop instead of a fixed set: the share
            of every student batch replaced by fresh samples of the fitted generator, each of the
            class of the row it replaces (:class:`OnlineSynthetic`); ``None``: a fixed set of
            ``n_per_class`` per class. The filters and ``relabel`` act on a fixed set, so they do
            not apply (``relabel`` must be ``None``); ``memorized_share`` is then measured on the
            ``n_per_class`` draws made for that purpose, unfiltered, and the plan's ``mixer``
            is the hook (its ``generated_`` counts what the student saw per class).
        augment: classical augmenter config of the student (``None``: the modality default).
        memorization: record the memorized share of the kept generated samples against the
            generator's training set (real + pseudo, ``memorized_share``) and against the
            labeled samples alone (``memorized_share_vs_labeled``, what the runner's quality
            metrics measure for the other generators).
    """

    def __init__(self, *, synthesizer: dict[str, Any] | str | None = "cvae", n_per_class: int = 100,
                 allocate: Allocate = "uniform", teacher: dict[str, Any] | None = None,
                 teacher_consistency: dict[str, Any] | None = None,
                 threshold: float = 0.95, confidence_weight: bool = False, use_pool: bool = True,
                 filter: dict[str, Any] | list[Any] | tuple[Any, ...] | str | None = DPT_FILTERS,
                 mix: dict[str, Any] | str | None = None, student: Student = "pseudo_label",
                 student_consistency: dict[str, Any] | None = None, student_steps: int | None = None,
                 relabel: Relabel | None = None, soft_floor: float = 0.05, online: float | None = None,
                 augment: dict[str, Any] | list[Any] | None = None, memorization: bool = True) -> None:
        self.synthesizer = synthesizer
        self.n_per_class = n_per_class
        self.allocate = allocate
        self.teacher = teacher
        self.teacher_consistency = teacher_consistency
        self.threshold = threshold
        self.confidence_weight = confidence_weight
        self.use_pool = use_pool
        self.filter = filter
        self.mix = mix
        self.student = student
        self.student_consistency = student_consistency
        self.student_steps = student_steps
        self.relabel = relabel
        self.soft_floor = soft_floor
        self.online = online
        self.augment = augment
        self.memorization = memorization
        check_int("n_per_class", n_per_class, 1)
        check_choice("allocate", allocate, ["uniform", "unconfident"])
        if relabel is not None:
            check_choice("relabel", relabel, ["hard", "soft"])
        check_range("soft_floor", soft_floor, 0.0, 1.0, low_inclusive=False)
        if online is not None:
            check_range("online", online, 0.0, 1.0, low_inclusive=False)
            if synthesizer is None or relabel is not None:
                raise ValueError(f"dpt: online={online} needs a synthesizer and relabel=None (got "
                                 f"synthesizer={synthesizer!r}, relabel={relabel!r}); online samples are "
                                 "drawn per batch for the class of the row they replace")
        check_range("threshold", threshold, 0.0, 1.0)
        check_choice("student", student, ["pseudo_label", "fixmatch"])
        if student_steps is not None:
            check_int("student_steps", student_steps, low=1)
        if synthesizer is not None:
            registry.get("synthesizer", named(synthesizer, "synthesizer")[0])
        for f in self._filters():
            registry.get("filter", named(f, "filter")[0])
        registry.get("fusion", named(mix or "mix_concat", "mix")[0])
        from genaug.train.semi import FixMatch

        for options in (teacher_consistency, student_consistency):
            if options is not None:
                FixMatch(**options)

    def _filters(self) -> list[Any]:
        if self.filter is None:
            return []
        return list(self.filter) if isinstance(self.filter, list | tuple) else [self.filter]

    def _teacher(self, split: Any, pool: LabeledData, seed: int) -> tuple[Any, dict[str, Any]]:
        labeled: LabeledData = split.labeled
        config = self.teacher
        if config is None:
            name, options = _model_config(None, labeled.modality)
            options = {**options, "steps": 400}
        else:
            name, options = named(config, "teacher")
        teacher = registry.create("model", name, **options)
        augmenter, _ = _classical(None, labeled)
        extra: dict[str, Any] = {}
        if self.teacher_consistency is not None:
            from genaug.train.semi import FixMatch

            consistency = FixMatch(**self.teacher_consistency)
            extra = {"unlabeled": pool, "consistency": consistency}
            augmenter = consistency.bind(labeled.modality, labeled.sample_shape).weak_
        t0 = time.perf_counter()
        val = getattr(split, "val", None)
        val = val if val is not None and len(val) else None  # auto's kfold folds have no val rows
        teacher.fit(labeled, val, augmenter=augmenter, generator=seed, **extra)
        return teacher, {"teacher": {"name": name, **options},
                         "teacher_consistency": self.teacher_consistency,
                         "seconds_teacher": time.perf_counter() - t0}

    def planned_work(self) -> Work:
        """Teacher + student fits (the student with FixMatch's per-step factor when it is a
        ``fixmatch`` student) and one generator fit."""
        base = super().planned_work()
        student = 1.0 + 4.0 / 3.0 * 7 if self.student == "fixmatch" else 1.0
        return Work(classifier_fits=1.0 + student, synthesizers=base.synthesizers)

    def prepare(self, split: Any, *, generator: Seed = None) -> TrainingPlan:
        base = draw_seed(generator)
        labeled: LabeledData = split.labeled
        pool = _require_pool(split, "dpt")
        teacher, info = self._teacher(split, pool, derive_seed(base, "teacher"))
        pseudo, pinfo = pseudo_label_pool(teacher, pool, threshold=self.threshold)
        info.update(pinfo)
        weights = pseudo.meta["confidence"] if self.confidence_weight else np.ones(len(pseudo))
        pseudo = pseudo.with_meta(weight=np.asarray(weights, dtype=np.float64),
                                  source=np.full(len(pseudo), SYNTHETIC),
                                  origin=np.full(len(pseudo), "pseudo"))
        gen_data = _core(labeled).concat(_core(pseudo))  # what the generator learns from
        extras = pseudo if self.student == "pseudo_label" else pseudo.subset([])
        online: OnlineSynthetic | None = None
        if self.synthesizer is not None:
            rest = None
            if self.use_pool:
                unconfident = np.setdiff1d(np.arange(len(pool)), pseudo.meta["source_index"])
                rest = unlabeled_view(pool.subset(unconfident)) if len(unconfident) else None
            counts = self._counts(pinfo)
            if isinstance(counts, dict):
                info["generated_per_class"] = list(counts.values())
            made = generation.fit_and_sample(
                self.synthesizer, gen_data, pool=rest, n_per_class=counts,
                fit_seed=derive_seed(base, "fit"), sample_seed=derive_seed(base, "sample"))
            info.update({**made.info, "generator_train": len(gen_data)})
            if self.online is not None:
                online = OnlineSynthetic(made.synthesizer, fraction=self.online)
                info["online_fraction"] = self.online
                self._record_memorization(info, made.data, gen_data, labeled)
            else:
                generated = self._fixed_set(teacher, made.data, gen_data, labeled, info)
                extras = fuse_data(extras, generated)
        augmenter, mixer = _classical(self.augment, labeled)  # mixer is None: no label mixer
        if online is not None:
            mixer = online
        fit_options: dict[str, Any] = {}
        if self.student == "fixmatch":
            from genaug.train.semi import FixMatch

            fit_options = {"unlabeled": pool, "consistency": FixMatch(**(self.student_consistency or {}))}
        model_options: dict[str, Any] = {}
        if self.student_steps is not None:
            model_options = {"steps": self.student_steps}
            info["student_steps"] = self.student_steps
        if not len(extras):
            return TrainingPlan(train=labeled, augmenter=augmenter, mixer=mixer, info=info,
                                fit_options=fit_options, model_options=model_options)
        plan = generation.fuse(labeled, extras, self.mix or "mix_concat", mix_seed=derive_seed(base, "mix"),
                               augmenter=augmenter, mixer=mixer, info=info)
        plan.fit_options = fit_options
        plan.model_options = model_options
        return plan

    def _fixed_set(self, teacher: Any, proposals: LabeledData, gen_data: LabeledData,
                   labeled: LabeledData, info: dict[str, Any]) -> LabeledData:
        """The generated samples that join the student's data: relabelled (``relabel``),
        filtered, their memorized share recorded in ``info``."""
        if self.relabel == "hard":
            proposals, agree = self._relabel_hard(teacher, proposals)
            info.update({"n_relabel_kept": len(proposals), "relabel_agree": agree})
        generated, seconds_filter = generation.apply_filters(proposals, gen_data, self._filters())
        info.update({"seconds_filter": seconds_filter, "n_generated_kept": len(generated)})
        self._record_memorization(info, generated, gen_data, labeled)
        generated = generated.with_meta(origin=np.full(len(generated), "generated"),
                                        weight=np.ones(len(generated)))
        if self.relabel == "soft" and len(generated):
            generated = self._relabel_soft(teacher, generated)
            info["n_soft_rows"] = len(generated)
        return generated

    def _record_memorization(self, info: dict[str, Any], samples: LabeledData, gen_data: LabeledData,
                             labeled: LabeledData) -> None:
        """``memorized_share`` of ``samples`` against the generator's training set and against the
        labeled samples alone (when ``memorization`` is on and there are samples)."""
        if self.memorization and len(samples):
            info["memorized_share"] = _memorized_share(gen_data, samples)
            info["memorized_share_vs_labeled"] = _memorized_share(_core(labeled), samples)

    def _counts(self, pinfo: dict[str, Any]) -> int | dict[int, int]:
        """Draws per class: ``n_per_class``, or (``"unconfident"``) the same total split in
        proportion to the teacher's unconfident pool samples per class, plus one."""
        if self.allocate == "uniform":
            return self.n_per_class
        unconfident = np.asarray(pinfo["pool_pred_per_class"]) - np.asarray(pinfo["pseudo_per_class"]) + 1.0
        total = self.n_per_class * len(unconfident)
        raw = total * unconfident / unconfident.sum()
        counts = np.floor(raw).astype(np.int64)
        # the rest to the largest remainders
        counts[np.argsort(counts - raw, kind="stable")[: total - int(counts.sum())]] += 1
        return {c: int(n) for c, n in enumerate(counts)}

    def _relabel_hard(self, teacher: Any, generated: LabeledData) -> tuple[LabeledData, float | None]:
        """The generated samples the teacher labels with confidence >= ``threshold``, under its
        argmax; and the share of all samples whose argmax is the class they were made for."""
        if not len(generated):
            return generated, None
        pred, conf = _teacher_argmax(teacher, generated)
        agree = float(np.mean(pred == np.asarray(generated.y)))
        keep = np.flatnonzero(conf >= self.threshold)
        kept = generated.subset(keep)
        return LabeledData(kept.x, pred[keep].astype(np.int64), kept.class_names, kept.modality,
                           kept.meta), agree

    def _relabel_soft(self, teacher: Any, generated: LabeledData) -> LabeledData:
        """One row per (sample, class) with teacher probability >= ``soft_floor``, weighted by
        the renormalised probability (the sample's other metadata repeated)."""
        probs = np.asarray(teacher.predict_proba(generated), dtype=np.float64)
        probs = np.where(probs >= self.soft_floor, probs, 0.0)
        top = probs.argmax(axis=1)
        probs[np.arange(len(probs)), top] = np.maximum(probs[np.arange(len(probs)), top], 1e-12)
        probs /= probs.sum(axis=1, keepdims=True)
        rows, classes = np.nonzero(probs)
        out = generated.subset(rows)
        weight = np.asarray(out.meta["weight"], dtype=np.float64) * probs[rows, classes]
        return LabeledData(out.x, classes.astype(np.int64), out.class_names, out.modality,
                           {**out.meta, "weight": weight})


def _core(data: LabeledData) -> LabeledData:
    """``data`` without metadata."""
    return LabeledData(data.x, data.y, data.class_names, data.modality)


def _memorized_share(train: LabeledData, synthetic: LabeledData) -> float | None:
    """Share of ``synthetic`` closer to a training sample than real samples are to each other
    (the ``memorization`` metric, random-conv features); None when it cannot be computed."""
    from genaug.quality import evaluate_quality

    try:
        return float(evaluate_quality(train, synthetic, ["memorization"])["memorization"])
    except (ValueError, RuntimeError):
        return None


class OnlineSynthetic:
    """Generation inside the training loop: a label-mixer hook (``mixer(xb, y_soft, generator=)``
    of the torch classifiers) that replaces a share of every batch with *fresh* samples of a
    fitted synthesizer, each of the class of the row it replaces.

    Args:
        synthesizer: a fitted synthesizer (``sample(n_per_class, generator=)``).
        fraction: share of each batch replaced, in (0, 1].

    Attributes:
        generated_: samples drawn so far per class (the provenance count; int64 (K,)).
        calls_: batches seen.

    Shape:
        xb (B, ...) and y_soft (B, K) -> the same shapes; labels are unchanged.
    """

    def __init__(self, synthesizer: Any, *, fraction: float = 0.5) -> None:
        self.synthesizer = synthesizer
        self.fraction = fraction
        check_range("fraction", fraction, 0.0, 1.0, low_inclusive=False)
        self.generated_ = np.zeros(len(synthesizer.class_names_), dtype=np.int64)
        self.calls_ = 0

    def __call__(self, xb: Any, y_soft: Any, *, generator: Seed = None) -> tuple[Any, Any]:
        import torch

        from genaug.rng import as_generator

        g = as_generator(generator)
        b, k = len(xb), y_soft.shape[1]
        m = max(1, int(round(self.fraction * b)))
        rows = torch.randperm(b, generator=g)[:m]
        labels = y_soft[rows].argmax(dim=1)
        counts = torch.bincount(labels, minlength=k).numpy()
        drawn = self.synthesizer.sample({c: int(n) for c, n in enumerate(counts) if n}, generator=g)
        order = torch.argsort(labels, stable=True)  # sample() returns the classes in order
        out = xb.clone()
        out[rows[order]] = torch.as_tensor(drawn.x, dtype=xb.dtype).to(xb.device)
        self.generated_ += counts.astype(np.int64)
        self.calls_ += 1
        return out, y_soft

    def __repr__(self) -> str:
        return f"OnlineSynthetic({type(self.synthesizer).__name__}, fraction={self.fraction})"


@registry.register("strategy", "online_generative")
class OnlineGenerativeStrategy(Strategy):
    """Real-time generative augmentation: fit a fast synthesizer once, then every training batch
    has ``fraction`` of its rows replaced by fresh samples of the same classes
    (:class:`OnlineSynthetic`), instead of a fixed pre-generated set.

    The plan's ``mixer`` is the hook (torch classifiers); ``info`` records the synthesizer, the
    fraction and the expected number of fresh samples (``steps * batch * fraction`` for the
    classifier's budget); the hook's ``generated_`` counts what was drawn per class. The
    comparison with a fixed set of the same size is ``generative`` with ``n_per_class`` equal
    to that count divided by the number of classes.

    Args:
        synthesizer: the synthesizer config (default ``cvae``: sampling is one decoder pass).
        fraction: share of each batch replaced, in (0, 1].
        use_pool: fit the synthesizer on the unlabeled pool too (labels hidden).
        augment: classical augmenter config applied before the replacement (``None``: the
            modality default; ``False``: none).
    """

    def __init__(self, *, synthesizer: dict[str, Any] | str = "cvae", fraction: float = 0.5,
                 use_pool: bool = True, augment: dict[str, Any] | list[Any] | bool | None = None) -> None:
        self.synthesizer = synthesizer
        self.fraction = fraction
        self.use_pool = use_pool
        self.augment = augment
        check_range("fraction", fraction, 0.0, 1.0, low_inclusive=False)
        registry.get("synthesizer", named(synthesizer, "synthesizer")[0])

    def prepare(self, split: Any, *, generator: Seed = None) -> TrainingPlan:
        base = draw_seed(generator)
        labeled: LabeledData = split.labeled
        pool = _pool(split) if self.use_pool else None
        made = generation.fit_and_sample(self.synthesizer, labeled, pool=pool, n_per_class=0,
                                         fit_seed=derive_seed(base, "fit"), sample_seed=0)
        augmenter = None
        if self.augment is not False:
            augmenter, _ = _classical(None if self.augment is True else self.augment, labeled)
        hook = OnlineSynthetic(made.synthesizer, fraction=self.fraction)
        info = {**made.info, "online_fraction": self.fraction, "augmenter": repr(augmenter)}
        return TrainingPlan(train=labeled, augmenter=augmenter, mixer=hook, info=info)
