"""Uncertain inputs: distributions, written in an assessment file or a catalog row.

In a file, any number may be a distribution instead:

    pue: {dist: uniform, low: 1.1, high: 1.4}
    power: {dist: triangular, low: 250 W, mode: 330 W, high: 400 W}
    co2e_intensity: {dist: lognormal, median: 57 gCO2e/kWh, gsd: 1.2}
    mfu: {dist: normal, mean: 0.4, sd: 0.05}        # truncated at 0 and 1
    lifetime: {dist: pert, low: 3 years, mode: 5 years, high: 7 years}
    gpu_hours: "1.08e6 h +- 10%"                     # normal, sd = 10% of the value
    power: "400 W +- 40 W"                          # normal, sd = 40 W

The point estimate of an uncertain input (what a plain assessment uses) is
the mode of a triangular or PERT distribution, the mean of a normal, the
median of a lognormal and the midpoint of a uniform. Normals are truncated
at the quantity's physical bounds (never negative; shares at most 1; PUE at
least 1). Sampling uses ``numpy.random.Generator`` and SciPy's special functions (the
``lcai[uncertainty]`` extra); nothing here keeps state.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from lcai.errors import SpecError, UnitError
from lcai.units import MAX_MAGNITUDE, convert, split_quantity

__all__ = [
    "Dist",
    "RawDist",
    "extract",
    "file_spec",
    "plus_minus_spec",
    "to_dist",
    "transformed",
    "truncation_matters",
]

Kind = Literal["uniform", "triangular", "normal", "lognormal", "pert"]
Array = npt.NDArray[np.float64]
_FIELDS: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "pert": ("low", "mode", "high"),
    "normal": ("mean", "sd"),
    "lognormal": ("median", "gsd"),
}
_PLUSMINUS = re.compile(r"^(?P<centre>.+?)\s*(?:\+-|\+/-|±)\s*(?P<spread>.+?)\s*$")


@dataclass(frozen=True)
class Dist:
    """A distribution in the canonical unit of its parameter.

    ``a``, ``b``, ``c``: uniform (low, high); triangular and PERT (low, mode,
    high); normal (mean, sd); lognormal (median, gsd). ``lower``/``upper``: the
    parameter's physical bounds (a PUE >= 1, a share in [0, 1]); every kind is
    truncated to them, so no draw leaves them.
    """

    kind: Kind
    a: float
    b: float
    c: float = math.nan
    lower: float = 0.0
    upper: float = math.inf

    @property
    def nominal(self) -> float:
        """The point estimate."""
        if self.kind == "uniform":
            return (self.a + self.b) / 2
        if self.kind in ("triangular", "pert"):
            return self.b
        return self.a

    def sample(self, rng: np.random.Generator, n: int) -> Array:
        """``n`` independent draws, within the parameter's bounds ``[lower, upper]``."""
        return self.ppf(rng.random(n))

    def cdf(self, x: float) -> float:
        """P(X <= x) of the untruncated distribution."""
        from scipy.special import betainc, ndtr  # lcai[uncertainty]

        if math.isinf(x):
            return 1.0 if x > 0 else 0.0
        if self.kind == "normal":
            return float(ndtr((x - self.a) / self.b)) if self.b else float(x >= self.a)
        if self.kind == "lognormal":
            if x <= 0:
                return 0.0
            if self.b == 1:
                return float(x >= self.a)
            return float(ndtr(math.log(x / self.a) / math.log(self.b)))
        lo, hi = (self.a, self.b) if self.kind == "uniform" else (self.a, self.c)
        if x <= lo or hi == lo:
            return float(x >= hi)
        if x >= hi:
            return 1.0
        t = (x - lo) / (hi - lo)
        if self.kind == "uniform":
            return t
        mode = self.b
        if self.kind == "triangular":
            if x <= mode:
                return (x - lo) ** 2 / ((hi - lo) * (mode - lo))
            return 1 - (hi - x) ** 2 / ((hi - lo) * (hi - mode))
        alpha, beta = self._pert_shape()
        return float(betainc(alpha, beta, t))

    def _pert_shape(self) -> tuple[float, float]:
        # PERT: a beta distribution on [low, high] shaped by the mode (lambda = 4;
        # Vose 2008, Risk Analysis, sec. 9.1.2)
        lo, mode, hi = self.a, self.b, self.c
        return 1 + 4 * (mode - lo) / (hi - lo), 1 + 4 * (hi - mode) / (hi - lo)

    def ppf(self, u: Array) -> Array:
        """Inverse CDF of the distribution truncated to ``[lower, upper]``: maps uniform
        [0, 1) numbers to draws that never leave the parameter's physical bounds."""
        if self.kind in ("normal", "lognormal") and self.cdf(self.lower) > 0.5:
            return self._upper_tail(np.asarray(u, dtype=np.float64))
        f_lo, f_hi = self.cdf(self.lower), self.cdf(self.upper)
        if not f_hi > f_lo:  # a point, or no mass floats can see inside: the nearest value
            edge = min(max(self.nominal, self.lower), self.upper)
            return np.full(np.shape(u), edge, dtype=np.float64)
        u = f_lo + np.asarray(u, dtype=np.float64) * (f_hi - f_lo)
        x = self._ppf(u)
        return np.clip(x, self.lower, self.upper)

    def _z(self, x: float) -> float:
        """The standard-normal score of ``x`` (normal, lognormal)."""
        if self.kind == "normal":
            return (x - self.a) / self.b if self.b else math.copysign(math.inf, x - self.a)
        if x <= 0:
            return -math.inf
        return math.log(x / self.a) / math.log(self.b) if self.b > 1 else math.inf

    def _upper_tail(self, u: Array) -> Array:
        """Draws above a lower bound deep in the upper tail, computed on the survival
        function so that floats keep their precision (1 - 1e-15 is not 1)."""
        from scipy.special import ndtr, ndtri  # lcai[uncertainty]

        s_lo, s_hi = float(ndtr(-self._z(self.lower))), float(ndtr(-self._z(self.upper)))
        if not s_lo > s_hi:
            return np.full(np.shape(u), min(max(self.nominal, self.lower), self.upper))
        z = -ndtri(s_lo - u * (s_lo - s_hi))
        x = self.a + self.b * z if self.kind == "normal" else self.a * np.exp(math.log(self.b) * z)
        return np.clip(np.asarray(x, dtype=np.float64), self.lower, self.upper)

    def _ppf(self, u: Array) -> Array:
        from scipy.special import betaincinv, ndtri  # lcai[uncertainty]

        if self.kind == "uniform":
            return self.a + u * (self.b - self.a)
        if self.kind == "triangular":
            lo, mode, hi = self.a, self.b, self.c
            if hi == lo:
                return np.full_like(u, lo)
            fc = (mode - lo) / (hi - lo)
            left = lo + np.sqrt(u * (hi - lo) * (mode - lo))
            right = hi - np.sqrt((1 - u) * (hi - lo) * (hi - mode))
            out: Array = np.where(u < fc, left, right)
            return out
        if self.kind == "lognormal":
            if self.b == 1:
                return np.full_like(u, self.a)
            return np.asarray(self.a * np.exp(math.log(self.b) * ndtri(u)), dtype=np.float64)
        if self.kind == "normal":
            if self.b == 0:
                return np.full_like(u, self.a)
            return np.asarray(self.a + self.b * ndtri(u), dtype=np.float64)
        lo, hi = self.a, self.c
        if hi == lo:
            return np.full_like(u, lo)
        alpha, beta = self._pert_shape()
        res: Array = lo + (hi - lo) * betaincinv(alpha, beta, u)
        return res

    def describe(self, unit: str) -> str:
        """Human text, e.g. 'lognormal(median 57, gsd 1.2) kg/kWh'."""
        u = "" if unit == "1" else f" {unit}"
        if self.kind == "uniform":
            return f"uniform({self.a:.4g} to {self.b:.4g}){u}"
        if self.kind in ("triangular", "pert"):
            return f"{self.kind}({self.a:.4g}, mode {self.b:.4g}, {self.c:.4g}){u}"
        if self.kind == "normal":
            return f"normal(mean {self.a:.4g}, sd {self.b:.4g}){u}"
        return f"lognormal(median {self.a:.4g}{u}, gsd {self.b:.4g})"


