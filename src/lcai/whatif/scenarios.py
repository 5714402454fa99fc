"""What if: named, cited changes to an assessment, compared with the baseline.

A scenario is a list of operations on the assessment file's data (see
``lcai/data/scenarios/library.yaml``, whose header documents them). The
scenario's file is validated and assessed like any other; with Monte Carlo,
baseline and scenario share the draws of every input the scenario leaves as it
was (same seed, same catalog row or name), so the change's interval is not
blurred by uncertainty they have in common; a factor the scenario replaces is
drawn anew.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from lcai import catalog, keys
from lcai.engine.evaluate import evaluate
from lcai.engine.plan import PHASES, Param, Plan
from lcai.errors import DataError, SpecError, UnitError, UnknownKeyError
from lcai.spec.distributions import file_spec, plus_minus_spec, transformed, truncation_matters
from lcai.spec.inheritance import inherits_facility
from lcai.spec.loading import read_data
from lcai.spec.source import Source
from lcai.units import parse_unit, split_quantity

__all__ = [
    "Comparison",
    "NotApplicableError",
    "Scenario",
    "apply",
    "available",
    "changes",
    "compare",
    "library",
    "load_scenarios",
]

QUANTITIES = ("energy_kwh", "co2e_kg", "co2e_market_kg", "water_l")


@dataclass(frozen=True)
class Scenario:
    """A named list of changes, with what it means and where its figures come from."""

    name: str
    description: str
    sources: tuple[str, ...]
    changes: tuple[dict[str, Any], ...]
    argument: str | None = None


def _parse(entries: Any, origin: str) -> dict[str, Scenario]:
    if not isinstance(entries, dict) or not isinstance(entries.get("scenarios"), dict):
        raise SpecError("expected a mapping with 'scenarios: {NAME: {...}}'", file=origin)
    out = {}
    for name, e in entries["scenarios"].items():
        _check_entry(name, e, origin)
        for i, ch in enumerate(e["changes"]):
            if not isinstance(ch, dict) or len(ch) != 1 or next(iter(ch)) not in _OPS:
                raise SpecError(
                    f"each change is one of {', '.join(_OPS)}", file=origin,
                    path=(name, "changes", i),
                )  # fmt: skip
            op, arg = next(iter(ch.items()))
            problem = _arg_problem(op, arg)
            if problem:
                raise SpecError(problem, file=origin, path=(name, "changes", i, op))
        out[str(name)] = Scenario(
            name=str(name),
            description=" ".join(str(e.get("description", "")).split()),
            sources=tuple(str(s) for s in e.get("sources", [])),
            changes=tuple(e["changes"]),
            argument=e.get("argument"),
        )
    return out


_ENTRY_KEYS = frozenset({"description", "sources", "changes", "argument"})


def _check_entry(name: Any, e: Any, origin: str) -> None:
    """A scenario's name and fields have the library's shape."""
    if not isinstance(name, str) or not name.strip() or ":" in name:
        raise SpecError(
            "a scenario's name is text without ':' (an argument follows the ':' when the "
            f"scenario is used: move-region:SE), got {str(name)[:60]!r}",
            file=origin,
        )
    if not isinstance(e, dict) or not isinstance(e.get("changes"), list):
        raise SpecError("a scenario needs a list of 'changes'", file=origin, path=(name,))
    unknown = sorted(str(k) for k in e if k not in _ENTRY_KEYS)
    if unknown:
        raise SpecError(
            f"unknown field {unknown[0]!r} (a scenario has {', '.join(sorted(_ENTRY_KEYS))})",
            file=origin, path=(name,),
        )  # fmt: skip
    sources = e.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(x, str) for x in sources):
        raise SpecError("expected a list of source ids", file=origin, path=(name, "sources"))
    for key in ("description", "argument"):
        if e.get(key) is not None and not isinstance(e[key], str):
            raise SpecError("expected text", file=origin, path=(name, key))


def _path_problem(path: Any) -> str | None:
    if not isinstance(path, str) or not path:
        return f"'path' must be a field path such as training.facility.pue, got {path!r}"
    try:
        _parts(path)
    except DataError:
        return f"'path' must be a field path such as training.facility.pue, got {path!r}"
    return None


def _arg_problem(op: str, arg: Any) -> str | None:
    """What is wrong with a change's argument (None when it has the right shape)."""
    if op in ("remove", "accelerator", "precision", "cooling"):
        what = "a field path" if op == "remove" else "a name"
        if not isinstance(arg, str) or not arg:
            return f"expected {what}, got {arg!r}"
        return _path_problem(arg) if op == "remove" else None
    need = {
        "set": ("path", "value"),
        "scale": ("path", "factor"),
        "replace": ("path", "from", "to"),
    }
    if not isinstance(arg, dict) or set(arg) != set(need[op]):
        return f"expected {{{', '.join(need[op])}}}, got {arg!r}"
    if op == "scale":
        f = arg["factor"]
        if isinstance(f, bool) or not isinstance(f, int | float) or not 0 <= f < math.inf:
            return f"'factor' must be a number >= 0, got {f!r}"
    return _path_problem(arg["path"])


