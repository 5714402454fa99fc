"""The validation suite as terminal tables, with its summary lines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from lcai.fmt import number
from lcai.outputs.terminal import escape

if TYPE_CHECKING:
    from lcai.checks.validation import Check, SuiteSummary

__all__ = ["render_validation"]


def _mode_table(mode: str, rows: Sequence[Check], sources: dict[str, int]) -> Table:
    t = Table(title=f"Validation: {mode}", title_justify="left")
    cols = ["case", "quantity", "published", "lcai", "error", "", "src"]
    if mode == "prediction":
        cols.insert(4, "lcai p5-p95")
    for col in cols:
        right = col in ("published", "lcai", "error", "lcai p5-p95")
        t.add_column(col, justify="right" if right else "left")
    for c in rows:
        unit = "" if c.unit == "1" else f" {c.unit}"
        err = "-" if c.rel_error is None else f"{100 * c.rel_error:+.2f}%"
        mark = "ok" if c.within_tolerance else ("MISS" if mode == "reproduction" else "> 2x")
        cells = [
            c.case,
            c.quantity,
            f"{number(c.published, 6)}{unit}",
            f"{number(c.computed, 6)}{unit}",
        ]
        if mode == "prediction":
            cells.append(
                f"{number(c.p5)}-{number(c.p95)}" + (" in" if c.covered else " OUT")
                if c.p5 is not None and c.p95 is not None
                else "-"
            )
        t.add_row(*[escape(x) for x in cells], err, mark, escape(f"[{sources[c.source]}]"))
    return t


def _summary_lines(summary: SuiteSummary) -> list[str]:
    s = summary
    lines = [
        f"Reproduction: {s.reproduction_checks - s.reproduction_failed} of "
        f"{s.reproduction_checks} checks within tolerance."
    ]
    if s.median_abs_energy_error is not None and s.max_energy_factor is not None:
        verdict = "meets" if s.prediction_goal_met else "misses"
        bias = s.signed_median_energy_error or 0.0
        lines.append(
            f"Prediction ({s.prediction_cases} cases, no GPU-hours given): median absolute "
            f"energy error {100 * s.median_abs_energy_error:.1f}%, signed median "
            f"{100 * bias:+.1f}%, worst case off by {s.max_energy_factor:.2f}x; {verdict} "
            "the suite's goal."
        )
    if s.coverage is not None and s.max_interval_factor is not None:
        ok = s.coverage >= 0.8 and s.max_interval_factor <= 4
        lines.append(
            f"Calibration: the published value is inside lcai's p5-p95 interval for "
            f"{100 * s.coverage:.0f}% of the prediction checks; the widest interval is "
            f"{s.max_interval_factor:.2f}x (p95/p5); {'meets' if ok else 'misses'} the "
            "goal (80%, at most 4x)."
        )
    if s.inference_checks:
        lines.append(
            f"Inference estimates: {s.inference_within} of {s.inference_checks} checks "
            "within their bound."
        )
    return lines + serving_lines(s)


def serving_lines(s: SuiteSummary) -> list[str]:
    """The serving estimates against measurements: factor errors and coverage."""
    lines = []
    for label, f in (("stated", s.inference_given), ("left to the default", s.inference_default)):
        if f is not None:
            lines.append(
                f"Serving energy per request, batch {label} ({f.count} measurements): median "
                f"{f.median:.2f}x off, worst {f.worst:.2f}x."
            )
    if s.inference_coverage is not None:
        lines.append(
            f"Serving uncertainty: the measurement is inside lcai's p5-p95 for "
            f"{100 * s.inference_coverage:.0f}% of the per-request checks."
        )
    return lines


def render_validation(checks: Sequence[Check], summary: SuiteSummary, console: Console) -> None:
    """Print the validation table per mode, the sources and the summary lines."""
    sources = {s: i + 1 for i, s in enumerate(dict.fromkeys(c.source for c in checks))}
    for mode in ("reproduction", "prediction"):
        rows = [c for c in checks if c.mode == mode]
        if rows:
            console.print(_mode_table(mode, rows, sources))
    console.print("Sources:")
    for s, i in sources.items():
        console.print(escape(f"  [{i}] {s}"), soft_wrap=True)
    for line in _summary_lines(summary):
        console.print(line)
