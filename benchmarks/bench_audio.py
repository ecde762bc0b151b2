"""Audio augmentation throughput: genaug's batched ops against a per-clip loop and audiomentations.

Two comparisons, each measured in one run on the same clips (1 s of spoken digits from
``spoken_digits`` at 16 kHz, repeated to ``--clips``), CPU seconds (``time.process_time``) with
torch on one thread:

1. the waveform pipeline gain + noise at an SNR + time shift + low-pass filter: genaug's
   ``ops.build`` called once on the whole (B, 1, T) batch against audiomentations' ``Compose``
   of ``Gain``, ``AddGaussianSNR``, ``Shift``, ``LowPassFilter`` called once per clip;
2. pitch shift (audiomentations issue #190: the slowest op), ±4 semitones drawn per clip:
   genaug's batched ``audio_pitch`` against the same genaug maths called clip by clip (a naive
   loop) and audiomentations' ``PitchShift`` per clip, with its default method (the C++
   signalsmith-stretch library) and with ``method="librosa_phase_vocoder"`` (the phase vocoder
   of issue #190's time).

audiomentations (MIT) is benchmark-only (``pip install 'genaug[bench]'``); without it only the
genaug columns are measured. Ratios are within one run; absolute times on a shared machine are
inflated.

    .venv/bin/python benchmarks/bench_audio.py --clips 64 --repeats 3 --out /tmp/bench_audio.json

``--table RUN_FOLDER ...`` instead prints the accuracy table of finished ``genaug run`` runs
(the ``runs/run-*.json`` records of one or more output folders of the same spec, e.g. several
seeds run by separate processes): mean ± sd over seeds and paired differences (95 % t-interval,
wins/ties/losses) against ``none`` and against the MFCC SVM baseline, from genaug's stats.

    .venv/bin/python benchmarks/bench_audio.py --table runs/spoken_digits_s0 runs/spoken_digits_s1
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np


def _cpu(fn: Any, repeats: int) -> float:
    """Best CPU seconds of ``repeats`` calls (the least disturbed by other processes)."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def seeds(res: Any, strategy: str, size: int) -> list[int]:
    """The seeds of ``strategy``'s runs at ``size``, sorted."""
    return sorted(r.seed for r in res.runs if r.strategy == strategy and r.labeled_per_class == size)


