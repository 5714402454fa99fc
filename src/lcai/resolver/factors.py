"""Serving factors: the file's value or the catalog's ``serving`` table (by accelerator
family where it has a row), accelerator power by load, and parameters derived from
others on every sample."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from lcai import catalog
from lcai.engine.plan import Fn
from lcai.model.num import Num
from lcai.resolver.ledger import Ledger

__all__ = ["IP", "PATH", "derive", "load_power", "serving_factor"]

IP = "usage.inference"
"""The prefix of every parameter of the serving model (one definition for its modules)."""
PATH: tuple[str | int, ...] = ("usage", "inference")
"""Where the serving model's fields are in an assessment file."""


def derive(ledger: Ledger, name: str, fn: Fn, unit: str, note: str) -> str:
    """Enter parameter ``name`` recomputed from others on every sample."""
    nominal: Mapping[str, Num] = {n: np.float64(q.value) for n, q in ledger.params.items()}
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        value = float(np.asarray(fn(nominal)))  # not finite: require_finite names the inputs
    ledger.add(name, value, unit, "derived", None, note)
    ledger.derived[name] = fn
    return name


def serving_factor(
    ledger: Ledger,
    name: str,
    given: float | None,
    unit: str,
    key: str,
    q: str,
    family: str | None = None,
) -> str:
    """The file's value of serving factor ``name`` (usage.inference.NAME), else the
    catalog's ``serving`` table (the accelerator family's row where it has one)."""
    if family is not None and catalog.table("serving").has(f"{key}:{family}", q):
        key = catalog.table("serving").resolve(f"{key}:{family}")
    return ledger.user_or_factor(
        f"{IP}.{name}",
        given,
        unit,
        "serving",
        key,
        q,
        path=(*PATH, name),
        kind="serving factor",
        note=f"no {name} given",
    )


def load_power(ledger: Ledger, key: str, pre: str, path: tuple[str | int, ...]) -> dict[str, str]:
    """Keys of TDP and of the idle, memory-bound and compute-bound fractions of it for
    accelerator ``key`` (its family's row of the ``serving`` table, else the default)."""
    tab = catalog.table("serving")
    family = key.split("-")[0]
    out = {
        "tdp": ledger.factor(
            f"{pre}.tdp", "accelerators", key, "tdp", "W", path=path, kind="accelerator"
        )
    }
    for q in ("idle_fraction", "memory_fraction", "compute_fraction"):
        row = next(c for c in (f"power:{family}", "power:default") if tab.has(c, q))
        out[q] = ledger.factor(
            f"{pre}.{q}",
            "serving",
            row,
            q,
            "1",
            path=path,
            kind="serving factor",
            status="default",
            note="power from load",
        )
    return out
