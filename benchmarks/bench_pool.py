"""Does the unlabeled pool pay? Test accuracy of pool strategies at 5 and 10 labels per class.

For each dataset, labeled-per-class size and seed, the split is the runner's (``split(...,
seed=derive_seed(seed, "split"))``: 30 % test, ``--val-per-class`` validation samples per
class, ``size`` labeled per class, the rest of the training part is the unlabeled pool), and
every method trains the same classifier (the modality's default torch model, ``--steps``
steps, one initialisation per (seed, size): ``derive_seed(seed, "train", size)``):

* ``none``, ``classical`` (the modality's default augmenter);
* ``pseudo_label``: ``generative+classical`` with the ``pseudo_label`` synthesizer (a
  400-step teacher labels the pool; the ``--pseudo-per-class`` most confident per class join);
* ``fixmatch``: FixMatch consistency training on the pool (paper defaults: threshold 0.95,
  mu 7, lambda 1; weak = classical, strong = the modality's RandAugment + Cutout);
* ``pretrain``: SimCLR on labeled + pool (``--simclr-steps``), full fine-tune with classical
  augmentation;
* ``dpt_nogen``: teacher (400 steps, classical) -> pool samples with confidence >= 0.95 as
  pseudo-labels -> student on labeled + pseudo-labels (classical);
* ``dpt``: the same, plus a ``cvae`` (``--cvae-steps``) fitted on labeled + pseudo-labeled
  samples (the rest of the pool unlabeled), ``--dpt-per-class`` samples per class, the
  strategy's default filters (``DPT_FILTERS``: ``dedup`` + ``label_fidelity`` 0.9), fused with
  the student's training set (``dpt_dedup``: ``dedup`` only, the ``dpt`` row before 2026-12-07);
* ``cvae_pool``: today's generator for comparison: ``generative+classical`` with the same
  ``cvae`` fitted on the labeled samples + the label-hidden pool, ``dedup`` filter (not in the
  default list; its memorized share is recorded next to ``dpt``'s);
* ``svm_rbf``: scikit-learn's RBF SVM on the labeled samples (grid-searched C, gamma);
* ``best_on_val``: for each seed, the method (of those above) with the highest validation
  accuracy: selection on validation only;
* ``auto`` (not in the default list): the real ``auto`` strategy with the candidates of
  ``examples/digits_pool.yaml`` (its choice, decision and scores are recorded).
* ``auto_kfold``: the same search scored by 3-fold cross-validation (``protocol: kfold``);
* ``dptft_nogen`` / ``dptft`` / ``dptft_relabel``: DPT with a FixMatch teacher, without and with
  cvae samples (the latter labelled by the teacher); the other ``DPT_VARIANTS`` pair with
  ``dpt_nogen``;
* ``dpt_online`` / ``dptft_online``: the cvae sampled inside the student's loop (``online: 0.25``:
  a quarter of every batch fresh samples) instead of a fixed set, with either teacher.

Each record is appended to ``--out`` (JSON lines) as soon as it is made, so an interrupted run
keeps what it finished. ``--summary`` prints mean test accuracy and paired 95 % t-intervals
against ``classical`` and against the best pool method without generation.

Usage:
    .venv/bin/python benchmarks/bench_pool.py --datasets digits --sizes 5 10 --seeds 0 1 2 \\
        --out /tmp/pool_digits.jsonl
    .venv/bin/python benchmarks/bench_pool.py --summary /tmp/pool_digits.jsonl
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from genaug import registry
from genaug.data import load_dataset, split
from genaug.experiment.pool import DPT_FILTERS
from genaug.experiment.stats import mean_ci, paired_diff
from genaug.experiment.strategies import create_model, fit_plan
from genaug.modalities import get_modality
from genaug.rng import derive_seed
from genaug.train import metrics

DEFAULT_METHODS = ("none", "classical", "pseudo_label", "fixmatch", "pretrain", "dpt_nogen", "dpt", "svm_rbf")
DPT_VARIANTS = ("dpt_dedup", "dpt_w", "dpt_lf_w", "dpt_diffusion", "dpt_cp", "dpt_cp_lf", "dpt_img2img",
                "dpt_relabel", "dpt_soft", "dpt_diffusion_g5", "dpt_cgan", "dpt_unconf", "dpt_online")
"""DPT rows that differ from ``dpt`` only in the generator or its filters (paired with dpt_nogen)."""
DPT_FM = ("dptfm_nogen", "dptfm")
"""DPT with a FixMatch student (ratio 3, 3x the steps): the generated samples join consistency training."""
DPT_FT = ("dptft_nogen", "dptft", "dptft_relabel", "dptft_online")
"""DPT with a FixMatch teacher (ratio 3, 3x the steps; the issue's "best available teacher"): its
pseudo-labels train the generator and, with the kept samples, a 3x-steps student."""
METHODS = (*DEFAULT_METHODS, "cvae_pool", *DPT_VARIANTS, *DPT_FM, *DPT_FT, "fixmatch_ema",
           "fixmatch_mu3", "fixmatch_mu3_long", "classical_long", "pseudo_label_long", "auto", "auto_kfold")
"""Beyond the defaults: today's generator, the DPT variants and two cheaper FixMatch settings."""
POOL_NO_GEN = ("pseudo_label", "fixmatch", "pretrain", "dpt_nogen", "fixmatch_ema", "fixmatch_mu3",
               "fixmatch_mu3_long", "pseudo_label_long", "dptfm_nogen", "dptft_nogen")
STEP_FACTOR = {"fixmatch_mu3_long": 3, "classical_long": 3, "pseudo_label_long": 3}
"""Classifier steps of a method in multiples of ``--steps``: pseudo_label's pipeline trains 400
teacher + 200 student steps, so FixMatch at mu 3 gets the same 600 (at about the CPU of mu 7 at
200 steps); classical and pseudo_label (its student) at 600 steps are the controls."""


def strategy_config(method: str, args: argparse.Namespace, model: dict[str, Any]) -> dict[str, Any] | None:
    """The registry strategy config of ``method`` (None for the SVM baseline)."""
    dpt = {"teacher": {**model, "steps": 400}, "threshold": 0.95}
    lf = {"name": "label_fidelity", "threshold": 0.9}
    weighted = {"name": "mix_weighted", "synthetic_weight": 0.3}
    dpt_ft = {"teacher": {**model, "steps": 3 * model["steps"]}, "teacher_consistency": {"ratio": 3},
              "threshold": 0.95, "student_steps": 3 * model["steps"]}
    # the real auto strategy as in examples/digits_pool.yaml: baselines none/classical,
    # pseudo_label at 50/100 per class and FixMatch (ratio 7 at the experiment's steps, ratio 3
    # at 3x them) and dpt_nogen as candidates, scored on
    # validation halves, chosen only on a paired gain beyond one standard error
    auto = {"name": "auto", "synthesizers": ["pseudo_label"], "n_per_class": [50, 100],
            "candidates": [{"name": "fixmatch"},
                           {"name": "fixmatch", "label": "fixmatch_mu3_600", "ratio": 3,
                            "steps": 3 * model["steps"]},
                           {"name": "dpt", "label": "dpt_nogen", "synthesizer": None}],
            "n_trials": 4, "model": model}
    return {
        "none": {"name": "none"},
        "classical": {"name": "classical"},
        "pseudo_label": {"name": "generative+classical", "synthesizer": "pseudo_label",
                         "n_per_class": args.pseudo_per_class},
        "fixmatch": {"name": "fixmatch", "ratio": args.fixmatch_ratio},
        # cheaper FixMatch settings (CPU per step on 20x20 digits, 64 labeled: mu 7 ~12x a
        # supervised step, the EMA teacher ~5x, mu 3 ~2.7x; benchmarks/results/pool.md): an EMA
        # teacher (decay 0.99, a 100-step horizon for the 200-step budget) labels the weak views
        # without gradients, or fewer pool samples per labeled one
        "fixmatch_ema": {"name": "fixmatch", "ratio": args.fixmatch_ratio, "ema_decay": 0.99},
        "fixmatch_mu3": {"name": "fixmatch", "ratio": 3},
        "fixmatch_mu3_long": {"name": "fixmatch", "ratio": 3},  # with STEP_FACTOR x the steps
        "classical_long": {"name": "classical"},
        "pseudo_label_long": {"name": "generative+classical", "synthesizer": "pseudo_label",
                              "n_per_class": args.pseudo_per_class},
        "pretrain": {"name": "pretrain", "model": model, "steps": args.simclr_steps},
        "dpt_nogen": {"name": "dpt", "synthesizer": None, **dpt},
        # the shipped default: dedup + label fidelity >= 0.9 (a probe fitted on real + pseudo
        # labels must agree with the generated sample's class), DPT_FILTERS
        "dpt": {"name": "dpt", "synthesizer": {"name": "cvae", "steps": args.cvae_steps},
                "n_per_class": args.dpt_per_class, "filter": list(DPT_FILTERS), **dpt},
        # DPT variants: dedup only (the dpt row before 2026-12-07), and/or generated samples
        # trusted less in the loss (weight 0.3)
        "dpt_dedup": {"name": "dpt", "synthesizer": {"name": "cvae", "steps": args.cvae_steps},
                      "n_per_class": args.dpt_per_class, "filter": "dedup", **dpt},
        "dpt_w": {"name": "dpt", "synthesizer": {"name": "cvae", "steps": args.cvae_steps},
                  "n_per_class": args.dpt_per_class, "mix": weighted, **dpt},
        "dpt_lf_w": {"name": "dpt", "synthesizer": {"name": "cvae", "steps": args.cvae_steps},
                     "n_per_class": args.dpt_per_class, "filter": ["dedup", lf], "mix": weighted, **dpt},
        # the cvae sampling from a class-conditional latent prior fitted after training (its
        # standard N(0, I) prior decodes to another class often: 3-7 % of the samples passed
        # label fidelity on digits)
        "dpt_cp": {"name": "dpt", "synthesizer": {"name": "cvae", "steps": args.cvae_steps, "prior": "class"},
                   "n_per_class": args.dpt_per_class, "filter": list(DPT_FILTERS), **dpt},
        # ... and without dedup: on digits the cvae's samples agree with the teacher 97-99 %, and
        # dedup (not label fidelity) is what drops ~95 % of them, as near-copies of each other
        "dpt_cp_lf": {"name": "dpt", "synthesizer": {"name": "cvae", "steps": args.cvae_steps,
                                                     "prior": "class"},
                      "n_per_class": args.dpt_per_class, "filter": [lf], **dpt},
        # SDEdit variations of the labeled + pseudo-labeled samples (a diffusion model fitted on
        # them, the pool's unconfident rest unconditional): on MNIST-1D the prior-sampling
        # generators' samples agree with the teacher 25-40 %, img2img's at strength 0.4 98 %
        "dpt_img2img": {"name": "dpt", "synthesizer": {"name": "img2img", "strength": 0.4,
                                                       "sampling_steps": 20,
                                                       "diffusion": {"steps": 2 * args.cvae_steps}},
                        "n_per_class": args.dpt_per_class, "filter": list(DPT_FILTERS), **dpt},
        # generation on top of the strongest pool method measured (FixMatch ratio 3, 600 steps):
        # the student trains on real + generated with consistency on the pool
        "dptfm_nogen": {"name": "dpt", "synthesizer": None, "student": "fixmatch",
                        "student_consistency": {"ratio": 3}, "student_steps": 3 * model["steps"], **dpt},
        "dptfm": {"name": "dpt", "synthesizer": {"name": "cvae", "steps": args.cvae_steps},
                  "n_per_class": args.dpt_per_class, "filter": list(DPT_FILTERS), "student": "fixmatch",
                  "student_consistency": {"ratio": 3}, "student_steps": 3 * model["steps"], **dpt},
        # the teacher labels the generated samples: its argmax at confidence >= 0.95 (the
        # conditioning only proposes), or its distribution as weighted rows (distillation)
        "dpt_relabel": {"name": "dpt", "synthesizer": {"name": "cvae", "steps": args.cvae_steps},
                        "n_per_class": args.dpt_per_class, "filter": "dedup", "relabel": "hard", **dpt},
        "dpt_soft": {"name": "dpt", "synthesizer": {"name": "cvae", "steps": args.cvae_steps},
                     "n_per_class": args.dpt_per_class, "filter": "dedup", "relabel": "soft", **dpt},
        # the same draws, split over the classes by the teacher's unconfident pool samples
        "dpt_unconf": {"name": "dpt", "synthesizer": {"name": "cvae", "steps": args.cvae_steps},
                       "n_per_class": args.dpt_per_class, "allocate": "unconfident",
                       "filter": list(DPT_FILTERS), **dpt},
        # the other two generators of the issue: diffusion at a stronger guidance, a cGAN
        "dpt_diffusion_g5": {"name": "dpt", "synthesizer": {"name": "diffusion", "steps": 2 * args.cvae_steps,
                                                            "sampling_steps": 20, "guidance_scale": 5.0},
                             "n_per_class": args.dpt_per_class, "filter": list(DPT_FILTERS), **dpt},
        "dpt_cgan": {"name": "dpt", "synthesizer": {"name": "cgan", "steps": 2 * args.cvae_steps},
                     "n_per_class": args.dpt_per_class, "filter": list(DPT_FILTERS), **dpt},
        # generation inside the student's loop: a quarter of every batch fresh cvae samples
        "dpt_online": {"name": "dpt", "synthesizer": {"name": "cvae", "steps": args.cvae_steps},
                       "online": 0.25, **dpt},
        "dptft_online": {"name": "dpt", "synthesizer": {"name": "cvae", "steps": args.cvae_steps},
                         "online": 0.25, **dpt_ft},
        "dptft_nogen": {"name": "dpt", "synthesizer": None, **dpt_ft},
        "dptft": {"name": "dpt", "synthesizer": {"name": "cvae", "steps": args.cvae_steps},
                  "n_per_class": args.dpt_per_class, "filter": list(DPT_FILTERS), **dpt_ft},
        "dptft_relabel": {"name": "dpt", "synthesizer": {"name": "cvae", "steps": args.cvae_steps},
                          "n_per_class": args.dpt_per_class, "filter": "dedup", "relabel": "hard", **dpt_ft},
        "dpt_diffusion": {"name": "dpt", "synthesizer": {"name": "diffusion", "steps": args.cvae_steps,
                                                         "sampling_steps": 20},
                          "n_per_class": args.dpt_per_class, "filter": ["dedup", lf], **dpt},
        "auto": auto,
        # the same search scored by 3-fold cross-validation on labeled + validation rows: twice
        # the scored samples of val_halves, each candidate prepared on the other folds and
        # trained once per fold (3 trainings against val_halves' 2)
        "auto_kfold": {**auto, "protocol": "kfold", "folds": 3, "repeats": 1},
        "svm_rbf": None,
        "cvae_pool": {"name": "generative+classical", "n_per_class": args.dpt_per_class, "filter": "dedup",
                      "synthesizer": {"name": "cvae", "steps": args.cvae_steps}},
    }[method]


def run_one(method: str, parts: Any, seed: int, size: int, args: argparse.Namespace,
            model: dict[str, Any]) -> dict[str, Any]:
    """Prepare, train and score one method on one split."""
    t0 = time.perf_counter()
    config = strategy_config(method, args, model)
    info: dict[str, Any] = {}
    if config is None:
        clf = registry.create("model", "svm_rbf")
        clf.fit(parts.labeled, parts.val, generator=derive_seed(seed, "train", size))
        prepare = 0.0
        n_train = len(parts.labeled)
    else:
        options = {k: v for k, v in config.items() if k != "name"}
        strategy = registry.create("strategy", config["name"], **options)
        # dpt, dpt_nogen and the dpt variants share the prepare seed: the same teacher and
        # pseudo-labels, so they differ only in the generation.
        # pseudo_label_long / classical_long: the same teacher and pseudo-labels as the 200-step row
        key = "dpt" if method == "dpt_nogen" or method.startswith(("dpt_", "dptfm")) else method
        key = "dptft" if method.startswith("dptft") else key
        key = {"pseudo_label_long": "pseudo_label", "classical_long": "classical"}.get(key, key)
        plan = strategy.prepare(parts, generator=derive_seed(seed, "prepare", key, size))
        prepare = time.perf_counter() - t0
        model_options = {k: v for k, v in model.items() if k != "name"}
        model_options["steps"] = model_options["steps"] * STEP_FACTOR.get(method, 1)
        # the plan's own classifier options on top (auto's pick fixmatch_mu3_600 trains 600 steps)
        clf = create_model(model["name"], model_options, plan, label=method)
        fit_plan(clf, plan, parts.val, generator=derive_seed(seed, "train", size), label=method)
        info = {k: v for k, v in plan.info.items()
                if isinstance(v, int | float | str | list) and k != "augmenter"}
        n_train = len(plan.train)
        if method.startswith("auto"):
            keys = ("chosen_label", "decision", "scores", "search_seconds")
            info.update({k: plan.info.get(k) for k in keys})
        if method == "cvae_pool" and plan.synthetic is not None and len(plan.synthetic):
            from genaug.experiment.pool import _memorized_share

            info["memorized_share_vs_labeled"] = _memorized_share(parts.labeled, plan.synthetic)
        history = getattr(clf, "history_", None)
        if history and "mask_rate" in history[-1]:
            info["final_mask_rate"] = history[-1]["mask_rate"]
    test_acc = metrics.accuracy(clf.predict_proba(parts.test), parts.test.y)
    val_acc = metrics.accuracy(clf.predict_proba(parts.val), parts.val.y)
    return {"method": method, "config": config, "seed": seed, "size": size, "test_accuracy": test_acc,
            "val_accuracy": val_acc,
            "n_train": n_train, "seconds": time.perf_counter() - t0, "seconds_prepare": prepare, "info": info}


def run(args: argparse.Namespace) -> None:
    out = Path(args.out)
    done = set()
    if out.exists():
        for line in out.read_text().splitlines():
            r = json.loads(line)
            done.add((r["dataset"], r["size"], r["seed"], r["method"]))
    for name in args.datasets:
        data = load_dataset(name)
        model = dict(get_modality(data.modality).default_model)
        model["steps"] = args.steps
        for seed in args.seeds:
            for size in args.sizes:
                parts = split(data, labeled_per_class=size, val_per_class=args.val_per_class,
                              test_fraction=0.3, seed=derive_seed(seed, "split"))
                for method in args.methods:
                    if (name, size, seed, method) in done:
                        continue
                    result = run_one(method, parts, seed, size, args, model)
                    record = {"dataset": name, "model": model, **result}
                    with out.open("a") as f:
                        f.write(json.dumps(record) + "\n")
                    print(f"{time.strftime('%H:%M:%S')} {name} {size}/class seed {seed} {method:13s} "
                          f"test {record['test_accuracy']:.4f} val {record['val_accuracy']:.4f} "
                          f"{record['seconds']:.0f}s", flush=True)


def canonical_method(record: dict[str, Any]) -> str:
    """The method name of ``record`` by its config: records written before 2026-12-07 call the
    dedup-only run ``dpt`` and the label-fidelity one ``dpt_lf``; today ``dpt`` is the shipped
    default (dedup + label fidelity) and the dedup-only run ``dpt_dedup``."""
    method, config = record["method"], record.get("config")
    if method == "dpt_lf":
        return "dpt"
    if method == "dpt" and (config is None or config.get("filter", "dedup") == "dedup"):
        return "dpt_dedup"  # records without a config or filter predate 2026-12-06: dedup only
    return method


def summarize(paths: list[str]) -> None:
    """Mean test accuracy per method and paired 95 % intervals over the seeds both methods have
    (a later file's record replaces an earlier one for the same dataset/size/seed/method)."""
    rows = [json.loads(line) for p in paths for line in Path(p).read_text().splitlines() if line.strip()]
    for r in rows:
        r["method"] = canonical_method(r)
    by: dict[tuple[str, int], dict[str, dict[int, dict[str, Any]]]] = defaultdict(lambda: defaultdict(dict))
    for r in rows:
        by[(r["dataset"], r["size"])][r["method"]][r["seed"]] = r
    for (name, size), methods in sorted(by.items()):
        acc = {m: {s: r["test_accuracy"] for s, r in v.items()} for m, v in methods.items()}
        names = [m for m in METHODS if m in acc]
        choices = [m for m in names if not m.startswith("auto")]
        complete = sorted(set.intersection(*(set(acc[m]) for m in choices))) if choices else []
        if complete:  # selection on validation needs every method's run on the seed
            picks = {s: max(choices, key=lambda m: (methods[m][s]["val_accuracy"], m == "classical"))
                     for s in complete}
            acc["best_on_val"] = {s: acc[picks[s]][s] for s in complete}
        pool = [m for m in POOL_NO_GEN if m in acc]
        best_pool = max(pool, key=lambda m: np.mean(list(acc[m].values()))) if pool else None
        print(f"\n## {name}, {size} labels/class")
        if complete:
            print(f"best_on_val picked: {picks}")
        print("| method | seeds | test acc (mean ± 95% CI) | vs classical (paired) | vs best pool w/o gen "
              f"({best_pool}) | seconds |")
        print("|---|---|---|---|---|---|")
        for m in [*names, "best_on_val"]:
            if m not in acc:
                continue
            seeds = sorted(acc[m])
            ci = mean_ci([acc[m][s] for s in seeds])
            cells = [",".join(map(str, seeds)), f"{100 * ci.mean:.2f} ± {100 * (ci.high - ci.mean):.2f}"]
            for ref in ("classical", best_pool):
                common = sorted(set(acc[m]) & set(acc.get(ref, {}))) if ref else []
                if ref is None or ref == m or not common:
                    cells.append("")
                    continue
                d = paired_diff([acc[m][s] for s in common], [acc[ref][s] for s in common]).diff
                cells.append(f"{100 * d.mean:+.2f} [{100 * d.low:+.2f}, {100 * d.high:+.2f}] n={len(common)}")
            secs = np.mean([methods[m][s]["seconds"] for s in seeds]) if m in methods else float("nan")
            print(f"| {m} | " + " | ".join(cells) + f" | {secs:.0f} |")
        # what generation adds to the same pipeline (same teacher seed); what consistency
        # training or pretraining adds over pseudo-labelling
        pairs = [(m, "dpt_nogen") for m in ("dpt", *DPT_VARIANTS)]
        pairs += [("dptfm", "dptfm_nogen"), ("dptfm_nogen", "fixmatch_mu3_long")]
        pairs += [("dptft", "dptft_nogen"), ("dptft_relabel", "dptft_nogen"), ("dptft_online", "dptft_nogen"),
                  ("dptft_nogen", "fixmatch_mu3_long")]
        pairs += [(m, "pseudo_label") for m in METHODS if m.startswith(("fixmatch", "pretrain"))]
        pairs += [("fixmatch_mu3_long", "pseudo_label_long"), ("fixmatch_mu3_long", "classical_long"),
                  ("pseudo_label_long", "pseudo_label"), ("classical_long", "classical")]
        pairs += [("auto", "classical"), ("auto_kfold", "classical"), ("auto_kfold", "auto")]
        for m, ref in pairs:
            common = sorted(set(acc.get(m, {})) & set(acc.get(ref, {})))
            if len(common) >= 2:
                d = paired_diff([acc[m][s] for s in common], [acc[ref][s] for s in common]).diff
                wins = sum(acc[m][s] > acc[ref][s] for s in common)
                print(f"{m} - {ref} (paired): {100 * d.mean:+.2f} [{100 * d.low:+.2f}, "
                      f"{100 * d.high:+.2f}] n={len(common)}, higher on {wins}/{len(common)} seeds")
        dpt_keys = ("memorized_share", "memorized_share_vs_labeled", "pseudo_share")
        variants = tuple((m, dpt_keys) for m in (*DPT_VARIANTS, "dptfm", *DPT_FT[1:]))
        for m, keys in (("dpt", dpt_keys), *variants,
                        ("cvae_pool", ("memorized_share_vs_labeled",)), ("dpt_nogen", ("pseudo_share",)),
                        *((m, ("final_mask_rate",)) for m in METHODS if m.startswith("fixmatch")),
                        ("auto", ("chosen_label",)), ("auto_kfold", ("chosen_label",))):
            if m in methods:
                vals = {k: [methods[m][s]["info"].get(k) for s in sorted(methods[m])] for k in keys}
                print(f"{m}: " + "; ".join(f"{k} {[round(v, 3) if isinstance(v, float) else v for v in vs]}"
                                          for k, vs in vals.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["digits", "mnist1d", "opencv-digits"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[5, 10])
    parser.add_argument("--seeds", nargs="+", type=int, default=list(range(10)))
    parser.add_argument("--methods", nargs="+", default=list(DEFAULT_METHODS), choices=METHODS)
    parser.add_argument("--steps", type=int, default=200, help="classifier steps (every method)")
    parser.add_argument("--val-per-class", type=int, default=10)
    parser.add_argument("--pseudo-per-class", type=int, default=100)
    parser.add_argument("--simclr-steps", type=int, default=200)
    parser.add_argument("--fixmatch-ratio", type=int, default=7, help="pool:labeled batch ratio (paper: 7)")
    parser.add_argument("--cvae-steps", type=int, default=1000)
    parser.add_argument("--dpt-per-class", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest for tiny nets)")
    parser.add_argument("--out", default="/tmp/bench_pool.jsonl")
    parser.add_argument("--summary", nargs="+", help="print tables from these JSON-lines files and exit")
    args = parser.parse_args()
    if args.summary:
        summarize(args.summary)
        return
    torch.set_num_threads(args.threads)
    run(args)


if __name__ == "__main__":
    main()
