"""The usage phase: serving (measured, given per request, or estimated from the model),
idle capacity, facility overhead and network delivery."""

from __future__ import annotations

from dataclasses import dataclass, field

from lcai import keys as k
from lcai.engine.plan import Fn, ItemPlan, Method, Params, Supply
from lcai.measure.inputs import MeasuredEnergy
from lcai.model.num import Num
from lcai.resolver.inference import inference
from lcai.resolver.items import dc_item, overhead_item, reported_item
from lcai.resolver.ledger import Ledger, param
from lcai.resolver.loads import network, power_draw
from lcai.resolver.measured import measured_items
from lcai.resolver.supply import supply
from lcai.spec.schema import Assessment, Usage

__all__ = ["UsageOut", "usage"]


@dataclass(frozen=True)
class UsageOut:
    """What usage tells the functional unit: the requests' key and tokens per request."""

    items: list[ItemPlan] = field(default_factory=list)
    requests: str | None = None
    tokens_per_request: Fn | None = None


def _requests(ledger: Ledger, u: Usage) -> str | None:
    """Key of the requests served: given, or requests per day x deployment (derived)."""
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


def _serving(
    ledger: Ledger, u: Usage, req: str | None
) -> tuple[Fn, Method, list[str], str, Fn | None]:
    """Serving energy [kWh]: (energy, method, inputs, note, tokens per request)."""
    if u.energy is not None:
        ek = ledger.user("usage.energy", u.energy, "kWh")
        return param(ek), "measured", [ek], u.energy_source or "measured energy", None
    if u.energy_per_request is not None and req is not None:
        epr = ledger.user("usage.energy_per_request", u.energy_per_request, "kWh")
        return ledger.product(req, epr), "given", [epr, req], "requests x energy per request", None
    if u.inference is None or req is None:
        raise ValueError("usage: the schema guarantees energy, energy per request or inference")
    per_request, tokens, inputs, note = inference(ledger, u.inference)
    rk = req

    def energy(p: Params) -> Num:
        return p[rk] * per_request(p)

    return energy, "estimated", [*inputs, req], note, tokens


def usage(ledger: Ledger, spec: Assessment, measured: MeasuredEnergy | None) -> UsageOut:
    """Resolve ``spec.usage`` (which must be set)."""
    u = spec.usage
    assert u is not None
    s: Supply = supply(ledger, "usage", u.grid, u.facility, (spec.grid, spec.facility))
    if u.reported is not None:
        return UsageOut([reported_item(ledger, "usage", u.reported, s, ("usage", "reported"))])
    req = _requests(ledger, u)
    deployment = None
    if u.deployment is not None:  # entered once (_requests may have entered it already)
        if "usage.deployment" not in ledger.params:
            ledger.user("usage.deployment", u.deployment, "h")
        deployment = param("usage.deployment")
    items: list[ItemPlan] = []
    tokens: Fn | None = None
    if measured is not None:
        got, s = measured_items(ledger, "usage", measured, s)
        items += got
    else:
        energy, method, inputs, note, tokens = _serving(ledger, u, req)
        items.append(
            dc_item(ledger, "serving", "usage", "serving", method, energy, s, inputs, note)
        )
    if u.idle is not None:
        items.append(
            power_draw(ledger, u.idle, "usage", "idle", "idle", "idle capacity", s, deployment)
        )
    items.append(overhead_item(ledger, "usage", s))
    if u.network is not None:
        items.append(network(ledger, u.network, "usage", s, req))
    return UsageOut(items, req, tokens)
