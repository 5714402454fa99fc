"""Write the validation table into docs/methodology.md (between its markers).

    .venv/bin/python scripts/gen_validation_table.py

tests/test_docs.py checks that the committed table is what `lcai validate` gives.
"""

from __future__ import annotations

import sys
from pathlib import Path

from lcai.checks.validation import run_suite, summarise
from lcai.outputs.terminal.checks import serving_lines

DOC = Path(__file__).resolve().parent.parent / "docs" / "methodology.md"
START, END = "<!-- validation:start -->", "<!-- validation:end -->"


def render() -> str:
    checks = run_suite()
    s = summarise(checks)
    lines = [
        "| mode | case | quantity | published | lcai | lcai p5-p95 | error | within |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in checks:
        unit = "" if c.unit == "1" else f" {c.unit}"
        err = "-" if c.rel_error is None else f"{100 * c.rel_error:+.2f}%"
        iv = "-" if c.p5 is None or c.p95 is None else f"{c.p5:,.4g}-{c.p95:,.4g}{unit}"
        lines.append(
            f"| {c.mode} | {c.case} | {c.quantity} | {c.published:,.6g}{unit} | "
            f"{c.computed:,.6g}{unit} | {iv} | {err} | {'yes' if c.within_tolerance else 'no'} |"
        )
    lines += [
        "",
        f"Reproduction: {s.reproduction_checks - s.reproduction_failed} of "
        f"{s.reproduction_checks} checks within tolerance. Prediction "
        f"({s.prediction_cases} training cases, no GPU-hours given): median absolute energy "
        f"error {100 * (s.median_abs_energy_error or 0):.1f}% (signed median "
        f"{100 * (s.signed_median_energy_error or 0):+.1f}%), worst case off by "
        f"{s.max_energy_factor or 0:.2f}x. Calibration: the published value is inside "
        f"lcai's p5-p95 for {100 * (s.coverage or 0):.0f}% of the prediction checks, the "
        f"widest interval {s.max_interval_factor or 0:.2f}x (p95/p5). Inference: "
        f"{s.inference_within} of {s.inference_checks} within their bound.",
    ]
    lines += serving_lines(s)
    return "\n".join(lines)


def splice(text: str) -> str:
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{render()}\n{END}{tail}"


if __name__ == "__main__":
    current = DOC.read_text()
    new = splice(current)
    if "--check" in sys.argv:
        sys.exit(0 if new == current else 1)
    DOC.write_text(new)
    print(f"wrote {DOC}")
