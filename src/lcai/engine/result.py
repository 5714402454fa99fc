"""The result of an assessment and its serialisations (JSON contract, CSV items)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lcai import keys
from lcai.engine.evaluate import Evaluation
from lcai.engine.plan import PHASES, Param, Plan
from lcai.engine.uncertainty import Uncertainty
from lcai.text import csv_cell

__all__ = ["Assumption", "Impact", "ItemInput", "LineItem", "PhaseResult", "Result", "build_result"]


@dataclass(frozen=True)
class Impact:
    """Energy [kWh], carbon [kgCO2e] (location-based, and market-based where stated), water [L]."""

    energy_kwh: float
    co2e_kg: float
    water_l: float
    co2e_market_kg: float | None = None

    def to_dict(self) -> dict[str, float]:
        d = {"energy_kwh": self.energy_kwh, "co2e_kg": self.co2e_kg, "water_l": self.water_l}
        if self.co2e_market_kg is not None:
            d["co2e_market_kg"] = self.co2e_market_kg
        return d


@dataclass(frozen=True)
class ItemInput:
    """A parameter a line item used: its value, unit and status (user, table, ...)."""

    value: float
    unit: str
    status: str

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit, "status": self.status}


@dataclass(frozen=True)
class LineItem:
    """One line of the inventory, with its method, inputs and sources."""

    name: str
    phase: str
    method: str
    kind: str
    """What the item counts (``lcai.keys.ItemKind``): stable, unlike ``name``."""
    energy_kwh: float
    co2e_kg: float
    water_l: float
    water_onsite_l: float
    co2e_market_kg: float | None
    inputs: dict[str, ItemInput]
    sources: tuple[str, ...]
    note: str

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "phase": self.phase,
            "method": self.method,
            "energy_kwh": self.energy_kwh,
            "co2e_kg": self.co2e_kg,
            "water_l": self.water_l,
            "water_onsite_l": self.water_onsite_l,
        }
        if self.co2e_market_kg is not None:
            d["co2e_market_kg"] = self.co2e_market_kg
        inputs = {k: v.to_dict() for k, v in self.inputs.items()}
        d.update({"inputs": inputs, "sources": list(self.sources), "note": self.note})
        return d


@dataclass(frozen=True)
class PhaseResult:
    """A phase's impact and its line items."""

    impact: Impact
    items: tuple[LineItem, ...]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = self.impact.to_dict()
        d["items"] = [it.to_dict() for it in self.items]
        return d


@dataclass(frozen=True)
class Assumption:
    """A value the file did not state, or a value derived from others."""

    name: str
    value: float
    unit: str
    status: str
    source: str | None
    note: str

    @classmethod
    def of(cls, p: Param) -> Assumption:
        return cls(p.name, p.value, p.unit, p.status, p.source, p.note)

    def __str__(self) -> str:
        unit = "" if self.unit == "1" else f" {self.unit}"
        text = f"{self.name} = {self.value:.6g}{unit} [{self.status}]"
        extra = [x for x in (self.note, self.source and f"source: {self.source}") if x]
        return text + (f" ({'; '.join(extra)})" if extra else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "status": self.status,
            "source": self.source,
            "note": self.note,
        }


