"""Accelerator facts a phase needs from the catalog: its key, peak FLOP/s, default
utilisation, and the active parameters of the model it runs."""

from __future__ import annotations

from collections.abc import Sequence

from lcai import catalog
from lcai.errors import SpecError
from lcai.resolver.ledger import Ledger
from lcai.spec.schema import HARDWARE_ROWS, Assessment, ModelSize

__all__ = ["accelerator_key", "active_parameters", "file_hardware", "mfu", "peak"]

_QUANTITY = {"embodied": "embodied_manufacturer"}
"""The accelerators table's quantity of a hardware field where the names differ."""


def file_hardware(spec: Assessment) -> dict[str, list[catalog.Row]]:
    """The accelerators the file describes, as rows of the accelerators table. A name the
    catalog already has is refused: its rows would change every result that names it."""
    rows: list[catalog.Row] = []
    acc = catalog.table("accelerators")
    names: dict[str, int] = {}
    for i, h in enumerate(spec.hardware):
        norm = "".join(c for c in h.name.lower() if c.isalnum())
        if norm in names:
            raise SpecError(
                f"{h.name!r} is hardware[{names[norm]}] again (names are compared without "
                "case or separators): give each one another name",
                path=("hardware", i, "name"),
            )
        names[norm] = i
        known = acc.lookup(h.name)
        if known is not None:
            raise SpecError(
                f"{h.name!r} is the catalog's {known}: give another name (or state power "
                "and peak in the phase)",
                path=("hardware", i, "name"),
            )
        for field, unit in HARDWARE_ROWS.items():
            value = getattr(h, field)
            if value is None:
                continue
            rows.append(
                catalog.Row(
                    key=h.name,
                    label=h.label or h.name,
                    quantity=_QUANTITY.get(field, field),
                    value=float(value),
                    unit=unit,
                    year=2026,
                    source_id="assessment-file",
                    note=f"hardware[{i}] of the assessment file",
                    origin=catalog.FILE_ORIGIN,
                )
            )
    return {"accelerators": rows} if rows else {}


def accelerator_key(ledger: Ledger, name: str, path: Sequence[str | int]) -> str:
    """The catalog key of accelerator ``name``."""
    return ledger.catalog_key("accelerators", name, path=path, kind="accelerator")


def peak(ledger: Ledger, key: str, pre: str, path: Sequence[str | int]) -> str:
    """Dense BF16 (else FP16) peak of accelerator ``key`` [FLOP/s]."""
    acc = catalog.table("accelerators")
    q = "peak_dense_bf16" if acc.has(key, "peak_dense_bf16") else "peak_dense_fp16"
    return ledger.factor(
        f"{pre}.peak", "accelerators", key, q, "FLOP/s", path=path, kind="accelerator"
    )


def mfu(ledger: Ledger, key: str | None, pre: str, phase: str, path: Sequence[str | int]) -> str:
    """The catalog's default utilisation for ``phase`` on accelerator ``key`` (most specific
    row first: the accelerator, its family, the phase)."""
    util = catalog.table("utilisation")
    family = key.split("-")[0] if key else None
    candidates = [f"{phase}:{key}", f"{phase}:{family}", phase] if key else [phase]
    for c in candidates:
        if util.has(c, "mfu"):
            return ledger.factor(
                f"{pre}.mfu",
                "utilisation",
                c,
                "mfu",
                "1",
                path=path,
                kind="utilisation",
                status="default",
                note="no utilisation given",
            )
    raise SpecError("no default utilisation in the catalog; give 'mfu'", path=path)


def active_parameters(ledger: Ledger, pre: str, model: ModelSize) -> str:
    """The parameters active per token (all of them for a dense model)."""
    own = model.active_parameters is not None
    path = f"{pre}.model.active_parameters" if own else f"{pre}.model.parameters"
    return ledger.user(f"{pre}.active_parameters", model.active, "1", path=path)
