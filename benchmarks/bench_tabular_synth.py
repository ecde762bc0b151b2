"""Fit and sample time of each tabular synthesizer against table size (1k, 10k, 100k rows).

The table is german_credit (7 numeric + 13 categorical columns, 30% positive) bootstrapped to
``n`` rows with Gaussian jitter (5% of a column's std) on the numeric columns, so larger tables
are not exact repeats. Each synthesizer fits once on the ``n`` rows, then samples
``min(n, --max-sample)`` rows split evenly over the two classes.

Budgets (fixed, stated in the output): the neural models train a fixed number of optimizer
steps (``--steps``, default 300) at their default batch sizes, so their fit time should grow
only through the per-fit preprocessing (mode-specific normalization fits a Bayesian GMM on at
most 5,000 rows per numeric column; quantile transforms use every row). One torch thread.

Usage:
    .venv/bin/python benchmarks/bench_tabular_synth.py
    .venv/bin/python benchmarks/bench_tabular_synth.py --rows 1000 10000 --steps 100
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
import pandas as pd
import torch

from genaug import registry
from genaug.data import load_dataset
from genaug.data.labeled import LabeledData
from genaug.data.tabular import table_schema, with_schema

NAMES = ("gaussian_copula", "tvae", "ctgan", "tabddpm")


def bootstrap(data: LabeledData, n: int, seed: int) -> LabeledData:
    """``n`` rows drawn with replacement, numeric columns jittered (integers stay integers)."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(data), size=n)
    x = data.x.iloc[idx].reset_index(drop=True)
    schema = table_schema(data)
    cols = {}
    for spec in schema.numeric:
        v = x[spec.name].to_numpy(dtype=np.float64)
        v = v + rng.normal(scale=0.05 * v.std(), size=n)
        v = np.clip(v, data.x[spec.name].min(), data.x[spec.name].max())
        cols[spec.name] = np.round(v).astype(np.int64) if spec.integer else v
    x = x.assign(**cols)
    return LabeledData(with_schema(pd.DataFrame(x), schema), data.y[idx], data.class_names, "tabular")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", nargs="+", type=int, default=[1000, 10000, 100000])
    parser.add_argument("--names", nargs="+", default=list(NAMES))
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--max-sample", type=int, default=10000)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    base = load_dataset("german_credit")
    rows = []
    print(f"steps={args.steps} (neural models), default batch sizes, 1 torch thread; "
          f"sample min(n, {args.max_sample}) rows")  # fmt: skip
    for n in args.rows:
        data = bootstrap(base, n, seed=0)
        for name in args.names:
            opts = {} if name == "gaussian_copula" else {"steps": args.steps, "progress": False}
            synth = registry.create("synthesizer", name, **opts)
            t0 = time.perf_counter()
            synth.fit(data, generator=0)
            t1 = time.perf_counter()
            m = min(n, args.max_sample)
            out = synth.sample({0: m // 2, 1: m - m // 2}, generator=1)
            t2 = time.perf_counter()
            row = {"rows": n, "synthesizer": name, "fit_s": t1 - t0, "sampled": len(out),
                   "sample_s": t2 - t1, "rows_per_s": len(out) / max(t2 - t1, 1e-9)}  # fmt: skip
            rows.append(row)
            print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}),
                  flush=True)  # fmt: skip
    if args.out:
        with open(args.out, "w", encoding="utf-8") as fh:
            json.dump(rows, fh, indent=1)
    print("\n| synthesizer | rows | fit s | sampled rows | sample s | sampled rows/s |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['synthesizer']} | {r['rows']:,} | {r['fit_s']:.1f} | {r['sampled']:,} | "
              f"{r['sample_s']:.2f} | {r['rows_per_s']:,.0f} |")  # fmt: skip


if __name__ == "__main__":
    main()