@dataclass(frozen=True)
class Result:
    """An assessment's result, expressed per its functional unit.

    ``total`` and ``phases`` are per functional unit; ``life_cycle`` holds the
    absolute totals (the same numbers when the unit is the whole life cycle).
    """

    name: str
    functional_unit: str
    divisor: float
    total: Impact
    life_cycle: Impact
    phases: dict[str, PhaseResult]
    unallocated: PhaseResult | None
    assumptions: tuple[Assumption, ...]
    warnings: tuple[str, ...]
    sources: dict[str, str] = field(default_factory=dict)
    regions: dict[str, str] = field(default_factory=dict)
    """The grid each phase draws from (catalog key, or 'given')."""
    uncertainty: Uncertainty | None = None
    """Monte Carlo percentiles (``lcai assess --samples N``), per functional unit."""
    usage_boundary: str | None = None
    """What the usage phase counts: 'accelerator' (busy accelerators), 'it' (with hosts,
    idle capacity, serving hardware) or 'facility' (with PUE and network)."""
    rates: dict[str, Impact] = field(default_factory=dict)
    """Serving per the units people quote (``per_request``, ``usage_per_1m_output_tokens``,
    ...), whatever the functional unit; see :func:`serving_rates`."""

    @property
    def items(self) -> list[LineItem]:
        """Every line item, phase by phase."""
        out = [it for ph in self.phases.values() for it in ph.items]
        if self.unallocated is not None:
            out += list(self.unallocated.items)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The machine-readable result (the public contract in DESIGN.md)."""
        d: dict[str, Any] = {
            "name": self.name,
            "functional_unit": self.functional_unit,
            "total": self.total.to_dict(),
            "phases": {k: v.to_dict() for k, v in self.phases.items()},
        }
        if self.unallocated is not None:
            d[keys.UNALLOCATED] = self.unallocated.to_dict()
        d["assumptions"] = [str(a) for a in self.assumptions]
        d["assumption_details"] = [a.to_dict() for a in self.assumptions]
        if self.functional_unit != "the whole life cycle":
            d["life_cycle"] = self.life_cycle.to_dict()
            d["functional_units"] = self.divisor
        d["grid_regions"] = self.regions
        d["warnings"] = list(self.warnings)
        d["sources"] = self.sources
        if self.uncertainty is not None:
            d["uncertainty"] = self.uncertainty.to_dict()
        if self.usage_boundary is not None:
            d["usage_boundary"] = self.usage_boundary
        if self.rates:
            d["rates"] = {k: v.to_dict() for k, v in self.rates.items()}
        return d

    def _repr_html_(self) -> str:
        """The phase table and the carbon by phase, for notebooks."""
        from lcai.engine.notebook import result_html

        return result_html(self)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def items_csv(self) -> str:
        """The line items as CSV, units in the column names; text cells that a spreadsheet
        would read as a formula are neutralised (``lcai.text.csv_cell``)."""
        buf = io.StringIO()
        cols = [
            "phase",
            "name",
            "kind",
            "method",
            "energy_kwh",
            "co2e_kg",
            "co2e_market_kg",
            "water_l",
            "water_onsite_l",
            "sources",
            "note",
        ]
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["functional_unit", *cols])
        for it in self.items:
            w.writerow(
                [
                    csv_cell(self.functional_unit),
                    it.phase,
                    csv_cell(it.name),
                    it.kind,
                    it.method,
                    f"{it.energy_kwh:.6g}",
                    f"{it.co2e_kg:.6g}",
                    "" if it.co2e_market_kg is None else f"{it.co2e_market_kg:.6g}",
                    f"{it.water_l:.6g}",
                    f"{it.water_onsite_l:.6g}",
                    csv_cell("; ".join(it.sources)),
                    csv_cell(it.note),
                ]
            )
        return buf.getvalue()


def _scaled(x: Impact, factor: float) -> Impact:
    market = None if x.co2e_market_kg is None else x.co2e_market_kg * factor
    return Impact(x.energy_kwh * factor, x.co2e_kg * factor, x.water_l * factor, market)


def _share(p: Mapping[str, Param], first: str, second: str) -> float | None:
    """first / (first + second) of two nominal parameters, None where either is absent."""
    a, b = p.get(first), p.get(second)
    if a is None or b is None:
        return None
    return a.value / (a.value + b.value) if a.value + b.value > 0 else 0.0


def serving_rates(
    plan: Plan, life_cycle: Impact, usage: Impact, training: Impact, serving: Impact
) -> dict[str, Impact]:
    """The footprint per request, per chat session and per 1M input and output tokens.

    ``per_request``: the whole life cycle over the requests served (training, hardware and
    annotation amortised over them); ``usage_per_request`` and ``training_per_request``
    the two phases apart. The usage phase is split between input and output tokens: the
    busy accelerators' energy (``serving``) by the energy of prefill and of decode, the
    rest (hosts, idle capacity, hardware, overhead, network) by their accelerator time.
    All from absolute (life-cycle) impacts; nominal values of the parameters.
    """
    p = plan.params
    req = p.get(keys.REQUESTS)
    if req is None or not req.value > 0:
        return {}
    n = req.value
    out = {
        "per_request": _scaled(life_cycle, 1.0 / n),
        "usage_per_request": _scaled(usage, 1.0 / n),
    }
    if training.energy_kwh or training.co2e_kg:
        out["training_per_request"] = _scaled(training, 1.0 / n)
    session = p.get(keys.REQUESTS_PER_SESSION)
    if session is not None:
        out["per_session"] = _scaled(life_cycle, session.value / n)
    by_energy = _share(p, keys.INFERENCE_PREFILL_ENERGY, keys.INFERENCE_DECODE_ENERGY)
    by_time = _share(p, keys.INFERENCE_PREFILL_SECONDS, keys.INFERENCE_DECODE_SECONDS)
    n_in, n_out = p.get(keys.INFERENCE_INPUT_TOKENS), p.get(keys.INFERENCE_OUTPUT_TOKENS)
    rest = Impact(
        usage.energy_kwh - serving.energy_kwh,
        usage.co2e_kg - serving.co2e_kg,
        usage.water_l - serving.water_l,
        None
        if usage.co2e_market_kg is None
        else usage.co2e_market_kg - (serving.co2e_market_kg or 0.0),
    )
    if by_time is None and not any(rest.to_dict().values()):
        by_time = 0.0  # the accelerator boundary: no rest to split, no seconds resolved
    if by_energy is None or by_time is None or n_in is None or n_out is None:
        return out
    for key, tokens, e_share, t_share in (
        ("usage_per_1m_input_tokens", n_in.value, by_energy, by_time),
        ("usage_per_1m_output_tokens", n_out.value, 1 - by_energy, 1 - by_time),
    ):
        if tokens > 0:
            part = _add(_scaled(serving, e_share), _scaled(rest, t_share))
            out[key] = _scaled(part, 1e6 / (n * tokens))
    return out


def _add(a: Impact, b: Impact) -> Impact:
    market = (
        None
        if a.co2e_market_kg is None and b.co2e_market_kg is None
        else (a.co2e_market_kg or 0.0) + (b.co2e_market_kg or 0.0)
    )
    return Impact(a.energy_kwh + b.energy_kwh, a.co2e_kg + b.co2e_kg, a.water_l + b.water_l, market)


def build_result(
    plan: Plan, ev: Evaluation, citations: Mapping[str, str], sample: int = 0
) -> Result:
    """Assemble a :class:`Result` from one sample of an evaluation.

    ``citations``: the full reference of each source id the plan uses and of the sources
    they cite (ids it lacks are kept on the items, not listed in ``sources``).
    """
    div = float(ev.divisor[sample])
    market = plan.has_market
    items: list[LineItem] = []
    for i, ip in enumerate(ev.items):
        inputs = {
            k: ItemInput(plan.params[k].value, plan.params[k].unit, plan.params[k].status)
            for k in ip.inputs
            if k in plan.params
        }
        items.append(
            LineItem(
                name=ip.name,
                phase=ip.phase,
                method=ip.method,
                kind=ip.kind,
                energy_kwh=float(ev.energy_kwh[i, sample]) / div,
                co2e_kg=float(ev.co2e_kg[i, sample]) / div,
                water_l=float(ev.water_l[i, sample]) / div,
                water_onsite_l=float(ev.water_onsite_l[i, sample]) / div,
                co2e_market_kg=float(ev.co2e_market_kg[i, sample]) / div if market else None,
                inputs=inputs,
                sources=ip.sources,
                note=ip.note,
            )
        )

    def impact(its: list[LineItem], scale: float = 1.0) -> Impact:
        return Impact(
            energy_kwh=sum(it.energy_kwh for it in its) * scale,
            co2e_kg=sum(it.co2e_kg for it in its) * scale,
            water_l=sum(it.water_l for it in its) * scale,
            co2e_market_kg=(sum(it.co2e_market_kg or 0.0 for it in its) * scale)
            if market
            else None,
        )

    phases = {
        ph: PhaseResult(
            impact([it for it in items if it.phase == ph]),
            tuple(it for it in items if it.phase == ph),
        )
        for ph in PHASES
    }
    un = [it for it in items if it.phase == keys.UNALLOCATED]
    unallocated = PhaseResult(impact(un), tuple(un)) if un else None
    used = [*plan.sources, *(s for it in items for s in it.sources)]
    # the sources used, then those their derivation entries cite (``citations`` has both)
    sources = {s: citations[s] for s in dict.fromkeys([*used, *citations]) if s in citations}
    life_cycle = impact(items, div)
    usage_items = list(phases["usage"].items)
    rates = serving_rates(
        plan,
        life_cycle,
        impact(usage_items, div),
        impact(list(phases["training"].items), div),
        impact([it for it in usage_items if it.kind == "serving"], div),
    )
    return Result(
        name=plan.name,
        functional_unit=plan.functional_unit,
        divisor=div,
        total=impact(items),
        life_cycle=life_cycle,
        phases=phases,
        unallocated=unallocated,
        assumptions=tuple(Assumption.of(p) for p in plan.params.values() if p.status != "user"),
        warnings=tuple(plan.warnings),
        sources=sources,
        regions=dict(plan.regions),
        usage_boundary=plan.usage_boundary,
        rates=rates,
    )
