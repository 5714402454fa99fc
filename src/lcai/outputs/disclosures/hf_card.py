"""A Hugging Face model card: the ``co2_eq_emissions`` metadata of its YAML front matter
(https://huggingface.co/docs/hub/model-cards-co2) and a short Markdown section.

An existing card is updated in place: only the ``co2_eq_emissions`` key of its front matter
and only lcai's section (between ``<!-- lcai:begin -->`` and ``<!-- lcai:end -->``) change;
everything else is kept as it was, byte for byte.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from lcai import __version__, keys
from lcai.engine.plan import Plan
from lcai.engine.result import Impact, Result
from lcai.errors import SpecError
from lcai.fmt import magnitude, number
from lcai.outputs.disclosures.facts import lifecycle, parameters, region_text, training_facts
from lcai.outputs.parts import boundary_text, rates_of
from lcai.outputs.report.markdown import md_escape

__all__ = ["BEGIN", "END", "KEY", "card_metadata", "card_section", "render_card", "update_card"]

KEY = "co2_eq_emissions"
BEGIN = "<!-- lcai:begin -->"
END = "<!-- lcai:end -->"
PHASES = ("manufacturing", "training", "annotation", "usage")

_FRONT = re.compile(r"^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))")
"""The front matter, as huggingface_hub's ``REGEX_YAML_BLOCK`` finds it."""
_KEY_LINE = re.compile(rf"""^(?:{KEY}|"{KEY}"|'{KEY}')[ \t]*:""")
_BEGIN_LINE = re.compile(rf"^{re.escape(BEGIN)}[ \t]*$", re.M)
_END_LINE = re.compile(rf"^{re.escape(END)}[ \t]*$", re.M)


def card_metadata(
    result: Result, plan: Plan | None = None, training_type: str = "pre-training"
) -> dict[str, Any]:
    """The ``co2_eq_emissions`` mapping: training's carbon [gCO2e] (location-based, over
    the whole training run), its source, the training type, where and on what it ran."""
    t = training_facts(result, plan)
    meta: dict[str, Any] = {
        "emissions": t.impact.co2e_kg * 1000.0,
        "source": f"lcai {__version__}",
        "training_type": training_type,
    }
    where = region_text(result, "training")
    grid = parameters(result, plan).get(keys.grid_intensity("training"))
    if where and result.regions.get("training", "").startswith("given") and grid is not None:
        where += f" ({grid.value * 1000.0:g} gCO2e/kWh)"
    if where:
        meta["geographical_location"] = where
    if t.accelerator and t.count:
        meta["hardware_used"] = f"{t.count:g} x {t.accelerator}"
    elif t.accelerator:
        meta["hardware_used"] = t.accelerator
    return meta


def _row(label: str, x: Impact) -> str:
    return (
        f"| {label} | {magnitude(x.energy_kwh, 'kWh')} | {magnitude(x.co2e_kg, 'kgCO2e')} "
        f"| {magnitude(x.water_l, 'L')} |"
    )


def card_section(result: Result, plan: Plan | None = None) -> str:
    """lcai's Markdown section, between its markers: the four phases over the whole life
    cycle (energy, location-based carbon, water), the usage boundary and the rates."""
    d = result.divisor
    lines = [
        BEGIN,
        "## Environmental impact (lcai)",
        "",
        f"Assessment: {md_escape(result.name)}. Assessed with lcai {__version__}; the whole "
        "life cycle, location-based carbon.",
        "",
        "| phase | energy | CO2e | water |",
        "|---|---|---|---|",
    ]
    lines += [_row(ph, lifecycle(result, ph)) for ph in PHASES if ph in result.phases]
    if result.unallocated is not None:
        u = result.unallocated.impact
        lines.append(_row("unallocated", Impact(u.energy_kwh * d, u.co2e_kg * d, u.water_l * d)))
    lines.append(_row("**total**", result.life_cycle))
    if result.functional_unit != "the whole life cycle":
        lines += ["", f"Functional unit: {md_escape(result.functional_unit)} "
                  f"({number(d)} functional units over the life cycle)."]  # fmt: skip
    boundary = boundary_text(result)
    if boundary:
        lines += ["", md_escape(boundary)]
    rates = rates_of(result)
    if rates:
        lines += ["", "| usage rate | energy | CO2e | water |", "|---|---|---|---|"]
        lines += [_row(md_escape(label), x) for label, x in rates]
    return "\n".join([*lines, END])


