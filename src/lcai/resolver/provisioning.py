"""What serving costs beyond its busy accelerators: their hosts (CPUs, memory, the rest
of the server), the provisioned capacity that waits idle, and the serving hardware's
embodied carbon and fabrication water per accelerator-second; and serving described
by the fleet (accelerators x time x utilisation) rather than per request."""

from __future__ import annotations

from dataclasses import dataclass

from lcai import catalog, keys
from lcai import model as m
from lcai.engine.plan import Fn, ItemPlan, Params, Supply
from lcai.model import serving as sv
from lcai.model.num import Num
from lcai.resolver.embodied import embodied_per_unit, fab_water
from lcai.resolver.factors import derive, load_power
from lcai.resolver.items import dc_item
from lcai.resolver.ledger import Ledger
from lcai.spec.schema import Component, Provisioned, Usage

__all__ = ["Fleet", "embodied_item", "fleet", "host_item", "idle_item", "provisioned"]

_S_PER_H = 3600.0
_SERVER = "server:dgx-base"


@dataclass(frozen=True)
class Fleet:
    """Keys of the fleet's factors: busy share, host power and idle power per accelerator."""

    utilisation: str
    host_power: str
    idle_power: str


def fleet(ledger: Ledger, u: Usage, idle_power: str, utilisation: str | None = None) -> Fleet:
    """The fleet utilisation and host power (the file's, else the catalog's);
    ``utilisation``: the key of one stated already (a provisioned fleet's), used instead."""
    if utilisation is not None:
        if u.fleet_utilisation is not None:
            ledger.warnings.append(
                "usage.fleet_utilisation is not used: usage.provisioned states the fleet's "
                "own utilisation"
            )
        return Fleet(utilisation, _host_power(ledger, u), idle_power)
    ut = ledger.user_or_factor(
        "usage.fleet_utilisation",
        u.fleet_utilisation,
        "1",
        "serving",
        "fleet:default",
        "utilisation",
        path=("usage", "fleet_utilisation"),
        kind="serving factor",
        note="no fleet utilisation given",
    )
    return Fleet(ut, _host_power(ledger, u), idle_power)


def _host_power(ledger: Ledger, u: Usage) -> str:
    return ledger.user_or_factor(
        "usage.host_power",
        u.host_power,
        "W",
        "serving",
        "host:default",
        "host_power",
        path=("usage", "host_power"),
        kind="serving factor",
        note="no host power given",
    )


def host_item(
    ledger: Ledger, f: Fleet, busy_h: Fn, s: Supply, busy_inputs: tuple[str, ...]
) -> ItemPlan:
    """Hosts of the busy accelerators: accelerator-hours x host power per accelerator."""

    def energy(p: Params) -> Num:
        return m.energy_from_power_kwh(p[f.host_power], busy_h(p))

    note = "busy accelerator-hours x host power per accelerator (CPUs, memory, server)"
    inputs = [f.host_power, *busy_inputs]
    return dc_item(
        ledger, "host CPU and memory", "usage", "host", "estimated", energy, s, inputs, note
    )


def idle_item(
    ledger: Ledger, f: Fleet, busy_h: Fn, s: Supply, busy_inputs: tuple[str, ...]
) -> ItemPlan:
    """Provisioned capacity waiting for requests: for each busy accelerator-hour,
    (1 - u) / u idle ones, drawing idle power with their hosts."""

    def energy(p: Params) -> Num:
        idle_h = busy_h(p) * (1.0 - p[f.utilisation]) / p[f.utilisation]
        return m.energy_from_power_kwh(p[f.idle_power] + p[f.host_power], idle_h)

    note = "busy accelerator-hours x (1 - u) / u x (idle accelerator + host power)"
    return dc_item(
        ledger,
        "idle capacity",
        "usage",
        "idle",
        "estimated",
        energy,
        s,
        [f.utilisation, f.idle_power, f.host_power, *busy_inputs],
        note,
    )


