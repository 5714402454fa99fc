"""Reports: one self-contained HTML file, Markdown with SVG charts beside it, or LaTeX.

``build`` gathers what a report shows (through the public API), ``charts`` draws it
(SVG primitives in ``svg``), and ``html``, ``markdown`` and ``latex`` render it.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import shutil
from pathlib import Path

from lcai.files import replace_folder, write_atomic
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
    "write_markdown",
    "write_report",
]

FORMATS = ("html", "md", "latex", "hf-card", "sci", "ai-act", "cyclonedx", "ghg")
"""The report formats, then the disclosures (``lcai.outputs.disclosures``)."""


_VERSION = re.compile(r"[0-9a-f]{12}")


def write_markdown(rep: Report, output: Path) -> None:
    """The Markdown report and its charts, consistent at every instant.

    The charts of one report go in ``STEM-charts/<digest>/`` (a digest of their content),
    written as one folder (:func:`lcai.files.replace_folder`) before the ``.md`` that links
    to them is put in place (:func:`lcai.files.write_atomic`); the versions no ``.md``
    links to any more are removed last. A run killed at any point leaves a ``.md`` whose
    charts are all there and of its own version (at worst an unlinked version folder,
    removed by the next run); a run that fails leaves nothing it made."""
    _, files = render_markdown(rep, "")
    digest = hashlib.sha256(
        "".join(f"{n}\0{svg}\0" for n, svg in sorted(files.items())).encode()
    ).hexdigest()[:12]
    root = output.parent / f"{output.stem}-charts"
    text, _ = render_markdown(rep, f"{root.name}/{digest}")
    made_root = files and not root.exists()
    version = root / digest
    made_version = False
    try:
        if files and not version.is_dir():

            def put(folder: Path) -> None:
                for name, svg in files.items():
                    write_atomic(folder / name, svg)

            root.mkdir(parents=True, exist_ok=True)
            replace_folder(version, put)
            made_version = True
        write_atomic(output, text)
    except BaseException:
        if made_version:
            shutil.rmtree(version, ignore_errors=True)
        if made_root:
            with contextlib.suppress(OSError):
                root.rmdir()  # only if empty: another run may have put its charts there
        raise
    if root.is_dir():
        for old in root.iterdir():
            if old.name != digest and _VERSION.fullmatch(old.name) and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)


def write_report(rep: Report, output: Path, fmt: str = "html") -> None:
    """Write a built report in a format, atomically (charts beside a Markdown report). The
    disclosures (``hf-card``, ``sci``, ``ai-act``, ``cyclonedx``, ``ghg``) restate its
    result: JSON where ``output`` ends in ``.json`` (CycloneDX always), else Markdown; a
    model card at ``output`` is updated in place."""
    if fmt in ("hf-card", "sci", "ai-act", "cyclonedx", "ghg"):
        from lcai.outputs import disclosures

        disclosures.write(fmt, rep.result, output)
    elif fmt == "html":
        write_atomic(output, render_html(rep))
    elif fmt == "latex":
        write_atomic(output, render_latex(rep))
    elif fmt == "md":
        write_markdown(rep, output)
    else:
        from lcai.errors import SpecError

        raise SpecError(f"expected one of {', '.join(FORMATS)}, got {fmt!r}", path=("format",))
