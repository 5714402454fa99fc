"""Measure real runs: energy meters, the tracker, and run files (see docs/tracking.md).

The package is ``lcai.tracking``; ``lcai.track`` is its main entry point, the function.
"""

from lcai.tracking.meters import (
    EnergyMeter,
    MeterUnavailableError,
    NvmlMeter,
    RaplMeter,
    Reading,
    ReplayMeter,
    UtilisationMeter,
)
from lcai.tracking.runfile import Run, Sample, read_run
from lcai.tracking.tracker import Tracker, track

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
