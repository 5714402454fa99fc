"""An inventory written as an openLCA JSON-LD zip (``olca-schema``, the ``lcai[lca]`` extra).

Units: kWh, kg, m3, h and items are referred to by the ids of openLCA's reference data
(the units, unit groups and flow properties every database made with reference data has),
never written: a written group would replace the database's (whose reference unit is MJ
for energy, with kWh = 3.6 MJ) on an import that updates. Only the unit openLCA lacks (GB)
comes with its own unit group and flow property.

The zip holds lcai's elementary flows, one product flow and one process per activity
(exchanges with their distributions and link keys in their descriptions), a product system
of the functional unit, and an impact method (IPCC GWP100 from the catalog's factors,
water consumed). Ids are derived from the assessment's name, a digest of its inventory
and the activity codes: exporting the same assessment again gives the same ids, and two
assessments of one name but different contents do not share any. Written to a temporary
file and renamed. With ``SOURCE_DATE_EPOCH`` set (the reproducible-builds convention), every
entity's ``lastChange`` and every zip entry's time is that instant, so the same assessment
gives the same bytes; without it, they are the time of the export.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import re
import tempfile
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

from lcai.errors import LcaiError
from lcai.outputs.lca.inventory import CO2E, CO2E_MARKET, WATER, Activity, Exchange, Inventory
from lcai.outputs.lca.stamp import restamp_zip, source_date, stamp_entities
from lcai.spec.distributions import Dist

__all__ = ["UNITS", "write_openlca"]

_NS = uuid.UUID("6f1d6f2e-6a3b-4c8e-9a51-1c2d3e4f5a6b")
UNITS = {"kWh": "kWh", "kg": "kg", "m3": "m3", "unit": "Item(s)", "h": "h"}
"""lcai's units and openLCA's reference-data unit names."""
_OWN_UNITS = {"GB": ("Units of data (lcai)", "Data (lcai)")}
"""Units openLCA's reference data lacks: unit group and flow property, with lcai's ids."""
_EXTRA = "the openLCA export needs the lcai[lca] extra (olca-schema): pip install 'lcai[lca]'"
_CATEGORIES = {
    CO2E: "Elementary flows/Emission to air/unspecified",
    CO2E_MARKET: "Elementary flows/Emission to air/unspecified",
    WATER: "Elementary flows/Resource/in water",
}
_METHOD = {
    CO2E: ("climate change - GWP100 (lcai catalog factors)", "kg CO2 eq"),
    CO2E_MARKET: ("climate change, market-based - GWP100 (lcai catalog factors)", "kg CO2 eq"),
    WATER: ("water consumption (lcai)", "m3"),
}


def _olca() -> ModuleType:
    try:
        o = importlib.import_module("olca_schema")
        importlib.import_module("olca_schema.units")
        importlib.import_module("olca_schema.zipio")
    except ImportError:
        raise LcaiError(_EXTRA) from None
    return o


def _id(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "\x1f".join(parts)))


def _digest(inv: Inventory) -> str:
    """A digest of an inventory's content: its activities, their exchanges and amounts."""
    content = [
        [a.code, a.name, a.unit,
         [[e.source, e.kind, repr(e.amount), e.unit, sorted(e.link.items())] for e in a.exchanges]]
        for a in inv.activities
    ]  # fmt: skip
    text = json.dumps([inv.functional_unit, content], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _uncertainty(o: ModuleType, d: Dist | None) -> Any:
    """openLCA's form of a distribution (no PERT there: None; bounds are not kept)."""
    if d is None:
        return None
    t = o.UncertaintyType
    if d.kind == "lognormal":
        return o.Uncertainty(distribution_type=t.LOG_NORMAL_DISTRIBUTION, geom_mean=d.a,
                             geom_sd=d.b)  # fmt: skip
    if d.kind == "normal":
        return o.Uncertainty(distribution_type=t.NORMAL_DISTRIBUTION, mean=d.a, sd=d.b)
    if d.kind == "uniform":
        return o.Uncertainty(distribution_type=t.UNIFORM_DISTRIBUTION, minimum=d.a, maximum=d.b)
    if d.kind == "triangular":
        return o.Uncertainty(distribution_type=t.TRIANGLE_DISTRIBUTION, minimum=d.a, mode=d.b,
                             maximum=d.c)  # fmt: skip
    return None


def _description(e: Exchange) -> str:
    parts = [e.comment] if e.comment else []
    parts += [f"{k}: {v}" for k, v in e.link.items()]
    if e.carries:
        parts.append(f"uncertainty of lcai parameter {e.carries}")
        if e.dist is not None and e.dist.kind == "pert":
            parts.append(f"distribution {e.dist.describe(e.unit)} (no PERT in openLCA: none set)")
        elif e.dist is not None and (e.dist.lower > 0 or e.dist.upper < float("inf")):
            parts.append(f"truncated in lcai to [{e.dist.lower:.6g}, {e.dist.upper:.6g}]")
    return "; ".join(parts)


class _Zip:
    """The entities of one inventory."""

    def __init__(self, o: ModuleType, inv: Inventory) -> None:
        self.o = o
        self.inv = inv
        self.units: dict[str, tuple[Any, Any, Any]] = {}
        for lcai_unit, name in UNITS.items():
            u, g, p = o.units.unit_ref(name), o.units.group_ref(name), o.units.property_ref(name)
            assert u is not None and g is not None and p is not None
            self.units[lcai_unit] = (u, g, p)
        for lcai_unit, (group, prop) in _OWN_UNITS.items():
            self.units[lcai_unit] = (
                o.Ref(ref_type=o.RefType.Unit, id=_id("lcai unit", lcai_unit), name=lcai_unit),
                o.Ref(ref_type=o.RefType.UnitGroup, id=_id("lcai unit group", group), name=group),
                o.Ref(ref_type=o.RefType.FlowProperty, id=_id("lcai property", prop), name=prop),
            )
        self.flows: dict[str, Any] = {}
        self.processes: dict[str, Any] = {}
        self.scope = f"{inv.name}\x1f{_digest(inv)}"
        """What the ids of this inventory's own entities are derived from."""

    def unit_entities(self) -> list[Any]:
        """The unit groups and flow properties of lcai's own units (openLCA's are only
        referred to)."""
        o, out = self.o, []
        for lcai_unit in _OWN_UNITS:
            u, g, p = self.units[lcai_unit]
            unit = o.Unit(id=u.id, name=u.name, conversion_factor=1.0, is_ref_unit=True)
            out.append(o.UnitGroup(id=g.id, name=g.name, units=[unit], default_flow_property=p))
            kind = o.FlowPropertyType.PHYSICAL_QUANTITY
            out.append(o.FlowProperty(id=p.id, name=p.name, unit_group=g, flow_property_type=kind))
        return out

    def flow(self, code: str, name: str, unit: str, elementary: bool, note: str = "") -> Any:
        o = self.o
        _, _, prop = self.units[unit]
        fid = _id("lcai flow", code) if elementary else _id(self.scope, "flow", code)
        f = o.Flow(
            id=fid,
            name=name,
            flow_type=o.FlowType.ELEMENTARY_FLOW if elementary else o.FlowType.PRODUCT_FLOW,
            category=_CATEGORIES.get(code) if elementary else "lcai",
            description=note,
            flow_properties=[
                o.FlowPropertyFactor(
                    flow_property=prop, conversion_factor=1.0, is_ref_flow_property=True
                )
            ],
        )
        self.flows[code] = f
        return f

    def process(self, a: Activity) -> Any:
        o = self.o
        product = self.flows[a.code]
        u, _, p = self.units[a.unit]
        exchanges = [
            o.Exchange(internal_id=1, flow=o.Ref(ref_type=o.RefType.Flow, id=product.id,
                       name=product.name), amount=1.0, unit=u, flow_property=p, is_input=False,
                       is_quantitative_reference=True)
        ]  # fmt: skip
        for n, e in enumerate(a.exchanges, start=2):
            f = self.flows[e.source]
            eu, _, ep = self.units[e.unit]
            provider = None
            if e.kind == "technosphere":
                provider = o.Ref(
                    ref_type=o.RefType.Process, id=_id(self.scope, "process", e.source)
                )
            exchanges.append(
                o.Exchange(
                    internal_id=n,
                    flow=o.Ref(ref_type=o.RefType.Flow, id=f.id, name=f.name),
                    amount=e.amount,
                    unit=eu,
                    flow_property=ep,
                    is_input=e.kind == "technosphere" or e.source == WATER,
                    default_provider=provider,
                    uncertainty=_uncertainty(o, e.dist),
                    description=_description(e),
                )
            )
        params = []
        seen: set[str] = set()
        for q in a.inputs:
            name = re.sub(r"\W", "_", q.name).strip("_") or "p"
            name = name if not name[0].isdigit() else f"p_{name}"
            while name in seen:
                name += "_"
            seen.add(name)
            params.append(
                o.Parameter(
                    id=_id(self.scope, "parameter", a.code, q.name),
                    name=name,
                    value=q.value,
                    is_input_parameter=True,
                    parameter_scope=o.ParameterScope.PROCESS_SCOPE,
                    description=f"lcai {q.name} [{q.unit}] ({q.status})"
                    + (f"; source: {q.source}" if q.source else "")
                    + (f"; {q.note}" if q.note else ""),
                )
            )
        proc = o.Process(
            id=_id(self.scope, "process", a.code),
            name=a.name,
            category="lcai/" + a.role,
            description=a.comment,
            process_type=o.ProcessType.UNIT_PROCESS,
            exchanges=exchanges,
            last_internal_id=len(exchanges),
            parameters=params or None,
            tags=[t for t in (a.phase, a.kind, a.location) if t],
        )
        self.processes[a.code] = proc
        return proc

    def product_system(self) -> Any:
        o, inv = self.o, self.inv
        ref = self.processes[inv.reference]
        links = []
        for a in inv.activities:
            proc = self.processes[a.code]
            for n, e in enumerate(a.exchanges, start=2):
                if e.kind != "technosphere":
                    continue
                links.append(
                    o.ProcessLink(
                        provider=o.Ref(ref_type=o.RefType.Process, id=self.processes[e.source].id),
                        flow=o.Ref(ref_type=o.RefType.Flow, id=self.flows[e.source].id),
                        process=o.Ref(ref_type=o.RefType.Process, id=proc.id),
                        exchange=o.ExchangeRef(internal_id=n),
                    )
                )
        u, _, p = self.units["unit"]
        return o.ProductSystem(
            id=_id(self.scope, "product system"),
            name=f"{inv.name}, {inv.functional_unit}",
            description=f"lcai foreground of '{inv.name}' per {inv.functional_unit}; lcai's own "
            f"result: {inv.co2e_kg:.6g} kgCO2e, {inv.water_l:.6g} L water",
            ref_process=o.Ref(ref_type=o.RefType.Process, id=ref.id, name=ref.name),
            ref_exchange=o.ExchangeRef(internal_id=1),
            target_amount=1.0,
            target_unit=u,
            target_flow_property=p,
            processes=[o.Ref(ref_type=o.RefType.Process, id=x.id) for x in self.processes.values()],
            process_links=links,
        )

    def method(self) -> list[Any]:
        o, out, refs = self.o, [], []
        for f in self.inv.flows:
            name, unit = _METHOD[f.code]
            flow = self.flows[f.code]
            u, _, p = self.units[f.unit]
            cat = o.ImpactCategory(
                id=_id("lcai impact", f.code),
                name=name,
                ref_unit=unit,
                impact_factors=[
                    o.ImpactFactor(
                        flow=o.Ref(ref_type=o.RefType.Flow, id=flow.id),
                        value=1.0,
                        unit=u,
                        flow_property=p,
                    )
                ],
            )
            out.append(cat)
            refs.append(o.Ref(ref_type=o.RefType.ImpactCategory, id=cat.id, name=name))
        out.append(o.ImpactMethod(id=_id("lcai method"), name="lcai (catalog factors)",
                                  impact_categories=refs))  # fmt: skip
        return out

    def entities(self) -> list[Any]:
        out = self.unit_entities()
        for fl in self.inv.flows:
            out.append(self.flow(fl.code, fl.name, fl.unit, True, fl.note))
        for a in self.inv.activities:
            out.append(self.flow(a.code, a.name, a.unit, False, a.comment))
        out += [self.process(a) for a in self.inv.activities]
        out.append(self.product_system())
        out += self.method()
        return out


def write_openlca(inv: Inventory, output: Path) -> Path:
    """Write ``inv`` as an openLCA JSON-LD zip at ``output`` (replaced in one step)."""
    o = _olca()
    stamp = source_date()
    entities = _Zip(o, inv).entities()
    if stamp is not None:
        stamp_entities(entities, stamp)
    if output.is_dir():
        raise IsADirectoryError(21, "is a folder, expected a .zip file name", str(output))
    target = Path(os.path.realpath(output))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(output)) from None
    os.close(fd)
    os.unlink(tmp)  # the writer appends to a zip: start from none
    try:
        with o.zipio.ZipWriter(tmp) as w:
            for e in entities:
                w.write(e)
        if stamp is not None:
            restamp_zip(tmp, stamp)
        os.replace(tmp, target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OSError(exc.errno, exc.strerror, str(output)) from None
        raise
    return output
