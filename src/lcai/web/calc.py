"""One calculation of the page: a page state -> a :class:`~lcai.outputs.report.Report`
(through the public API, as ``lcai report`` builds one), the report's body as the page
shows it, and every download (YAML, JSON, the report formats, the disclosures).

Input is hostile: the assessment text is read bounded (``lcai.spec.reading``), parsed
and validated by the CLI's loader, and measured inputs (run files, fleet results,
hourly intensity: paths on this machine) are refused.
"""

from __future__ import annotations

import html
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from lcai.errors import SpecError
from lcai.outputs.report import Report
from lcai.spec.source import Source
from lcai.web.inputs import catalog_version, refuse_file_fields
from lcai.web.state import OPTIONS, PageState

__all__ = [
    "DOWNLOADS",
    "Calculation",
    "calculate",
    "catalog_version",
    "download",
    "parse_text",
    "report_body",
    "to_yaml",
]

MAX_TEXT_BYTES = 256 * 1024
"""The largest assessment text (YAML box or uploaded file) read."""
NAME = "assessment.yaml"
"""The name the page's assessment goes by in messages and reports."""


@dataclass(frozen=True)
class Calculation:
    """A page state's report, the source it came from, and the plan (for disclosures)."""

    source: Source
    report: Report
    plan: Any


def parse_text(text: str, name: str = NAME) -> dict[str, Any]:
    """Assessment text (YAML, or TOML where ``name`` ends in .toml) as data, with the
    bounds and messages of the CLI's reader."""
    from lcai.spec.reading import load_toml, load_yaml

    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        raise SpecError(f"is larger than {MAX_TEXT_BYTES // 1024} kB", file=name)
    data = load_toml(text, name) if name.lower().endswith(".toml") else load_yaml(text, name)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SpecError("expected a mapping of fields at the top level (name, training, ...)",
                        file=name)  # fmt: skip
    return data


def to_yaml(data: Mapping[str, Any]) -> str:
    """The assessment's data as YAML, in the file's order."""
    import yaml

    return yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True, width=100)


def load(data: Mapping[str, Any]) -> Source:
    """Validate the page's data into a Source, with the CLI's field paths and messages."""
    from lcai.spec.loading import parse_source, yaml_line

    try:
        refuse_file_fields(data)
    except SpecError as exc:
        raise SpecError(
            "measured inputs (run files, fleet results, hourly intensity) name files on the "
            "machine and are refused by the web calculator: assess the file with `lcai assess`",
            file=NAME, path=exc.path,
        ) from None  # fmt: skip
    text = to_yaml(data)
    try:
        return parse_source(dict(data), file=NAME, text=text)
    except SpecError as exc:
        raise exc.located(line=yaml_line(text, exc.path) if exc.path else None) from None


def _build(state: PageState) -> Calculation:
    from lcai.api import plan_source, result_of
    from lcai.outputs.parts import uncertainty_of

    source = load(state.assessment)
    plan = plan_source(source)
    try:
        res = result_of(plan, state.samples or None, 0)
    except SpecError as exc:
        raise exc.located(file=NAME) from None
    rep = Report(result=res, source_file=NAME, uncertainty=uncertainty_of(res))
    if "sensitivity" in state.options:
        from lcai.whatif.sensitivity import tornado

        bars = tornado(plan, "co2e")
        rep.tornado = [b.to_dict() for b in bars[:10] if b.swing > 0]
    if "scenarios" in state.options:
        from lcai.whatif.scenarios import compare, library

        names = [n for n, s in library().items() if s.argument is None]
        rep.scenarios = [c.to_dict() for c in compare(source, names)]
    return Calculation(source, rep, plan)