@dataclass(frozen=True)
class RawDist:
    """A distribution as written in a file (quantity strings not yet converted)."""

    kind: Kind
    fields: Mapping[str, Any]

    def nominal_text(self) -> Any:
        """The point estimate, in the file's own unit, for the plain (one-sample) model."""
        f = self.fields
        if self.kind == "uniform":
            lo, unit = _split(f["low"])
            hi = _in_unit(f["high"], unit)
            return _join((lo + hi) / 2, unit)
        key = {"triangular": "mode", "pert": "mode", "normal": "mean", "lognormal": "median"}
        return f[key[self.kind]]


def _split(v: Any) -> tuple[float, str]:
    if isinstance(v, bool):
        raise SpecError(f"expected a number, got {v!r}")
    if isinstance(v, int | float):
        return float(v), ""
    try:
        return split_quantity(str(v))
    except UnitError:
        raise SpecError(f"expected a number with an optional unit, got {v!r}") from None


def _in_unit(v: Any, unit: str) -> float:
    value, u = _split(v)
    if u == unit or not u:
        return value
    if not unit:
        raise SpecError(f"{v!r} has a unit but the other bound has none")
    return convert(value, u, unit)


def _join(value: float, unit: str) -> Any:
    return f"{value!r} {unit}" if unit else value


