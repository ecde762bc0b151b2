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
.warn{background:#fdf3e6;border-left:4px solid #c07a10;padding:.4rem .8rem;margin:.6rem 0}
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


def _strategy_table(summary: list[dict[str, Any]], primary: str = "test_accuracy",
                    selection: str = "val_accuracy") -> str:
    """One row per strategy and size; the primary metric's column first and in bold."""
    esc = html.escape
    has_mca = any("mca" in row for row in summary)
    has_pr = any("test_pr_auc" in row for row in summary)  # two-class (imbalanced) data
    columns: list[tuple[str, str, Any]] = [
        ("test_accuracy", "test accuracy %", _pct), ("test_macro_f1", "macro-F1 %", _pct),
    ]
    if has_pr:
        columns += [("test_pr_auc", "minority PR-AUC %", _pct),
                    ("test_balanced_accuracy", "balanced acc %", _pct)]
    columns.sort(key=lambda c: c[0] != primary)  # the primary metric first
    columns += [("gap_accuracy", "gap %", _pct), ("test_ece", "ECE", _num),
                (selection, METRIC_NAMES.get(selection, selection), _num)]
    if has_mca:
        columns.append(("mca", "corruption acc %", _pct))
    rows = []
    for row in summary:
        cells = "".join(f"<td{' class=best' if key == primary else ''}>{fmt(row.get(key))}</td>"
                        for key, _, fmt in columns)
        rows.append(
            f"<tr><td>{esc(row['strategy'])}</td><td>{row['labeled_per_class']}</td>"
            f"<td>{esc(row['model'])}</td>{cells}"
            f"<td>{row['seconds']:.1f}</td><td>{row.get('cpu_minutes', 0.0):.2f}</td>"
            f"<td>{row['n_seeds']}</td></tr>"
        )
    head = ("<tr><th>strategy</th><th>labels/class</th><th>model</th>"
            + "".join(f"<th>{esc(title)}</th>" for _, title, _ in columns)
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
    """Per strategy with synthetic samples: counts added per class, their quality (image
    metrics or tabular fidelity/privacy) and real vs synthetic examples."""
    esc = html.escape
    parts = []
    seen = set()
    for r in runs:
        details = r.get("details", {})
        counts = details.get("n_synthetic_per_class")
        key = (r["strategy"], r["labeled_per_class"])
        if key in seen or not counts or not sum(counts):
            continue
        seen.add(key)
        named_counts = ", ".join(f"{esc(class_names[c] if c < len(class_names) else str(c))} {n:,}"
                                 for c, n in enumerate(counts) if n)
        quality = dict(details.get("quality", {}))
        quality.update({k.removeprefix("quality_"): v for k, v in r.get("info", {}).items()
                        if k.startswith("quality_")})
        q = ", ".join(f"{esc(k)} {v:.3g}" if isinstance(v, float) else f"{esc(k)}: {esc(str(v))}"
                      for k, v in quality.items())
        title = f"{esc(r['strategy'])}, {r['labeled_per_class']} labels/class (seed {r['seed']})"
        preview = details.get("preview")
        parts.append(f"<h3>{title}</h3><p class='sub'>Synthetic samples added per class: {named_counts}. "
                     f"Quality of the synthetic samples: {q or 'not measured'}.</p>"
                     + (_preview(preview, class_names, r["strategy"]) if preview else ""))
    if not parts:
        return "<p class='sub'>No strategy added synthetic samples.</p>"
    return ("<p class='sub'>Images and signals: FID in a fixed random-conv feature space (lower is "
            "closer); precision/recall/density/coverage (Naeem et al. 2020); label fidelity = agreement "
            "of an independent classifier with the intended label; memorization = share of synthetic "
            "samples nearer a training sample than typical train-to-train neighbours. Tables: ks_mean / "
            "tv_mean = mean Kolmogorov-Smirnov / total-variation distance per column (0 = same "
            "marginals); corr_diff_mean = mean absolute difference of pairwise correlations; "
            "detection_auc = how well a classifier tells synthetic from real rows (0.5 = not at all); "
            "exact/near_copy_share = share of synthetic rows equal or nearly equal to a training row; "
            "dcr_ratio = distance to the closest training row relative to held-out real rows "
            "(about 1 or more: no sign of copying).</p>" + "".join(parts))


def _preview(preview: dict[str, Any], class_names: list[str], strategy: str) -> str:
    """A sample grid (images, signals) or a small table of rows (tables, text)."""
    real, syn = preview.get("real", []), preview.get("synthetic", [])
    first = next((v for group in real + syn for v in group), None)
    if isinstance(first, dict | str):
        return _rows_table(real, syn, class_names)
    grid = plots.sample_grid(preview, class_names)
    return _img(grid, f"real and synthetic samples, {strategy}") if grid else ""


def _rows_table(real: list[list[Any]], syn: list[list[Any]], class_names: list[str]) -> str:
    esc = html.escape
    columns = list(dict.fromkeys(k for group in real + syn for v in group if isinstance(v, dict) for k in v))
    head = "<th>kind</th><th>class</th>" + ("".join(f"<th>{esc(c)}</th>" for c in columns) if columns
                                            else "<th>text</th>")
    body = []
    for kind, groups in (("real", real), ("synthetic", syn)):
        for c, group in enumerate(groups):
            for v in group[:2]:
                name = esc(class_names[c] if c < len(class_names) else str(c))
                cells = ("".join(f"<td>{esc(str(v.get(col, '')))}</td>" for col in columns)
                         if isinstance(v, dict) else f"<td style='white-space:normal'>{esc(str(v))}</td>")
                body.append(f"<tr><td>{kind}</td><td>{name}</td>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _auto_choices(runs: list[dict[str, Any]]) -> str:
    """Per auto strategy and seed: what it chose, why, and its validation scores."""
    esc = html.escape
    rows = []
    for r in runs:
        info = r.get("info", {})
        if "chosen_label" not in info and not isinstance(info.get("chosen"), dict):
            continue
        label = info.get("chosen_label") or info["chosen"].get("strategy", "?")
        scores = info.get("scores") or {}
        top = sorted(scores.items(), key=lambda kv: -kv[1])[:3]
        shown = ", ".join(f"{esc(str(k))} {v:.3f}" for k, v in top)
        why = esc(str(info.get("decision", "")))
        rows.append(f"<tr><td>{esc(r['strategy'])}</td><td>{r['labeled_per_class']}</td><td>{r['seed']}</td>"
                    f"<td>{esc(str(label))}</td><td style='white-space:normal'>{why}</td>"
                    f"<td style='white-space:normal'>{shown}</td></tr>")
    if not rows:
        return ""
    return ("<h2>What auto chose</h2><p class='sub'>Per seed: the candidate auto trained the final model "
            "with, the reason, and the best validation scores of its search (penalised score, on "
            "the auto's own selection metric).</p><table><thead><tr><th>strategy</th><th>labels/class</th>"
            "<th>seed</th><th>chosen</th><th>why</th><th>best validation scores</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _warnings(items: list[dict[str, Any]]) -> str:
    if not items:
        return ""
    esc = html.escape
    lines = "".join(
        f"<li><b>{esc(w['strategy'])}</b>: {esc(w['message'])} (seeds {esc(str(w['seeds']))})</li>"
        for w in items)
    return f"<div class='warn'><b>Warnings</b><ul>{lines}</ul></div>"


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
    primary = results.get("primary_metric", "test_accuracy")
    selection = results.get("selection_metric", "val_accuracy")
    primary_name = METRIC_NAMES.get(primary, primary)
    selection_name = METRIC_NAMES.get(selection, selection)
    curve_title = "Learning curve" if multi_size else primary_name[:1].upper() + primary_name[1:]
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
{_warnings(results.get("warnings", []))}
<h2>Strategies</h2>
<p class="sub">Mean ± std over seeds, 95% t-interval in brackets; the answer's metric
({esc(primary_name)}) in bold. Gap = train accuracy − test accuracy. Model selection and every
"best" choice used the validation split only ({esc(selection_name)} column).</p>
{_strategy_table(summary, primary, selection)}
{_auto_choices(runs)}
<h2>Comparisons</h2>
<p class="sub">{esc(primary_name[:1].upper() + primary_name[1:])} difference (points) to <code>none</code>
and to the best classical strategy (chosen on {esc(selection_name)}), paired by seed, with its 95%
interval; wins/ties/losses over seeds; points gained per CPU-minute of the run (a dash where the
run costs under a CPU-second).</p>
{_comparison_table(results.get("comparisons", []))}
<h2>{curve_title}</h2>
{_img(plots.accuracy_plot(summary, primary, f"{primary_name} (%)"), f"{primary_name} by strategy")}
<h2>{esc(primary_name[:1].upper() + primary_name[1:])} vs synthetic amount</h2>
{_img(plots.synthetic_amount_plot(runs, primary, f"{primary_name} (%)"),
      f"{primary_name} against synthetic samples per class")}
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
