"""Turn a validated :class:`Assessment` into a :class:`Plan`.

This is where the file's silences are filled in from the catalog: every value
not in the file becomes a parameter with status ``table``, ``default`` or
``derived`` and a source, and so appears in the result's assumptions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lcai import catalog
from lcai import model as m
from lcai.engine.plan import ItemPlan, Param, Params, Plan, Status, Supply
from lcai.errors import SpecError, UnknownKeyError
from lcai.model._types import Num
from lcai.spec.distributions import Dist, to_dist
from lcai.spec.schema import (
    Accelerators,
    Annotation,
    Component,
    Facility,
    Grid,
    Inference,
    Manufacturing,
    MeasuredRuns,
    ModelSize,
    Network,
    PowerDraw,
    Reported,
    Training,
    Usage,
)
from lcai.spec.source import Source

__all__ = ["resolve"]

Fn = Callable[[Params], Num]
_H_PER_YEAR = 8760.0


@dataclass(frozen=True)
class _Supply:
    """Parameter keys of a phase's electricity supply and facility."""

    grid: str
    ewif: str
    market: Fn
    pue: str | None
    wue: str | None
    sources: tuple[str, ...]

    def plan(self, *, it: bool) -> Supply:
        """The supply as the plan sees it; on-site water only for IT loads."""
        return Supply(self.grid, self.market, self.ewif, self.wue if it else None, self.pue)


def _merge(a: Grid | Facility | None, b: Grid | Facility | None) -> dict[str, object]:
    """Field-wise merge: phase values (a) over the assessment's defaults (b)."""
    out: dict[str, object] = {}
    for obj in (b, a):
        if obj is not None:
            out.update({k: v for k, v in obj.model_dump().items() if v is not None})
    return out