def _percent(spread: str, text: str) -> float:
    """The number of a ``10%`` spread: finite and at least 0."""
    try:
        pct = float(spread[:-1].strip())
    except ValueError:
        pct = math.nan
    if not (math.isfinite(pct) and pct >= 0):
        raise SpecError(f"cannot read the spread of {text!r}: expected a percentage >= 0, e.g. 10%")
    return pct


def _parse_plusminus(text: str) -> RawDist | None:
    m = _PLUSMINUS.match(text)
    if not m:
        return None
    centre, unit = _split(m["centre"])
    spread = m["spread"].strip()
    if _PLUSMINUS.match(spread):
        raise SpecError(f"cannot read {text!r}: one '+-' only, e.g. '1.2 +- 10%'")
    if spread.endswith("%"):
        sd = abs(centre) * _percent(spread, text) / 100
    else:
        sd = _in_unit(spread, unit)
    if not (math.isfinite(centre) and math.isfinite(sd) and sd >= 0):
        raise SpecError(f"cannot read {text!r}: expected a finite value and a spread >= 0")
    return RawDist("normal", {"mean": _join(centre, unit), "sd": _join(sd, unit)})


def _parts(path: str) -> tuple[str | int, ...]:
    """A field path in lcai's naming (``a.b[0].c``) as parts: ``("a", "b", 0, "c")``."""
    out: list[str | int] = []
    for part in path.split(".") if path else ():
        name, *indices = part.split("[")
        if name:
            out.append(name)
        out += [int(i.rstrip("]")) if i.rstrip("]").isdigit() else i for i in indices]
    return tuple(out)


def _raw(v: Any, path: str) -> RawDist | None:
    if isinstance(v, str) and ("+-" in v or "±" in v or "+/-" in v):
        rd = _parse_plusminus(v)
        if rd is None:
            raise SpecError(f"cannot read {v!r}: expected e.g. '1.2 +- 10%'", path=_parts(path))
        return rd
    if isinstance(v, dict) and "dist" in v:
        kind = v["dist"]
        if kind not in _FIELDS:
            raise SpecError(
                f"unknown distribution {kind!r}; one of {', '.join(_FIELDS)}",
                path=(*_parts(path), "dist"),
            )
        need = _FIELDS[kind]
        extra = sorted(set(v) - {"dist", *need})
        missing = [k for k in need if k not in v]
        if missing or extra:
            raise SpecError(
                f"a {kind} distribution takes {', '.join(need)}"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unknown {', '.join(extra)}" if extra else ""),
                path=_parts(path),
            )
        return RawDist(kind, {k: v[k] for k in need})
    return None