class _Cache:
    """The last few calculations, by state (typing back to a value costs nothing)."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self.items: OrderedDict[str, Calculation] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> Calculation | None:
        with self.lock:
            hit = self.items.get(key)
            if hit is not None:
                self.items.move_to_end(key)
            return hit

    def put(self, key: str, calc: Calculation) -> None:
        with self.lock:
            self.items[key] = calc
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_CACHE = _Cache()


def calculate(state: PageState) -> Calculation:
    """The report of a page state (cached by state and catalog version)."""
    key = json.dumps(
        [state.assessment, state.samples, sorted(state.options), catalog_version()],
        sort_keys=True, default=str,
    )  # fmt: skip
    hit = _CACHE.get(key)
    if hit is None:
        hit = _build(state)
        _CACHE.put(key, hit)
    return hit


_BODY = re.compile(r"<body>(.*)</body>", re.S)
_HEADING = re.compile(r"<(/?)h([1-5])\b")
_BIB_ID = re.compile(r'<li id="src-([^"]*)"><code>')


def report_body(rep: Report) -> str:
    """The report's HTML body, as ``lcai report`` renders it (same sections, charts and
    tables), each bibliography entry linked to its page ``/sources/ID``."""
    from lcai.outputs.report import render_html

    m = _BODY.search(render_html(rep))
    body = m.group(1) if m else ""
    # one h1 on the page (its own): the report's headings go one level down (the report's
    # text is escaped, so "<h" only starts a tag)
    body = _HEADING.sub(lambda t: f"<{t.group(1)}h{int(t.group(2)) + 1}", body)

    def link(mm: re.Match[str]) -> str:
        sid = html.unescape(mm.group(1))
        href = html.escape("/sources/" + quote(sid, safe=""))
        return f'<li id="src-{mm.group(1)}"><a class="src" href="{href}">source</a> <code>'

    return _BIB_ID.sub(link, body)


DOWNLOADS: dict[str, tuple[str, str, str]] = {
    "yaml": ("the assessment (YAML)", "assessment.yaml", "application/yaml"),
    "json": ("the JSON result", "result.json", "application/json"),
    "html": ("the HTML report", "report.html", "text/html"),
    "md": ("the Markdown report", "report.md", "text/markdown"),
    "latex": ("the LaTeX report", "report.tex", "application/x-tex"),
    "hf-card": ("a Hugging Face model card", "README.md", "text/markdown"),
    "sci": ("the SCI (ISO/IEC 21031)", "sci.md", "text/markdown"),
    "ai-act": ("the EU AI Act disclosure", "ai-act.md", "text/markdown"),
    "cyclonedx": ("a CycloneDX ML-BOM", "bom.cdx.json", "application/json"),
    "ghg": ("the GHG Protocol scopes", "ghg.md", "text/markdown"),
}
"""Each download: (what it is, file name, media type)."""


def download(fmt: str, state: PageState) -> tuple[str, str, str]:
    """(text, file name, media type) of a download of the page state."""
    if fmt not in DOWNLOADS:
        raise SpecError(f"expected one of {', '.join(DOWNLOADS)}, got {fmt!r}", path=("format",))
    _, name, media = DOWNLOADS[fmt]
    if fmt == "yaml":
        load(state.assessment)
        return to_yaml(state.assessment), name, media
    if fmt in ("hf-card", "sci", "ai-act", "cyclonedx", "ghg"):
        from lcai.api import plan_source, result_of
        from lcai.outputs import disclosures

        plan = plan_source(load(state.assessment))
        return disclosures.render(fmt, result_of(plan, None, 0), plan), name, media
    if fmt == "json":
        res = calculate(state).report.result
        return json.dumps(res.to_dict(), indent=2) + "\n", name, media
    full = PageState(state.assessment, state.samples, frozenset(OPTIONS))
    return _report_text(fmt, calculate(full).report), name, media


def _report_text(fmt: str, page_rep: Report) -> str:
    """The HTML, Markdown or LaTeX report as ``lcai report`` writes it (with the
    scenarios, the tornado and the validation status); Markdown with its charts inline."""
    from dataclasses import replace

    from lcai.outputs.report import render_html, render_latex, render_markdown

    rep = replace(page_rep, validation=_validation())
    if fmt == "html":
        return render_html(rep)
    if fmt == "latex":
        return render_latex(rep)
    text, files = render_markdown(rep, "charts")
    if files:
        text += "\n\n<!-- the charts, as SVG files named in the links above -->\n"
        for fname, svg in sorted(files.items()):
            text += f"\n<details><summary>charts/{fname}</summary>\n\n{svg}\n</details>\n"
    return text


_VALIDATION: list[dict[str, Any]] = []


def _validation() -> dict[str, Any] | None:
    """The validation status a report shows (computed once: it does not depend on the
    assessment)."""
    if not _VALIDATION:
        from lcai.outputs.report.build import validation_status

        _VALIDATION.append(validation_status())
    return _VALIDATION[0]


def examples_dir() -> Path | None:
    """The folder of the example assessments: packaged (``lcai/examples``) where the
    wheel has them, else the source checkout's ``examples/``."""
    from importlib import resources

    packaged = Path(str(resources.files("lcai"))) / "examples"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[3] / "examples"
    return checkout if checkout.is_dir() else None


def examples() -> dict[str, str]:
    """The example assessments, ``examples/NAME.yaml`` -> NAME: the file's name field."""
    folder = examples_dir()
    out: dict[str, str] = {}
    for p in sorted(folder.glob("*.yaml")) if folder else []:
        out[p.stem] = p.stem
    return out


def validation_cases() -> dict[str, str]:
    """The validation suite's cases: case name -> the file it assesses (in the suite)."""
    from lcai.checks.suite import load_suite

    suite, _, _ = load_suite()
    return {c.case: c.file for c in suite.cases}


def load_named(kind: str, name: str) -> dict[str, Any]:
    """The data of an example (``kind`` 'example') or a validation case ('case')."""
    if kind == "example":
        folder = examples_dir()
        if folder is None or name not in examples():
            raise SpecError(f"no example named {name!r}", path=("example",))
        text = (folder / f"{name}.yaml").read_text(encoding="utf-8")
        return parse_text(text, f"{name}.yaml")
    cases = validation_cases()
    if name not in cases:
        raise SpecError(f"no validation case named {name!r}", path=("case",))
    from lcai.checks.suite import packaged_suite_dir

    text = (packaged_suite_dir() / cases[name]).read_text(encoding="utf-8")
    return parse_text(text, cases[name])
