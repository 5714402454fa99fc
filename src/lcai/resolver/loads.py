"""Loads around the accelerators: power draws (host CPUs, storage, idle capacity,
interconnect), host memory, and network transfer."""

from __future__ import annotations

from lcai import model as m
from lcai.engine.plan import Fn, ItemPlan, Params, Supply
from lcai.errors import SpecError
from lcai.keys import ItemKind
from lcai.model.num import Num
from lcai.resolver.items import dc_item, grid_item
from lcai.resolver.ledger import Ledger, param
from lcai.spec.schema import MemoryPower, Network, PowerDraw

__all__ = ["memory", "network", "power_draw"]


def _duration(
    ledger: Ledger, pre: str, given: float | None, default: Fn | None, path: tuple[str, ...]
) -> Fn:
    """The load's own duration [h], else the phase's; neither is an error at ``path``."""
    if given is not None:
        return param(ledger.user(f"{pre}.duration", given, "h"))
    if default is None:
        raise SpecError(f"give 'duration' (the {path[0]} duration is not known)", path=path)
    return default


def power_draw(
    ledger: Ledger,
    d: PowerDraw,
    phase: str,
    field: str,
    kind: ItemKind,
    label: str,
    s: Supply,
    default_duration: Fn | None,
) -> ItemPlan:
    """count x power x duration (or a measured energy) of one load in the data center."""
    pre = f"{phase}.{field}"
    name = d.name or label
    if d.energy is not None:
        ek = ledger.user(f"{pre}.energy", d.energy, "kWh")
        return dc_item(ledger, name, phase, kind, "measured", param(ek), s, [ek])
    if d.power is None:
        raise SpecError("give 'power' or 'energy'", path=(phase, field))
    pk = ledger.user(f"{pre}.power", d.power, "W")
    ck = ledger.user(f"{pre}.count", d.count, "1")
    dur = _duration(ledger, pre, d.duration, default_duration, (phase, field, "duration"))

    def energy(p: Params) -> Num:
        return m.energy_from_power_kwh(p[pk], dur(p), p[ck])

    return dc_item(
        ledger, name, phase, kind, "given", energy, s, [pk, ck], "count x power x duration"
    )


def memory(ledger: Ledger, mem: MemoryPower, s: Supply, default_duration: Fn | None) -> ItemPlan:
    """Host memory of training: capacity x power per GB x duration."""
    pre = "training.memory"
    cap = ledger.user(f"{pre}.capacity", mem.capacity, "GB")
    ppg = ledger.user_or_factor(
        f"{pre}.power_per_gb",
        mem.power_per_gb,
        "W/GB",
        "servers",
        "default",
        "memory_power_per_gb",
        path=("training", "memory"),
        kind="server part",
        note="no memory power given",
    )
    if mem.duration is None and default_duration is None:
        raise SpecError("give 'duration'", path=("training", "memory", "duration"))
    dur = _duration(ledger, pre, mem.duration, default_duration, ("training", "memory"))

    def energy(p: Params) -> Num:
        return m.energy_from_power_kwh(p[ppg] * p[cap], dur(p))

    return dc_item(ledger, "host memory", "training", "memory", "estimated", energy, s, [cap, ppg])


def network(ledger: Ledger, n: Network, phase: str, s: Supply, requests: str | None) -> ItemPlan:
    """Data moved x the medium's energy per GB; carbon at the phase's grid, no PUE."""
    pre = f"{phase}.network"
    path = (phase, "network")
    if n.intensity is not None:
        ik = ledger.user(f"{pre}.intensity", n.intensity, "kWh/GB")
    else:
        mk = ledger.catalog_key("network", n.medium, path=(*path, "medium"), kind="network medium")
        ik = ledger.factor(
            f"{pre}.intensity",
            "network",
            mk,
            "energy_intensity",
            "kWh/GB",
            path=(*path, "medium"),
            kind="network medium",
        )
    if n.data is not None:
        dk = ledger.user(f"{pre}.data", n.data, "GB")
        data: Fn = param(dk)
        inputs = [dk, ik]
    else:
        if requests is None or n.data_per_request is None:
            raise SpecError("'data_per_request' needs requests; give 'data'", path=(*path, "data"))
        dk = ledger.user(f"{pre}.data_per_request", n.data_per_request, "GB")
        data = ledger.product(dk, requests)
        inputs = [dk, requests, ik]

    def energy(p: Params) -> Num:
        return m.network_energy_kwh(data(p), p[ik])

    return grid_item(
        ledger,
        f"network ({n.medium})" if n.intensity is None else "network (given intensity)",
        phase,
        "network",
        energy,
        s,
        inputs,
        "data x network energy intensity; carbon at the phase's grid",
    )