def _server_factors(ledger: Ledger, pre: str, path: tuple[str, ...]) -> tuple[str, str, str]:
    """Keys of the server's embodied carbon without accelerators, its accelerators and the
    hardware's lifetime."""
    srv = ledger.factor(
        f"{pre}.server",
        "servers",
        _SERVER,
        "embodied_without_accelerators",
        "kg",
        path=path,
        kind="server",
        status="default",
    )
    per = ledger.factor(
        f"{pre}.accelerators_per_server",
        "servers",
        _SERVER,
        "accelerators",
        "1",
        path=path,
        kind="server",
        status="default",
    )
    life = ledger.factor(
        f"{pre}.lifetime",
        "servers",
        "default",
        "lifetime",
        "h",
        path=path,
        kind="server default",
        status="default",
    )

    return srv, per, life


def embodied_item(
    ledger: Ledger, key: str, f: Fleet, busy_h: Fn, busy_inputs: tuple[str, ...]
) -> ItemPlan:
    """The serving accelerators' and their servers' embodied carbon and fabrication water,
    allocated by provisioned accelerator-hours over the hardware's lifetime."""
    pre, path = "usage.embodied", ("usage", "embodied")
    acc, acc_note = embodied_per_unit(
        ledger, Component(hardware=key), key, f"{pre}.accelerator", path
    )
    water = fab_water(ledger, Component(hardware=key), key, f"{pre}.accelerator", path)
    srv, per, life = _server_factors(ledger, pre, path)

    def co2e(p: Params) -> Num:
        per_acc = acc(p) + p[srv] / p[per]
        return m.allocated_embodied(per_acc, busy_h(p), p[life], p[f.utilisation])

    def fab(p: Params) -> Num:
        return (
            m.allocated_embodied(p[water], busy_h(p), p[life], p[f.utilisation]) if water else 0.0
        )

    inputs = [x for x in ledger.params if x.startswith(pre + ".")] + [f.utilisation]
    inputs += busy_inputs
    label = catalog.table("accelerators").label(key)
    return ItemPlan(
        name=f"serving hardware embodied ({label} and server)",
        phase="usage",
        method="estimated",
        kind="embodied",
        co2e=co2e,
        co2e_market=co2e,
        water=fab,
        inputs=tuple(inputs),
        sources=ledger.sources_of(inputs),
        note=f"{acc_note}; + server without accelerators / accelerators per server; "
        "allocated: busy accelerator-hours / (lifetime x fleet utilisation)",
    )


def provisioned(
    ledger: Ledger, pv: Provisioned, deployment: str | None
) -> tuple[Fn, str, str, str, str]:
    """(busy energy of a provisioned fleet [kWh], keys of its busy accelerator-hours, of
    its accelerators' idle power and of its utilisation, the accelerator's catalog key)."""
    pre, path = "usage.provisioned", ("usage", "provisioned")
    key = ledger.catalog_key(
        "accelerators", pv.accelerator, path=(*path, "accelerator"), kind="accelerator"
    )
    ledger.accelerators.setdefault(keys.SLOT_INFERENCE, key)
    n = ledger.user(f"{pre}.count", pv.count, "1")
    if pv.duration is not None:
        dur = ledger.user(f"{pre}.duration", pv.duration, "h")
    else:
        assert deployment is not None
        dur = deployment
    ut = ledger.user(f"{pre}.utilisation", pv.utilisation, "1")
    lp = load_power(ledger, key, f"{pre}.power", (*path, "power"))
    tdp, fi, fm, fc = (
        lp[q] for q in ("tdp", "idle_fraction", "memory_fraction", "compute_fraction")
    )
    if pv.power is not None:
        pk = ledger.user(f"{pre}.power", pv.power, "W")
    else:
        pk = derive(
            ledger,
            f"{pre}.busy_power",
            lambda p: sv.accelerator_power_w(p[tdp], p[fm], p[fc], 0.5),
            "W",
            "busy power halfway between memory-bound and compute-bound",
        )
    idle = derive(ledger, f"{pre}.idle_power", lambda p: p[tdp] * p[fi], "W", "TDP x idle fraction")
    busy_h = derive(
        ledger,
        f"{pre}.busy_hours",
        lambda p: p[n] * p[dur] * p[ut],
        "h",
        "count x duration x utilisation",
    )

    def energy(p: Params) -> Num:
        return m.energy_from_power_kwh(p[pk], p[busy_h])

    return energy, busy_h, idle, ut, key