def _located(data: Any, path: str) -> tuple[RawDist, Any] | None:
    """The distribution written at ``path`` with its point estimate, if there is one; an
    error in it names the field (its path), so that the reader can give the line."""
    try:
        rd = _raw(data, path)
        return None if rd is None else (rd, rd.nominal_text())
    except SpecError as exc:
        if exc.path:
            raise
        raise exc.located(path=_parts(path)) from None


def extract(data: Any, path: str = "") -> tuple[Any, dict[str, RawDist]]:
    """Replace every distribution in raw file data by its point estimate.

    Returns the data for the plain model and ``{path: RawDist}`` with paths in
    lcai's parameter naming (``training.accelerators.power``,
    ``manufacturing.components[0].embodied``).
    """
    found: dict[str, RawDist] = {}
    if isinstance(data, dict):
        dist = _located(data, path)
        if dist is not None:
            found[path] = dist[0]
            return dist[1], found
        out: dict[Any, Any] = {}
        for k, v in data.items():
            sub = f"{path}.{k}" if path else str(k)
            out[k], more = extract(v, sub)
            found.update(more)
        return out, found
    if isinstance(data, list):
        items = []
        for i, v in enumerate(data):
            items_v, more = extract(v, f"{path}[{i}]")
            items.append(items_v)
            found.update(more)
        return items, found
    dist = _located(data, path) if isinstance(data, str) else None
    if dist is not None:
        found[path] = dist[0]
        return dist[1], found
    return data, found


def _within(d: Dist, lo: float, hi: float) -> Dist:
    """``d`` if some of its support [lo, hi] lies inside the parameter's bounds."""
    if hi < d.lower or lo > d.upper or (lo == hi and not d.lower <= lo <= d.upper):
        raise SpecError(
            f"the distribution ({lo:g} to {hi:g}) lies outside the parameter's range "
            f"[{d.lower:g}, {d.upper:g}]"
        )
    return d


_REACH = 40.0
"""How many standard deviations (normal) or factors of gsd (lognormal) a draw can lie
from the centre: ``ndtri`` of the smallest float (the truncated tails) is about -38.5."""


def _finite(d: Dist, unit: str) -> Dist:
    """``d`` if its parameters, and every draw it can make, are finite and at most
    ``MAX_MAGNITUDE`` (1e30) in the canonical unit, as a plain quantity must be."""
    params = (d.a, d.b) if d.kind in ("uniform", "normal", "lognormal") else (d.a, d.b, d.c)
    u = "" if unit in ("", "1") else f" {unit}"
    if not all(math.isfinite(x) and abs(x) <= MAX_MAGNITUDE for x in params):
        got = ", ".join(f"{x:g}" for x in params)
        raise SpecError(
            f"a {d.kind} distribution needs finite numbers of at most {MAX_MAGNITUDE:g}{u}, "
            f"got {got}"
        )
    if d.kind == "normal":
        wide = abs(d.a) + _REACH * d.b > MAX_MAGNITUDE
    elif d.kind == "lognormal":
        wide = math.log(d.a) + _REACH * math.log(d.b) > math.log(MAX_MAGNITUDE)
    else:  # bounded by low and high
        wide = False
    if wide:
        raise SpecError(
            f"the distribution {d.describe(unit)} is too wide: its draws would pass "
            f"{MAX_MAGNITUDE:g}{u}"
        )
    return d


def _unit_of(v: Any) -> str:
    """The unit a field states ('' for a bare number or something unreadable)."""
    try:
        return _split(v)[1]
    except SpecError:
        return ""


