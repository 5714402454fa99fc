"""Resolve an assessment into a Plan: fill the file's silences from the catalog.

Every value the file does not state becomes a parameter with status ``table``,
``default`` or ``derived`` and a source, and so appears in the result's assumptions.
One module per concern: ``ledger`` (parameters, warnings), ``supply`` (grid, market,
facility), one module per phase. The phases run in the order :func:`resolve` shows,
each taking what it needs and returning what later ones use. No file is read here:
measured inputs arrive already read.

May import: engine, spec, catalog, model, units, errors, keys, and the value types of
``lcai.measure.inputs``.
"""

from __future__ import annotations

from collections.abc import Mapping

from lcai import keys
from lcai.engine.plan import PHASES, Fn, ItemPlan, Params, Plan
from lcai.errors import SpecError
from lcai.measure.inputs import MeasuredEnergy
from lcai.model.num import Num
from lcai.resolver.annotation import annotation
from lcai.resolver.hardware import file_hardware
from lcai.resolver.inherit import check_defaults
from lcai.resolver.items import reported_item
from lcai.resolver.ledger import Ledger
from lcai.resolver.manufacturing import manufacturing
from lcai.resolver.training import TrainingOut, training
from lcai.resolver.usage import UsageOut, usage
from lcai.spec.schema import Assessment
from lcai.spec.source import Source

__all__ = ["resolve"]

_ORDER = {ph: i for i, ph in enumerate((*PHASES, keys.UNALLOCATED))}


def resolve(source: Source, measured: Mapping[str, MeasuredEnergy] | None = None) -> Plan:
    """Resolve a loaded assessment into a :class:`Plan` (parameters + line items).

    ``measured``: the measured energy of the phases that name run files or fleet results
    (``training``, ``usage``), read beforehand (``lcai.api.read_measured``).
    """
    from lcai.catalog.user import rows_over

    with rows_over(file_hardware(source.spec)):
        return _resolve(source, measured)


def _resolve(source: Source, measured: Mapping[str, MeasuredEnergy] | None) -> Plan:
    spec = source.spec
    measured = measured or {}
    _check_measured(spec, measured)
    ledger = Ledger(distributions=source.distributions)
    check_defaults(ledger, spec.grid, spec.facility)  # once, even where no phase uses them
    items: list[ItemPlan] = []
    # training first: manufacturing may follow its accelerator-hours
    trained = training(ledger, spec, measured.get("training")) if spec.training else TrainingOut()
    items += trained.items
    served = usage(ledger, spec, measured.get("usage")) if spec.usage else UsageOut()
    items += served.items
    if spec.annotation is not None:
        items += annotation(ledger, spec)
    if spec.manufacturing is not None:
        items += manufacturing(ledger, spec, trained.accelerator_hours)
    if spec.reported is not None:
        items.append(reported_item(ledger, keys.UNALLOCATED, spec.reported, None, ("reported",)))
    divisor = _divisor(ledger, spec, served)
    used = [p.source for p in ledger.params.values() if p.source]
    return Plan(
        name=spec.name,
        functional_unit=spec.functional_unit.describe(),
        params=ledger.params,
        items=sorted(items, key=lambda it: _ORDER[it.phase]),
        divisor=divisor,
        has_market=ledger.market,
        warnings=ledger.warnings,
        sources=list(dict.fromkeys(used)),
        accelerator_keys=ledger.accelerators,
        derived=ledger.derived,
        regions=ledger.regions,
        usage_boundary=_boundary(spec),
    )


def _boundary(spec: Assessment) -> str | None:
    """The usage phase's boundary, where lcai computes the phase."""
    u = spec.usage
    return None if u is None or u.reported is not None else u.boundary


def _check_measured(spec: Assessment, measured: Mapping[str, MeasuredEnergy]) -> None:
    """Every phase that names measured inputs has them, read (a caller's mistake otherwise)."""
    for phase in ("training", "usage"):
        part = getattr(spec, phase)
        if part is not None and part.measured is not None and phase not in measured:
            raise ValueError(
                f"{phase}.measured names files that were not read: resolve a Source through "
                "lcai.api (plan_source), which reads them"
            )


def _divisor(ledger: Ledger, spec: Assessment, served: UsageOut) -> Fn | None:
    """The number of functional units (requests or tokens / the unit's amount), or None for
    the whole life cycle."""
    fu = spec.functional_unit
    if fu.per == "life_cycle":
        return None
    amount = ledger.user("functional_unit.amount", fu.amount, "1")
    req = served.requests
    if req is None:
        raise SpecError(
            "the functional unit needs the number of requests served", path=("usage", "requests")
        )
    if not ledger.value(req) > 0:
        raise SpecError(
            f"a functional unit per {fu.per} needs requests served > 0, got {ledger.value(req):g}",
            path=("usage", "requests"),
        )
    if fu.per == "requests":

        def per_requests(p: Params) -> Num:
            return p[req] / p[amount]

        return per_requests
    if fu.per == "sessions":
        rps = keys.REQUESTS_PER_SESSION
        if rps not in ledger.params:
            raise SpecError(
                "a functional unit per session needs usage.requests_per_session (the turns "
                "of one chat session)",
                path=("usage", "requests_per_session"),
            )

        def per_sessions(p: Params) -> Num:
            return p[req] / p[rps] / p[amount]

        return per_sessions
    tokens = served.tokens_per_request
    if tokens is None:
        raise SpecError(
            "a functional unit per token needs tokens per request (usage.inference)",
            path=("functional_unit",),
        )

    def per_tokens(p: Params) -> Num:
        return p[req] * tokens(p) / p[amount]

    return per_tokens
