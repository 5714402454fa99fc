"""An assessment resolved into parameters and line items.

A :class:`Plan` holds every number the model uses as a named parameter (with
its unit, status and source) and every line item as functions of those
parameters; :func:`lcai.engine.evaluate.evaluate` runs them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from lcai import keys
from lcai.keys import ItemKind
from lcai.model.num import Num
from lcai.spec.distributions import Dist

__all__ = [
    "PHASES",
    "Fn",
    "ItemPlan",
    "Method",
    "Param",
    "Params",
    "Plan",
    "Status",
    "Supply",
]

PHASES = keys.PHASES
Status = Literal["user", "table", "default", "derived"]
Method = Literal["measured", "given", "estimated"]
Params = Mapping[str, Num]
Fn = Callable[[Params], Num]


@dataclass(frozen=True)
class Param:
    """One number of the model, with where it came from.

    ``status``: ``user`` (in the file), ``table`` (catalog row), ``default``
    (a catalog default chosen because the file is silent), ``derived``
    (computed from other inputs).
    """

    name: str
    value: float
    unit: str
    status: Status
    source: str | None = None
    note: str = ""
    dist: Dist | None = None
    """The value's uncertainty, if the file or the catalog gives one."""
    row: str | None = None
    """The catalog row the value was read from, ``table:key.quantity`` (None for a value
    the file states or one derived from others)."""


def _zero(_: Params) -> Num:
    return 0.0


@dataclass(frozen=True)
class Supply:
    """Parameter keys of the electricity an item uses, and of its facility.

    ``grid``: location-based intensity [kg/kWh]; ``market``: market-based
    intensity as a function of the parameters; ``ewif``: off-site water of
    generation [L/kWh]; ``wue``: on-site water per kWh of IT energy, for IT
    loads inside a data center (None outside one); ``pue``: the facility's PUE.
    """

    grid: str
    market: Fn
    ewif: str
    wue: str | None = None
    pue: str | None = None
    sources: tuple[str, ...] = ()
    """The sources of the grid and facility factors."""
    contracts: bool = False
    """Whether market instruments (contracts, renewable shares) set ``market``."""
    market_inputs: tuple[str, ...] = ()
    """The parameters ``market`` reads besides ``grid`` (contract share and intensity,
    residual mix)."""

    def outside(self) -> Supply:
        """The same electricity used outside the data center: no on-site water."""
        return replace(self, wue=None)


@dataclass(frozen=True)
class ItemPlan:
    """A line item as functions of the parameters.

    An electricity item has an ``energy`` function [kWh] and a ``supply``:
    its carbon and water follow from them (carbon = energy x intensity;
    water = energy x EWIF, plus energy x WUE for IT loads). A facility
    overhead item (``overhead=True``) takes the energy of its phase's IT
    loads x (PUE - 1). Other items (embodied, reported) give ``co2e``
    [kgCO2e], ``co2e_market`` and ``water`` [L] directly.
    """

    name: str
    phase: str
    method: Method
    kind: ItemKind
    energy: Fn = _zero
    supply: Supply | None = None
    overhead: bool = False
    co2e: Fn | None = None
    co2e_market: Fn | None = None
    water: Fn | None = None
    inputs: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    note: str = ""


@dataclass
class Plan:
    """Everything needed to evaluate one assessment."""

    name: str
    functional_unit: str
    params: dict[str, Param]
    items: list[ItemPlan]
    divisor: Fn | None = None
    has_market: bool = False
    warnings: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    regions: dict[str, str] = field(default_factory=dict)
    """The grid each phase draws from: a catalog key, or 'given' when the file states the
    factor."""
    derived: dict[str, Fn] = field(default_factory=dict)
    """Parameters computed from others on every sample (e.g. requests = per day x days)."""
    accelerator_keys: dict[str, str] = field(default_factory=dict)
    """Catalog key of the accelerator of ``training.accelerators`` / ``usage.inference``."""
    usage_boundary: str | None = None
    """What the usage phase counts: 'accelerator', 'it' or 'facility' (None: no computed
    usage phase)."""

    def values(self) -> dict[str, float]:
        """The parameters' values as given or looked up (one sample)."""
        return {k: p.value for k, p in self.params.items()}