def to_dist(raw: RawDist, unit: str, lower: float = 0.0, upper: float = math.inf) -> Dist:
    """Convert a file's distribution to ``unit`` (the parameter's canonical unit); its
    parameters and draws are finite numbers."""

    f = raw.fields
    # a bare number is in the unit the distribution's other fields state ('mean: 433 MWh,
    # sd: 40' is 40 MWh), as in 'x +- y'; with no unit anywhere, the canonical unit
    stated = [u for u in (_unit_of(v) for k, v in f.items() if k != "gsd") if u]
    own = stated[0] if stated else unit

    def q(v: Any) -> float:
        value, u = _split(v)
        u = u or own
        return value if u == unit else convert(value, u, unit)

    if raw.kind == "uniform":
        lo, hi = q(f["low"]), q(f["high"])
        if not lo <= hi:
            raise SpecError("a uniform distribution needs low <= high")
        return _within(_finite(Dist("uniform", lo, hi, lower=lower, upper=upper), unit), lo, hi)
    if raw.kind in ("triangular", "pert"):
        lo, mode, hi = q(f["low"]), q(f["mode"]), q(f["high"])
        if not lo <= mode <= hi:
            raise SpecError(f"a {raw.kind} distribution needs low <= mode <= high")
        return _within(
            _finite(Dist(raw.kind, lo, mode, hi, lower=lower, upper=upper), unit), lo, hi
        )
    if raw.kind == "normal":
        sd = q(f["sd"])
        if not sd >= 0:
            raise SpecError("a normal distribution needs sd >= 0")
        return _finite(Dist("normal", q(f["mean"]), sd, lower=lower, upper=upper), unit)
    gsd, median = float(_split(f["gsd"])[0]), q(f["median"])
    if not gsd >= 1:
        raise SpecError("a lognormal distribution needs gsd >= 1 (geometric standard deviation)")
    if not median > 0:
        raise SpecError("a lognormal distribution needs a median > 0")
    return _finite(Dist("lognormal", median, gsd, lower=lower, upper=upper), unit)


def transformed(d: Dist, slope: float, intercept: float) -> Dist | None:
    """The distribution of ``slope * X + intercept`` for ``X ~ d`` (truncated to d's
    bounds), where it is one of the same kind; None where it is not (a shifted lognormal,
    a decreasing amount)."""
    if not slope > 0 or not math.isfinite(slope) or not math.isfinite(intercept):
        return None

    def t(v: float) -> float:
        return v * slope + intercept if math.isfinite(v) else v

    if d.kind == "lognormal":
        if intercept != 0.0:
            return None
        return Dist("lognormal", d.a * slope, d.b, lower=t(d.lower), upper=t(d.upper))
    if d.kind == "normal":
        return Dist("normal", t(d.a), d.b * slope, lower=t(d.lower), upper=t(d.upper))
    if truncation_matters(d):  # LCA software has no truncated triangle, uniform or PERT
        return None
    c = t(d.c) if d.kind != "uniform" else math.nan
    return Dist(d.kind, t(d.a), t(d.b), c, lower=t(d.lower), upper=t(d.upper))


def truncation_matters(d: Dist) -> bool:
    """Whether the bounds cut the distribution (else they need not be exported)."""
    if d.kind in ("uniform", "triangular", "pert"):
        hi = d.b if d.kind == "uniform" else d.c
        return d.a < d.lower or hi > d.upper
    return d.cdf(d.lower) > 0.0 or d.cdf(d.upper) < 1.0


def file_spec(d: Dist, unit: str) -> dict[str, Any]:
    """``d`` as an assessment file writes a distribution (``{dist: normal, mean: ...}``),
    quantities in ``unit`` (a plain number for ``"1"``). The bounds are not written: a file's
    distribution is truncated at its quantity's physical bounds."""

    def q(x: float) -> Any:
        return x if unit == "1" else f"{x!r} {unit}"

    if d.kind == "normal":
        return {"dist": "normal", "mean": q(d.a), "sd": q(d.b)}
    if d.kind == "lognormal":
        return {"dist": "lognormal", "median": q(d.a), "gsd": d.b}
    if d.kind == "uniform":
        return {"dist": "uniform", "low": q(d.a), "high": q(d.b)}
    return {"dist": d.kind, "low": q(d.a), "mode": q(d.b), "high": q(d.c)}


def plus_minus_spec(text: str) -> dict[str, Any] | None:
    """A ``"1000 h +- 10%"`` text as the normal distribution it stands for, in the file's
    form (``{dist: normal, mean: "1000 h", sd: "100 h"}``); None for any other text."""
    raw = _parse_plusminus(text)
    return None if raw is None else {"dist": raw.kind, **raw.fields}