def library() -> dict[str, Scenario]:
    """The packaged library of cited scenarios."""
    import yaml

    path = resources.files("lcai") / "data" / "scenarios" / "library.yaml"
    return _parse(yaml.safe_load(path.read_text(encoding="utf-8")), "library.yaml")


def available(user_file: str | Path | None = None) -> dict[str, Scenario]:
    """The library's scenarios, and a user file's (which may override them by name)."""
    known = library()
    if user_file is not None:
        known.update(load_scenarios(user_file))
    return known


def load_scenarios(path: str | Path) -> dict[str, Scenario]:
    """Scenarios a user wrote in a YAML file (same format as the library)."""
    data, _ = read_data(path)
    return _parse(data, str(path))


# --- operations on the file's data ----------------------------------------------------


def _parts(path: str) -> list[str | int]:
    out: list[str | int] = []
    for token in path.split("."):
        m = re.fullmatch(r"(\w+)((?:\[\d+\])*)", token)
        if not m:
            raise DataError(f"scenario: bad path {path!r}")
        out.append(m[1])
        out += [int(i) for i in re.findall(r"\[(\d+)\]", m[2])]
    return out


def _parent(data: dict[str, Any], path: str, create: bool) -> tuple[Any, str | int] | None:
    """The container holding ``path``'s last part; None when the phase is absent."""
    parts = _parts(path)
    if parts[0] not in data:  # the phase (or top-level block) is not in this file
        return None
    node: Any = data
    for p in parts[:-1]:
        if isinstance(node, dict):
            if p not in node or node[p] is None:
                if not create:
                    return None
                node[p] = {}
            node = node[p]
        elif isinstance(node, list) and isinstance(p, int) and p < len(node):
            node = node[p]
        else:
            return None
    return node, parts[-1]


def _scale_quantity(text: str, factor: float) -> str | None:
    """``text`` (a number with a unit, or a bare number) x ``factor``, keeping its unit;
    None when it is no quantity (e.g. it has an uncertainty, ``"400 W +- 10%"``)."""
    try:
        number, unit = split_quantity(text)
        parse_unit(unit)
    except UnitError:
        return None
    scaled = number * factor
    return f"{scaled!r} {unit}" if unit else repr(scaled)


def _scale_value(v: Any, factor: float) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return v * factor
    if isinstance(v, str):
        scaled = _scale_quantity(v, factor)
        if scaled is not None:
            return scaled
        spread = plus_minus_spec(v)  # "1000 h +- 10%": its normal, scaled
        if spread is not None:
            return _scale_value(spread, factor)
    if isinstance(v, dict) and "dist" in v:
        out = dict(v)
        for k in ("low", "mode", "high", "mean", "sd", "median"):
            if k in out:
                out[k] = _scale_value(out[k], factor)
        return out
    raise DataError(f"scenario: cannot scale {v!r}")


Note = str | None
"""What an operation says when it changes nothing (``None`` when it changed something)."""


class NotApplicableError(SpecError):
    """A scenario that cannot apply to an assessment (it lacks what the scenario changes,
    or the catalog lacks a figure the scenario needs); ``message`` says why."""


def _missing(data: dict[str, Any], path: str) -> str:
    """'no PATH', or 'no PHASE' when the file has not the phase (or block) at all."""
    top = str(_parts(path)[0])
    return f"no {top if top not in data else path}"


def _op_set(data: dict[str, Any], arg: Any, base: Plan | None) -> Note:
    found = _parent(data, arg["path"], create=True)
    if found is None:
        return _missing(data, arg["path"])
    node, key = found
    if isinstance(node, dict) and node.get(key) == arg["value"]:
        return f"{arg['path']} is already {arg['value']}"
    node[key] = arg["value"]
    return None


