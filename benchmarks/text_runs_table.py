"""Markdown table of a text experiment's finished runs (``OUT/runs/run-*.json``), partial runs included.

Per label budget and strategy: mean test accuracy with a 95 % t-interval over the seeds, and
paired differences (same seeds) against ``none``, the TF-IDF baseline, the best classical op
(eda / glove / char-noise, highest mean; "-" when none ran) and the per-seed best of (TF-IDF,
none) with its worst seed; mean CPU seconds per run; what ``auto`` chose per seed (``--why``:
and its decision).

    .venv/bin/python benchmarks/text_runs_table.py runs/text_topics/runs [--why]
"""

from __future__ import annotations

import glob
import json
import sys

import numpy as np
from scipy import stats

ORDER = ("none", "eda", "glove", "char-noise", "vae-pool", "lm-pool", "pseudo-label", "auto")
CLASSICAL = ("eda", "glove", "char-noise")


def interval(values: list[float], signed: bool) -> str:
    d = np.asarray(values) * 100
    fmt = "{:+.2f}" if signed else "{:.2f}"
    if len(d) < 2:
        return fmt.format(d.mean())
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return f"{fmt.format(d.mean())} [{fmt.format(d.mean() - half)}, {fmt.format(d.mean() + half)}]"


def table(size: int, strats: dict[str, dict[int, dict]]) -> None:
    acc = {s: {k: v["metrics"]["test_accuracy"] for k, v in d.items()} for s, d in strats.items()}
    cpu = {s: np.mean([v["cpu_seconds"]["total"] for v in d.values()]) for s, d in strats.items()}
    tfidf = next(s for s in acc if s.startswith("tfidf"))

    def common(*names: str) -> list[int]:
        return sorted(set.intersection(*[set(acc[n]) for n in names]))

    classical = [s for s in CLASSICAL if s in acc]
    best = (max(classical, key=lambda s: np.mean([acc[s][k] for k in common(*classical)]))
            if classical else None)
    print(f"\n### {size} labels per class (best classical op: {best})\n")
    print("| strategy | seeds | test acc % (mean [95% CI]) | vs none | vs TF-IDF LR | vs best classical "
          "| vs best of (TF-IDF, none) (worst seed) | CPU s/run |")
    print("|---|---|---|---|---|---|---|---|")
    for s in [*ORDER, tfidf, *(n for n in acc if n not in (*ORDER, tfidf))]:
        if s not in acc:
            continue
        seeds = sorted(acc[s])

        def diff(ref: str | None, s: str = s, seeds: list[int] = seeds) -> str:
            if ref is None:
                return "-"
            ks = common(s, ref)
            note = "" if len(ks) == len(seeds) else f" (n={len(ks)})"
            return interval([acc[s][k] - acc[ref][k] for k in ks], True) + note

        ks = common(s, "none", tfidf)
        gaps = [acc[s][k] - max(acc["none"][k], acc[tfidf][k]) for k in ks]
        best_of = interval(gaps, True) + f" (worst seed {100 * min(gaps):+.2f})"
        mean = interval([acc[s][k] for k in seeds], False)
        print(f"| {s} | {len(seeds)} | {mean} | {diff('none')} | {diff(tfidf)} | {diff(best)} | {best_of} "
              f"| {cpu[s]:.0f} |")
    if "auto" in strats:
        chosen = [f"seed {k}: {v['info'].get('chosen')}" for k, v in sorted(strats["auto"].items())]
        if len(sys.argv) > 2 and sys.argv[2] == "--why":
            chosen = [f"{c} ({v['info'].get('decision')})" for c, v in
                      zip(chosen, [v for _, v in sorted(strats["auto"].items())], strict=True)]
        print("\nauto chose: " + "; ".join(chosen))


def main() -> None:
    by: dict[int, dict[str, dict[int, dict]]] = {}
    for path in glob.glob(sys.argv[1] + "/run-*.json"):
        with open(path) as f:
            run = json.load(f)
        by.setdefault(run["labeled_per_class"], {}).setdefault(run["strategy"], {})[run["seed"]] = run
    for size, strats in sorted(by.items()):
        table(size, strats)


if __name__ == "__main__":
    main()
