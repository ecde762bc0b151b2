"""Plots of the HTML report, drawn from a ``Results.to_dict()`` mapping (no computation beyond
averaging what the runner recorded). Each function returns a PNG data URI, or "" when the
results hold nothing to draw."""

from __future__ import annotations

import base64
import io
from collections import defaultdict
from typing import Any

import numpy as np


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def figure_png(fig: Any) -> str:
    """Encode ``fig`` as a PNG data URI and close it."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    _plt().close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _strategies(runs: list[dict[str, Any]]) -> list[str]:
    return list(dict.fromkeys(r["strategy"] for r in runs))


def _smallest(runs: list[dict[str, Any]]) -> int:
    return min(r["labeled_per_class"] for r in runs)


def accuracy_plot(summary: list[dict[str, Any]], metric: str = "test_accuracy",
                  ylabel: str = "test accuracy (%)") -> str:
    """``metric`` (mean and 95% CI) per strategy; a learning curve when there are several sizes."""
    rows_with = [r for r in summary if metric in r]
    if not rows_with:
        return ""
    plt = _plt()
    sizes = sorted({row["labeled_per_class"] for row in rows_with})
    strategies = list(dict.fromkeys(row["strategy"] for row in rows_with))
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for i, strategy in enumerate(strategies):
        rows = [r for r in rows_with if r["strategy"] == strategy]
        rows.sort(key=lambda r: r["labeled_per_class"])
        xs = [r["labeled_per_class"] for r in rows]
        means = np.array([100 * r[metric]["mean"] for r in rows])
        lows = means - np.array([100 * r[metric]["low"] for r in rows])
        highs = np.array([100 * r[metric]["high"] for r in rows]) - means
        if len(sizes) == 1:
            ax.errorbar([i], means, yerr=[lows, highs], fmt="o", capsize=4, label=strategy)
        else:
            ax.errorbar(xs, means, yerr=[lows, highs], marker="o", capsize=3, label=strategy)
    if len(sizes) == 1:
        ax.set_xticks(range(len(strategies)), strategies, rotation=20, ha="right")
        ax.set_xlabel(f"strategy ({sizes[0]} labels per class)")
    else:
        from matplotlib.ticker import NullFormatter

        ax.set_xscale("log")
        ax.set_xticks(sizes, [str(s) for s in sizes])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("labeled samples per class")
        ax.legend(fontsize=8)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    return figure_png(fig)


def synthetic_amount_plot(runs: list[dict[str, Any]], metric: str = "test_accuracy",
                          ylabel: str = "test accuracy (%)") -> str:
    """``metric`` against the synthetic samples added per class (mean over the classes that
    received any: a minority top-up of 6,000 rows reads 6,000, not 3,000 over two classes);
    one point per run with synthetic data."""
    points = defaultdict(list)
    for r in runs:
        counts = r.get("details", {}).get("n_synthetic_per_class")
        if counts is not None and metric in r["metrics"]:
            received = [c for c in counts if c > 0]
            amount = float(np.mean(received)) if received else 0.0
            points[r["strategy"]].append((amount, 100 * r["metrics"][metric]))
    if not points:
        return ""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 3.4))
    for strategy, pts in points.items():
        xs, ys = zip(*pts, strict=True)
        ax.scatter(xs, ys, label=strategy, alpha=0.8)
    ax.set_xlabel("synthetic samples kept per class (mean over classes that received any)")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return figure_png(fig)


def robustness_plot(runs: list[dict[str, Any]]) -> str:
    """Accuracy per corruption (mean over seeds and severities), per strategy, at the smallest size."""
    size = _smallest(runs) if runs else 0
    table: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in runs:
        rob = r.get("details", {}).get("robustness")
        if rob and r["labeled_per_class"] == size:
            for name, acc in rob["corruption_accuracy"].items():
                table[r["strategy"]][name].append(100 * acc)
    if not table:
        return ""
    plt = _plt()
    strategies = list(table)
    corruptions = list(dict.fromkeys(c for t in table.values() for c in t))
    width = 0.8 / len(strategies)
    fig, ax = plt.subplots(figsize=(8, 3.6))
    for i, strategy in enumerate(strategies):
        means = [np.mean(table[strategy].get(c, [np.nan])) for c in corruptions]
        ax.bar(np.arange(len(corruptions)) + i * width, means, width, label=strategy)
    ax.set_xticks(np.arange(len(corruptions)) + 0.4 - width / 2, corruptions, rotation=25, ha="right")
    ax.set_ylabel("accuracy under corruption (%)")
    ax.set_title(f"{size} labels per class", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    return figure_png(fig)


def reliability_plot(runs: list[dict[str, Any]]) -> str:
    """Reliability diagram per strategy at the smallest size (bins pooled over seeds)."""
    size = _smallest(runs) if runs else 0
    pooled: dict[str, dict[str, np.ndarray]] = {}
    for r in runs:
        rel = r.get("details", {}).get("reliability")
        if not rel or r["labeled_per_class"] != size:
            continue
        count = np.asarray(rel["count"], dtype=float)
        acc = np.nan_to_num(np.asarray(rel["accuracy"], dtype=float)) * count
        conf = np.nan_to_num(np.asarray(rel["confidence"], dtype=float)) * count
        p = pooled.setdefault(r["strategy"], {"count": 0 * count, "acc": 0 * count, "conf": 0 * count})
        p["count"] += count
        p["acc"] += acc
        p["conf"] += conf
    if not pooled:
        return ""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.6, 4.2))
    ax.plot([0, 1], [0, 1], color="#999", lw=1, ls="--", label="perfect calibration")
    for strategy, p in pooled.items():
        keep = p["count"] > 0
        ax.plot(p["conf"][keep] / p["count"][keep], p["acc"][keep] / p["count"][keep], marker="o",
                ms=3, label=strategy)
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    ax.set_title(f"{size} labels per class, test split, seeds pooled", fontsize=9)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return figure_png(fig)


def cost_plot(summary: list[dict[str, Any]]) -> str:
    """Mean wall seconds per run by phase, per strategy (stacked), at the smallest size."""
    if not summary:
        return ""
    size = min(r["labeled_per_class"] for r in summary)
    rows = [r for r in summary if r["labeled_per_class"] == size and r.get("seconds_by_phase")]
    if not rows:
        return ""
    plt = _plt()
    phases = ["generator_fit", "generator_sample", "generator_filter", "prepare", "train", "evaluate"]
    fig, ax = plt.subplots(figsize=(7, 3.4))
    bottom = np.zeros(len(rows))
    for phase in phases:
        vals = []
        for r in rows:
            by = r["seconds_by_phase"]
            v = by.get(phase, 0.0)
            if phase == "prepare":  # the part of prepare that is not a generator phase
                v -= sum(by.get(f"generator_{p}", 0.0) for p in ("fit", "sample", "filter"))
            vals.append(max(v, 0.0))
        if any(vals):
            ax.bar([r["strategy"] for r in rows], vals, bottom=bottom, label=phase.replace("_", " "))
            bottom += np.array(vals)
    ax.set_ylabel("seconds per run (wall)")
    ax.tick_params(axis="x", rotation=20)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    return figure_png(fig)


def sample_grid(preview: dict[str, list[list[Any]]], class_names: list[str]) -> str:
    """Real (left) and synthetic (right) samples, one row per class."""
    fig = sample_grid_figure(preview, class_names)
    return "" if fig is None else figure_png(fig)


def sample_grid_figure(preview: dict[str, list[list[Any]]], class_names: list[str]) -> Any:
    """The figure of :func:`sample_grid` (None when there is nothing to draw): class names
    sit left of their row, outside the images."""
    real, syn = preview.get("real", []), preview.get("synthetic", [])
    n_classes = len(real)
    per = max([len(c) for c in real + syn] or [0])
    if n_classes == 0 or per == 0:
        return None
    plt = _plt()
    fig, axes = plt.subplots(n_classes, 2 * per, figsize=(2 * per * 0.55, n_classes * 0.55), squeeze=False)
    for k in range(n_classes):
        for j in range(2 * per):
            ax = axes[k][j]
            ax.axis("off")
            group, i = (real, j) if j < per else (syn, j - per)
            if k < len(group) and i < len(group[k]):
                x = np.asarray(group[k][i], dtype=float)
                if x.ndim == 3:  # (C, H, W)
                    img = x[0] if x.shape[0] == 1 else np.transpose(x, (1, 2, 0))
                    ax.imshow(np.clip(img, 0, 1), cmap="gray", vmin=0, vmax=1)
                else:  # (C, T) signal
                    ax.plot(x.reshape(x.shape[0], -1).T, lw=0.6)
        # the class name left of its row (not over the images, never cut off: bbox "tight")
        axes[k][0].text(-0.15, 0.5, class_names[k] if k < len(class_names) else str(k), fontsize=6,
                        ha="right", va="center", transform=axes[k][0].transAxes)
    fig.suptitle("real (left) vs synthetic (right)", fontsize=8)
    return fig