def _op_remove(data: dict[str, Any], arg: Any, base: Plan | None) -> Note:
    found = _parent(data, arg, create=False)
    if found is None or not isinstance(found[0], dict) or found[1] not in found[0]:
        return _missing(data, arg)
    found[0].pop(found[1])
    return None


def _default_of(path: str, base: Plan | None) -> str | None:
    """The baseline's value of a field the file left to the catalog or a default, written
    as the file would give it (``"400.0 W"``); None when the plan has no such parameter."""
    p = base.params.get(path) if base is not None else None
    if p is None or p.status not in ("table", "default"):
        return None
    return repr(p.value) if p.unit == "1" else f"{p.value!r} {p.unit}"


def _op_scale(data: dict[str, Any], arg: Any, base: Plan | None) -> Note:
    """Multiply a quantity; one the file left to a default is the baseline's value, scaled
    and written into the changed file."""
    path, factor = arg["path"], float(arg["factor"])
    found = _parent(data, path, create=False)
    if found is not None and isinstance(found[0], dict) and found[1] in found[0]:
        node, key = found
        node[key] = _scale_value(node[key], factor)
        return None
    default = _default_of(path, base)
    found = _parent(data, path, create=True) if default is not None else None
    if found is None or not isinstance(found[0], dict):
        return _missing(data, path)
    node, key = found
    node[key] = _scale_value(default, factor)
    return None


def _op_replace(data: dict[str, Any], arg: Any, base: Plan | None) -> Note:
    found = _parent(data, arg["path"], create=False)
    if found is None or not isinstance(found[0], dict) or found[1] not in found[0]:
        return _missing(data, arg["path"])
    node, key = found
    if str(node[key]).lower() != str(arg["from"]).lower():
        return f"{arg['path']} is {node[key]}, not {arg['from']}"
    node[key] = arg["to"]
    return None


def _peak(key: str) -> float:
    acc = catalog.table("accelerators")
    q = "peak_dense_bf16" if acc.has(key, "peak_dense_bf16") else "peak_dense_fp16"
    return acc.factor(key, q, "FLOP/s").value


def _move_training(accs: dict[str, Any], new: str) -> str:
    """Training on ``new``: given hours x the ratio of peaks, the new TDP; the old key."""
    acc = catalog.table("accelerators")
    old = acc.resolve(str(accs["type"]), "accelerator")
    ratio = _peak(old) / _peak(new)
    for k in ("gpu_hours", "duration"):
        if k in accs and not (k == "duration" and "gpu_hours" in accs):
            accs[k] = _scale_value(accs[k], ratio)
    accs["type"] = new
    for k in ("power", "peak"):
        accs.pop(k, None)
    return old


def _op_accelerator(data: dict[str, Any], arg: Any, base: Plan | None) -> Note:
    acc = catalog.table("accelerators")
    try:
        new = acc.resolve(str(arg), "accelerator")
    except UnknownKeyError as exc:
        raise SpecError(f"scenario accelerator: {exc}") from None
    accs = (data.get("training") or {}).get("accelerators")
    inf = (data.get("usage") or {}).get("inference")
    if not (isinstance(accs, dict) and accs.get("type")) and not isinstance(inf, dict):
        return "no training.accelerators.type or usage.inference"
    if isinstance(inf, dict):
        missing = [q for q in ("tdp", "memory", "memory_bandwidth") if not acc.has(new, q)]
        if missing:  # the serving model needs them
            raise NotApplicableError(f"no {', '.join(missing)} for {new} in the catalog")
    moved: set[str] = set()
    if isinstance(accs, dict) and accs.get("type"):
        moved.add(_move_training(accs, new))
    if isinstance(inf, dict):
        if inf.get("accelerator"):
            moved.add(acc.resolve(str(inf["accelerator"]), "accelerator"))
        inf["accelerator"] = new
        for k in ("power", "peak", "memory_bandwidth", "accelerators"):
            inf.pop(k, None)
    comps = (data.get("manufacturing") or {}).get("components") or []
    for c in comps:
        same = (
            isinstance(c, dict)
            and c.get("hardware")
            and acc.has(str(c["hardware"]), "tdp")
            and acc.resolve(str(c["hardware"]), "accelerator") in moved
        )
        if same:
            c["hardware"] = new
            for k in ("embodied", "embodied_method", "die_area", "process_node", "memory"):
                c.pop(k, None)
    return None


