"""A Prometheus endpoint for a running tracker (``lcai track --prometheus PORT``): counters
of the energy each device has used since the start, in joules, and with a grid region its
CO2e in grams and water in litres, read from the tracker at every scrape.

Needs ``prometheus_client`` (the ``track`` extra); imported only when an endpoint starts.
May import: errors, units (and prometheus_client).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from lcai.errors import SpecError
from lcai.units import J_PER_KWH

if TYPE_CHECKING:
    from lcai.measure.tracker import Tracker

__all__ = ["Endpoint", "serve"]


class _Collector:
    """Yields the tracker's counters when Prometheus scrapes."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily

        by_device = dict(self.tracker.energy_j_by_device)
        energy = CounterMetricFamily(
            "lcai_energy_joules",
            "Energy used since the start of the run",
            labels=["device", "backend"],
        )
        for (device, backend), j in sorted(by_device.items()):
            energy.add_metric([device, backend], j)
        yield energy
        f = self.tracker.factors
        if f is None:
            return
        co2e = CounterMetricFamily(
            "lcai_co2e_grams", "CO2e of that energy (location-based)", labels=["device"]
        )
        water = CounterMetricFamily("lcai_water_litres", "Water of that energy", labels=["device"])
        for (device, _), j in sorted(by_device.items()):
            kwh = j / J_PER_KWH
            co2e.add_metric([device], f.co2e_g(kwh))
            water.add_metric([device], f.water_l(kwh))
        yield co2e
        yield water


class Endpoint:
    """A running endpoint: its port, and ``close()``."""

    def __init__(self, server: Any, thread: Any) -> None:
        self.server, self.thread = server, thread

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve(tracker: Tracker, port: int, addr: str = "127.0.0.1") -> Endpoint:
    """Serve the tracker's counters on ``addr:port`` (port 0: a free one) until closed."""
    try:
        from prometheus_client import CollectorRegistry, start_http_server
    except ImportError:
        raise SpecError(
            "the Prometheus endpoint needs prometheus_client: pip install 'lcai[track]'",
            path=("prometheus",),
        ) from None
    if not 0 <= port <= 65535:
        raise SpecError(f"expected a port of 0 to 65535, got {port}", path=("prometheus",))
    registry = CollectorRegistry()
    registry.register(_Collector(tracker))
    try:
        server, thread = start_http_server(port, addr=addr, registry=registry)
    except OSError as exc:
        raise SpecError(f"port {port}: {exc.strerror}", path=("prometheus",)) from None
    return Endpoint(server, thread)
