"""Self-contained HTML report (plots embedded as PNG data URIs; no network, no scripts).

Reports draw; they never compute: everything shown comes from ``Results.to_dict()``.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from genaug.experiment import report_plots as plots
from genaug.experiment.results import METRIC_NAMES
from genaug.serialization import atomic_write_text

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1150px;
color:#1d2430;line-height:1.45;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #dde}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{padding:.35rem .5rem;text-align:right;
border-bottom:1px solid #eef}th:first-child,td:first-child{text-align:left}thead th{background:#f4f6fa}
.sub{color:#5a6475}.best{font-weight:600}pre{background:#f4f6fa;padding:.8rem;overflow:auto;font-size:.8rem}
img{max-width:100%}td{white-space:nowrap}.ci{display:block;font-size:.75rem}.neg{color:#a33}.pos{color:#276a2b}h3{font-size:1rem}
.headline{font-size:1.1rem;background:#eef5ee;border-left:4px solid #276a2b;padding:.6rem .8rem}
"""


def _pct(ci: dict[str, float] | None, *, signed: bool = False) -> str:
    if not ci:
        return "–"
    sign = "+" if signed and ci["mean"] > 0 else ""
    return (f"{sign}{100 * ci['mean']:.1f} ± {100 * ci['std']:.1f}"
            f" <span class='sub ci'>[{100 * ci['low']:.1f}, {100 * ci['high']:.1f}]</span>")


def _num(ci: dict[str, float] | None, fmt: str = "{:.3f}") -> str:
    return "–" if not ci else fmt.format(ci["mean"])