def _front_matter(text: str, meta: dict[str, Any]) -> str:
    """``text`` (YAML front matter, without its ``---`` lines) with only its ``KEY`` set to
    ``meta``: the key's lines replaced (or appended), the rest unchanged; where the YAML's
    layout does not allow that (flow style, duplicate keys), the mapping is dumped again."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SpecError(f"the model card's front matter is not valid YAML: {exc}") from None
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise SpecError("the model card's front matter is not a YAML mapping")
    want = {**data, KEY: meta}
    block = yaml.safe_dump({KEY: meta}, sort_keys=False, allow_unicode=True)
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if _KEY_LINE.match(line)), None)
    if start is None:
        if lines and not lines[-1].endswith(("\n", "\r")):
            lines[-1] += "\n"
        new = [*lines, block]
    else:
        end = start + 1
        while end < len(lines) and (lines[end][:1] in (" ", "\t", "-") or not lines[end].strip()):
            end += 1
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1  # blank lines after the key belong to what follows
        new = [*lines[:start], block, *lines[end:]]
    out = "".join(new)
    if out.endswith("\n") and not text.endswith("\n"):
        out = out[:-1]
    try:
        same = yaml.safe_load(out) == want
    except yaml.YAMLError:
        same = False
    if same:
        return out
    comments = "".join(line for line in lines if line.lstrip().startswith("#"))
    return comments + yaml.safe_dump(want, sort_keys=False, allow_unicode=True).rstrip("\n")


def _section(body: str, section: str) -> str:
    """``body`` with lcai's section replaced, or appended where it has none."""
    b = _BEGIN_LINE.search(body)
    e = _END_LINE.search(body, b.end()) if b else _END_LINE.search(body)
    if b is not None and e is not None:
        return body[: b.start()] + section + body[e.end() :]
    if b is not None or e is not None:
        raise SpecError(f"the model card has one of lcai's markers ({BEGIN}, {END}) without the "
                        "other; fix or remove it")  # fmt: skip
    if not body.strip():
        return "\n" + section + "\n"
    return body.rstrip("\r\n") + "\n\n" + section + "\n"


def update_card(existing: str | None, meta: dict[str, Any], section: str) -> str:
    """The card ``existing`` (None: a new one) with ``KEY`` of its front matter set to
    ``meta`` and lcai's section set to ``section``; nothing else changes."""
    text = existing or ""
    found = _FRONT.search(text)
    if found is None:
        block = yaml.safe_dump({KEY: meta}, sort_keys=False, allow_unicode=True)
        return f"---\n{block}---\n" + _section(text, section)
    try:
        front = _front_matter(found.group(2), meta)
    except RecursionError:  # an alias that refers to itself: no finite YAML to compare
        raise SpecError("the model card's front matter refers to itself (a YAML alias)") from None
    head = text[: found.start(2)] + front + found.group(3)
    return head + _section(text[found.end() :], section)


def _training_type(existing: str | None) -> str:
    """The training type an existing card states (kept), else 'pre-training'."""
    found = _FRONT.search(existing or "")
    if found is not None:
        try:
            data = yaml.safe_load(found.group(2))
        except yaml.YAMLError:
            data = None
        old = data.get(KEY) if isinstance(data, dict) else None
        if isinstance(old, dict) and isinstance(old.get("training_type"), str):
            return str(old["training_type"])
    return "pre-training"


def render_card(result: Result, plan: Plan | None = None, existing: str | None = None) -> str:
    """The model card: a new one, or ``existing`` updated (its training type is kept)."""
    meta = card_metadata(result, plan, _training_type(existing))
    return update_card(existing, meta, card_section(result, plan))
