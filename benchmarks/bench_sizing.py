"""CPU cost per training step of genaug's generators and the small CNN at 8x8, 28x28 and 64x64.

The README's sizing table comes from this script: for each model and image size it fits on
random grayscale images (10 classes x 10 labels) for ``--steps`` steps twice (``steps`` and
``2 * steps``) and reports the CPU seconds per step from the difference (so set-up and the first
step's one-off costs cancel), with one thread. Run on an idle machine:

    .venv/bin/python benchmarks/bench_sizing.py --steps 20 --out benchmarks/results/sizing.json
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from genaug import registry
from genaug.data.labeled import LabeledData

MODELS = {
    "cvae (width 32)": ("synthesizer", {"name": "cvae", "width": 32, "progress": False}),
    "cgan (width 32, batch 32)": ("synthesizer", {"name": "cgan", "width": 32, "batch_size": 32,
                                                   "progress": False}),
    "diffusion (width 32)": ("synthesizer", {"name": "diffusion", "width": 32, "progress": False}),
    "small_cnn (batch 64)": ("model", {"name": "small_cnn", "batch_size": 64}),
    # the size-scaled defaults (genaug.sizing.scaled_width): width left unset
    "cvae (size-scaled width)": ("synthesizer", {"name": "cvae", "progress": False}),
    "cgan (size-scaled width)": ("synthesizer", {"name": "cgan", "batch_size": 32, "progress": False}),
    "diffusion (size-scaled width)": ("synthesizer", {"name": "diffusion", "progress": False}),
}
"""The first four state ``width: 32`` (or the pre-scaling default); the last three leave it unset."""


def _data(size: int, seed: int = 0) -> LabeledData:
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(100, 1, size, size, generator=g)
    return LabeledData(x, np.repeat(np.arange(10), 10), [str(i) for i in range(10)], "image")


def _cpu_fit(kind: str, config: dict, data: LabeledData, steps: int) -> float:
    options = {k: v for k, v in config.items() if k != "name"}
    model = registry.create(kind, config["name"], steps=steps, **options)
    t0 = time.process_time()
    if kind == "model":
        model.fit(data, None, generator=0)
    else:
        model.fit(data, generator=0)
    return time.process_time() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 28, 64])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS),
                        help="rows to measure (default: all)")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)
    rows = []
    for size in args.sizes:
        data = _data(size)
        for label in args.models:
            kind, config = MODELS[label]
            short = _cpu_fit(kind, config, data, args.steps)
            long = _cpu_fit(kind, config, data, 2 * args.steps)
            per_step = max(long - short, 0.0) / args.steps
            rows.append({"model": label, "size": size, "cpu_seconds_per_step": per_step})
            print(json.dumps(rows[-1]), flush=True)
    print("\n| model | " + " | ".join(f"{s}x{s}" for s in args.sizes) + " |")
    print("|---|" + "---|" * len(args.sizes))
    for label in args.models:
        cells = [next(r["cpu_seconds_per_step"] for r in rows if r["model"] == label and r["size"] == s)
                 for s in args.sizes]
        print(f"| {label} | " + " | ".join(f"{c * 1000:.0f} ms" for c in cells) + " |")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump({"steps": args.steps, "rows": rows}, fh, indent=1)


if __name__ == "__main__":
    main()
