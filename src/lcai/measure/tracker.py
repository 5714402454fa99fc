"""The tracker: samples energy meters on a timer and appends them to a run file.

Use it as a context manager or decorator (``lcai.track``), or from the command
line (``lcai track -- python train.py``, ``lcai track --pid PID``). With a grid region
(``region=``, else ``$LCAI_REGION``) it also reports the run's CO2e and water at the
catalog's factors for the region.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import os
import re
import statistics
import threading
import time
import warnings as _warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from lcai.errors import SpecError
from lcai.fmt import magnitude
from lcai.measure.meters import (
    TRACK_EXTRA,
    EnergyMeter,
    MeterUnavailableError,
    NvmlMeter,
    RaplMeter,
    UtilisationMeter,
    nvidia_present,
)
from lcai.measure.runfile import GridFactors, RunWriter, Sample, describe_energy, grid_factors
from lcai.units import J_PER_KWH

__all__ = [
    "MAX_INTERVAL_S",
    "Tracker",
    "TrackingWarning",
    "default_output",
    "open_meters",
    "track",
]

MAX_INTERVAL_S = 86_400.0
"""The longest interval between samples or flushes: a day (a run sampled less often says
little; and a timer far longer than that overflows the platform's time_t)."""


class TrackingWarning(UserWarning):
    """What the tracker falls back on or cannot measure (issued by ``lcai.track``)."""


F = TypeVar("F", bound=Callable[..., Any])


def default_output(directory: str | Path = "runs") -> Path:
    """A new timestamped run file name under ``runs/`` (not taken yet)."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = Path(directory) / f"run-{stamp}-{os.getpid()}"
    path, n = base.with_suffix(".jsonl"), 1
    while path.exists():  # several runs in one second from one process
        path, n = Path(f"{base}-{n}.jsonl"), n + 1
    return path


def cpu_key(model: str, cpus: list[str], aliases: Mapping[str, str]) -> str | None:
    """The catalog key (``cpu:FAMILY-SKU``) of a CPU named as /proc/cpuinfo names it
    ("Intel(R) Xeon(R) Platinum 8480+", "AMD EPYC 7763 64-Core Processor"): an alias of
    the servers table, else the family and the SKU as a whole word of the name."""
    for alias, key in aliases.items():
        if alias.lower() == model.strip().lower() and key in cpus:
            return key
    name = re.sub(r"\((r|tm)\)", " ", model.lower())
    name = re.sub(r"\bcpu\b.*$|@.*$", " ", name)
    words = set(re.findall(r"[a-z0-9+]+", name))
    for key in cpus:
        family, _, sku = key.removeprefix("cpu:").lower().partition("-")
        if family in words and sku in words:
            return key
    return None


def _cpu_watts_per_core() -> tuple[float, str]:
    """Power per core of this machine's CPU from the catalog, or the catalog's median."""
    from lcai import catalog

    servers = catalog.table("servers")
    keys = servers.keys()
    cpus = [k for k in keys if k.startswith("cpu:") and servers.has(k, "cores")]
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    k = cpu_key(model, cpus, servers.aliases)
    if k is not None:
        tdp = servers.factor(k, "tdp", "W")
        cores = servers.factor(k, "cores", "1").value
        return tdp.value / cores, f"{servers.label(k)}: TDP / cores ({tdp.source_id})"
    per = [
        servers.factor(k, "tdp", "W").value / servers.factor(k, "cores", "1").value for k in cpus
    ]
    value = statistics.median(per)
    return value, (
        f"CPU {model or 'unknown'} not in the catalog: median TDP per core of the catalog's "
        f"{len(cpus)} server CPUs (lcai data show servers)"
    )


def _gpus_not_measured(exc: MeterUnavailableError) -> str:
    """The warning for a machine with an NVIDIA driver whose GPUs NVML cannot read."""
    return (
        f"GPUs NOT MEASURED: this machine has an NVIDIA GPU driver, but NVML cannot be "
        f"used ({exc.reason}), so this run records no GPU energy at all. "
        f"To measure the GPUs: {exc.fix or TRACK_EXTRA}."
    )


def open_meters(
    pid: int | None = None, *, rapl_root: str = "/sys/class/powercap", nvml: Any = None
) -> tuple[list[EnergyMeter], list[str], list[str]]:
    """The meters that work here, plus (assumptions, warnings) saying what fell back and why."""
    from lcai import catalog

    meters: list[EnergyMeter] = []
    assumptions: list[str] = []
    warnings: list[str] = []
    try:
        meters.append(NvmlMeter(nvml))
    except MeterUnavailableError as exc:
        assumptions.append(f"no GPU energy measured: {exc}")
        if exc.broken and nvidia_present():
            warnings.append(_gpus_not_measured(exc))
    try:
        meters.append(RaplMeter(rapl_root))
    except MeterUnavailableError as exc:
        w_core, why = _cpu_watts_per_core()
        mem = catalog.table("servers").factor("default", "memory_power_per_gb", "W/GB")
        meters.append(UtilisationMeter(pid, watts_per_core=w_core, memory_w_per_gb=mem.value))
        text = (
            f"CPU and memory energy ESTIMATED, not measured: RAPL unavailable ({exc.reason}). "
            f"Estimate: the tracked processes' CPU time x {w_core:.3g} W per busy core ({why}) "
            f"+ their resident memory x {mem.value:g} W/GB ({mem.source_id}). "
            f"To measure instead: {exc.fix or 'run on a host that exposes RAPL'}."
        )
        assumptions.append(text)
        warnings.append(text)
    return meters, assumptions, warnings


def _python_warnings(texts: list[str]) -> None:
    for text in texts:
        _warnings.warn(text, TrackingWarning, stacklevel=4)


class Tracker:
    """Samples meters every ``interval_s`` into a run file, flushed every ``flush_s``.

    ``region``: the grid region for CO2e and water (default ``$LCAI_REGION``; none:
    energy only), or ``factors`` already looked up. ``on_warnings`` gets the tracker's
    warnings at the start (default: issued as :class:`TrackingWarning`).
    """

    def __init__(
        self,
        output: str | Path | None = None,
        *,
        interval_s: float = 1.0,
        flush_s: float = 5.0,
        pid: int | None = None,
        command: Sequence[str] = (),
        region: str | None = None,
        factors: GridFactors | None = None,
        meters: list[EnergyMeter] | None = None,
        on_sample: Callable[[float, float], None] | None = None,
        on_warnings: Callable[[list[str]], None] = _python_warnings,
    ) -> None:
        if not all(0 < x <= MAX_INTERVAL_S for x in (interval_s, flush_s)):
            raise ValueError(f"interval_s and flush_s must be positive, at most {MAX_INTERVAL_S:g}")
        self._output_arg = output
        self.output = Path(output) if output is not None else default_output()
        self.interval_s, self.flush_s = interval_s, flush_s
        self.pid, self.command, self.region = pid, list(command), region
        self.factors = factors
        self._given_meters = meters
        self._on_sample, self._on_warnings = on_sample, on_warnings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: SpecError | None = None
        self.warnings: list[str] = []
        self.energy_j = 0.0
        self.energy_j_by_backend: dict[str, float] = {}
        self.energy_j_by_device: dict[tuple[str, str], float] = {}
        """Energy [J] since the first sample per (device, backend), at the last sample."""
        self._first_j: dict[tuple[str, str], float] = {}
        self.exit_status: int | None = None

    # -- lifecycle --------------------------------------------------------------------
    @property
    def started(self) -> bool:
        """Whether :meth:`start` has run (sampling, writing its run file)."""
        return self._thread is not None

    def start(self) -> Tracker:
        if self.factors is None:
            self.factors = grid_factors(self.region)  # the region's, else $LCAI_REGION's
        if self.factors is not None:
            self.region = self.factors.region
        assumptions: list[str] = []
        if self._given_meters is not None:
            self.meters, self.warnings = self._given_meters, []
        else:
            self.meters, assumptions, self.warnings = open_meters(self.pid)
        self._writer = RunWriter(
            self.output, command=self.command, pid=self.pid, interval_s=self.interval_s,
            backends=[m.name for m in self.meters], region=self.region, factors=self.factors,
        )  # fmt: skip
        for a in assumptions:
            self._writer.note("assumption", a)
        for w in self.warnings:
            self._writer.note("warning", w)
        self._writer.flush()
        if self.warnings:
            self._on_warnings(list(self.warnings))
        self._sample()
        self._thread = threading.Thread(target=self._loop, name="lcai-tracker", daemon=True)
        self._thread.start()
        return self

    def stop(self, exit_status: int | None = None) -> None:
        """Take the last sample and close the run file; a run file that could not be
        written (a full disk, mid-run) is a :class:`SpecError` naming it, raised here."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.exit_status = exit_status
        try:
            if self._error is not None:
                raise self._error
            self._sample()
            self._writer.close(time.time(), exit_status)
        except SpecError:
            self._writer.abandon()
            raise
        finally:
            for m in self.meters:
                m.close()

    def _loop(self) -> None:
        try:
            while not self._stop.wait(self.interval_s):
                self._sample()
                self._writer.maybe_flush(self.flush_s)
        except SpecError as exc:  # the run file cannot be written: stop sampling, say so
            self._error = exc

    def _sample(self) -> None:
        t = time.time()
        # a device keeps its last good reading; a new dict each sample (readers in other
        # threads, the Prometheus endpoint, copy the one they get)
        by_device = dict(self.energy_j_by_device)
        for m in self.meters:
            try:
                readings = m.read()
            except Exception as exc:  # a device vanished mid-run: say so, keep going
                self._writer.note("warning", f"{m.name}: reading failed: {exc}")
                continue
            for dev, r in readings.items():
                if not math.isfinite(r.energy_j):  # a glitch: the file stays strict JSON
                    self._writer.note("warning", f"{m.name} {dev}: energy {r.energy_j} dropped")
                    continue
                power = r.power_w if r.power_w is not None and math.isfinite(r.power_w) else None
                self._writer.sample(Sample(t, dev, m.name, r.energy_j, power))
                # since the device's first sample, as the run file counts it
                first = self._first_j.setdefault((dev, m.name), r.energy_j)
                by_device[(dev, m.name)] = r.energy_j - first
        by_backend: dict[str, float] = {}
        for (_, backend), j in by_device.items():
            by_backend[backend] = by_backend.get(backend, 0.0) + j
        self.energy_j_by_device = by_device
        self.energy_j_by_backend = by_backend
        self.energy_j = sum(by_backend.values())
        if self._on_sample is not None:
            self._on_sample(t, self.energy_j)

    # -- context manager and decorator ----------------------------------------------------
    def __enter__(self) -> Tracker:
        return self.start()

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.stop(0 if exc_type is None else 1)

    def __call__(self, fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            # each call is a new run: a new default file unless one was named
            with Tracker(
                self._output_arg, interval_s=self.interval_s, flush_s=self.flush_s,
                pid=self.pid, region=self.region, factors=self.factors,
                on_warnings=self._on_warnings,
            ):  # fmt: skip
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    # -- what the run used ----------------------------------------------------------------
    @property
    def energy_kwh(self) -> float:
        """Energy so far [kWh], measured and estimated (``summary()`` says which)."""
        return self.energy_j / J_PER_KWH

    @property
    def co2e_g(self) -> float | None:
        """CO2e so far at the region's grid intensity [g]; None without a region."""
        return None if self.factors is None else self.factors.co2e_g(self.energy_kwh)

    @property
    def water_l(self) -> float | None:
        """Water consumed to generate the electricity so far [L]; None without a region."""
        return None if self.factors is None else self.factors.water_l(self.energy_kwh)

    def summary(self) -> str:
        """One line: the energy, measured or estimated by which backend, and with a
        region the CO2e and water with the factors' sources."""
        kwh = {b: j / J_PER_KWH for b, j in self.energy_j_by_backend.items()}
        text = describe_energy(kwh)
        f = self.factors
        if f is not None:
            kwh_total = self.energy_kwh
            text += (
                f"; {magnitude(f.co2e_g(kwh_total) / 1000, 'kgCO2e')} at {f.carbon_citation()}; "
                f"{magnitude(f.water_l(kwh_total), 'L')} water at {f.water_citation()}"
            )
        return text


def track(
    output: str | Path | None = None,
    *,
    interval_s: float = 1.0,
    flush_s: float = 5.0,
    region: str | None = None,
) -> Tracker:
    """Measure this process (and its children) and the GPUs it may use.

    >>> with lcai.track("runs/train.jsonl", region="FR") as run:   # doctest: +SKIP
    ...     train()
    >>> run.energy_kwh, run.co2e_g, run.water_l                     # doctest: +SKIP
    >>> print(run.summary())                                        # doctest: +SKIP

    ``region`` (default ``$LCAI_REGION``): the grid region whose catalog factors give
    the CO2e and water; without one, energy only. What the tracker cannot measure or
    only estimates is issued as a :class:`TrackingWarning`. Also a decorator:
    ``@lcai.track()``.
    """
    return Tracker(output, interval_s=interval_s, flush_s=flush_s, pid=os.getpid(), region=region)
