"""Measure real runs: energy meters, the tracker, run files, hourly intensity (docs/tracking.md).

May import: catalog, model, units, errors.

The package is ``lcai.measure``; ``lcai.track`` is its main entry point, the function.
"""

from lcai.measure.meters import (
    EnergyMeter,
    MeterUnavailableError,
    NvmlMeter,
    RaplMeter,
    Reading,
    ReplayMeter,
    UtilisationMeter,
)
from lcai.measure.runfile import Run, Sample, read_run
from lcai.measure.tracker import Tracker, track

__all__ = [
    "EnergyMeter",
    "MeterUnavailableError",
    "NvmlMeter",
    "RaplMeter",
    "Reading",
    "ReplayMeter",
    "Run",
    "Sample",
    "Tracker",
    "UtilisationMeter",
    "read_run",
    "track",
]
