"""Reports: one self-contained HTML file, Markdown with SVG charts beside it, or LaTeX.

``build`` gathers what a report shows (through the public API), ``charts`` draws it
(SVG primitives in ``svg``), and ``html``, ``markdown`` and ``latex`` render it.
"""

from __future__ import annotations

from pathlib import Path

from lcai.files import write_atomic
from lcai.outputs.report.build import Report, build_report
from lcai.outputs.report.html import render_html
from lcai.outputs.report.latex import render_latex
from lcai.outputs.report.markdown import render_markdown

__all__ = [
    "FORMATS",
    "Report",
    "build_report",
    "render_html",
    "render_latex",
    "render_markdown",
    "write_report",
]

FORMATS = ("html", "md", "latex")


def write_report(rep: Report, output: Path, fmt: str = "html") -> None:
    """Write a built report in a format, atomically (charts beside a Markdown report)."""
    if fmt == "html":
        write_atomic(output, render_html(rep))
    elif fmt == "latex":
        write_atomic(output, render_latex(rep))
    elif fmt == "md":
        chart_dir = f"{output.stem}-charts"
        text, files = render_markdown(rep, chart_dir)
        for name, svg in files.items():
            write_atomic(output.parent / chart_dir / name, svg)
        write_atomic(output, text)
    else:
        from lcai.errors import SpecError

        raise SpecError(f"expected html, md or latex, got {fmt!r}", path=("format",))
