"""Synthesizers on CPU: sampling throughput per generator, and diffusion quality vs DDIM steps.

Data: scikit-learn digits (1x8x8), ``--labels-per-class`` labeled images per class and the rest
of the training split as unlabeled pool (labels hidden from every generator); the test split is
the reference set of the quality numbers.

1. Throughput: each generator (cvae, cgan, diffusion, img2img) is fitted with a short budget
   (training length does not change sampling cost) and timed drawing ``--throughput-n``
   samples per class; reported as samples/s (and fit ms/step).
2. Quality and speed per sampler: one diffusion model per ``--widths`` entry is trained for
   ``--diffusion-steps`` steps; for each sampler and step count (``--ddim-steps``,
   ``--dpm-steps``) it draws ``--fid-n`` samples per class in one batched call, reports
   samples/s (CPU seconds of the call, one thread) and feature-FID against
   the test split in two feature spaces (the training-free random-conv space and the
   penultimate layer of a small CNN fitted on the pool *with* its labels: an evaluation
   instrument only, no generator sees them), plus that CNN's agreement with the intended
   label. ``real`` rows give the floor: the labeled images (+ pool images) against the test split.

Measured (2026-12-02, shared 2-core CPU, 1 torch thread, defaults; samples/s of a tiny digits model):
    cvae 15717, cgan 12351, diffusion 50 DDIM steps 19.5 (10 steps 97.7), img2img strength 0.5 38.8.
    Diffusion (width 32, mults 1-2, 1500 steps, 378 s; guidance 1.5), 500 samples vs 539 test images:
    DDIM 10/20/50/100 -> FID randconv 0.039/0.038/0.037/0.037, FID cnn 0.60/0.58/0.57/0.56, label
    agreement 0.988/0.986/0.984/0.986 (floor: 100 labeled real 0.035 / 0.43 / 0.990).
Measured 2026-12-06 (same data, --dpm-steps 8 10 --unets 32:1,2 16:1,2 16:1 8:1,2; CPU samples/s of
    one batched call of 500): width 32 DDIM 100 19/s at FID 0.037 / 0.55; width 16 DPM-Solver++ 8
    steps without guidance 1508/s at 0.025 / 0.55 (label agreement 0.964 vs 0.986); all rows in
    benchmarks/results/speed.md.

Usage:
    .venv/bin/python benchmarks/bench_synth.py                    # defaults, about 15 min on 2 cores
    .venv/bin/python benchmarks/bench_synth.py --diffusion-steps 300 --fid-n 20 --ddim-steps 10 50
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from genaug.data import load_dataset, split
from genaug.data.labeled import LabeledData
from genaug.quality import extract_features, fit_feature_classifier
from genaug.quality.functional import fid_from_features
from genaug.synth import CGAN, CVAE, Diffusion, Img2Img

DIFFUSION = {"width": 32, "channel_mults": (1, 2), "num_timesteps": 1000, "batch_size": 64, "lr": 2e-3,
             "guidance_scale": 1.5}  # fmt: skip


def throughput(name: str, synth, n_per_class: int) -> dict[str, float]:
    synth.sample(1, generator=0)  # warm-up
    start = time.perf_counter()
    out = synth.sample(n_per_class, generator=1)
    seconds = time.perf_counter() - start
    return {"generator": name, "samples": len(out), "seconds": seconds, "samples_per_s": len(out) / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--labels-per-class", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--diffusion-steps", type=int, default=1500)
    parser.add_argument("--ddim-steps", type=int, nargs="+", default=[10, 50, 100])
    parser.add_argument("--dpm-steps", type=int, nargs="+", default=[5, 8, 10],
                        help="DPM-Solver++ (2M) step counts")
    parser.add_argument("--unets", nargs="+", default=["32:1,2", "16:1,2", "16:1"],
                        help="UNets to train and compare, as width:channel_mults")
    parser.add_argument("--dpm-guidance", type=float, nargs="+", default=[1.5, 1.0],
                        help="guidance scales of the DPM-Solver++ rows (DDIM rows use the model's 1.5)")
    parser.add_argument("--skip-throughput", action="store_true", help="only the sampler comparison")
    parser.add_argument("--fid-n", type=int, default=50, help="samples per class for FID")
    parser.add_argument("--throughput-n", type=int, default=20, help="samples per class timed")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    data = load_dataset("digits")
    parts = split(data, labeled_per_class=args.labels_per_class, val_per_class=10, seed=args.seed)
    labeled, pool, test = parts.labeled, parts.unlabeled.x, parts.test
    print(f"digits: {len(labeled)} labeled, {len(pool)} unlabeled pool, {len(test)} test; "
          f"torch threads {torch.get_num_threads()}")  # fmt: skip

    # ----- 1. throughput --------------------------------------------------------------------
    rows = []
    short = 60
    models = {} if args.skip_throughput else {
        "cvae": CVAE(steps=short),
        "cgan": CGAN(steps=short),
        "diffusion (50 DDIM steps)": Diffusion(**DIFFUSION, steps=short, sampling_steps=50),
        "img2img (strength 0.5, 25 steps)": Img2Img(diffusion={**DIFFUSION, "steps": short}, strength=0.5),
    }
    for name, synth in models.items():
        start = time.perf_counter()
        synth.fit(labeled, unlabeled=pool, generator=args.seed)
        fit_ms = 1000 * (time.perf_counter() - start) / short
        row = throughput(name, synth, args.throughput_n) | {"fit_ms_per_step": fit_ms}
        rows.append(row)
        print(f"{name:34s} {row['samples_per_s']:10.1f} samples/s   fit {fit_ms:6.1f} ms/step")
    if models:
        dm10 = models["diffusion (50 DDIM steps)"]
        dm10.sampling_steps = 10
        row = throughput("diffusion (10 DDIM steps)", dm10, args.throughput_n)
        rows.append(row)
        print(f"{'diffusion (10 DDIM steps)':34s} {row['samples_per_s']:10.1f} samples/s")

    # ----- 2. diffusion quality and speed per sampler ----------------------------------------
    judge = fit_feature_classifier(parts.unlabeled, model="small_cnn", generator=0, steps=600)
    spaces = {"randconv": None, "cnn": judge}
    test_f = {k: extract_features(test, v) for k, v in spaces.items()}

    def score(sample: LabeledData) -> dict[str, float]:
        out = {
            f"fid_{k}": fid_from_features(test_f[k], extract_features(sample, v)) for k, v in spaces.items()
        }
        pred = judge.source.predict_proba(sample).argmax(1)
        out["label_agreement"] = float(np.mean(pred == sample.y))
        return out

    quality = []
    ref = {"labeled real": labeled, "pool real": parts.unlabeled.subset(np.arange(min(len(pool), len(test))))}
    for name, real in ref.items():
        quality.append({"setting": name, "n": len(real), **score(real)})
    y = torch.as_tensor(np.repeat(np.arange(labeled.num_classes), args.fid_n))
    fit_s = {}
    settings = [("ddim", s, DIFFUSION["guidance_scale"]) for s in args.ddim_steps] + [
        ("dpm_solver++", s, w) for w in args.dpm_guidance for s in args.dpm_steps
    ]
    for unet in args.unets:
        width, mults = unet.split(":")
        arch = {"width": int(width), "channel_mults": tuple(int(m) for m in mults.split(","))}
        start = time.process_time()
        dm = Diffusion(**(DIFFUSION | arch), steps=args.diffusion_steps)
        dm.fit(labeled, unlabeled=pool, generator=args.seed)
        fit_s[unet] = time.process_time() - start
        print(f"diffusion {unet} fit: {args.diffusion_steps} steps in {fit_s[unet]:.0f} CPU s "
              f"(final loss {np.mean(dm.history_['loss'][-50:]):.4f})")  # fmt: skip
        dm.generate(y[:10], generator=0, sampling_steps=2)  # warm-up
        for sampler, steps, w in settings:
            start = time.process_time()
            x = dm.generate(y, generator=args.seed, sampling_steps=steps, sampler=sampler, guidance_scale=w)
            seconds = time.process_time() - start
            sample = LabeledData(x.clamp(0, 1), y.numpy(), labeled.class_names, "image")
            quality.append({"setting": f"{unet} {sampler} {steps} w={w}", "n": len(y), "seconds": seconds,
                            "samples_per_s": len(y) / seconds, **score(sample)})  # fmt: skip
    print(f"\n{'setting (width:mults sampler steps guidance)':44s} {'n':>5s} {'FID randconv':>13s} "
          f"{'FID cnn':>9s} {'label agree':>12s} {'samples/s':>10s}")  # fmt: skip
    for q in quality:
        sps = f"{q['samples_per_s']:10.0f}" if "samples_per_s" in q else "         -"
        print(f"{q['setting']:44s} {q['n']:5d} {q['fid_randconv']:13.3f} {q['fid_cnn']:9.2f} "
              f"{q['label_agreement']:12.3f} {sps}")  # fmt: skip
    if args.json:
        result = {"args": vars(args), "throughput": rows, "quality": quality, "diffusion_fit_cpu_s": fit_s}
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=2)


if __name__ == "__main__":
    main()