class _Resolver:
    def __init__(self, source: Source) -> None:
        spec = source.spec
        self.spec = spec
        self.source = source
        self.params: dict[str, Param] = {}
        self.items: list[ItemPlan] = []
        self.warnings: list[str] = []
        self.has_market = False
        self.accel_hours: Fn | None = None
        self.accel_count: str | None = None
        self.training_duration: Fn | None = None
        self.accelerator_keys: dict[str, str] = {}
        self.dists = source.distributions
        self.derived: dict[str, Fn] = {}
        self._measured_supply: dict[str, _Supply] = {}
        self.regions: dict[str, str] = {}

    # --- parameters -------------------------------------------------------
    def add(
        self,
        name: str,
        value: float,
        unit: str,
        status: Status,
        source: str | None = None,
        note: str = "",
        dist: Dist | None = None,
    ) -> str:
        self.params[name] = Param(name, float(value), unit, status, source, note, dist)
        return name

    def user(
        self, name: str, value: float, unit: str, note: str = "", path: str | None = None
    ) -> str:
        """A value the file states; with its distribution when the file gives one."""
        raw = self.dists.get(path or name)
        dist = None
        if raw is not None:
            lower, upper = _bounds(name)
            try:
                dist = to_dist(raw, unit, lower, upper)
            except SpecError as exc:
                raise exc.located(path=tuple((path or name).split("."))) from None
        return self.add(name, value, unit, "user", None, note, dist)

    def factor(
        self,
        name: str,
        table: str,
        key: str,
        quantity: str,
        unit: str,
        *,
        path: Sequence[str | int],
        kind: str,
        status: Status = "table",
        note: str = "",
    ) -> str:
        f = self.lookup(table, key, quantity, unit, path=path, kind=kind)
        text = f"{f.table}:{f.key}.{f.quantity}"
        if note:
            text = f"{note}; {text}"
        dist = _catalog_dist(table, quantity, f.value, *_bounds(name), status=status)
        return self.add(name, f.value, unit, status, f.source_id, text, dist)

    def active_parameters(self, pre: str, model: ModelSize) -> str:
        """The parameters active per token (all of them for a dense model)."""
        own = model.active_parameters is not None
        path = f"{pre}.model.active_parameters" if own else f"{pre}.model.parameters"
        return self.user(f"{pre}.active_parameters", model.active, "1", path=path)

    def user_or_factor(
        self,
        name: str,
        given: float | None,
        unit: str,
        table: str,
        key: str,
        quantity: str,
        *,
        path: Sequence[str | int],
        kind: str,
        note: str,
        status: Status = "default",
    ) -> str:
        """The file's value if it gave one, else the catalog's (recorded as an assumption)."""
        if given is not None:
            return self.user(name, given, unit)
        return self.factor(
            name, table, key, quantity, unit, path=path, kind=kind, status=status, note=note
        )

    def lookup(
        self,
        table: str,
        key: str,
        quantity: str,
        unit: str,
        *,
        path: Sequence[str | int],
        kind: str,
    ) -> catalog.Factor:
        try:
            return catalog.table(table).factor(key, quantity, unit, kind=kind)
        except UnknownKeyError as exc:
            raise SpecError(str(exc), path=path) from None

    def resolve_key(self, table: str, name: str, *, path: Sequence[str | int], kind: str) -> str:
        try:
            return catalog.table(table).resolve(name, kind)
        except UnknownKeyError as exc:
            raise SpecError(str(exc), path=path) from None

    def sources_of(self, keys: Sequence[str]) -> tuple[str, ...]:
        out = [self.params[k].source for k in keys if k in self.params]
        return tuple(dict.fromkeys(s for s in out if s))

    # --- supply -----------------------------------------------------------
    def supply(self, phase: str, grid: Grid | None, facility: Facility | None) -> _Supply:
        g = _merge(grid, self.spec.grid)
        if grid is not None and grid.region is not None:
            # a phase in its own region does not inherit the default region's factors
            for own in ("co2e_intensity", "water_intensity"):
                if getattr(grid, own) is None:
                    g.pop(own, None)
        region = g.get("region")
        region_key: str | None = None
        path: tuple[str | int, ...] = (phase, "grid", "region")
        if grid is None or grid.region is None:
            path = ("grid", "region")
        if isinstance(region, str):
            region_key = self.resolve_key("grid_intensity", region, path=path, kind="grid region")
        pre = f"{phase}.grid"

        def src(field: str) -> str:
            own = grid is not None and getattr(grid, field) is not None
            return f"{phase}.grid.{field}" if own else f"grid.{field}"

        self.regions[phase] = "given" if "co2e_intensity" in g else (region_key or "WORLD")
        if "co2e_intensity" in g:
            grid_key = self.user(
                f"{pre}.co2e_intensity",
                float(g["co2e_intensity"]),  # type: ignore[arg-type]
                "kg/kWh",
                path=src("co2e_intensity"),
            )
        elif region_key is not None:
            grid_key = self.factor(
                f"{pre}.co2e_intensity",
                "grid_intensity",
                region_key,
                "co2e_intensity",
                "kg/kWh",
                path=path,
                kind="grid region",
            )
        else:
            grid_key = self.factor(
                f"{pre}.co2e_intensity",
                "grid_intensity",
                "WORLD",
                "co2e_intensity",
                "kg/kWh",
                path=path,
                kind="grid region",
                status="default",
                note="no grid region given: world average",
            )
            self.warnings.append(
                f"{phase}: no grid region or carbon intensity given; using the world average "
                "(set grid.region)"
            )
        if "water_intensity" in g:
            ewif_key = self.user(
                f"{pre}.water_intensity",
                float(g["water_intensity"]),  # type: ignore[arg-type]
                "L/kWh",
                path=src("water_intensity"),
            )
        else:
            ewif_key = self._ewif(pre, region_key, path)
        market = self._market(pre, g, grid_key, src)
        pue_key = wue_key = None
        if facility is not None or phase in ("training", "usage"):
            pue_key, wue_key = self._facility(phase, facility)
        keys = [grid_key, ewif_key] + [k for k in (pue_key, wue_key) if k]
        return _Supply(grid_key, ewif_key, market, pue_key, wue_key, self.sources_of(keys))

    def _ewif(self, pre: str, region_key: str | None, path: Sequence[str | int]) -> str:
        key, level = catalog.regional_key("electricity_water", "water_consumption", region_key)
        note = {
            "region": "",
            "country": f"no figure for {region_key}: country average",
            "world": f"no water figure for {region_key or 'an unstated region'}: world average",
        }[level]
        return self.factor(
            f"{pre}.water_intensity", "electricity_water", key, "water_consumption", "L/kWh",
            path=path, kind="region", status="table" if level == "region" else "default",
            note=note,
        )  # fmt: skip

    def _market(
        self, pre: str, g: dict[str, object], grid_key: str, src: Callable[[str], str]
    ) -> Fn:
        if g.get("contract_intensity") is None and g.get("renewable_share") is None:
            return _param(grid_key)
        self.has_market = True
        if g.get("renewable_share") is not None:
            share = self.user(
                f"{pre}.contract_share",
                float(g["renewable_share"]),  # type: ignore[arg-type]
                "1",
                path=src("renewable_share"),
            )
            contract = self.add(
                f"{pre}.contract_intensity",
                0.0,
                "kg/kWh",
                "derived",
                None,
                "renewable contracts count as 0 gCO2e/kWh (GHG Protocol Scope 2, market-based)",
            )
        else:
            contract = self.user(
                f"{pre}.contract_intensity",
                float(g["contract_intensity"]),  # type: ignore[arg-type]
                "kg/kWh",
                path=src("contract_intensity"),
            )
            cs = g.get("contract_share")
            if cs is None:
                share = self.add(
                    f"{pre}.contract_share", 1.0, "1", "default", None, "contract covers all"
                )
            else:
                share = self.user(
                    f"{pre}.contract_share",
                    float(cs),  # type: ignore[arg-type]
                    "1",
                    path=src("contract_share"),
                )
        if g.get("residual_intensity") is not None:
            residual = self.user(
                f"{pre}.residual_intensity",
                float(g["residual_intensity"]),  # type: ignore[arg-type]
                "kg/kWh",
                path=src("residual_intensity"),
            )
        else:
            residual = grid_key
            self.warnings.append(
                f"{pre}: no residual-mix factor given; the uncovered share uses the "
                "location-based factor"
            )
        return lambda p: m.market_intensity_kg_per_kwh(p[residual], p[contract], p[share])

    def _facility(self, phase: str, facility: Facility | None) -> tuple[str, str]:
        f = _merge(facility, self.spec.facility)
        pre = f"{phase}.facility"
        path: tuple[str | int, ...] = (phase, "facility")
        keys: list[tuple[str, str]] = []
        if isinstance(f.get("operator"), str):
            op = str(f["operator"])
            k = op if op.startswith("operator:") else f"operator:{op}"
            keys.append(
                (
                    self.resolve_key("facility", k, path=(*path, "operator"), kind="operator"),
                    "operator",
                )
            )
        if isinstance(f.get("cooling"), str):
            keys.append((f"cooling:{f['cooling']}", "cooling"))
        keys.append(("industry_average", "default"))
        out: list[str] = []
        for q, unit in (("pue", "1"), ("wue", "L/kWh")):
            if q in f:
                own = facility is not None and getattr(facility, q) is not None
                out.append(
                    self.user(
                        f"{pre}.{q}",
                        float(f[q]),  # type: ignore[arg-type]
                        unit,
                        path=f"{pre}.{q}" if own else f"facility.{q}",
                    )
                )
                continue
            fac = catalog.table("facility")
            for key, why in keys:
                if fac.has(key, q):
                    status: Status = "default" if why == "default" else "table"
                    note = f"no {q.upper()} given: industry average" if why == "default" else ""
                    out.append(
                        self.factor(
                            f"{pre}.{q}",
                            "facility",
                            key,
                            q,
                            unit,
                            path=path,
                            kind="facility",
                            status=status,
                            note=note,
                        )
                    )
                    break
            else:  # pragma: no cover - the packaged table has industry averages
                raise SpecError(f"no {q} for this facility in the catalog", path=path)
        return out[0], out[1]

    # --- item builders ------------------------------------------------------
    def dc_item(
        self,
        name: str,
        phase: str,
        method: str,
        it_energy: Fn,
        s: _Supply,
        inputs: Sequence[str],
        note: str = "",
    ) -> ItemPlan:
        """An IT load inside a data center: grid carbon, on-site and off-site water."""
        assert s.wue is not None
        return ItemPlan(
            name=name,
            phase=phase,
            method=method,  # type: ignore[arg-type]
            energy=it_energy,
            supply=s.plan(it=True),
            inputs=(*inputs, s.grid, s.ewif, s.wue),
            sources=self.sources_of(list(inputs)) + s.sources,
            note=note,
        )

    def grid_item(
        self,
        name: str,
        phase: str,
        method: str,
        energy: Fn,
        s: _Supply,
        inputs: Sequence[str],
        note: str = "",
    ) -> ItemPlan:
        """Electricity used outside a data center (network, offices): no PUE, no cooling water."""
        return ItemPlan(
            name=name,
            phase=phase,
            method=method,  # type: ignore[arg-type]
            energy=energy,
            supply=s.plan(it=False),
            inputs=(*inputs, s.grid, s.ewif),
            sources=self.sources_of([*inputs, s.grid, s.ewif]),
            note=note,
        )

    def overhead_item(self, phase: str, s: _Supply) -> ItemPlan:
        """Facility overhead of the phase: its IT loads' energy x (PUE - 1)."""
        pue = s.pue
        assert pue is not None
        return ItemPlan(
            name=f"facility overhead (PUE {self.params[pue].value:g})",
            phase=phase,
            method="estimated" if self.params[pue].status != "user" else "given",
            supply=s.plan(it=True),
            overhead=True,
            inputs=(pue, s.grid, s.ewif),
            sources=self.sources_of([pue]) + s.sources,
            note="IT energy x (PUE - 1)",
        )

    def reported_item(
        self, phase: str, r: Reported, s: _Supply | None, path: Sequence[str | int]
    ) -> ItemPlan:
        pre = f"{phase}.reported"
        src = "reported" if phase == "unallocated" else pre
        e_key = (
            self.user(f"{pre}.energy", r.energy, "kWh", path=f"{src}.energy")
            if r.energy is not None
            else None
        )
        if r.co2e is None and (s is None or e_key is None):
            raise SpecError("a reported result here needs 'co2e'", path=(*path, "co2e"))
        c_key = (
            self.user(f"{pre}.co2e", r.co2e, "kg", path=f"{src}.co2e")
            if r.co2e is not None
            else None
        )
        cm_key = (
            self.user(f"{pre}.co2e_market", r.co2e_market, "kg", path=f"{src}.co2e_market")
            if r.co2e_market is not None
            else None
        )
        if cm_key is not None:
            self.has_market = True
        w_key = (
            self.user(f"{pre}.water", r.water, "L", path=f"{src}.water")
            if r.water is not None
            else None
        )
        notes = [f"reported by: {r.source}"]
        if r.note:
            notes.append(r.note)

        def energy(p: Params) -> Num:
            return p[e_key] if e_key else 0.0

        def given(key: str | None) -> Fn | None:
            return _param(key) if key else None

        # Without a reported carbon (or water) figure, the phase's grid turns the
        # reported energy into carbon (or off-site water).
        supply = s.plan(it=False) if s is not None and (c_key is None or w_key is None) else None
        co2e = given(c_key)
        co2e_market = given(cm_key) or co2e
        water = given(w_key)
        if water is None and supply is None:
            water = _zero_fn

        if e_key is None:
            notes.append("energy not stated by the source: counted as 0 kWh")
            self.warnings.append(f"{phase}: reported figure states no energy; counted as 0 kWh")
        if w_key is None and (e_key is None or s is None):
            notes.append("water not stated by the source: counted as 0 L")
            self.warnings.append(f"{phase}: reported figure states no water; counted as 0 L")
        elif w_key is None:
            notes.append("water: off-site only, from the reported energy")
        inputs = [k for k in (e_key, c_key, cm_key, w_key) if k]
        return ItemPlan(
            name=f"reported {phase}" if phase != "unallocated" else "reported total",
            phase=phase,
            method="given",
            energy=energy,
            supply=supply,
            co2e=co2e,
            co2e_market=co2e_market,
            water=water,
            inputs=tuple(inputs),
            sources=(r.source,) + ((s.sources) if (s and c_key is None) else ()),
            note="; ".join(notes),
        )

    # --- phases -------------------------------------------------------------
    def training(self, t: Training) -> None:
        s = self.supply("training", t.grid, t.facility)
        if t.reported is not None:
            self.items.append(
                self.reported_item("training", t.reported, s, ("training", "reported"))
            )
            return
        if t.measured is not None:
            items = self.measured_items("training", t.measured, s)
            self.items += items
            # with an hourly intensity, the phase's other loads and overhead run at those
            # hours too: they take the same energy-weighted factor
            s = self._measured_supply.get("training", s)
        if t.accelerators is not None:
            self.items.append(self.accelerators(t.accelerators, s))
        draws = (
            ("host CPUs", t.cpu),
            ("storage", t.storage),
            ("idle", t.idle),
            ("cluster interconnect", t.interconnect),
        )
        for label, draw in draws:
            if draw is not None:
                fld = {"host CPUs": "cpu", "cluster interconnect": "interconnect"}.get(label, label)
                item = self.power_draw(draw, "training", fld, label, s, self.training_duration)
                self.items.append(item)
        if t.memory is not None:
            item = self.memory(t, s)
            self.items.append(item)
        self.items.append(self.overhead_item("training", s))
        if t.network is not None:
            self.items.append(self.network(t.network, "training", s, None))

    def measured_items(self, phase: str, m: MeasuredRuns, s: _Supply) -> list[ItemPlan]:
        """IT energy from `lcai track` run files: measured devices, and estimated ones apart."""
        import glob

        from lcai.measure.runfile import read_run

        base = self.source.base_dir
        path: tuple[str | int, ...] = (phase, "measured", "runs")
        files: list[str] = []
        for pattern in m.runs:  # lcai track run files
            full = pattern if Path(pattern).is_absolute() else str(base / pattern)
            found = sorted(glob.glob(full))
            if not found:
                raise SpecError(f"no run file matches {pattern!r} (in {base})", path=path)
            files += found
        runs = [read_run(f) for f in files]
        measured_kwh = estimated_kwh = 0.0
        if m.fleet is not None:
            measured_kwh += self._fleet_kwh(phase, m)
            files.append(m.fleet)
        for r in runs:
            for dev in r.devices:
                backend = next(x.backend for x in r.samples if x.device == dev)
                e = r.energy_j(dev) / 3.6e6
                if backend == "utilisation-estimate":
                    estimated_kwh += e
                else:
                    measured_kwh += e
            self.warnings += [f"{phase}: {Path(r.path).name}: {w}" for w in r.warnings]
        note = f"{len(runs)} run file(s): " + ", ".join(Path(f).name for f in files)
        supply = s
        if m.hourly_intensity is not None:
            supply = self._hourly_supply(phase, m.hourly_intensity, runs, s)
            self._measured_supply[phase] = supply
        items = []
        for kind, kwh, method in (
            ("measured", measured_kwh, "measured"),
            ("estimated", estimated_kwh, "estimated"),
        ):
            if kwh == 0 and not (kind == "measured" and estimated_kwh == 0):
                continue
            k = self.add(
                f"{phase}.measured.{kind}_energy", kwh, "kWh", "user" if kind == "measured"
                else "derived", None, note,
            )  # fmt: skip
            label = "measured runs" if kind == "measured" else "runs, CPU/memory estimated"
            items.append(self.dc_item(label, phase, method, _param(k), supply, [k], note))
        return items

    def _fleet_kwh(self, phase: str, m: MeasuredRuns) -> float:
        """IT energy of the fleet jobs that match the filters (lcai fleet account's jobs.csv)."""
        import csv as _csv

        assert m.fleet is not None
        f = self.source.path(m.fleet)
        path = (phase, "measured", "fleet")
        try:
            rows = list(_csv.DictReader(f.open(encoding="utf-8")))
        except OSError as exc:
            raise SpecError(f"{f}: cannot be read: {exc.strerror}", path=path) from None
        if not rows or "it_energy_kwh" not in rows[0]:
            raise SpecError(f"{f}: not a jobs.csv from `lcai fleet account`", path=path)
        wanted = {k: v for k, v in (("model", m.model), ("project", m.project),
                                    ("phase", m.phase)) if v is not None}  # fmt: skip
        chosen = [
            r for r in rows
            if r["job_id"] != "idle" and all(r.get(k) == v for k, v in wanted.items())
        ]  # fmt: skip
        if not chosen:
            raise SpecError(f"no job in {f.name} matches {wanted or 'any job'}", path=path)
        return sum(float(r["it_energy_kwh"]) for r in chosen)

    def _hourly_supply(self, phase: str, csv_path: str, runs: list[Any], s: _Supply) -> _Supply:
        """The supply with the run energy's carbon weighted by the hourly grid intensity."""
        import csv as _csv
        import datetime as dt

        f = self.source.path(csv_path)
        path = (phase, "measured", "hourly_intensity")
        try:
            rows = list(_csv.DictReader(f.open(encoding="utf-8")))
        except OSError as exc:
            raise SpecError(f"{f}: cannot be read: {exc.strerror}", path=path) from None
        need = {"timestamp", "gco2e_per_kwh"}
        if not rows or not need <= set(rows[0]):
            raise SpecError(f"{f}: expected columns timestamp, region, gco2e_per_kwh", path=path)
        hourly: dict[int, float] = {}
        for n, row in enumerate(rows, start=2):
            try:
                ts = dt.datetime.fromisoformat(row["timestamp"].replace("Z", "+00:00"))
                if ts.tzinfo is None:
                    ts = ts.replace(tzinfo=dt.UTC)
                hourly[int(ts.timestamp() // 3600 * 3600)] = float(row["gco2e_per_kwh"]) / 1000
            except ValueError:
                raise SpecError(f"{f}, line {n}: bad timestamp or intensity", path=path) from None
        energy = 0.0
        carbon = 0.0
        missing = 0
        annual = self.params[s.grid].value
        for r in runs:
            for hour, kwh in r.hourly_kwh().items():
                energy += kwh
                if hour in hourly:
                    carbon += kwh * hourly[hour]
                else:
                    missing += 1
                    carbon += kwh * annual
        if missing:
            self.warnings.append(
                f"{phase}: {missing} hour(s) of the runs are not in {f.name}; the annual "
                "factor was used for them"
            )
        effective = carbon / energy if energy else annual
        key = self.add(
            f"{phase}.measured.hourly_intensity", effective, "kg/kWh", "derived", None,
            f"energy-weighted hourly intensity from {f.name}",
        )  # fmt: skip
        return _Supply(key, s.ewif, _param(key), s.pue, s.wue, s.sources)

    def accelerator_key(self, name: str, path: Sequence[str | int]) -> str:
        return self.resolve_key("accelerators", name, path=path, kind="accelerator")

    def peak(self, key: str, pre: str, path: Sequence[str | int]) -> str:
        acc = catalog.table("accelerators")
        q = "peak_dense_bf16" if acc.has(key, "peak_dense_bf16") else "peak_dense_fp16"
        return self.factor(
            f"{pre}.peak", "accelerators", key, q, "FLOP/s", path=path, kind="accelerator"
        )

    def mfu(self, key: str | None, pre: str, phase: str, path: Sequence[str | int]) -> str:
        util = catalog.table("utilisation")
        family = key.split("-")[0] if key else None
        candidates = [f"{phase}:{key}", f"{phase}:{family}", phase] if key else [phase]
        for c in candidates:
            if util.has(c, "mfu"):
                return self.factor(
                    f"{pre}.mfu",
                    "utilisation",
                    c,
                    "mfu",
                    "1",
                    path=path,
                    kind="utilisation",
                    status="default",
                    note="no utilisation given",
                )
        raise SpecError("no default utilisation in the catalog; give 'mfu'", path=path)

    def accelerators(self, a: Accelerators, s: _Supply) -> ItemPlan:
        pre = "training.accelerators"
        path: tuple[str | int, ...] = ("training", "accelerators")
        key = self.accelerator_key(a.type, (*path, "type")) if a.type else None
        if key is not None:
            self.accelerator_keys["training.accelerators"] = key
        inputs: list[str] = []
        if a.count is not None:
            self.accel_count = self.user(f"{pre}.count", a.count, "1")
            inputs.append(self.accel_count)
        # accelerator-hours
        hours: Fn | None = None
        if a.gpu_hours is not None:
            hk = self.user(f"{pre}.gpu_hours", a.gpu_hours, "h")
            hours = _param(hk)
            inputs.append(hk)
        elif a.count is not None and a.duration is not None:
            ck = self.accel_count
            dk = self.user(f"{pre}.duration", a.duration, "h")
            assert ck is not None
            hours = lambda p: p[ck] * p[dk]  # noqa: E731
            inputs.append(dk)
        elif a.energy is None:  # estimated from compute (the spec guarantees flops or model)
            if a.flops is not None:
                fk = self.user(f"{pre}.flops", a.flops, "FLOP")
                flops: Fn = _param(fk)
                inputs.append(fk)
            else:
                assert a.model is not None and a.tokens is not None
                nk = self.active_parameters(pre, a.model)
                tk = self.user(f"{pre}.tokens", a.tokens, "1")
                flops = lambda p: m.training_flops(p[nk], p[tk])  # noqa: E731
                inputs += [nk, tk]
            if a.peak is not None:
                pk = self.user(f"{pre}.peak", a.peak, "FLOP/s")
            elif key is not None:
                pk = self.peak(key, pre, (*path, "type"))
            else:
                raise SpecError(
                    "estimating from compute needs the accelerator 'type' or its 'peak'",
                    path=(*path, "type"),
                )
            uk = (
                self.user(f"{pre}.mfu", a.mfu, "1")
                if a.mfu is not None
                else self.mfu(key, pre, "training", (*path, "mfu"))
            )
            hours = lambda p: m.accelerator_hours_from_flops(flops(p), p[pk], p[uk])  # noqa: E731
            inputs += [pk, uk]
        self.accel_hours = hours
        if a.duration is not None:
            dk2 = f"{pre}.duration"
            if dk2 not in self.params:
                self.user(dk2, a.duration, "h")
            self.training_duration = _param(dk2)
        elif hours is not None and self.accel_count is not None:
            ck2, h2 = self.accel_count, hours
            self.training_duration = lambda p: h2(p) / p[ck2]
        label = catalog.table("accelerators").label(key) if key else "accelerators"
        if a.energy is not None:
            ek = self.user(f"{pre}.energy", a.energy, "kWh")
            inputs.insert(0, ek)
            energy: Fn = _param(ek)
            note = f"measured: {a.energy_source}" if a.energy_source else "measured energy"
        else:
            if a.power is not None:
                pw = self.user(f"{pre}.power", a.power, "W")
            elif key is not None:
                pw = self.factor(
                    f"{pre}.power",
                    "accelerators",
                    key,
                    "tdp",
                    "W",
                    path=(*path, "power"),
                    kind="accelerator",
                    status="default",
                    note="no average power given: the accelerator's TDP",
                )
            else:
                raise SpecError(
                    "give the accelerator 'type' or its average 'power'", path=(*path, "power")
                )
            assert hours is not None
            h3 = hours
            energy = lambda p: m.energy_from_power_kwh(p[pw], h3(p))  # noqa: E731
            inputs.insert(0, pw)
            note = "accelerator-hours x average power"
            if a.method == "estimated":
                note = "6 x active parameters x tokens FLOP / (peak x MFU) x average power"
        return self.dc_item(label, "training", a.method, energy, s, inputs, note)

    def power_draw(
        self,
        d: PowerDraw,
        phase: str,
        fld: str,
        label: str,
        s: _Supply,
        default_duration: Fn | None,
    ) -> ItemPlan:
        pre = f"{phase}.{fld}"
        name = d.name or label
        if d.energy is not None:
            ek = self.user(f"{pre}.energy", d.energy, "kWh")
            fn: Fn = _param(ek)
            return self.dc_item(name, phase, "measured", fn, s, [ek])
        assert d.power is not None
        pk = self.user(f"{pre}.power", d.power, "W")
        ck = self.user(f"{pre}.count", d.count, "1")
        if d.duration is not None:
            dk = self.user(f"{pre}.duration", d.duration, "h")
            dur: Fn = _param(dk)
        elif default_duration is not None:
            dur = default_duration
        else:
            raise SpecError(
                f"give 'duration' (the {phase} duration is not known)",
                path=(phase, fld, "duration"),
            )
        fn = lambda p: m.energy_from_power_kwh(p[pk], dur(p), p[ck])  # noqa: E731
        return self.dc_item(name, phase, "given", fn, s, [pk, ck], "count x power x duration")

    def memory(self, t: Training, s: _Supply) -> ItemPlan:
        mem = t.memory
        assert mem is not None
        pre = "training.memory"
        cap = self.user(f"{pre}.capacity", mem.capacity, "GB")
        if mem.power_per_gb is not None:
            ppg = self.user(f"{pre}.power_per_gb", mem.power_per_gb, "W/GB")
        else:
            ppg = self.factor(
                f"{pre}.power_per_gb",
                "servers",
                "default",
                "memory_power_per_gb",
                "W/GB",
                path=("training", "memory"),
                kind="server part",
                status="default",
                note="no memory power given",
            )
        if mem.duration is not None:
            dk = self.user(f"{pre}.duration", mem.duration, "h")
            dur: Fn = _param(dk)
        elif self.training_duration is not None:
            dur = self.training_duration
        else:
            raise SpecError("give 'duration'", path=("training", "memory", "duration"))
        fn: Fn = lambda p: m.energy_from_power_kwh(p[ppg] * p[cap], dur(p))  # noqa: E731
        return self.dc_item("host memory", "training", "estimated", fn, s, [cap, ppg])

    def network(self, n: Network, phase: str, s: _Supply, requests: str | None) -> ItemPlan:
        pre = f"{phase}.network"
        path = (phase, "network")
        if n.intensity is not None:
            ik = self.user(f"{pre}.intensity", n.intensity, "kWh/GB")
        else:
            mk = self.resolve_key(
                "network", n.medium, path=(*path, "medium"), kind="network medium"
            )
            ik = self.factor(
                f"{pre}.intensity",
                "network",
                mk,
                "energy_intensity",
                "kWh/GB",
                path=(*path, "medium"),
                kind="network medium",
            )
        if n.data is not None:
            dk = self.user(f"{pre}.data", n.data, "GB")
            data: Fn = _param(dk)
            inputs = [dk, ik]
        else:
            if requests is None:
                raise SpecError(
                    "'data_per_request' needs requests; give 'data'", path=(*path, "data")
                )
            assert n.data_per_request is not None
            dk = self.user(f"{pre}.data_per_request", n.data_per_request, "GB")
            data = lambda p: p[dk] * p[requests]  # noqa: E731
            inputs = [dk, requests, ik]
        fn: Fn = lambda p: m.network_energy_kwh(data(p), p[ik])  # noqa: E731
        return self.grid_item(
            f"network ({n.medium})",
            phase,
            "estimated",
            fn,
            s,
            inputs,
            "data x network energy intensity; carbon at the phase's grid",
        )

    def usage(self, u: Usage) -> tuple[str | None, Fn | None]:
        s = self.supply("usage", u.grid, u.facility)
        if u.reported is not None:
            self.items.append(self.reported_item("usage", u.reported, s, ("usage", "reported")))
            return None, None
        pre = "usage"
        req: str | None = None
        if u.requests is not None:
            req = self.user(f"{pre}.requests", u.requests, "1")
        elif u.total_requests is not None:
            assert u.requests_per_day is not None and u.deployment is not None
            rpd = self.user(f"{pre}.requests_per_day", u.requests_per_day, "1")
            dep = self.user(f"{pre}.deployment", u.deployment, "h")
            req = self.add(
                f"{pre}.requests",
                u.total_requests,
                "1",
                "derived",
                None,
                "requests_per_day x deployment",
            )
            self.derived[req] = lambda p: p[rpd] * p[dep] / 24.0
        deployment: Fn | None = None
        if u.deployment is not None:
            dep = self.user(f"{pre}.deployment", u.deployment, "h")
            deployment = _param(dep)
        tokens_per_request: Fn | None = None
        energy: Fn = _zero_fn
        if u.measured is not None:
            self.items += self.measured_items("usage", u.measured, s)
            s = self._measured_supply.get("usage", s)
            method, inputs, note = "measured", [], ""
        elif u.energy is not None:
            ek = self.user(f"{pre}.energy", u.energy, "kWh")
            energy = _param(ek)
            method, inputs, note = "measured", [ek], u.energy_source or "measured energy"
        elif u.energy_per_request is not None:
            assert req is not None
            rk = req
            epr = self.user(f"{pre}.energy_per_request", u.energy_per_request, "kWh")
            energy = lambda p: p[rk] * p[epr]  # noqa: E731
            method, inputs, note = "given", [epr, req], "requests x energy per request"
        else:
            assert u.inference is not None and req is not None
            per_request, tokens_per_request, inputs, note = self.inference(u.inference)
            rk2 = req
            energy = lambda p: p[rk2] * per_request(p)  # noqa: E731
            method = "estimated"
            inputs.append(req)
        if u.measured is None:
            self.items.append(self.dc_item("serving", "usage", method, energy, s, inputs, note))
        if u.idle is not None:
            item = self.power_draw(u.idle, "usage", "idle", "idle capacity", s, deployment)
            self.items.append(item)
        self.items.append(self.overhead_item("usage", s))
        if u.network is not None:
            self.items.append(self.network(u.network, "usage", s, req))
        return req, tokens_per_request

    def inference(self, inf: Inference) -> tuple[Fn, Fn, list[str], str]:
        """Energy per request estimated from model size, tokens and hardware.

        Returns (kWh per request, tokens per request, parameter keys, note).
        """
        path: tuple[str | int, ...] = ("usage", "inference")
        ip = "usage.inference"
        key = self.accelerator_key(inf.accelerator, (*path, "accelerator"))
        self.accelerator_keys["usage.inference"] = key
        nk = self.active_parameters(ip, inf.model)
        ik = self.user(f"{ip}.input_tokens", inf.input_tokens, "1")
        ok = self.user(f"{ip}.output_tokens", inf.output_tokens, "1")
        pk = self.user(f"{ip}.peak", inf.peak, "FLOP/s") if inf.peak else self.peak(key, ip, path)
        util: dict[str, str] = {}
        for stage, given in (
            ("prefill", inf.prefill_utilisation),
            ("decode", inf.decode_utilisation),
        ):
            util[stage] = self.user_or_factor(
                f"{ip}.{stage}_utilisation", given, "1", "utilisation", f"inference:{stage}",
                "mfu", path=(*path, f"{stage}_utilisation"), kind="utilisation",
                note=f"no {stage} utilisation given",
            )  # fmt: skip
        pw = self.user_or_factor(
            f"{ip}.power", inf.power, "W", "accelerators", key, "tdp",
            path=(*path, "power"), kind="accelerator", note="no serving power given: TDP",
        )  # fmt: skip
        kp, kd = util["prefill"], util["decode"]
        inputs = [nk, ik, ok, pk, kp, pw]

        def prefill(p: Params) -> Num:
            return m.prefill_energy_per_request_kwh(p[nk], p[ik], p[pk], p[kp], p[pw])

        weight_gb = inf.model.parameters * inf.bytes_per_parameter / 1e9
        acc = catalog.table("accelerators")
        memory_gb = acc.factor(key, "memory", "GB").value if acc.has(key, "memory") else None
        if inf.accelerators is not None:
            gk = self.user(f"{ip}.accelerators", inf.accelerators, "1")
            if memory_gb is not None and weight_gb > inf.accelerators * memory_gb:
                raise SpecError(
                    f"{inf.accelerators:g} x {memory_gb:g} GB cannot hold the weights "
                    f"({weight_gb:,.0f} GB at {inf.bytes_per_parameter:g} bytes per parameter)",
                    path=(*path, "accelerators"),
                )
        else:
            fit = math.ceil(weight_gb / memory_gb) if memory_gb else 1
            gk = self.add(
                f"{ip}.accelerators", max(fit, 1), "1", "derived", None,
                f"fewest {key} whose memory holds {weight_gb:,.0f} GB of weights",
            )  # fmt: skip
        if inf.batch_size is None:
            inputs.append(kd)

            def decode(p: Params) -> Num:
                return m.prefill_energy_per_request_kwh(p[nk], p[ok], p[pk], p[kd], p[pw])

            note = (
                "prefill 2 N n_in / (peak u_prefill) + decode 2 N n_out / (peak u_decode), "
                "x power (batching is in u_decode)"
            )
        else:
            bk = self.user(f"{ip}.batch_size", inf.batch_size, "1")
            wk = self.add(
                f"{ip}.weight_bytes", weight_gb * 1e9, "B", "derived", None,
                f"{inf.model.parameters:.4g} parameters x {inf.bytes_per_parameter:g} bytes",
            )  # fmt: skip
            bw = self.user_or_factor(
                f"{ip}.memory_bandwidth", inf.memory_bandwidth, "B/s", "accelerators", key,
                "memory_bandwidth", path=(*path, "memory_bandwidth"), kind="accelerator",
                note="", status="table",
            )  # fmt: skip
            inputs += [bk, gk, wk, bw]

            def decode(p: Params) -> Num:
                return m.decode_energy_per_request_kwh(
                    p[nk], p[wk], p[ok], p[bk], p[gk], p[pk], p[kp], p[bw], p[pw]
                )

            note = (
                "prefill 2 N n_in / (peak u_prefill) + decode by the roofline: n_out x "
                "max(compute, weights / bandwidth) per step, shared by the batch; x power"
            )

        def per_request(p: Params) -> Num:
            return prefill(p) + decode(p)

        return per_request, (lambda p: p[ik] + p[ok]), inputs, note

    def annotation(self, a: Annotation) -> None:
        s = self.supply("annotation", a.grid, None)
        if a.reported is not None:
            self.items.append(
                self.reported_item("annotation", a.reported, s, ("annotation", "reported"))
            )
            return
        pre = "annotation"
        if a.person_hours is not None:
            hk = self.user(f"{pre}.person_hours", a.person_hours, "h")
        else:
            hk = self.add(
                f"{pre}.person_hours", a.total_hours, "h", "derived", None, "annotators x hours"
            )
        path: tuple[str | int, ...] = ("annotation",)
        if a.annual_use is not None:
            au = self.user(f"{pre}.annual_use", a.annual_use, "h")
        else:
            au = self.factor(
                f"{pre}.annual_use",
                "devices",
                "working_year",
                "annual_use",
                "h",
                path=(*path, "annual_use"),
                kind="device",
                status="default",
                note="hours a work device is used per year",
            )
        devices = catalog.table("devices")
        for i, d in enumerate(a.devices):
            dpath = (*path, "devices", i)
            dp = f"{pre}.devices[{i}]"
            known = devices.has(d.device, "power") or devices.has(d.device, "embodied")
            key = (
                self.resolve_key("devices", d.device, path=(*dpath, "device"), kind="device")
                if known or (d.power is None)
                else None
            )
            label = devices.label(key) if key else d.device
            vals = {}
            for q, given, unit in (
                ("power", d.power, "W"),
                ("embodied", d.embodied, "kg"),
                ("lifetime", d.lifetime, "h"),
            ):
                if given is not None:
                    vals[q] = self.user(f"{dp}.{q}", given, unit)
                elif key is not None:
                    vals[q] = self.factor(
                        f"{dp}.{q}",
                        "devices",
                        key,
                        q,
                        unit,
                        path=(*dpath, q),
                        kind="device",
                        status="table",
                    )
                elif q != "power":
                    vals[q] = ""
            ck = self.user(f"{dp}.count", d.count, "1")
            pw = vals["power"]
            use: Fn = lambda p, pw=pw, ck=ck: m.energy_from_power_kwh(p[pw], p[hk], p[ck])  # type: ignore[misc]  # noqa: E731
            self.items.append(
                self.grid_item(
                    f"{label} use",
                    "annotation",
                    "estimated",
                    use,
                    s,
                    [pw, ck, hk],
                    "person-hours x devices x power",
                )
            )
            if vals.get("embodied") and vals.get("lifetime"):
                ek, lk = vals["embodied"], vals["lifetime"]

                def emb(p: Params, ek: str = ek, lk: str = lk, ck: str = ck) -> Num:
                    life_use_h = p[lk] / _H_PER_YEAR * p[au]
                    return m.allocated_embodied(p[ek], p[hk] * p[ck], life_use_h, 1.0)

                self.items.append(
                    ItemPlan(
                        name=f"{label} embodied",
                        phase="annotation",
                        method="estimated",
                        co2e=emb,
                        co2e_market=emb,
                        inputs=(ek, lk, au, hk, ck),
                        sources=self.sources_of([ek, lk, au]),
                        note="embodied x hours used / (lifetime years x hours used per year)",
                    )
                )

    def manufacturing(self, mf: Manufacturing) -> None:
        if mf.reported is not None:
            self.items.append(
                self.reported_item(
                    "manufacturing", mf.reported, None, ("manufacturing", "reported")
                )
            )
            return
        for i, c in enumerate(mf.components):
            self.component(i, c)

    def component(self, i: int, c: Component) -> None:
        path: tuple[str | int, ...] = ("manufacturing", "components", i)
        pre = f"manufacturing.components[{i}]"
        acc = catalog.table("accelerators")
        key = self.accelerator_key(c.hardware, (*path, "hardware")) if c.hardware else None
        name = c.name or (acc.label(key) if key else f"component {i + 1}")
        # embodied carbon per unit
        emb, emb_note = self._embodied_per_unit(c, key, pre, path)
        # fabrication water per unit
        water_k = self._fab_water(c, key, pre, path)
        # unit-hours
        if c.unit_hours is not None:
            uh = self.user(f"{pre}.unit_hours", c.unit_hours, "h")
            unit_hours: Fn = _param(uh)
        elif c.count is not None and c.duration is not None:
            ck = self.user(f"{pre}.count", c.count, "1")
            dk = self.user(f"{pre}.duration", c.duration, "h")
            unit_hours = lambda p: p[ck] * p[dk]  # noqa: E731
        elif self.accel_hours is not None and (
            c.accelerators_per_unit is not None or key is not None
        ):
            h = self.accel_hours
            per = c.accelerators_per_unit or 1.0
            pk = self.add(
                f"{pre}.accelerators_per_unit",
                per,
                "1",
                "user" if c.accelerators_per_unit else "default",
                None,
                "unit-hours follow the training accelerator-hours",
            )
            unit_hours = lambda p: h(p) / p[pk]  # noqa: E731
        else:
            raise SpecError(
                "give 'count' and 'duration' or 'unit_hours' (training accelerator-hours are "
                "not known to derive them)",
                path=(*path, "unit_hours"),
            )
        lt, ut = (
            self.user_or_factor(
                f"{pre}.{q}", given, unit, "servers", "default", q,
                path=(*path, q), kind="server default", note=f"no {q} given",
            )
            for q, given, unit in (
                ("lifetime", c.lifetime, "h"),
                ("utilization", c.utilization, "1"),
            )
        )  # fmt: skip

        def co2e(p: Params) -> Num:
            return m.allocated_embodied(emb(p), unit_hours(p), p[lt], p[ut])

        def water(p: Params) -> Num:
            if not water_k:
                return 0.0
            return m.allocated_embodied(p[water_k], unit_hours(p), p[lt], p[ut])

        inputs = [k for k in self.params if k.startswith(pre + ".")]
        self.items.append(
            ItemPlan(
                name=name,
                phase="manufacturing",
                method="estimated" if c.embodied is None else "given",
                co2e=co2e,
                co2e_market=co2e,
                water=water,
                inputs=tuple(inputs),
                sources=self.sources_of(inputs),
                note=emb_note + "; allocated: unit-hours / (lifetime x utilisation)",
            )
        )

    def _embodied_per_unit(
        self, c: Component, key: str | None, pre: str, path: Sequence[str | int]
    ) -> tuple[Fn, str]:
        acc = catalog.table("accelerators")
        if c.embodied is not None:
            ek = self.user(f"{pre}.embodied", c.embodied, "kg")
            return _param(ek), "embodied per unit as given"
        published = _published_embodied(key)
        method = c.embodied_method
        if method is None:
            method = next(iter(published), "die_area")
        if method != "die_area":
            if method not in published:
                have = ", ".join([*published, "die_area"])
                raise SpecError(
                    f"no '{method}' embodied figure for {key or 'this component'}; "
                    f"choose one of: {have}",
                    path=(*path, "embodied_method"),
                )
            assert key is not None
            others = []
            for meth, q in published.items():
                if meth != method:
                    f = acc.factor(key, q, "kg")
                    others.append(f"{meth} {f.value:.4g} kg ({f.source_id})")
            note = f"method '{method}'" + (
                f"; other published figures: {', '.join(others)}" if others else ""
            )
            ek = self.factor(
                f"{pre}.embodied",
                "accelerators",
                key,
                published[method],
                "kg",
                path=(*path, "embodied_method"),
                kind="accelerator",
                status="table" if c.embodied_method else "default",
                note=note,
            )
            return _param(ek), f"embodied per unit: {note}"
        # die-area method
        parts: list[Fn] = []
        if c.die_area is not None:
            ak = self.user(f"{pre}.die_area", c.die_area, "mm2")
        elif key is not None and acc.has(key, "die_area"):
            ak = self.factor(
                f"{pre}.die_area",
                "accelerators",
                key,
                "die_area",
                "mm2",
                path=path,
                kind="accelerator",
            )
        else:
            ak = ""
        if ak:
            if c.process_node is not None:
                node = c.process_node.replace(" ", "")
            elif key is not None and acc.has(key, "process_node"):
                node = f"{acc.row(key, 'process_node').value:g}nm"
            else:
                raise SpecError(
                    "the die-area method needs 'process_node'", path=(*path, "process_node")
                )
            node_key = node if node.startswith("logic:") else f"logic:{node}"
            node_key = self.resolve_key(
                "embodied_factors", node_key, path=(*path, "process_node"), kind="process node"
            )
            factors = catalog.table("embodied_factors")
            q = next((q for q in _CPA_QUANTITIES if factors.has(node_key, q)), _CPA_QUANTITIES[0])
            cpa = self.factor(
                f"{pre}.carbon_per_area",
                "embodied_factors",
                node_key,
                q,
                "kg/mm2",
                path=(*path, "process_node"),
                kind="process node",
            )
            parts.append(lambda p: m.die_embodied_kg(p[ak], p[cpa]))
        if c.memory is not None:
            mk = self.user(f"{pre}.memory", c.memory, "GB")
        elif key is not None and acc.has(key, "memory"):
            mk = self.factor(
                f"{pre}.memory", "accelerators", key, "memory", "GB", path=path, kind="accelerator"
            )
        else:
            mk = ""
        if mk:
            mem_key = c.memory_type or ("hbm" if key is not None else "dram")
            if not catalog.table("embodied_factors").has(mem_key, "carbon_per_gb"):
                mem_key = "dram"
            cpg = self.factor(
                f"{pre}.carbon_per_gb",
                "embodied_factors",
                mem_key,
                "carbon_per_gb",
                "kg/GB",
                path=(*path, "memory_type"),
                kind="memory type",
            )
            parts.append(lambda p: m.memory_embodied_kg(p[mk], p[cpg]))
        if not parts:
            raise SpecError(
                "give 'embodied', or 'die_area' and/or 'memory'", path=(*path, "embodied")
            )

        def total(p: Params) -> Num:
            out: Num = 0.0
            for fn in parts:
                out = out + fn(p)
            return out

        return total, "embodied per unit: die area x carbon per area + memory x carbon per GB"

    def _fab_water(self, c: Component, key: str | None, pre: str, path: Sequence[str | int]) -> str:
        if c.fab_water is not None:
            return self.user(f"{pre}.fab_water", c.fab_water, "L")
        acc = catalog.table("accelerators")
        area = c.die_area
        if area is None and key is not None and acc.has(key, "die_area"):
            area = acc.factor(key, "die_area", "mm2").value
        if area is None:
            return ""
        wpa = self.lookup(
            "embodied_factors", "wafer_fab", "water_per_area", "L/mm2", path=path, kind="factor"
        )
        return self.add(
            f"{pre}.fab_water",
            area * wpa.value,
            "L",
            "derived",
            wpa.source_id,
            f"die area {area:g} mm2 x fabrication water {wpa.value:.4g} L/mm2 "
            "(embodied_factors:wafer_fab, one full-process figure for every node; yield and "
            "packaging not counted)",
        )


def _bounds(name: str) -> tuple[float, float]:
    """Physical bounds of a parameter, for truncating its distribution."""
    leaf = name.rsplit(".", 1)[-1]
    if leaf == "pue":
        return 1.0, math.inf
    if leaf in ("mfu", "utilization", "contract_share") or leaf.endswith("_utilisation"):
        return 0.0, 1.0
    return 0.0, math.inf


def _catalog_dist(
    table: str, quantity: str, value: float, lower: float, upper: float, *, status: Status
) -> Dist | None:
    """The uncertainty the catalog states for ``table.quantity`` (uncertainty table)."""
    if "uncertainty" not in catalog.table_names():
        return None
    unc = catalog.table("uncertainty")
    for key in (f"{table}.{quantity}.{status}", f"{table}.{quantity}"):
        if unc.has(key, "gsd"):
            return Dist("lognormal", value, unc.row(key, "gsd").value, lower=lower, upper=upper)
        if unc.has(key, "rel_sd"):
            sd = abs(value) * unc.row(key, "rel_sd").value
            return Dist("normal", value, sd, lower=lower, upper=upper)
        if unc.has(key, "rel_low") and unc.has(key, "rel_high"):
            lo = value * unc.row(key, "rel_low").value
            hi = value * unc.row(key, "rel_high").value
            return Dist("triangular", lo, value, hi, lower=lower, upper=upper)
    return None


def _param(key: str) -> Fn:
    """The function that reads one parameter."""

    def read(p: Params) -> Num:
        return p[key]

    return read


def _zero_fn(_: Params) -> Num:
    return 0.0


_EMBODIED_METHODS = ("manufacturer", "lca", "parametric", "bottom_up", "luccioni", "die_only")
_CPA_QUANTITIES = ("carbon_per_area", "carbon_per_area_imec", "carbon_per_area_act")


def _published_embodied(key: str | None) -> dict[str, str]:
    """Embodied-carbon methods the catalog has for accelerator ``key``, in preference order."""
    if key is None:
        return {}
    acc = catalog.table("accelerators")
    have = {r.quantity.removeprefix("embodied_") for r in acc.filter(key=key)}
    have = {h for h in have if h and acc.has(key, f"embodied_{h}")}
    order = [m for m in _EMBODIED_METHODS if m in have] + sorted(have - set(_EMBODIED_METHODS))
    return {m: f"embodied_{m}" for m in order}


def resolve(source: Source) -> Plan:
    """Resolve an assessment into a :class:`Plan` (parameters + line items)."""
    spec = source.spec
    r = _Resolver(source)
    # Training first: manufacturing may follow its accelerator-hours.
    if spec.training is not None:
        r.training(spec.training)
    req: str | None = None
    tokens: Fn | None = None
    if spec.usage is not None:
        req, tokens = r.usage(spec.usage)
    if spec.annotation is not None:
        r.annotation(spec.annotation)
    if spec.manufacturing is not None:
        r.manufacturing(spec.manufacturing)
    if spec.reported is not None:
        r.items.append(r.reported_item("unallocated", spec.reported, None, ("reported",)))
    divisor: Fn | None = None
    fu = spec.functional_unit
    if fu.per != "life_cycle":
        amount = r.user("functional_unit.amount", fu.amount, "1")
        if req is None:
            raise SpecError(
                "the functional unit needs the number of requests served",
                path=("usage", "requests"),
            )
        rq = req
        if fu.per == "requests":
            divisor = lambda p: p[rq] / p[amount]  # noqa: E731
        else:
            assert tokens is not None
            tk = tokens
            divisor = lambda p: p[rq] * tk(p) / p[amount]  # noqa: E731
    order = {
        ph: i
        for i, ph in enumerate(("manufacturing", "training", "annotation", "usage", "unallocated"))
    }
    items = sorted(r.items, key=lambda it: order[it.phase])
    used = [p.source for p in r.params.values() if p.source]
    return Plan(
        name=spec.name,
        functional_unit=fu.describe(),
        params=r.params,
        items=items,
        divisor=divisor,
        has_market=r.has_market,
        warnings=r.warnings,
        sources=list(dict.fromkeys(used)),
        accelerator_keys=r.accelerator_keys,
        derived=r.derived,
        regions=r.regions,
    )