def _op_precision(data: dict[str, Any], arg: Any, base: Plan | None) -> Note:
    if str(arg).lower() != "fp8":
        raise DataError(f"scenario precision: only 'fp8' is known, got {arg!r}")
    inf = (data.get("usage") or {}).get("inference")
    if not isinstance(inf, dict) or not inf.get("accelerator"):
        return "no serving estimated from the model (usage.inference)"
    acc = catalog.table("accelerators")
    key = acc.resolve(str(inf["accelerator"]), "accelerator")
    if not acc.has(key, "peak_dense_fp8"):
        raise NotApplicableError(f"no FP8 throughput for {key} in the catalog")
    bits = _weight_bits(inf)
    if bits <= 8:
        raise NotApplicableError(f"the weights are served at {bits:g} bits already")
    inf["peak"] = f"{acc.factor(key, 'peak_dense_fp8', 'FLOP/s').value!r} FLOP/s"
    inf["bytes_per_parameter"] = 1
    if isinstance(inf.get("model"), dict):
        inf["model"].pop("weight_precision", None)
    return None


def _weight_bits(inf: dict[str, Any]) -> float:
    """Bits per weight the file serves at: given, else its named model's, else 16."""
    from lcai.spec.schema import PRECISION_BYTES

    if inf.get("bytes_per_parameter") is not None:
        try:
            return 8.0 * float(inf["bytes_per_parameter"])
        except (TypeError, ValueError):
            return 16.0  # not a number: the schema says so when the file is read
    model = inf.get("model")
    spec = {"name": model} if isinstance(model, str) else model if isinstance(model, dict) else {}
    if spec.get("weight_precision") in PRECISION_BYTES:
        return 8.0 * PRECISION_BYTES[spec["weight_precision"]]
    models = catalog.table("models")
    name = spec.get("name")
    if isinstance(name, str) and models.has(name, "weight_bits"):
        return models.row(name, "weight_bits").value
    return 16.0


def _op_cooling(data: dict[str, Any], arg: Any, base: Plan | None) -> Note:
    """Change the cooling of every data center in the file, relative to what it has now.

    The facility overhead (PUE - 1) and the on-site water (WUE) shrink by the ratio of the
    catalog's rows for the new cooling and for air cooling; a phase already on that
    cooling is left alone.
    """
    fac = catalog.table("facility")
    target = str(arg)
    r_pue = (fac.factor(f"cooling:{target}", "pue", "1").value - 1) / (
        fac.factor("cooling:air", "pue", "1").value - 1
    )
    r_wue = (
        fac.factor(f"cooling:{target}", "wue", "L/kWh").value
        / fac.factor("cooling:air", "wue", "L/kWh").value
    )
    if base is None:
        raise SpecError("a cooling change is relative to the baseline: give its plan")
    note: Note = "no data center in training or usage"
    for phase in ("training", "usage"):
        if phase not in data or keys.pue(phase) not in base.params:
            continue
        top = data.get("facility") or {}
        own = data[phase].get("facility") or {}
        inherited = top.get("cooling") if inherits_facility(own) else None
        if (own.get("cooling") or inherited) == target:
            note = f"every data center is already on {target} cooling" if note else None
            continue
        pue = _paired(base.params[keys.pue(phase)], r_pue, 1 - r_pue, "1")
        wue = _paired(base.params[keys.wue(phase)], r_wue, 0.0, "L/kWh")
        data[phase]["facility"] = {"pue": pue, "wue": wue}
        note = None
    return note


def _paired(p: Param, slope: float, intercept: float, unit: str) -> Any:
    """``slope x p + intercept`` as a file value: where ``p`` is uncertain, the distribution
    of the changed value (a paired Monte Carlo then draws it from the same quantile as the
    baseline's, so the change has the sign it has nominally); else, or where that is no
    distribution of the same kind, the changed point value."""
    value = p.value * slope + intercept
    point = value if unit == "1" else f"{value!r} {unit}"
    if p.dist is None:
        return point
    t = transformed(p.dist, slope, intercept)
    if t is None or truncation_matters(p.dist) != truncation_matters(t):
        return point
    return file_spec(t, unit)


Operation = Callable[[dict[str, Any], Any, "Plan | None"], Note]

