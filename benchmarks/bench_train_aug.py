"""Share of a training step spent in augmentation: small_cnn on 28x28 images, batch 64.

The classifier is fitted for ``--steps`` steps with each augmenter; the augmenter is wrapped so
that the CPU seconds spent inside it are summed (``time.process_time``, one torch thread), and
the share is that sum over the fit's CPU seconds. Each fit also runs once without augmentation
(the same seed: same weights and batches), so the table shows the extra cost per step as well.
Augmenters: genaug's default classical image pipeline (``default_augmenter("image", (1, 28,
28))``) and RandAugment (2 ops, magnitude 9), both applied to the whole batch on the fly in the
training loop (the way ``genaug run`` uses them). A last table is a user's own loop (small_cnn,
Adam) fed by ``DataLoader(AugmentedDataset(...), num_workers=W)``: with W >= 1 the default
pipeline runs in the workers and the main process only trains (main-process CPU ms per step and
wall ms per step).

Usage:
    .venv/bin/python benchmarks/bench_train_aug.py                # about 1 min on 2 cores
    .venv/bin/python benchmarks/bench_train_aug.py --steps 300 --repeats 3

Numbers on a shared machine are noisy; the share is a ratio within one process.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import numpy as np
import torch

from genaug.data.labeled import LabeledData
from genaug.ops import AugmentedDataset, RandAugment, default_augmenter
from genaug.train.nets import build_net
from genaug.train.torch_classifier import TorchClassifier


class Timed:
    """Call ``augmenter`` and add the CPU seconds it takes to ``seconds``."""

    def __init__(self, augmenter: Any) -> None:
        self.augmenter = augmenter
        self.seconds = 0.0
        self.calls = 0

    def __call__(self, batch: torch.Tensor, *, generator: Any = None) -> torch.Tensor:
        start = time.process_time()
        out = self.augmenter(batch, generator=generator)
        self.seconds += time.process_time() - start
        self.calls += 1
        return out


def digits_like(n: int, seed: int) -> LabeledData:
    """``n`` random 1x28x28 images in [0, 1] with 10 classes (training cost does not depend on content)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, 28, 28, generator=g)
    y = np.arange(n) % 10
    return LabeledData(x, y, tuple(str(i) for i in range(10)), "image")


def fit_seconds(train: LabeledData, steps: int, augmenter: Any, seed: int) -> float:
    clf = TorchClassifier(arch="small_cnn", steps=steps, batch_size=64)
    start = time.process_time()
    clf.fit(train, augmenter=augmenter, generator=seed)
    return time.process_time() - start


def user_loop(train: LabeledData, steps: int, workers: int, seed: int) -> tuple[float, float]:
    """(main-process CPU ms, wall ms) per step of a plain loop fed by AugmentedDataset workers."""
    from torch.utils.data import DataLoader

    x, y = train.x, torch.as_tensor(train.y)
    epochs = -(-steps * 64 // len(x))
    ds = AugmentedDataset(x, y, default_augmenter("image", (1, 28, 28)), batch_size=64, seed=seed,
                          epochs=epochs, drop_last=True)  # fmt: skip
    net = build_net("small_cnn", (1, 28, 28), 10, generator=seed)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loader = DataLoader(ds, batch_size=None, num_workers=workers,
                        worker_init_fn=lambda _: torch.set_num_threads(1))  # fmt: skip
    it = iter(loader)
    next(it)  # workers started
    cpu, wall = time.process_time(), time.perf_counter()
    for _, (xb, yb) in zip(range(steps), it, strict=False):
        loss = torch.nn.functional.cross_entropy(net(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return 1000 * (time.process_time() - cpu) / steps, 1000 * (time.perf_counter() - wall) / steps


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1], help="DataLoader workers")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    train = digits_like(640, args.seed)
    augmenters = {
        "default classical": default_augmenter("image", (1, 28, 28)),
        "randaugment (2 ops, m=9)": RandAugment(num_ops=2, magnitude=9),
    }
    print(f"small_cnn, 28x28x1, batch 64, {args.steps} steps, {args.repeats} repeats; torch threads "
          f"{torch.get_num_threads()}; CPU seconds (process_time)\n")  # fmt: skip
    print(f"{'augmenter':26s} {'ms/step no aug':>14s} {'ms/step':>8s} {'aug ms/step':>11s} {'aug share':>9s}")
    fit_seconds(train, 20, None, args.seed)  # warm-up
    for name, aug in augmenters.items():
        base, total, inside = [], [], []
        for r in range(args.repeats):
            base.append(fit_seconds(train, args.steps, None, args.seed + r))
            timed = Timed(aug)
            total.append(fit_seconds(train, args.steps, timed, args.seed + r))
            inside.append(timed.seconds)
        b, t, a = (1000 * statistics.median(v) / args.steps for v in (base, total, inside))
        share = statistics.median(i / s for i, s in zip(inside, total, strict=True))
        print(f"{name:26s} {b:14.2f} {t:8.2f} {a:11.2f} {100 * share:8.1f}%")
    print("\nuser loop + DataLoader(AugmentedDataset(default classical)):")
    print(f"{'workers':>8s} {'main CPU ms/step':>17s} {'wall ms/step':>13s}")
    for workers in args.workers:
        cpu, wall = user_loop(train, args.steps, workers, args.seed)
        print(f"{workers:8d} {cpu:17.2f} {wall:13.2f}")


if __name__ == "__main__":
    main()
