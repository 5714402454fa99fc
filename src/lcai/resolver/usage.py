"""The usage phase: serving (measured, given per request, estimated from the model or
from the provisioned fleet), its hosts, idle capacity and hardware, facility overhead
and network delivery, within the boundary the file asks for."""

from __future__ import annotations

from dataclasses import dataclass, field

from lcai import keys as k
from lcai.engine.plan import Fn, ItemPlan, Params, Supply
from lcai.measure.inputs import MeasuredEnergy
from lcai.model.num import Num
from lcai.resolver import provisioning as pr
from lcai.resolver.factors import derive
from lcai.resolver.inference import inference
from lcai.resolver.items import dc_item, overhead_item, reported_item, self_contained
from lcai.resolver.ledger import Ledger, param
from lcai.resolver.loads import network, power_draw
from lcai.resolver.measured import measured_items
from lcai.resolver.supply import supply
from lcai.spec.schema import Assessment, Usage

__all__ = ["UsageOut", "usage"]

_S_PER_H = 3600.0


@dataclass(frozen=True)
class UsageOut:
    """What usage tells the functional unit: the requests' key and tokens per request."""

    items: list[ItemPlan] = field(default_factory=list)
    requests: str | None = None
    tokens_per_request: Fn | None = None
    input_tokens: str | None = None
    output_tokens: str | None = None


@dataclass(frozen=True)
class _Busy:
    """Busy accelerator-hours of serving and what the fleet items need."""

    hours: Fn
    accelerator: str
    idle_power: str
    utilisation: str | None = None
    inputs: tuple[str, ...] = ()
    """The keys ``hours`` reads, listed among the fleet items' inputs."""


def _requests(ledger: Ledger, u: Usage) -> str | None:
    """Key of the requests served: given, or requests per day x deployment (derived)."""
    if u.requests_per_session is not None:
        ledger.user(k.REQUESTS_PER_SESSION, u.requests_per_session, "1")
    if u.requests is not None:
        return ledger.user(k.REQUESTS, u.requests, "1")
    if u.total_requests is None or u.requests_per_day is None or u.deployment is None:
        return None
    rpd = ledger.user("usage.requests_per_day", u.requests_per_day, "1")
    dep = ledger.user("usage.deployment", u.deployment, "h")
    req = ledger.add(
        k.REQUESTS, u.total_requests, "1", "derived", None, "requests_per_day x deployment"
    )

    def requests(p: Params) -> Num:
        return p[rpd] * p[dep] / 24.0

    ledger.derived[req] = requests
    return req


def _provisioned(
    ledger: Ledger, u: Usage, req: str | None, deployment: str | None, s: Supply
) -> tuple[list[ItemPlan], _Busy, UsageOut]:
    """Serving estimated from the provisioned fleet."""
    assert u.provisioned is not None
    energy, busy_h, idle, ut, key = pr.provisioned(ledger, u.provisioned, deployment)
    note = "busy accelerator-hours x busy power"
    item = dc_item(ledger, "serving", "usage", "serving", "estimated", energy, s, [busy_h], note)
    return [item], _Busy(param(busy_h), key, idle, ut, (busy_h,)), UsageOut(requests=req)


def _per_request(
    ledger: Ledger, u: Usage, req: str | None, s: Supply
) -> tuple[list[ItemPlan], _Busy | None, UsageOut]:
    """Serving estimated from the model, per request; the busy accelerator-hours (for
    hosts, idle capacity and hardware) outside the accelerator boundary only."""
    assert u.inference is not None and req is not None
    sv = inference(ledger, u.inference, timed=u.boundary != "accelerator")
    rk = req

    def energy(p: Params) -> Num:
        return p[rk] * p[sv.energy]

    inputs = [*sv.inputs, req]
    item = dc_item(ledger, "serving", "usage", "serving", "estimated", energy, s, inputs, sv.note)
    i, o = sv.input_tokens, sv.output_tokens
    out = UsageOut(
        requests=req, tokens_per_request=lambda p: p[i] + p[o], input_tokens=i, output_tokens=o
    )
    pre, dec = sv.prefill_seconds, sv.decode_seconds
    if dec is None:
        return [item], None, out
    busy = derive(
        ledger, k.INFERENCE_BUSY_SECONDS, lambda p: p[pre] + p[dec], "s",
        "accelerator-seconds per request",
    )  # fmt: skip

    def busy_h(p: Params) -> Num:
        return p[rk] * p[busy] / _S_PER_H

    return [item], _Busy(busy_h, sv.accelerator, sv.idle_power, inputs=(busy, rk)), out


def _fleet_items(
    ledger: Ledger, spec: Assessment, b: _Busy, s: Supply, deployment: Fn | None
) -> list[ItemPlan]:
    """Hosts, idle capacity and embodied hardware of estimated serving (IT boundary)."""
    u = spec.usage
    assert u is not None
    f = pr.fleet(ledger, u, b.idle_power, b.utilisation)
    items = [pr.host_item(ledger, f, b.hours, s, b.inputs)]
    if u.idle is not None:
        items.append(
            power_draw(ledger, u.idle, "usage", "idle", "idle", "idle capacity", s, deployment)
        )
    else:
        items.append(pr.idle_item(ledger, f, b.hours, s, b.inputs))
    embodied = u.embodied if u.embodied is not None else spec.manufacturing is None
    if embodied:
        items.append(pr.embodied_item(ledger, b.accelerator, f, b.hours, b.inputs))
        if spec.manufacturing is not None:
            ledger.warnings.append(
                "usage: the serving hardware's embodied share is counted here and the file has "
                "a manufacturing phase: make sure it does not hold the same hardware"
            )
    elif u.embodied is None:
        ledger.warnings.append(
            "usage: the serving hardware's embodied share is left to the manufacturing phase "
            "(set usage.embodied: true to count it here)"
        )
    return items


