"""Minority PR-AUC of imbalanced-data strategies, with fidelity and privacy of the added rows.

For each dataset and seed: a stratified split (30% test, ``--val-per-class`` validation rows per
class, every other row labeled: the class imbalance is kept), then each strategy prepares the
training rows and each ``--models`` classifier is trained on them and scored on the test split
(default ``hist_gb``: native categorical features, early stopping). A model name ending in
``@codes`` sees the table as the matrix of category codes (no categorical encoding: how every
classifier saw tables before they were encoded); ``hist_gb_200`` is ``hist_gb`` with 200 trees
and no early stopping (the earlier default). ``hist_gb_200@codes`` reproduces the earlier
classifier exactly; ``tabular_auto`` still selects its candidate with the current ``hist_gb``.
Strategies: ``none``, ``class_weight``, ``resample`` (SMOTE; SMOTE-NC on mixed tables), one
``synthesize`` per synthesizer, and ``tabular_auto`` (picks by 3-fold CV PR-AUC on labeled+val).

For the rows a strategy adds (minority class only) the script also reports, against the real
labeled minority rows: mean KS (numeric columns) / total variation (categorical), correlation
difference, detection AUC, exact-copy share, and the DCR ratio (median distance of the added
rows to the closest training row over that of real test minority rows, a holdout the generator
never saw; < 1 means closer to the training rows than fresh real rows are).

Usage:
    .venv/bin/python benchmarks/bench_tabular_strategies.py                 # 4 datasets, 5 seeds
    .venv/bin/python benchmarks/bench_tabular_strategies.py --datasets yeast4 --seeds 0 1
    .venv/bin/python benchmarks/bench_tabular_strategies.py --out tabular.json
    .venv/bin/python benchmarks/bench_tabular_strategies.py --tables-from tabular.json
    .venv/bin/python benchmarks/bench_tabular_strategies.py --models hist_gb_200@codes hist_gb \
        logreg@codes logreg
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
import torch

from genaug import registry
from genaug.data import LabeledData, load_dataset, split
from genaug.experiment.stats import mean_ci, paired_diff
from genaug.quality.tabular import column_fidelity, correlation_difference, detection_auc, privacy_report
from genaug.rng import derive_seed
from genaug.train import evaluate_split
from genaug.train.base import as_matrix

SYNTH = {
    "gaussian_copula": {},
    "tvae": {"steps": 1000, "progress": False},
    "ctgan": {"steps": 500, "progress": False},
    "tabddpm": {"steps": 1000, "progress": False},
}


MODELS = {
    "hist_gb": {"name": "hist_gb"},
    "hist_gb_200": {"name": "hist_gb", "early_stopping": False},
    "logreg": {"name": "logreg"},
    "svm_rbf": {"name": "svm_rbf"},
}


def as_codes(data: LabeledData) -> LabeledData:
    """``data`` with its table as the float matrix of category codes (no schema: no encoding)."""
    return LabeledData(as_matrix(data.x), data.y, data.class_names, data.modality, meta=dict(data.meta))


def fit_model(name: str, train: LabeledData, val: LabeledData, seed: int):
    """Fit ``--models`` entry ``name`` (``<model>`` or ``<model>@codes``); return (clf, view)."""
    base, _, view = name.partition("@")
    cfg = MODELS[base]
    prep = as_codes if view == "codes" else (lambda d: d)
    clf = registry.create("model", cfg["name"], **{k: v for k, v in cfg.items() if k != "name"})
    return clf.fit(prep(train), prep(val), generator=seed), prep


def strategies(synths: list[str], auto: bool, ratio: str | float = "auto") -> dict[str, dict]:
    out = {
        "none": {"name": "none"},
        "class_weight": {"name": "class_weight"},
        "smote": {"name": "resample", "resampler": "smote", "sampling_strategy": ratio},
    }
    for s in synths:
        out[s] = {"name": "synthesize", "synthesizer": {"name": s, **SYNTH[s]}, "sampling_strategy": ratio}
    if auto:
        out["auto"] = {"name": "tabular_auto", "candidates": [
            "none", "class_weight", {"name": "resample", "resampler": "smote"},
            {"name": "synthesize", "synthesizer": "gaussian_copula"},
            {"name": "synthesize", "synthesizer": {"name": "tabddpm", **SYNTH["tabddpm"]}},
        ]}  # fmt: skip
    return out


def added_quality(parts, plan, seed: int) -> dict[str, float]:
    """Fidelity and privacy of the synthetic (added) minority rows."""
    train = plan.train
    src = train.meta.get("source")
    if src is None or not (np.asarray(src) == "synthetic").any():
        return {}
    pos = 1
    added = train.subset(np.flatnonzero((np.asarray(src) == "synthetic") & (train.y == pos)))
    real = parts.labeled.subset(np.flatnonzero(parts.labeled.y == pos))
    holdout = parts.test.subset(np.flatnonzero(parts.test.y == pos))
    out = {k: v for k, v in column_fidelity(real, added).items() if k in ("ks_mean", "tv_mean")}
    out.update(correlation_difference(real, added))
    out.update(detection_auc(real, added, n_folds=3, generator=seed))
    priv = privacy_report(real, added, holdout)
    out.update({k: priv[k] for k in ("exact_copy_share", "near_copy_share", "dcr_ratio", "dcr_median")})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--datasets", nargs="+", default=[
        "german_credit", "kddcup_rootkit_imap_vs_back", "yeast4", "breast_cancer"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--synthesizers", nargs="+", default=list(SYNTH))
    parser.add_argument("--no-auto", action="store_true")
    parser.add_argument("--val-per-class", type=int, default=5)
    parser.add_argument("--ratio", default="auto",
                        help="minority/majority after resampling/synthesis: 'auto' (1.0) or a float")
    parser.add_argument("--only", nargs="+", default=None, help="run only these strategy labels")
    parser.add_argument("--models", nargs="+", default=["hist_gb"],
                        help=f"classifiers, each of {sorted(MODELS)}, optionally with '@codes'")
    parser.add_argument("--out", default=None)
    parser.add_argument("--tables-from", default=None, help="print the tables of a saved --out file")
    args = parser.parse_args()
    if args.tables_from:
        with open(args.tables_from, encoding="utf-8") as fh:
            print_tables(json.load(fh))
        return
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning)

    ratio = args.ratio if args.ratio == "auto" else float(args.ratio)
    configs = strategies(args.synthesizers, not args.no_auto, ratio)
    if args.only:
        configs = {k: v for k, v in configs.items() if k in args.only}
    rows = []
    for ds in args.datasets:
        data = load_dataset(ds)
        for seed in args.seeds:
            parts = split(data, labeled_per_class=None, val_per_class=args.val_per_class, test_fraction=0.3,
                          seed=derive_seed(seed, "split"))  # fmt: skip
            for label, cfg in configs.items():
                opts = {k: v for k, v in cfg.items() if k != "name"}
                t0 = time.perf_counter()
                plan = registry.create("strategy", cfg["name"], **opts).prepare(
                    parts, generator=derive_seed(seed, "prepare", label))
                t1 = time.perf_counter()
                quality = added_quality(parts, plan, seed)
                for model in args.models:
                    t2 = time.perf_counter()
                    clf, prep = fit_model(model, plan.train, parts.val, seed)
                    m = evaluate_split(clf, prep(parts.labeled), prep(parts.test))
                    row = {"dataset": ds, "seed": seed, "strategy": label, "model": model,
                           "seconds_prepare": t1 - t0, "seconds_fit": time.perf_counter() - t2,
                           "n_train": len(plan.train),
                           **{k: v for k, v in m.items() if k.startswith("test_")},
                           "chosen": plan.info.get("chosen_label"),
                           "n_copies_dropped": plan.info.get("n_copies_dropped"),
                           "n_trees": getattr(clf, "stopping_", {}).get("n_iter"), **quality}  # fmt: skip
                    rows.append(row)
                    short = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}
                    print(json.dumps(short), flush=True)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1)
    print_tables(rows)


def _fmt(values: list[float]) -> str:
    ci = mean_ci(values)
    return f"{ci.mean:.3f} [{ci.low:.3f}, {ci.high:.3f}]"


def print_tables(rows: list[dict]) -> None:
    """The tables of each model, then (with several models) minority PR-AUC side by side."""
    models = list(dict.fromkeys(r.get("model", "hist_gb") for r in rows))
    for model in models:
        if len(models) > 1:
            print(f"\n# Model: {model}")
        print_model_tables([r for r in rows if r.get("model", "hist_gb") == model])
    if len(models) < 2:
        return
    datasets = list(dict.fromkeys(r["dataset"] for r in rows))
    labels = list(dict.fromkeys(r["strategy"] for r in rows))
    print("\n## Minority PR-AUC (test) by model, mean over seeds\n")
    print("| strategy | " + " | ".join(f"{ds} {m}" for ds in datasets for m in models) + " |")
    print("|---" * (len(datasets) * len(models) + 1) + "|")
    for s in labels:
        cells = []
        for ds in datasets:
            for m in models:
                key = (ds, s, m)
                v = [r["test_pr_auc"] for r in rows
                     if (r["dataset"], r["strategy"], r.get("model", "hist_gb")) == key]  # fmt: skip
                cells.append(f"{np.mean(v):.3f}" if v else "-")
        print(f"| {s} | " + " | ".join(cells) + " |")
    trees = [r for r in rows if r.get("n_trees") is not None and r.get("model") == "hist_gb"]
    if trees:
        print("\nhist_gb trees kept by early stopping, mean [min, max] per dataset: " + "; ".join(
            f"{ds} {np.mean(t):.0f} [{min(t)}, {max(t)}]" for ds in datasets
            if (t := [r["n_trees"] for r in trees if r["dataset"] == ds])))  # fmt: skip


def print_model_tables(rows: list[dict]) -> None:
    """Markdown tables: PR-AUC with 95% t-intervals over seeds; quality means; deltas vs SMOTE."""
    datasets = list(dict.fromkeys(r["dataset"] for r in rows))
    labels = list(dict.fromkeys(r["strategy"] for r in rows))

    def vals(ds: str, s: str, key: str) -> list[float]:
        return [r[key] for r in sorted(rows, key=lambda r: r["seed"])
                if r["dataset"] == ds and r["strategy"] == s and r.get(key) is not None]  # fmt: skip

    print("\n## Minority PR-AUC (test), mean [95% CI] over seeds\n")
    print("| strategy | " + " | ".join(datasets) + " | mean |")
    print("|---" * (len(datasets) + 2) + "|")
    for s in labels:
        cells = [_fmt(vals(ds, s, "test_pr_auc")) for ds in datasets]
        mean = np.mean([np.mean(vals(ds, s, "test_pr_auc")) for ds in datasets])
        print(f"| {s} | " + " | ".join(cells) + f" | {mean:.3f} |")
    print("\n## PR-AUC minus SMOTE, paired by seed: mean [95% CI] (W/T/L)\n")
    print("| strategy | " + " | ".join(datasets) + " | mean |")
    print("|---" * (len(datasets) + 2) + "|")
    for s in labels:
        if s == "smote":
            continue
        cells, means = [], []
        for ds in datasets:
            d = paired_diff(vals(ds, s, "test_pr_auc"), vals(ds, "smote", "test_pr_auc"))
            ci = d.diff
            cells.append(f"{ci.mean:+.3f} [{ci.low:+.3f}, {ci.high:+.3f}] ({d.wins}/{d.ties}/{d.losses})")
            means.append(d.diff.mean)
        print(f"| {s} | " + " | ".join(cells) + f" | {np.mean(means):+.3f} |")
    print("\n## Other test metrics (mean over seeds): balanced accuracy / F1 minority / "
          "recall at precision 0.5\n")
    print("| strategy | " + " | ".join(datasets) + " |")
    print("|---" * (len(datasets) + 1) + "|")
    for s in labels:
        cells = [" / ".join(f"{np.mean(vals(ds, s, k)):.3f}" for k in
                            ("test_balanced_accuracy", "test_f1_minority", "test_recall_at_p50"))
                 for ds in datasets]  # fmt: skip
        print(f"| {s} | " + " | ".join(cells) + " |")
    keys = ["ks_mean", "tv_mean", "corr_diff_mean", "detection_auc", "exact_copy_share", "dcr_ratio"]
    print("\n## Added minority rows vs real labeled minority (mean over seeds)\n")
    print("| dataset | strategy | " + " | ".join(keys) + " | copies dropped | prepare s |")
    print("|---" * (len(keys) + 4) + "|")
    for ds in datasets:
        for s in labels:
            if not vals(ds, s, "detection_auc"):
                continue
            cells = []
            for k in keys:
                v = [x for x in vals(ds, s, k) if x == x]  # NaN (no column of that kind) -> "-"
                cells.append(f"{np.mean(v):.3f}" if v else "-")
            dropped = vals(ds, s, "n_copies_dropped")
            cells.append(f"{np.mean(dropped):.1f}" if dropped else "-")
            cells.append(f"{np.mean(vals(ds, s, 'seconds_prepare')):.1f}")
            print(f"| {ds} | {s} | " + " | ".join(cells) + " |")
    chosen = [r for r in rows if r["strategy"] == "auto"]
    if chosen:
        print("\n## auto: chosen candidate per dataset (counts over seeds)\n")
        for ds in datasets:
            picks = [r["chosen"] for r in chosen if r["dataset"] == ds]
            print(f"- {ds}: " + ", ".join(f"{c} x{picks.count(c)}" for c in dict.fromkeys(picks)))


if __name__ == "__main__":
    main()