def table(folders: list[Path], metric: str = "test_accuracy") -> str:
    """Markdown accuracy table of the run records in ``folders`` (see the module doc)."""
    from genaug.experiment.results import Results, RunRecord
    from genaug.experiment.stats import mean_ci, paired_diff

    records, spec, order = {}, {}, []
    for folder in folders:
        runs = folder / "runs" if (folder / "runs").is_dir() else folder
        part = json.loads((runs / "spec.json").read_text()).get("spec", {})
        spec = spec or part
        order += [label for st in part.get("strategies", []) if (label := st.get("label") or st["name"])
                  not in order]  # fmt: skip
        for f in sorted(runs.glob("run-*.json")):
            r = RunRecord(**json.loads(f.read_text()))
            records[(r.labeled_per_class, r.seed, r.strategy)] = r
    rank = {name: i for i, name in enumerate(order)}
    runs = sorted(records.values(), key=lambda r: (rank.get(r.strategy, len(rank)), r.strategy, r.seed))
    res = Results(spec=spec, runs=runs)
    lines = []
    for size in res.sizes():
        base = next((s for s in res.strategies() if res.kind(s) == "baseline"), None)
        lines += [f"\n**{size} clips per class** (test accuracy %, unseen voices)\n",
                  "| strategy | seeds | mean ± sd | vs none (95 % CI; W/T/L) | vs "
                  f"{base or 'baseline'} (95 % CI; W/T/L) |", "|---|---|---|---|---|"]
        for strategy in res.strategies():
            vals = res.values(strategy, size, metric)
            if not vals.size:
                continue
            ci = mean_ci(100 * vals)
            cells = [strategy, str(vals.size), f"{ci.mean:.1f} ± {ci.std:.1f}"]
            for ref in ("none", base):
                rv = res.values(ref, size, metric) if ref else np.zeros(0)
                paired = seeds(res, strategy, size) == seeds(res, ref, size) if ref else False
                if ref == strategy or not paired:
                    cells.append("")
                    continue
                d = paired_diff(100 * vals, 100 * rv)
                cells.append(f"{d.diff.mean:+.1f} [{d.diff.low:+.1f}, {d.diff.high:+.1f}]; "
                             f"{d.wins}/{d.ties}/{d.losses}")
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clips", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rate", type=int, default=16000)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--table", type=Path, nargs="+", default=None, help="run folders to tabulate")
    args = parser.parse_args()
    if args.table:
        print(table(args.table))
        return

    import numpy as np
    import torch

    torch.set_num_threads(1)
    from genaug import ops
    from genaug.data import load_dataset
    from genaug.ops.functional import audio as FA

    data = load_dataset("spoken_digits", sample_rate=args.rate)
    x = data.x[np.arange(args.clips) % len(data)].contiguous()  # (B, 1, T) float32
    clips = [c.numpy()[0] for c in x]
    results: dict[str, Any] = {"clips": args.clips, "samples": int(x.shape[-1]), "rate": args.rate}

    pipeline = ops.build([
        {"name": "audio_gain", "db": [-6, 6]},
        {"name": "audio_noise", "snr_db": [10, 30]},
        {"name": "audio_shift", "max_shift": 0.1},
        {"name": "audio_filter", "kind": "lowpass", "high_hz": [2000, 6000], "sample_rate": args.rate},
    ])
    results["pipeline_genaug_batched_s"] = _cpu(lambda: pipeline(x, generator=0), args.repeats)
    semis = torch.empty(args.clips).uniform_(-4, 4, generator=torch.Generator().manual_seed(0))
    results["pitch_genaug_batched_s"] = _cpu(lambda: FA.pitch_shift(x, semis), args.repeats)
    results["pitch_genaug_per_clip_s"] = _cpu(
        lambda: [FA.pitch_shift(x[i : i + 1], semis[i : i + 1]) for i in range(args.clips)], args.repeats
    )
    try:
        import audiomentations as am
    except ImportError:
        results["audiomentations"] = None
    else:
        results["audiomentations"] = am.__version__
        compose = am.Compose([
            am.Gain(min_gain_db=-6, max_gain_db=6, p=1.0),
            am.AddGaussianSNR(min_snr_db=10, max_snr_db=30, p=1.0),
            am.Shift(min_shift=-0.1, max_shift=0.1, p=1.0),
            am.LowPassFilter(min_cutoff_freq=2000, max_cutoff_freq=6000, p=1.0),
        ])
        results["pipeline_audiomentations_s"] = _cpu(
            lambda: [compose(samples=c, sample_rate=args.rate) for c in clips], args.repeats
        )
        pitch = am.PitchShift(min_semitones=-4, max_semitones=4, p=1.0)  # signalsmith-stretch (C++)
        results["pitch_audiomentations_s"] = _cpu(
            lambda: [pitch(samples=c, sample_rate=args.rate) for c in clips], args.repeats
        )
        vocoder = am.PitchShift(min_semitones=-4, max_semitones=4, method="librosa_phase_vocoder", p=1.0)
        results["pitch_audiomentations_librosa_s"] = _cpu(
            lambda: [vocoder(samples=c, sample_rate=args.rate) for c in clips], args.repeats
        )
        results["pitch_speedup_vs_audiomentations_librosa"] = (
            results["pitch_audiomentations_librosa_s"] / results["pitch_genaug_batched_s"]
        )
        results["pipeline_speedup_vs_audiomentations"] = (
            results["pipeline_audiomentations_s"] / results["pipeline_genaug_batched_s"]
        )
        results["pitch_speedup_vs_audiomentations"] = (
            results["pitch_audiomentations_s"] / results["pitch_genaug_batched_s"]
        )
    per_clip, batched = results["pitch_genaug_per_clip_s"], results["pitch_genaug_batched_s"]
    results["pitch_speedup_vs_per_clip"] = per_clip / batched
    print(json.dumps(results, indent=2))
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
