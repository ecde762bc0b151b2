"""Print a results.json as a Markdown table: accuracy with CI, paired difference vs the best
classical strategy, corruption robustness, calibration and cost, per label budget.

Usage: python scripts/results_markdown.py runs/digits_auto/results.json
"""

from __future__ import annotations

import sys
from pathlib import Path

from genaug.experiment import Results


def _ci(row: dict | None, scale: float = 100.0, signed: bool = False) -> str:
    if not row:
        return "–"
    mean, low, high = ((f"{scale * row[k]:+.1f}" if signed else f"{scale * row[k]:.1f}")
                       for k in ("mean", "low", "high"))
    return f"{mean} [{low}, {high}]"


def markdown(results: Results) -> str:
    summary = results.summary()
    comparisons = results.comparisons()
    metric = results.primary_metric()
    lines = []
    for size in results.sizes():
        best = results.best(size, ("classical",))
        lines += [f"**{size} labels/class** (best classical on validation: {best}; "
                  f"{summary[0]['n_seeds']} seeds, 95% t-intervals)", "",
                  f"| strategy | {metric} % | Δ vs {best} (W/T/L) | Δ vs none | corruption acc % "
                  "| rel. drop % | ECE | CPU-min/run |",
                  "|---|---|---|---|---|---|---|---|"]
        for row in (r for r in summary if r["labeled_per_class"] == size):
            name = row["strategy"]
            vs = {c["reference_role"]: c for c in comparisons
                  if c["strategy"] == name and c["labeled_per_class"] == size}
            best_c, none_c = vs.get("best classical"), vs.get("none")
            diff = "–"
            if best_c:
                wtl = f"{best_c['wins']}/{best_c['ties']}/{best_c['losses']}"
                diff = f"{_ci(best_c['diff'], signed=True)} ({wtl})"
            ece = f"{row['test_ece']['mean']:.3f}" if row.get("test_ece") else "–"
            lines.append(
                f"| {name} | {_ci(row.get(metric))} | {diff} | "
                f"{_ci(none_c['diff'], signed=True) if none_c else '–'} | {_ci(row.get('mca'))} | "
                f"{_ci(row.get('relative_drop'))} | {ece} | "
                f"{row['cpu_minutes']:.2f} |"
            )
        lines.append("")
    head = results.headline()
    if head:
        lines.append(f"Headline: {head['sentence']}")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    print(markdown(Results.load(Path(argv[0]))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