_OPS: dict[str, Operation] = {
    "cooling": _op_cooling,
    "set": _op_set,
    "remove": _op_remove,
    "scale": _op_scale,
    "replace": _op_replace,
    "accelerator": _op_accelerator,
    "precision": _op_precision,
}


def _substitute(v: Any, arg: str | None, name: str) -> Any:
    if isinstance(v, str) and "{arg}" in v:
        if arg is None:
            raise SpecError(f"scenario {name} needs an argument: {name}:VALUE "
                            "(e.g. move-region:SE)")  # fmt: skip
        return v.replace("{arg}", arg)
    if isinstance(v, dict):
        return {k: _substitute(x, arg, name) for k, x in v.items()}
    return v


def _why_nothing(notes: list[str]) -> str:
    """One reason from the notes of operations that changed nothing."""
    missing = list(dict.fromkeys(n[3:] for n in notes if n.startswith("no ")))
    other = list(dict.fromkeys(n for n in notes if not n.startswith("no ")))
    parts = other[:]
    if len(missing) > 4:
        missing = [*missing[:3], f"{len(missing) - 3} more of the fields it changes"]
    if missing:
        listed = missing[0] if len(missing) == 1 else ", ".join(missing[:-1]) + " or " + missing[-1]
        parts.append(f"the assessment has no {listed}")
    return "; ".join(parts) or "it changes nothing in this assessment"


def _apply(
    data: dict[str, Any], scenario: Scenario, arg: str | None, base: Plan | None
) -> tuple[dict[str, Any], list[str]]:
    """The changed copy of ``data``, and what each operation that changed nothing said."""
    out = copy.deepcopy(data)
    notes = []
    for ch in scenario.changes:
        ((op, value),) = ch.items()
        note = _OPS[op](out, _substitute(value, arg, scenario.name), base)
        if note is not None:
            notes.append(note)
    return out, notes


def apply(
    data: dict[str, Any], scenario: Scenario, arg: str | None = None, base: Plan | None = None
) -> dict[str, Any]:
    """A copy of the file's ``data`` with the scenario's changes applied.

    ``base`` (the baseline's plan) is needed by changes relative to the baseline (cooling)
    and by ``scale`` of a field the file left to a default (the baseline's value is scaled).
    Raises NotApplicableError when the scenario cannot apply (a figure it needs is missing).
    """
    out, _ = _apply(data, scenario, arg, base)
    out["name"] = f"{data.get('name', 'assessment')} [{scenario.name}{':' + arg if arg else ''}]"
    return out


def changes(
    data: dict[str, Any], scenario: Scenario, arg: str | None = None, base: Plan | None = None
) -> dict[str, Any]:
    """Like ``apply``, but NotApplicableError (saying why) when the scenario changes nothing in
    ``data`` (5G delivery for a file without mobile delivery, optics without interconnect)."""
    out, notes = _apply(data, scenario, arg, base)
    if out == data:
        raise NotApplicableError(_why_nothing(notes))
    out["name"] = f"{data.get('name', 'assessment')} [{scenario.name}{':' + arg if arg else ''}]"
    return out


# --- comparison -----------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """A scenario against the baseline: per phase and total, per functional unit.

    A scenario that does not apply to the assessment has ``not_applicable`` (why) and no
    ``result``.
    """

    scenario: str
    description: str
    sources: tuple[str, ...]
    baseline: dict[str, dict[str, float]]
    result: dict[str, dict[str, float]]
    interval: dict[str, dict[str, float]] = field(default_factory=dict)
    not_applicable: str | None = None
    market: bool = True
    """Whether the baseline or the scenario states a market instrument: without one the
    JSON leaves ``co2e_market_kg`` out, as an assessment's result does."""

    @property
    def applicable(self) -> bool:
        return self.not_applicable is None

    def change(self, part: str, quantity: str) -> tuple[float, float | None]:
        """(absolute change, relative change or None) of ``quantity`` for a phase or 'total'."""
        b = self.baseline[part][quantity]
        s = self.result[part][quantity]
        return s - b, ((s - b) / b if b else None)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "scenario": self.scenario,
            "description": self.description,
            "sources": list(self.sources),
            "applicable": self.applicable,
        }
        if not self.applicable:
            d["not_applicable"] = self.not_applicable
            return d
        shown = [q for q in QUANTITIES if self.market or q != "co2e_market_kg"]
        parts: dict[str, Any] = {}
        for part in self.baseline:
            parts[part] = {}
            for q in shown:
                diff, rel = self.change(part, q)
                parts[part][q] = {
                    "baseline": self.baseline[part][q],
                    "scenario": self.result[part][q],
                    "change": diff,
                    "rel_change": rel,
                }
        d["total"] = parts.pop("total")
        d["phases"] = parts
        if self.interval:
            d["change_interval"] = {q: v for q, v in self.interval.items() if q in shown}
        return d


