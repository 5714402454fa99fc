"""Measure real runs: energy meters, the tracker, and run files (see docs/tracking.md)."""

from lcai.track.meters import (
    EnergyMeter,
    MeterUnavailableError,
    NvmlMeter,
    RaplMeter,
    Reading,
    ReplayMeter,
    UtilisationMeter,
)
from lcai.track.runfile import Run, Sample, read_run
from lcai.track.tracker import Tracker, track

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
