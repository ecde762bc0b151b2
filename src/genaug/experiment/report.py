"""Self-contained HTML report (plots embedded as PNG data URIs; no network, no scripts).

Reports draw; they never compute: everything shown comes from ``Results.to_dict()``.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

import yaml

from genaug.serialization import atomic_write_text

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1000px;
color:#1d2430;line-height:1.45;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #dde}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{padding:.35rem .5rem;text-align:right;
border-bottom:1px solid #eef}th:first-child,td:first-child{text-align:left}thead th{background:#f4f6fa}
.sub{color:#5a6475}.best{font-weight:600}pre{background:#f4f6fa;padding:.8rem;overflow:auto;font-size:.8rem}
img{max-width:100%}.neg{color:#a33}.pos{color:#276a2b}
"""


def _pct(ci: dict[str, float] | None, *, signed: bool = False) -> str:
    if not ci:
        return "–"
    sign = "+" if signed and ci["mean"] > 0 else ""
    return (f"{sign}{100 * ci['mean']:.1f} ± {100 * ci['std']:.1f}"
            f" <span class='sub'>[{100 * ci['low']:.1f}, {100 * ci['high']:.1f}]</span>")


def _num(ci: dict[str, float] | None, fmt: str = "{:.3f}") -> str:
    return "–" if not ci else fmt.format(ci["mean"])


def _figure_png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def accuracy_plot(summary: list[dict[str, Any]]) -> str:
    """Test accuracy (mean and 95% CI) per strategy; a learning curve when there are several sizes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted({row["labeled_per_class"] for row in summary})
    strategies = list(dict.fromkeys(row["strategy"] for row in summary))
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for i, strategy in enumerate(strategies):
        rows = [r for r in summary if r["strategy"] == strategy and "test_accuracy" in r]
        rows.sort(key=lambda r: r["labeled_per_class"])
        xs = [r["labeled_per_class"] for r in rows]
        means = [100 * r["test_accuracy"]["mean"] for r in rows]
        lows = [m - 100 * r["test_accuracy"]["low"] for m, r in zip(means, rows, strict=True)]
        highs = [100 * r["test_accuracy"]["high"] - m for m, r in zip(means, rows, strict=True)]
        if len(sizes) == 1:
            ax.errorbar([i], means, yerr=[lows, highs], fmt="o", capsize=4, label=strategy)
        else:
            ax.errorbar(xs, means, yerr=[lows, highs], marker="o", capsize=3, label=strategy)
    if len(sizes) == 1:
        ax.set_xticks(range(len(strategies)), strategies, rotation=20, ha="right")
        ax.set_xlabel(f"strategy ({sizes[0]} labels per class)")
    else:
        ax.set_xscale("log")
        ax.set_xticks(sizes, [str(s) for s in sizes])
        ax.set_xlabel("labeled samples per class")
        ax.legend(fontsize=8)
    ax.set_ylabel("test accuracy (%)")
    ax.grid(alpha=0.3)
    png = _figure_png(fig)
    plt.close(fig)
    return png


def render_report(results: dict[str, Any]) -> str:
    """The HTML text of the report for a ``Results.to_dict()`` mapping."""
    spec = results["spec"]
    summary = results["summary"]
    esc = html.escape
    rows = []
    for row in summary:
        rows.append(
            "<tr>"
            f"<td>{esc(row['strategy'])}</td><td>{row['labeled_per_class']}</td>"
            f"<td>{esc(row['model'])}</td>"
            f"<td>{_pct(row.get('test_accuracy'))}</td><td>{_pct(row.get('test_macro_f1'))}</td>"
            f"<td>{_pct(row.get('gap_accuracy'))}</td><td>{_num(row.get('test_ece'))}</td>"
            f"<td>{row['seconds']:.1f}</td><td>{row['n_seeds']}</td></tr>"
        )
    comp_rows = []
    for c in results.get("comparisons", []):
        d = c["diff"]
        cls = "pos" if d["low"] > 0 else "neg" if d["high"] < 0 else ""
        comp_rows.append(
            f"<tr><td>{esc(c['strategy'])}</td><td>{c['labeled_per_class']}</td>"
            f"<td class='{cls}'>{_pct(d, signed=True)}</td>"
            f"<td>{c['wins']}/{c['ties']}/{c['losses']}</td></tr>"
        )
    ds = results.get("dataset", {})
    versions = results.get("versions", {})
    config_yaml = yaml.safe_dump(spec, sort_keys=False)
    version_text = ', '.join(f'{k} {v}' for k, v in versions.items())
    plot = accuracy_plot(summary) if summary else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>genaug report: {esc(spec.get('name', ''))}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>
<body>
<h1>genaug report: {esc(spec.get('name', ''))}</h1>
<p class="sub">dataset <b>{esc(str(ds.get('name', '')))}</b> ({ds.get('n_samples', '?')} samples,
{esc(str(ds.get('modality', '')))}, shape {esc(str(ds.get('sample_shape', '')))});
model <b>{esc(spec['model']['name'])}</b>; seeds {esc(str(spec['seeds']))};
genaug {esc(str(results.get('genaug_version', '')))}</p>
<h2>Strategies</h2>
<p class="sub">Mean ± std over seeds, 95% t-interval in brackets. Gap = train accuracy − test accuracy.
Model selection used the validation split only.</p>
<table><thead><tr><th>strategy</th><th>labels/class</th><th>model</th><th>test accuracy %</th>
<th>macro-F1 %</th><th>gap %</th><th>ECE</th><th>seconds</th><th>seeds</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>
<h2>Against no augmentation</h2>
<p class="sub">Test-accuracy difference to <code>none</code>, paired by seed, with its 95% interval;
wins/ties/losses over seeds.</p>
<table><thead><tr><th>strategy</th><th>labels/class</th><th>Δ accuracy (points)</th>
<th>W/T/L</th></tr></thead><tbody>{''.join(comp_rows)}</tbody></table>
<h2>Test accuracy</h2>
<img alt="test accuracy by strategy" src="{plot}">
<h2>Reproduce</h2>
<pre>{esc(config_yaml)}</pre>
<p class="sub">Run with <code>genaug run spec.yaml</code>. Versions: {esc(version_text)}</p>
</body></html>
"""


def write_report(results: dict[str, Any], path: str | Path) -> Path:
    """Render ``results`` and write the HTML atomically to ``path``."""
    return atomic_write_text(path, render_report(results))