def _figures(plan: Plan) -> dict[str, dict[str, float]]:
    ev = evaluate(plan)
    div = float(ev.divisor[0])
    out = {}
    for ph in (*PHASES, "total"):
        mask = np.ones(len(ev.items), bool) if ph == "total" else ev.phase_mask(ph)
        out[ph] = {q: float(getattr(ev, q)[mask, 0].sum()) / div for q in QUANTITIES}
    return out


def _paired_interval(base: Plan, scen: Plan, n: int, seed: int) -> dict[str, dict[str, float]]:
    """p5/p50/p95 of scenario - baseline on paired draws. An input the scenario rewrote in
    place (the file now states a shifted copy of a catalog factor's distribution, as the
    cooling change does) keeps the factor's stream, so the change keeps its nominal sign."""
    from lcai.engine.uncertainty import sample_params, stream_keys

    kb, ks = stream_keys(base), stream_keys(scen)
    kept = {k: kb[k] for k, key in ks.items() if key == k and kb.get(k, k) != k}
    eb = evaluate(base, sample_params(base, n, seed))
    es = evaluate(scen, sample_params(scen, n, seed, streams=kept))
    out = {}
    for q in QUANTITIES:
        tb = eb.total(q) / eb.divisor
        ts = es.total(q) / es.divisor
        diff = np.broadcast_to(ts - tb, (n,))
        p5, p50, p95 = np.percentile(diff, (5, 50, 95))
        out[q] = {"p5": float(p5), "p50": float(p50), "p95": float(p95)}
    return out


def _resolve_name(full: str, known: Mapping[str, Scenario]) -> tuple[Scenario, str | None]:
    name, colon, arg = full.partition(":")
    if name not in known:
        raise UnknownKeyError(name, "scenario", [k for k in known if k[:3] == name[:3]][:3])
    sc = known[name]
    if colon and sc.argument is None:
        raise SpecError(f"scenario {name} takes no argument, got {full!r}")
    return sc, arg or None


def compare(
    source: Source,
    names: list[str],
    *,
    user_file: str | Path | None = None,
    samples: int | None = None,
    seed: int = 0,
    known: Mapping[str, Scenario] | None = None,
) -> list[Comparison]:
    """Compare the scenarios ``names`` (``NAME`` or ``NAME:ARG``) with ``source``.

    ``known``: the scenarios to choose from, when the caller has loaded them already
    (default: the library and ``user_file``).

    A scenario that cannot apply, or changes nothing, is a Comparison that says why
    (``not_applicable``); the others run. A changed assessment keeps the source's folder,
    so its relative paths (run files, hourly intensity) are read from the same place.
    """
    from lcai.api import plan_source
    from lcai.spec.loading import parse_source

    if known is None:
        known = available(user_file)
    chosen = [(full, *_resolve_name(full, known)) for full in names]
    data = dict(source.data)
    base = plan_source(source)
    label = source.file or source.spec.name
    base_fig = _figures(base)
    out = []
    for full, sc, arg in chosen:
        try:
            changed = changes(data, sc, arg, base)
            variant = parse_source(changed, file=f"{label} [{full}]", base_dir=source.base_dir)
            plan = plan_source(replace(variant, outside_paths=source.outside_paths))
            fig = _figures(plan)
            if fig == base_fig:
                raise NotApplicableError("it changes none of this assessment's figures")
        except NotApplicableError as exc:
            out.append(Comparison(full, sc.description, sc.sources, base_fig, {},
                                  not_applicable=exc.message))  # fmt: skip
            continue
        except SpecError as exc:
            raise exc.located(file=f"{label} [scenario {full}]") from None
        interval = _paired_interval(base, plan, samples, seed) if samples else {}
        market = base.has_market or plan.has_market
        out.append(Comparison(full, sc.description, sc.sources, base_fig, fig, interval,
                              market=market))  # fmt: skip
    return out
