"""The Prometheus endpoint of a tracker (`lcai track --prometheus PORT`): scraped for real
over HTTP on a free local port."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

import pytest

from lcai.errors import SpecError
from lcai.measure.tracker import Tracker
from tests.test_track import CountingMeter

pytest.importorskip("prometheus_client", reason="prometheus_client (lcai[track]) not installed")


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        return str(r.read().decode())


def _value(text: str, name: str) -> float:
    line = next(x for x in text.splitlines() if x.startswith(name))
    return float(line.rsplit(" ", 1)[1])


@pytest.mark.filterwarnings("ignore::lcai.measure.tracker.TrackingWarning")
def test_counters_follow_the_run(tmp_path: Path) -> None:
    """CountingMeter adds 100 J per read: the counter is the energy since the first sample,
    and with a region the CO2e is that energy x the grid factor."""
    from lcai.measure.prometheus import serve

    t = Tracker(
        tmp_path / "r.jsonl", interval_s=0.02, flush_s=0.05, region="FR", meters=[CountingMeter()]
    )
    t.start()
    endpoint = serve(t, 0)
    try:
        time.sleep(0.2)
        text = _scrape(endpoint.port)
        joules = _value(text, 'lcai_energy_joules_total{backend="fake",device="gpu:0"}')
        assert joules >= 100 and joules % 100 == pytest.approx(0)
        grams = _value(text, 'lcai_co2e_grams_total{device="gpu:0"}')
        assert t.factors is not None
        assert grams == pytest.approx(t.factors.co2e_g(joules / 3.6e6), rel=1e-9)
        assert "lcai_water_litres_total" in text
    finally:
        endpoint.close()
        t.stop()


def test_a_bad_port_is_an_error(tmp_path: Path) -> None:
    from lcai.measure.prometheus import serve

    t = Tracker(tmp_path / "r.jsonl", meters=[CountingMeter()])
    with pytest.raises(SpecError, match="port"):
        serve(t, 70000)


def test_the_cli_refuses_a_bad_port(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.test_bad_input import run_cli

    code, _, err = run_cli(["track", "--prometheus", "99999", "--", "true"], capsys)
    assert code == 2 and "--prometheus" in err
