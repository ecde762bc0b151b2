"""What ``genaug run`` and ``genaug demo`` print: the summary table, the answer and its warnings.

Drawn from a ``Results.to_dict()`` mapping, like the report; the answer's metric (the primary
metric, see :meth:`genaug.experiment.results.Results.primary_metric`) is the first metric column.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table

from genaug.experiment.results import METRIC_NAMES

__all__ = ["summary_table", "warning_lines"]

_COLUMNS: dict[str, str] = {
    "test_accuracy": "test acc %", "test_macro_f1": "macro-F1 %", "test_pr_auc": "minority PR-AUC %",
    "test_balanced_accuracy": "balanced acc %",
}


def _pct(ci: dict[str, float] | None) -> str:
    return f"{100 * ci['mean']:.1f} ± {100 * ci['std']:.1f}" if ci else "-"


def summary_table(results: dict[str, Any], elapsed: float) -> Table:
    """One row per strategy and size; the primary metric's column first (marked ``*``).

    Example:
        >>> from rich.console import Console
        >>> Console().print(summary_table(results.to_dict(), 12.0))   # doctest: +SKIP
    """
    primary = results.get("primary_metric", "test_accuracy")
    summary = results["summary"]
    metrics = [m for m in _COLUMNS if any(m in row for row in summary)]
    metrics.sort(key=lambda m: m != primary)
    table = Table(title=f"{results['spec']['name']}  ({elapsed:.0f} s)",
                  caption=f"* the answer's metric: {METRIC_NAMES.get(primary, primary)}")
    headers = ["strategy", "labels/class", *(_COLUMNS[m] + (" *" if m == primary else "") for m in metrics),
               "gap %", "ECE", "seconds"]
    for col in headers:
        if col == "strategy":  # the name wraps rather than being cut to "clas…"
            table.add_column(col, justify="left", overflow="fold", min_width=12)
        else:
            table.add_column(col, justify="right", no_wrap=True)
    for row in summary:
        ece = row.get("test_ece")
        table.add_row(
            row["strategy"], str(row["labeled_per_class"]), *(_pct(row.get(m)) for m in metrics),
            _pct(row.get("gap_accuracy")), f"{ece['mean']:.3f}" if ece else "-", f"{row['seconds']:.1f}",
        )
    return table


def warning_lines(results: dict[str, Any]) -> list[str]:
    """One line per recorded warning (strategy, message, seeds)."""
    return [f"warning: {w['strategy']}: {w['message']} (seeds {w['seeds']})"
            for w in results.get("warnings", [])]
