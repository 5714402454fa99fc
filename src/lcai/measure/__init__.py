"""Measure real runs: energy meters, the tracker, run files, hourly intensity (docs/tracking.md).

May import: catalog, model, units, errors.

The package is ``lcai.measure``; ``lcai.track`` is its main entry point, the function.
Its names load on first use, so that reading a run file does not load the meters.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "EnergyMeter",
    "GridFactors",
    "MeterUnavailableError",
    "NvmlMeter",
    "RaplMeter",
    "Reading",
    "ReplayMeter",
    "Run",
    "Sample",
    "Tracker",
    "TrackingWarning",
    "UtilisationMeter",
    "read_run",
    "track",
]

_HOME = {
    **dict.fromkeys(
        ("EnergyMeter", "MeterUnavailableError", "NvmlMeter", "RaplMeter", "Reading",
         "ReplayMeter", "UtilisationMeter"),
        "lcai.measure.meters",
    ),
    **dict.fromkeys(("GridFactors", "Run", "Sample", "read_run"), "lcai.measure.runfile"),
    **dict.fromkeys(("Tracker", "TrackingWarning", "track"), "lcai.measure.tracker"),
}  # fmt: skip

if TYPE_CHECKING:
    from lcai.measure.meters import (
        EnergyMeter,
        MeterUnavailableError,
        NvmlMeter,
        RaplMeter,
        Reading,
        ReplayMeter,
        UtilisationMeter,
    )
    from lcai.measure.runfile import GridFactors, Run, Sample, read_run
    from lcai.measure.tracker import Tracker, TrackingWarning, track


def __getattr__(name: str) -> Any:
    if name in _HOME:
        value = getattr(importlib.import_module(_HOME[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lcai.measure' has no attribute {name!r}")
