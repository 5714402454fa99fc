"""The ledger of one resolution: parameters with their sources, warnings, and records.

Every number the model uses is entered here once, with its unit, its status
(``user``, ``table``, ``default``, ``derived``), its source and, where the file or
the catalog gives one, its distribution. Phase resolvers write to one ledger; the
plan is built from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lcai import catalog
from lcai.engine.plan import Fn, Param, Params, Status
from lcai.errors import SpecError, UnknownKeyError
from lcai.model.num import Num
from lcai.spec.distributions import Dist, to_dist
from lcai.units import RANGES

__all__ = ["Ledger", "param", "zero"]


def param(key: str) -> Fn:
    """The function that reads one parameter."""

    def read(p: Params) -> Num:
        return p[key]

    return read


def zero(_: Params) -> Num:
    """No contribution."""
    return 0.0


def bounds(name: str) -> tuple[float, float]:
    """Physical bounds of a parameter, for truncating its distribution."""
    leaf = name.rsplit(".", 1)[-1]
    if leaf == "pue":
        r = RANGES["pue"]
    elif leaf in ("mfu", "utilization", "contract_share") or leaf.endswith("_utilisation"):
        r = RANGES["share"]
    else:
        r = RANGES["nonnegative"]
    return r.low, r.high


def catalog_dist(table: str, quantity: str, value: float, name: str, status: Status) -> Dist | None:
    """The uncertainty the catalog states for ``table.quantity`` (uncertainty table)."""
    if "uncertainty" not in catalog.table_names():
        return None
    lower, upper = bounds(name)
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


@dataclass
class Ledger:
    """Parameters, warnings and the records a plan keeps, for one assessment.

    ``distributions``: the file's uncertain inputs by field path. ``derived``:
    parameters recomputed from others on every sample. ``regions``: the grid each
    phase draws from. ``accelerators``: catalog key of the accelerator of each slot
    (``keys.SLOT_TRAINING``, ``keys.SLOT_INFERENCE``). ``market``: whether any
    market-based figure differs from the location-based one.
    """

    distributions: Mapping[str, Any] = field(default_factory=dict)
    params: dict[str, Param] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    derived: dict[str, Fn] = field(default_factory=dict)
    regions: dict[str, str] = field(default_factory=dict)
    accelerators: dict[str, str] = field(default_factory=dict)
    market: bool = False

    def add(
        self,
        name: str,
        value: float,
        unit: str,
        status: Status,
        source: str | None = None,
        note: str = "",
        dist: Dist | None = None,
        row: str | None = None,
    ) -> str:
        """Enter a parameter; returns its key."""
        self.params[name] = Param(name, float(value), unit, status, source, note, dist, row)
        return name

    def user(
        self, name: str, value: float, unit: str, note: str = "", path: str | None = None
    ) -> str:
        """A value the file states (at field ``path``, default ``name``), with its
        distribution when the file gives one."""
        raw = self.distributions.get(path or name)
        dist = None
        if raw is not None:
            lower, upper = bounds(name)
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
        """A catalog value (with the catalog's uncertainty for it)."""
        f = self.lookup(table, key, quantity, unit, path=path, kind=kind)
        row = f"{f.table}:{f.key}.{f.quantity}"
        text = row + (f" (user catalog: {f.origin})" if f.origin else "")
        if note:
            text = f"{note}; {text}"
        dist = catalog_dist(table, quantity, f.value, name, status)
        return self.add(name, f.value, unit, status, f.source_id, text, dist, row)

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
        """A catalog factor; an unknown key is an error at field ``path``."""
        try:
            return catalog.table(table).factor(key, quantity, unit, kind=kind)
        except UnknownKeyError as exc:
            raise SpecError(str(exc), path=path) from None

    def catalog_key(self, table: str, name: str, *, path: Sequence[str | int], kind: str) -> str:
        """The catalog key a name (or alias) stands for; unknown is an error at ``path``."""
        try:
            return catalog.table(table).resolve(name, kind)
        except UnknownKeyError as exc:
            raise SpecError(str(exc), path=path) from None

    def sources_of(self, keys: Sequence[str]) -> tuple[str, ...]:
        """The distinct sources of the parameters ``keys``, in order."""
        out = [self.params[k].source for k in keys if k in self.params]
        return tuple(dict.fromkeys(s for s in out if s))

    def value(self, key: str) -> float:
        """The nominal value of parameter ``key``."""
        return self.params[key].value

    def product(self, *keys: str) -> Fn:
        """The function multiplying parameters ``keys``."""

        def fn(p: Params) -> Num:
            out: Num = 1.0
            for k in keys:
                out = out * p[k]
            return out

        return fn