def _img(src: str, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="{src}">' if src else "<p class='sub'>Nothing recorded.</p>"


def _strategy_table(summary: list[dict[str, Any]]) -> str:
    esc = html.escape
    has_mca = any("mca" in row for row in summary)
    has_pr = any("test_pr_auc" in row for row in summary)  # two-class (imbalanced) data
    rows = []
    for row in summary:
        rows.append(
            "<tr>"
            f"<td>{esc(row['strategy'])}</td><td>{row['labeled_per_class']}</td>"
            f"<td>{esc(row['model'])}</td>"
            f"<td>{_pct(row.get('test_accuracy'))}</td><td>{_pct(row.get('test_macro_f1'))}</td>"
            f"<td>{_pct(row.get('gap_accuracy'))}</td><td>{_num(row.get('test_ece'))}</td>"
            f"<td>{_num(row.get('val_accuracy'), '{:.3f}')}</td>"
            + (f"<td>{_pct(row.get('mca'))}</td>" if has_mca else "")
            + (f"<td>{_pct(row.get('test_pr_auc'))}</td><td>{_pct(row.get('test_balanced_accuracy'))}</td>"
               if has_pr else "")
            + f"<td>{row['seconds']:.1f}</td><td>{row.get('cpu_minutes', 0.0):.2f}</td>"
            f"<td>{row['n_seeds']}</td></tr>"
        )
    head = ("<tr><th>strategy</th><th>labels/class</th><th>model</th><th>test accuracy %</th>"
            "<th>macro-F1 %</th><th>gap %</th><th>ECE</th><th>val acc</th>"
            + ("<th>corruption acc %</th>" if has_mca else "")
            + ("<th>minority PR-AUC %</th><th>balanced acc %</th>" if has_pr else "")
            + "<th>seconds</th><th>CPU-min</th><th>seeds</th></tr>")
    return f"<table><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>"


def _comparison_table(comparisons: list[dict[str, Any]]) -> str:
    esc = html.escape
    rows = []
    for c in comparisons:
        d = c["diff"]
        cls = "pos" if d["low"] > 0 else "neg" if d["high"] < 0 else ""
        per_min = c.get("points_per_cpu_minute")
        best = c.get("reference_role") == "best classical"
        role = " <span class=sub>(best classical)</span>" if best else ""
        rows.append(
            f"<tr><td>{esc(c['strategy'])}</td><td>{esc(c['reference'])}{role}"
            f"</td><td>{c['labeled_per_class']}</td>"
            f"<td class='{cls}'>{_pct(d, signed=True)}</td>"
            f"<td>{c['wins']}/{c['ties']}/{c['losses']}</td>"
            f"<td>{'–' if per_min is None else f'{per_min:+.2f}'}</td></tr>"
        )
    metric = METRIC_NAMES.get(comparisons[0]["metric"], comparisons[0]["metric"]) if comparisons else ""
    return ("<table><thead><tr><th>strategy</th><th>against</th><th>labels/class</th>"
            f"<th>Δ {esc(metric)} (points)</th><th>W/T/L</th><th>points per CPU-minute</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _per_class_table(runs: list[dict[str, Any]], class_names: list[str]) -> str:
    if not runs:
        return ""
    size = min(r["labeled_per_class"] for r in runs)
    by: dict[str, list[list[float]]] = {}
    for r in runs:
        acc = r.get("details", {}).get("per_class_accuracy")
        if acc is not None and r["labeled_per_class"] == size:
            by.setdefault(r["strategy"], []).append(acc)
    if not by:
        return ""
    esc = html.escape
    names = class_names or [str(i) for i in range(len(next(iter(by.values()))[0]))]
    head = "".join(f"<th>{esc(str(n))}</th>" for n in names)
    rows = []
    for strategy, accs in by.items():
        mean = np.nanmean(np.asarray(accs, dtype=float), axis=0)
        cells = "".join(f"<td>{100 * v:.0f}</td>" for v in mean)
        rows.append(f"<tr><td>{esc(strategy)}</td>{cells}</tr>")
    return (f"<p class='sub'>Test recall per class (%), {size} labels per class, mean over seeds.</p>"
            f"<table><thead><tr><th>strategy</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _samples_section(runs: list[dict[str, Any]], class_names: list[str]) -> str:
    esc = html.escape
    parts = []
    seen = set()
    for r in runs:
        details = r.get("details", {})
        key = (r["strategy"], r["labeled_per_class"])
        if key in seen or ("preview" not in details and "quality" not in details):
            continue
        seen.add(key)
        quality = details.get("quality", {})
        q = ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k}: {esc(str(v))}"
                      for k, v in quality.items())
        grid = plots.sample_grid(details["preview"], class_names) if "preview" in details else ""
        title = f"{esc(r['strategy'])}, {r['labeled_per_class']} labels/class (seed {r['seed']})"
        parts.append(f"<h3>{title}</h3>"
                     f"<p class='sub'>Quality of the synthetic samples kept: {q or 'not measured'}.</p>"
                     + (_img(grid, f"real and synthetic samples, {r['strategy']}") if grid else ""))
    if not parts:
        return "<p class='sub'>No strategy added synthetic samples.</p>"
    return ("<p class='sub'>FID in a fixed random-conv feature space (lower is closer); precision/recall/"
            "density/coverage (Naeem et al. 2020); label fidelity = agreement of an independent "
            "classifier with the intended label; memorization = share of synthetic samples nearer a "
            "training sample than typical train-to-train neighbours.</p>" + "".join(parts))


def render_report(results: dict[str, Any]) -> str:
    """The HTML text of the report for a ``Results.to_dict()`` mapping."""
    spec = results["spec"]
    summary = results["summary"]
    runs = results.get("runs", [])
    esc = html.escape
    ds = results.get("dataset", {})
    class_names = [str(c) for c in ds.get("class_names", [])]
    versions = results.get("versions", {})
    config_yaml = yaml.safe_dump(spec, sort_keys=False)
    version_text = ', '.join(f'{k} {v}' for k, v in versions.items())
    head = results.get("headline")
    headline = (f"<p class='headline'>{esc(head['sentence'])}</p>" if head
                else "<p class='sub'>No comparison available.</p>")
    multi_size = len({r["labeled_per_class"] for r in summary}) > 1
    curve_title = "Learning curve" if multi_size else "Test accuracy"
    gap = plots.accuracy_plot(summary, "gap_accuracy", "train − test accuracy (points)")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>genaug report: {esc(spec.get('name', ''))}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>
<body>
<h1>genaug report: {esc(spec.get('name', ''))}</h1>
<p class="sub">dataset <b>{esc(str(ds.get('name', '')))}</b> ({ds.get('n_samples', '?')} samples,
{esc(str(ds.get('modality', '')))}, shape {esc(str(ds.get('sample_shape', '')))});
model <b>{esc(spec['model']['name'])}</b>; seeds {esc(str(spec['seeds']))};
genaug {esc(str(results.get('genaug_version', '')))}</p>
<h2>Answer</h2>
{headline}
<h2>Strategies</h2>
<p class="sub">Mean ± std over seeds, 95% t-interval in brackets. Gap = train accuracy − test accuracy.
Model selection and every "best" choice used the validation split only (val acc column).</p>
{_strategy_table(summary)}
<h2>Comparisons</h2>
<p class="sub">Test-accuracy difference to <code>none</code> and to the best classical strategy, paired by
seed, with its 95% interval; wins/ties/losses over seeds; points gained per CPU-minute of the run.</p>
{_comparison_table(results.get("comparisons", []))}
<h2>{curve_title}</h2>
{_img(plots.accuracy_plot(summary), "test accuracy by strategy")}
<h2>Accuracy vs synthetic amount</h2>
{_img(plots.synthetic_amount_plot(runs), "test accuracy against synthetic samples per class")}
<h2>Generalization gap</h2>
{_img(gap, "train-test accuracy gap")}
<h2>Robustness</h2>
{_img(plots.robustness_plot(runs), "accuracy under corruptions")}
<h2>Calibration</h2>
{_img(plots.reliability_plot(runs), "reliability diagram")}
<h2>Per-class accuracy</h2>
{_per_class_table(runs, class_names)}
<h2>Real vs synthetic samples</h2>
{_samples_section(runs, class_names)}
<h2>Cost</h2>
<p class="sub">Mean wall seconds per run by phase; CPU-minutes in the strategy table (both cores count).
Peak resident memory of the process: {_peak(summary)}.</p>
{_img(plots.cost_plot(summary), "seconds per phase")}
<h2>Reproduce</h2>
<pre>{esc(config_yaml)}</pre>
<p class="sub">Run with <code>genaug run spec.yaml</code>. Versions: {esc(version_text)}</p>
</body></html>
"""


def _peak(summary: list[dict[str, Any]]) -> str:
    peaks = [r.get("peak_rss_mb") for r in summary if r.get("peak_rss_mb")]
    return f"{max(peaks):.0f} MB" if peaks else "not recorded"


def write_report(results: dict[str, Any], path: str | Path) -> Path:
    """Render ``results`` and write the HTML atomically to ``path``."""
    return atomic_write_text(path, render_report(results))