def _facility_items(ledger: Ledger, u: Usage, s: Supply, req: str | None) -> list[ItemPlan]:
    """Facility overhead and network delivery (the facility boundary); what a narrower
    boundary leaves out of the file's settings is said."""
    if u.boundary == "facility":
        items = [overhead_item(ledger, "usage", s)]
        if u.network is not None:
            items.append(network(ledger, u.network, "usage", s, req))
        return items
    if u.network is not None:
        ledger.warnings.append(f"usage: network delivery is outside the '{u.boundary}' boundary")
    if u.boundary == "accelerator":
        _outside_boundary(ledger, u)
    return []


def _outside_boundary(ledger: Ledger, u: Usage) -> None:
    """Say which of the file's settings the accelerator boundary leaves out."""
    given = {
        "embodied": u.embodied is True,
        "idle": u.idle is not None,
        "host_power": u.host_power is not None,
        "fleet_utilisation": u.fleet_utilisation is not None,
    }
    for name in (n for n, on in given.items() if on):
        ledger.warnings.append(
            f"usage: '{name}' is outside the 'accelerator' boundary: not counted"
        )


def _unused_fleet_fields(ledger: Ledger, u: Usage, given: bool) -> None:
    """Host power and fleet utilisation describe estimated serving: with the energy given
    or measured they are not used, which is said."""
    unused = [f for f in ("host_power", "fleet_utilisation") if getattr(u, f) is not None]
    if given and unused:
        ledger.warnings.append(
            f"usage: {' and '.join(unused)} not used: they size the hosts and idle capacity "
            "of estimated serving (usage.inference or usage.provisioned), and this file gives "
            "the serving energy"
        )


def _estimated(
    ledger: Ledger, spec: Assessment, req: str | None, s: Supply, deployment: Fn | None
) -> tuple[list[ItemPlan], UsageOut]:
    """Serving estimated (per request, or from the provisioned fleet), with its hosts, idle
    capacity and hardware outside the accelerator boundary."""
    u = spec.usage
    assert u is not None
    busy: _Busy | None
    if u.provisioned is not None:
        dep_key = "usage.deployment" if deployment else None
        items, busy, out = _provisioned(ledger, u, req, dep_key, s)
    else:
        items, busy, out = _per_request(ledger, u, req, s)
    if u.boundary != "accelerator":
        assert busy is not None  # estimated serving is timed outside that boundary
        items += _fleet_items(ledger, spec, busy, s, deployment)
    return items, out


def usage(ledger: Ledger, spec: Assessment, measured: MeasuredEnergy | None) -> UsageOut:
    """Resolve ``spec.usage`` (which must be set)."""
    u = spec.usage
    assert u is not None
    if self_contained(u.reported):
        assert u.reported is not None
        return UsageOut([reported_item(ledger, "usage", u.reported, None, ("usage", "reported"))])
    s: Supply = supply(ledger, "usage", u.grid, u.facility, (spec.grid, spec.facility))
    if u.reported is not None:
        return UsageOut([reported_item(ledger, "usage", u.reported, s, ("usage", "reported"))])
    req = _requests(ledger, u)
    deployment = None
    if u.deployment is not None:  # entered once (_requests may have entered it already)
        if "usage.deployment" not in ledger.params:
            ledger.user("usage.deployment", u.deployment, "h")
        deployment = param("usage.deployment")
    out = UsageOut(requests=req)
    items: list[ItemPlan] = []
    _unused_fleet_fields(ledger, u, measured is not None or u.energy is not None or (
        u.energy_per_request is not None and req is not None))  # fmt: skip
    if measured is not None:
        got, s = measured_items(ledger, "usage", measured, s)
        items += got
    elif u.energy is not None:
        ek = ledger.user("usage.energy", u.energy, "kWh")
        note = u.energy_source or "measured energy"
        items.append(
            dc_item(ledger, "serving", "usage", "serving", "measured", param(ek), s, [ek], note)
        )
    elif u.energy_per_request is not None and req is not None:
        epr = ledger.user("usage.energy_per_request", u.energy_per_request, "kWh")
        items.append(
            dc_item(
                ledger,
                "serving",
                "usage",
                "serving",
                "given",
                ledger.product(req, epr),
                s,
                [epr, req],
                "requests x energy per request",
            )
        )
    else:
        got, out = _estimated(ledger, spec, req, s, deployment)
        items += got
    idle_missing = not any(i.kind == "idle" for i in items)
    if u.idle is not None and idle_missing and u.boundary != "accelerator":
        items.append(
            power_draw(ledger, u.idle, "usage", "idle", "idle", "idle capacity", s, deployment)
        )
    items += _facility_items(ledger, u, s, req)
    return UsageOut(items, req, out.tokens_per_request, out.input_tokens, out.output_tokens)
