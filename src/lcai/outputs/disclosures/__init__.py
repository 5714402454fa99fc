"""Disclosures: a result restated in the forms others ask for.

``hf-card`` (``hf_card``): the ``co2_eq_emissions`` metadata of a Hugging Face model card and
a short section, updating an existing card in place. ``sci`` (``sci``): the Software Carbon
Intensity (ISO/IEC 21031:2024) with each term, and the SCI for AI views. ``ai-act``
(``ai_act``): the training compute, time and energy of Regulation (EU) 2024/1689, Annex XI,
Section 1, points 2(d) and 2(e). ``cyclonedx``: a CycloneDX 1.6 ML-BOM with the model card's
environmental considerations. ``ghg``: Scope 2 location- and market-based side by side,
embodied carbon as Scope 3 category 1. Each is a pure function of a Result (and its Plan, where
given: without it, the parameters the result's items used). ``sci`` and ``ai-act`` are
Markdown, or JSON with ``as_json``.

May import: engine, model, catalog, keys, errors, files and outputs' fmt, parts and report's
markdown escaping (never huggingface_hub: the tests read the cards with it).
"""

from __future__ import annotations

import json
from pathlib import Path

from lcai.engine.plan import Plan
from lcai.engine.result import Result
from lcai.errors import SpecError
from lcai.outputs.disclosures.ai_act import render_ai_act_json, render_ai_act_markdown
from lcai.outputs.disclosures.cyclonedx import render_cyclonedx
from lcai.outputs.disclosures.ghg import render_ghg_json, render_ghg_markdown
from lcai.outputs.disclosures.hf_card import card_metadata, render_card
from lcai.outputs.disclosures.sci import render_sci_json, render_sci_markdown

__all__ = ["FORMATS", "read_card", "render", "write"]

FORMATS = ("hf-card", "sci", "ai-act", "cyclonedx", "ghg")


def render(
    fmt: str,
    result: Result,
    plan: Plan | None = None,
    *,
    as_json: bool = False,
    existing: str | None = None,
) -> str:
    """``result`` as the disclosure ``fmt``: Markdown (``as_json``: JSON). ``existing``: the
    text of a model card to update (``hf-card`` only; as JSON, its metadata alone)."""
    if fmt == "hf-card":
        if as_json:
            return json.dumps({"co2_eq_emissions": card_metadata(result, plan)}, indent=2) + "\n"
        return render_card(result, plan, existing)
    if fmt == "sci":
        return render_sci_json(result, plan) if as_json else render_sci_markdown(result, plan)
    if fmt == "ai-act":
        return render_ai_act_json(result, plan) if as_json else render_ai_act_markdown(result, plan)
    if fmt == "cyclonedx":  # JSON whatever the name
        from lcai import __version__

        return render_cyclonedx(result, __version__)
    if fmt == "ghg":
        return render_ghg_json(result, plan) if as_json else render_ghg_markdown(result, plan)
    raise SpecError(f"expected one of {', '.join(FORMATS)}, got {fmt!r}", path=("format",))


def read_card(path: Path) -> str | None:
    """The text of an existing model card at ``path``, line endings as they are (None
    where there is no file)."""
    if not path.is_file():
        return None
    try:
        with path.open(encoding="utf-8", newline="") as f:
            return f.read()
    except UnicodeDecodeError:
        raise SpecError(f"{path}: the model card is not UTF-8 text") from None


def _crlf(text: str) -> bool:
    """Whether every line of ``text`` ends CRLF (a Windows-written card)."""
    return "\r\n" in text and text.count("\n") == text.count("\r\n")


def write(fmt: str, result: Result, output: Path, plan: Plan | None = None) -> None:
    """Write the disclosure ``fmt`` to ``output`` atomically: JSON where its name ends in
    ``.json``, else Markdown; a model card at ``output`` is updated, not replaced."""
    from lcai.files import write_atomic

    as_json = output.suffix.lower() == ".json"
    raw = read_card(output) if fmt == "hf-card" and not as_json else None
    crlf = raw is not None and _crlf(raw)
    # rendered with LF endings; a CRLF card gets CRLF back, a mixed one is normalised
    existing = None if raw is None else raw.replace("\r\n", "\n").replace("\r", "\n")
    try:
        text = render(fmt, result, plan, as_json=as_json, existing=existing)
        if crlf:
            text = text.replace("\n", "\r\n")
    except SpecError as exc:
        if exc.file is None and fmt == "hf-card":
            raise SpecError(exc.message, file=str(output), path=exc.path) from None
        raise
    write_atomic(output, text)
