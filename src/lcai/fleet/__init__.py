"""Fleet accounting: per-job, per-project and per-model footprints from a data center's
power telemetry, job table and hourly grid intensity (the ``lcai[fleet]`` extra).

May import: measure, catalog, model, units, errors."""

from lcai.fleet.account import FleetResult, account
from lcai.fleet.synth import synthesize

__all__ = ["FleetResult", "account", "synthesize"]
