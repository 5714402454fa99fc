"""The report's charts: phases, the energy flow, uncertainty, sensitivity and scenarios."""

from __future__ import annotations

from typing import Any

from lcai.engine.result import LineItem, Result
from lcai.fmt import magnitude
from lcai.outputs.report import svg
from lcai.outputs.report.build import Report
from lcai.outputs.report.svg import Flow

__all__ = ["PHASES", "charts_for", "flows"]

PHASES = ("manufacturing", "training", "annotation", "usage")
IMPACTS = (
    ("energy_kwh", "kWh", "Energy"),
    ("co2e_kg", "kgCO2e", "Carbon"),
    ("water_l", "L", "Water"),
)


def _region_of(res: Result, phase: str) -> str:
    region = res.regions.get(phase)
    if region is None:
        return "reported"
    return "grid (given factor)" if region == "given" else f"{region} grid"


def _use_of(item: LineItem) -> str:
    if item.name.startswith("facility overhead"):
        return "facility overhead"
    if item.phase == "annotation" or item.name.startswith("network"):
        return "networks and devices"
    if item.method == "given" and item.name.startswith("reported"):
        return "reported"
    return "IT equipment"


_FLOW_SCALE = 1000.0  # the flow chart is drawn in MWh


def flows(res: Result) -> tuple[list[Flow], dict[str, str]]:
    """Energy flows: grid supply -> use (IT, overhead, networks) -> phase, in life-cycle MWh."""
    div = res.divisor
    a: dict[tuple[str, str], float] = {}
    b: dict[tuple[str, str], float] = {}
    for it in res.items:
        e = it.energy_kwh * div
        if e <= 0:
            continue
        src = _region_of(res, it.phase)
        use = _use_of(it)
        a[(src, use)] = a.get((src, use), 0.0) + e
        b[(use, it.phase)] = b.get((use, it.phase), 0.0) + e
    out = [Flow(0, s, t, v / _FLOW_SCALE) for (s, t), v in a.items()]
    out += [Flow(1, s, t, v / _FLOW_SCALE) for (s, t), v in b.items()]
    notes = {}
    for ph in PHASES:
        imp = res.phases[ph].impact
        carbon = magnitude(imp.co2e_kg * div, "kgCO2e")
        notes[ph] = f"{carbon}, {magnitude(imp.water_l * div, 'L')} water"
    return out, notes


def _phase_charts(res: Result) -> dict[str, str]:
    present = [ph for ph in PHASES if res.phases[ph].items]
    parts = [res.phases[ph] for ph in present]
    if res.unallocated is not None:
        present.append("unallocated")
        parts.append(res.unallocated)
    out = {}
    for key, unit, label in IMPACTS:
        out[f"phases-{key}"] = svg.bar_chart(
            present, [getattr(part.impact, key) for part in parts],
            title=f"{label} by phase ({res.functional_unit})", unit=unit, name=f"phases-{key}",
        )  # fmt: skip
    return out


def _uncertainty_chart(res: Result, unc: dict[str, Any]) -> str:
    labels = [ph for ph in PHASES if ph in unc["phases"]] + ["total"]
    src = [unc["phases"][ph]["co2e_kg"] for ph in labels[:-1]] + [unc["total"]["co2e_kg"]]
    return svg.interval_chart(
        labels, [s["p5"] for s in src], [s["p50"] for s in src], [s["p95"] for s in src],
        title=f"Carbon: p5 to p95 of {unc['samples']:,} samples ({res.functional_unit})",
        unit="kgCO2e", name="uncertainty",
    )  # fmt: skip


def _tornado_chart(res: Result, bars: list[dict[str, Any]]) -> str:
    return svg.tornado_chart(
        [b["input"] for b in bars], [b["output_at_p5"] for b in bars],
        [b["output_at_p95"] for b in bars], res.total.co2e_kg,
        title=f"Which inputs matter: total carbon with each input at its p5 and p95 "
        f"({res.functional_unit})", unit="kgCO2e", name="tornado",
    )  # fmt: skip


def _scenario_chart(res: Result, scenarios: list[dict[str, Any]]) -> str | None:
    """Total carbon of the baseline and of each scenario that applies (None: none applies)."""
    applicable = [s for s in scenarios if s.get("applicable", True)]
    if not applicable:
        return None
    labels = ["baseline"] + [s["scenario"] for s in applicable]
    vals = [applicable[0]["total"]["co2e_kg"]["baseline"]] + [
        s["total"]["co2e_kg"]["scenario"] for s in applicable
    ]
    return svg.bar_chart(
        labels, vals, title=f"What if: total carbon per scenario ({res.functional_unit})",
        unit="kgCO2e", name="scenarios", colors=[svg.PALETTE[7], *svg.PALETTE], width=620,
    )  # fmt: skip


def charts_for(rep: Report) -> dict[str, str]:
    """Every chart of the report, by name, as SVG text."""
    res = rep.result
    out = _phase_charts(res)
    fl, notes = flows(res)
    if fl:
        out["flow"] = svg.sankey(
            fl, title="Energy: from the grid, through IT and facility overhead, to each phase "
            "(life cycle)", unit="MWh", name="flow", notes=notes,
        )  # fmt: skip
    if rep.uncertainty:
        out["uncertainty"] = _uncertainty_chart(res, rep.uncertainty)
    if rep.tornado:
        out["tornado"] = _tornado_chart(res, rep.tornado)
    chart = _scenario_chart(res, rep.scenarios) if rep.scenarios else None
    if chart is not None:
        out["scenarios"] = chart
    return out
