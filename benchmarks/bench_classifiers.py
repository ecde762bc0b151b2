"""Low-data accuracy of the deep and non-deep classifiers (no augmentation).

digits: ``labels_per_class`` labeled samples per class drawn stratified with the seed (plus
``val_per_class`` for model selection when > 0), every other sample is test. mnist1d: the
paper's 4,000/1,000 split (cnn1d should reach about 90%+).

Usage:
    .venv/bin/python benchmarks/bench_classifiers.py                       # digits, 10/class, 3 seeds
    .venv/bin/python benchmarks/bench_classifiers.py --val-per-class 5     # with a val split
    .venv/bin/python benchmarks/bench_classifiers.py --task mnist1d --models cnn1d svm_rbf --seeds 0
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from genaug import registry
from genaug.data.datasets import load_dataset
from genaug.data.labeled import LabeledData
from genaug.train import evaluate

MODEL_CONFIG: dict[str, dict] = {
    "small_cnn": {"steps": 300},
    "cnn1d": {"steps": 3000, "batch_size": 128},
    "mlp": {"steps": 300},
    "svm_rbf": {},
    "logreg": {},
    "hist_gb": {},
}


def stratified_draw(
    data: LabeledData, per_class: int, val_per_class: int, seed: int
) -> tuple[LabeledData, LabeledData | None, LabeledData]:
    """``per_class`` train and ``val_per_class`` val samples per class; the rest is test."""
    rng = np.random.default_rng(seed)
    train, val = [], []
    for c in range(data.num_classes):
        idx = rng.permutation(np.flatnonzero(data.y == c))
        train.append(idx[:per_class])
        val.append(idx[per_class : per_class + val_per_class])
    tr, va = np.concatenate(train), np.concatenate(val)
    test = np.setdiff1d(np.arange(len(data)), np.concatenate([tr, va]))
    return data.subset(tr), (data.subset(va) if val_per_class else None), data.subset(test)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--task", choices=["digits", "mnist1d"], default="digits")
    parser.add_argument("--labels-per-class", type=int, default=10)
    parser.add_argument("--val-per-class", type=int, default=0)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", default=["small_cnn", "svm_rbf"])
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    results: dict[str, list[dict]] = {m: [] for m in args.models}
    for seed in args.seeds:
        if args.task == "digits":
            data = load_dataset("digits")
            train, val, test = stratified_draw(data, args.labels_per_class, args.val_per_class, seed)
        else:
            data = load_dataset("mnist1d")
            is_test = data.meta["original_split"] == "test"
            train, test = data.subset(np.flatnonzero(~is_test)), data.subset(np.flatnonzero(is_test))
            val = None
        for name in args.models:
            clf = registry.create("model", name, **MODEL_CONFIG[name])
            start = time.perf_counter()
            clf.fit(train, val, generator=seed)
            seconds = time.perf_counter() - start
            metrics = evaluate(clf, test)
            results[name].append({"seed": seed, "seconds": seconds, **metrics})
            print(
                f"{args.task} seed={seed} n_train={len(train)} n_test={len(test)} {name:10s} "
                f"acc={metrics['accuracy']:.4f} nll={metrics['nll']:.3f} ece={metrics['ece']:.3f} "
                f"fit={seconds:.1f}s",
                flush=True,
            )
    summary = {
        name: {
            "accuracy_mean": float(np.mean([r["accuracy"] for r in rows])),
            "accuracy_std": float(np.std([r["accuracy"] for r in rows], ddof=1)) if len(rows) > 1 else 0.0,
            "per_seed": [round(r["accuracy"], 4) for r in rows],
        }
        for name, rows in results.items()
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
