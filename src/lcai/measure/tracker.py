"""The tracker: samples energy meters on a timer and appends them to a run file.

Use it as a context manager or decorator (``lcai.track``), or from the command
line (``lcai track -- python train.py``, ``lcai track --pid PID``).
"""

from __future__ import annotations

import datetime as _dt
import functools
import os
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from lcai.measure.meters import (
    EnergyMeter,
    MeterUnavailableError,
    NvmlMeter,
    RaplMeter,
    UtilisationMeter,
)
from lcai.measure.runfile import RunWriter, Sample
from lcai.units import J_PER_KWH

__all__ = ["Tracker", "default_output", "open_meters", "track"]

F = TypeVar("F", bound=Callable[..., Any])


def default_output(directory: str | Path = "runs") -> Path:
    """A new timestamped run file name under ``runs/`` (not taken yet)."""
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    base = Path(directory) / f"run-{stamp}-{os.getpid()}"
    path, n = base.with_suffix(".jsonl"), 1
    while path.exists():  # several runs in one second from one process
        path, n = Path(f"{base}-{n}.jsonl"), n + 1
    return path


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
    norm = model.lower().replace(" ", "")
    for k in cpus:
        if k[4:].lower().replace("-", "").replace("+", "") in norm.replace("-", "").replace(
            "+", ""
        ):
            tdp = servers.factor(k, "tdp", "W")
            cores = servers.factor(k, "cores", "1").value
            return tdp.value / cores, f"{servers.label(k)}: TDP / cores ({tdp.source_id})"
    per = [
        servers.factor(k, "tdp", "W").value / servers.factor(k, "cores", "1").value for k in cpus
    ]
    value = statistics.median(per)
    return value, (
        f"CPU {model or 'unknown'} not in the catalog: median TDP per core of the catalog's "
        f"server CPUs ({', '.join(c[4:] for c in cpus)})"
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


class Tracker:
    """Samples meters every ``interval_s`` into a run file, flushed every ``flush_s``."""

    def __init__(
        self,
        output: str | Path | None = None,
        *,
        interval_s: float = 1.0,
        flush_s: float = 5.0,
        pid: int | None = None,
        command: Sequence[str] = (),
        region: str | None = None,
        meters: list[EnergyMeter] | None = None,
        on_sample: Callable[[float, float], None] | None = None,
    ) -> None:
        if interval_s <= 0 or flush_s <= 0:
            raise ValueError("interval_s and flush_s must be positive")
        self._output_arg = output
        self.output = Path(output) if output is not None else default_output()
        self.interval_s, self.flush_s = interval_s, flush_s
        self.pid, self.command, self.region = pid, list(command), region
        self._given_meters = meters
        self._on_sample = on_sample
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.warnings: list[str] = []
        self.energy_j = 0.0
        self.exit_status: int | None = None

    # -- lifecycle --------------------------------------------------------------------
    def start(self) -> Tracker:
        assumptions: list[str] = []
        if self._given_meters is not None:
            self.meters, self.warnings = self._given_meters, []
        else:
            self.meters, assumptions, self.warnings = open_meters(self.pid)
        self._writer = RunWriter(
            self.output, command=self.command, pid=self.pid, interval_s=self.interval_s,
            backends=[m.name for m in self.meters], region=self.region,
        )  # fmt: skip
        for a in assumptions:
            self._writer.note("assumption", a)
        for w in self.warnings:
            self._writer.note("warning", w)
        self._writer.flush()
        self._start_energy: dict[str, float] = {}
        self._sample()
        self._thread = threading.Thread(target=self._loop, name="lcai-tracker", daemon=True)
        self._thread.start()
        return self

    def stop(self, exit_status: int | None = None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample()
        self.exit_status = exit_status
        self._writer.close(time.time(), exit_status)
        for m in self.meters:
            m.close()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._sample()
            self._writer.maybe_flush(self.flush_s)

    def _sample(self) -> None:
        t = time.time()
        total = 0.0
        for m in self.meters:
            try:
                readings = m.read()
            except Exception as exc:  # a device vanished mid-run: say so, keep going
                self._writer.note("warning", f"{m.name}: reading failed: {exc}")
                continue
            for dev, r in readings.items():
                self._writer.sample(Sample(t, dev, m.name, r.energy_j, r.power_w))
                total += r.energy_j
        self.energy_j = total
        if self._on_sample is not None:
            self._on_sample(t, total)

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
                pid=self.pid, region=self.region,
            ):  # fmt: skip
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    @property
    def energy_kwh(self) -> float:
        """Energy measured so far [kWh]."""
        return self.energy_j / J_PER_KWH


def track(
    output: str | Path | None = None,
    *,
    interval_s: float = 1.0,
    flush_s: float = 5.0,
    region: str | None = None,
) -> Tracker:
    """Measure this process (and its children) and the GPUs it may use.

    >>> with lcai.track("runs/train.jsonl") as run:   # doctest: +SKIP
    ...     train()
    >>> run.energy_kwh                                 # doctest: +SKIP

    Also a decorator: ``@lcai.track()``.
    """
    return Tracker(output, interval_s=interval_s, flush_s=flush_s, pid=os.getpid(), region=region)
