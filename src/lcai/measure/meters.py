"""Energy meters: one interface, several backends.

A meter reports, for each device it sees, the **cumulative energy in joules**
since it started (monotonic), and the current power where it knows it. The
tracker samples meters on a timer and writes what they say; it never guesses
silently: a backend that cannot run raises :class:`MeterUnavailableError` with the
reason and the fix, and the tracker records that as an assumption.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "EnergyMeter",
    "MeterUnavailableError",
    "NvmlMeter",
    "RaplMeter",
    "Reading",
    "ReplayMeter",
    "UtilisationMeter",
    "nvidia_present",
]

TRACK_EXTRA = "pip install 'lcai[track]'"
"""How to install what the meters need (nvidia-ml-py, psutil)."""


class MeterUnavailableError(RuntimeError):
    """A backend cannot measure here; ``fix`` says how to make it work.

    ``broken``: True where the hardware may be there but the software to read it is
    missing or fails (no nvidia-ml-py, NVML does not start); False where there is
    nothing to measure (no GPU visible to the job).
    """

    def __init__(self, backend: str, reason: str, fix: str = "", *, broken: bool = True) -> None:
        self.backend, self.reason, self.fix, self.broken = backend, reason, fix, broken
        super().__init__(f"{backend}: {reason}" + (f" ({fix})" if fix else ""))


@dataclass(frozen=True)
class Reading:
    """One device's cumulative energy [J] since the meter started, and power [W] if known."""

    energy_j: float
    power_w: float | None = None


@runtime_checkable
class EnergyMeter(Protocol):
    """What every backend provides."""

    name: str

    def read(self) -> Mapping[str, Reading]:
        """Cumulative energy per device (``gpu:0``, ``cpu:package-0``, ``dram:0`` ...)."""
        ...

    def close(self) -> None:
        """Release the backend."""
        ...


# --- NVIDIA GPUs (NVML) --------------------------------------------------------------


def nvidia_present() -> bool:
    """Whether an NVIDIA driver is installed here: ``/proc/driver/nvidia`` exists or
    ``nvidia-smi`` is on the PATH (whether or not NVML can be loaded)."""
    return Path("/proc/driver/nvidia").exists() or shutil.which("nvidia-smi") is not None


def _load_nvml() -> Any:
    try:
        import pynvml  # nvidia-ml-py, the lcai[track] extra
    except ImportError:
        raise MeterUnavailableError("nvml", "nvidia-ml-py is not installed", TRACK_EXTRA) from None
    return pynvml


def _visible_indices(count: int, env: Mapping[str, str]) -> list[int] | list[str]:
    """The GPUs a job may use, from CUDA_VISIBLE_DEVICES (indices or UUIDs), else all."""
    value = env.get("CUDA_VISIBLE_DEVICES")
    if value is None:
        return list(range(count))
    out: list[Any] = []
    for tok in (t.strip() for t in value.split(",")):
        if not tok or tok == "-1":
            break  # CUDA stops at the first invalid entry
        out.append(int(tok) if tok.isdigit() else tok)
    return out


class NvmlMeter:
    """NVIDIA GPUs through NVML: the total-energy counter where the GPU has one (Volta
    and newer), else power samples integrated over time (trapezoid rule)."""

    name = "nvml"

    def __init__(
        self,
        nvml: Any = None,
        env: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._nvml = nvml = _load_nvml() if nvml is None else nvml
        self._clock = clock
        try:
            nvml.nvmlInit()
            self._handles = self._open(env if env is not None else os.environ)
        except Exception as exc:  # NVMLError: no driver, no GPU, a GPU that fails
            raise MeterUnavailableError(
                "nvml", f"NVML cannot start: {exc}",
                "check that the NVIDIA driver works (nvidia-smi) and that nvidia-ml-py is "
                f"installed ({TRACK_EXTRA})",
            ) from None  # fmt: skip
        if not self._handles:
            raise MeterUnavailableError(
                "nvml", "no GPU is visible to this job (CUDA_VISIBLE_DEVICES)", broken=False
            )
        self._start: dict[str, float] = {}
        self._counter: dict[str, bool] = {}
        self._integrated: dict[str, float] = {}
        self._last: dict[str, tuple[float, float]] = {}
        for dev, h in self._handles.items():
            try:
                self._start[dev] = nvml.nvmlDeviceGetTotalEnergyConsumption(h) / 1000.0
                self._counter[dev] = True
            except Exception:  # NVMLError_NotSupported on older GPUs
                self._counter[dev] = False
                self._integrated[dev] = 0.0

    def _open(self, env: Mapping[str, str]) -> dict[str, Any]:
        """The handles of the GPUs this job may use, named as the job sees them."""
        nvml, handles = self._nvml, {}
        for i, ref in enumerate(_visible_indices(nvml.nvmlDeviceGetCount(), env)):
            if isinstance(ref, int):
                handles[f"gpu:{i}"] = nvml.nvmlDeviceGetHandleByIndex(ref)
            else:
                handles[f"gpu:{i}"] = nvml.nvmlDeviceGetHandleByUUID(ref)
        return handles

    @property
    def uses_counter(self) -> dict[str, bool]:
        """Per device: True where the energy counter is read, False where power is integrated."""
        return dict(self._counter)

    def read(self) -> dict[str, Reading]:
        out = {}
        now = self._clock()
        for dev, h in self._handles.items():
            try:
                power = self._nvml.nvmlDeviceGetPowerUsage(h) / 1000.0
            except Exception:
                power = None
            if self._counter[dev]:
                energy = (
                    self._nvml.nvmlDeviceGetTotalEnergyConsumption(h) / 1000.0 - self._start[dev]
                )
            else:
                if power is not None and dev in self._last:
                    t0, p0 = self._last[dev]
                    self._integrated[dev] += (p0 + power) / 2 * (now - t0)
                if power is not None:
                    self._last[dev] = (now, power)
                energy = self._integrated[dev]
            out[dev] = Reading(energy, power)
        return out

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._nvml.nvmlShutdown()


# --- CPU package and DRAM (Linux RAPL) -----------------------------------------------


class RaplMeter:
    """CPU package and DRAM energy from Linux RAPL (``/sys/class/powercap``), with the
    counters' wrap-around at ``max_energy_range_uj`` handled."""

    name = "rapl"

    def __init__(self, root: str | Path = "/sys/class/powercap") -> None:
        base = Path(root)
        zones = sorted(base.glob("intel-rapl:*")) if base.is_dir() else []
        self._files: dict[str, tuple[Path, float]] = {}
        for z in zones:
            name_file = z / "name"
            if not (z / "energy_uj").exists() or not name_file.exists():
                continue
            label = name_file.read_text().strip()
            idx = z.name.split(":", 1)[1].replace(":", "-")
            kind = "dram" if label == "dram" else ("cpu" if label.startswith("package") else None)
            if kind is None:
                continue  # core / uncore are inside the package
            rng = z / "max_energy_range_uj"
            max_uj = float(rng.read_text()) if rng.exists() else 2.0**32
            self._files[f"{kind}:{label}-{idx}" if kind == "cpu" else f"dram:{idx}"] = (
                z / "energy_uj",
                max_uj,
            )
        if not self._files:
            raise MeterUnavailableError(
                "rapl", "no RAPL package or DRAM zone under " + str(base),
                "run on an Intel or AMD Linux host (bare metal, or a VM or container given "
                "/sys/class/powercap) with the RAPL driver loaded (modprobe intel_rapl_msr)",
            )  # fmt: skip
        try:
            self._prev = {d: float(f.read_text()) for d, (f, _) in self._files.items()}
        except PermissionError:
            raise MeterUnavailableError(
                "rapl", "energy_uj is readable only by root",
                "run as root, or: sudo chmod o+r /sys/class/powercap/intel-rapl:*/energy_uj "
                "/sys/class/powercap/intel-rapl:*:*/energy_uj",
            ) from None  # fmt: skip
        self._total = dict.fromkeys(self._files, 0.0)

    def read(self) -> dict[str, Reading]:
        out = {}
        for dev, (f, max_uj) in self._files.items():
            now = float(f.read_text())
            delta = now - self._prev[dev]
            if delta < 0:  # the counter wrapped around
                delta += max_uj
            self._prev[dev] = now
            self._total[dev] += delta / 1e6
            out[dev] = Reading(self._total[dev])
        return out

    def close(self) -> None:
        return None


# --- fallback: utilisation x TDP -----------------------------------------------------


def _children_cpu_s() -> float:
    """CPU time [s] of this process's ended and reaped children (0 where the platform
    does not say)."""
    try:
        import resource
    except ImportError:  # not POSIX
        return 0.0
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return float(r.ru_utime + r.ru_stime)


class UtilisationMeter:
    """Estimate when nothing is measured: the process tree's share of CPU time x the
    CPU's power per core, and its resident memory x a cited W/GB figure.

    Only the tracked process and its children are counted, not the whole machine.
    """

    name = "utilisation-estimate"

    def __init__(
        self,
        pid: int | None = None,
        *,
        watts_per_core: float,
        memory_w_per_gb: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        try:
            import psutil
        except ImportError:
            raise MeterUnavailableError(
                "utilisation-estimate", "psutil is not installed", TRACK_EXTRA
            ) from None
        self._psutil = psutil
        self._proc = psutil.Process(pid) if pid is not None else psutil.Process()
        self._w_core = watts_per_core
        self._w_gb = memory_w_per_gb
        self._clock = clock
        self._t = clock()
        # a process this one started (lcai track -- CMD): once it has ended and been reaped,
        # its whole CPU time (with its reaped children's) is in this process's rusage
        try:
            self._own_child = self._proc.ppid() == os.getpid()
        except Exception:  # a process gone, or a stand-in without ppid
            self._own_child = False
        self._rusage0 = _children_cpu_s() if self._own_child else 0.0
        self._cpu_s = self._cpu_seconds()
        self._energy = {"cpu:estimate": 0.0, "dram:estimate": 0.0}

    def _tree(self) -> list[Any]:
        try:
            return [self._proc, *self._proc.children(recursive=True)]
        except self._psutil.Error:
            return []

    def _cpu_seconds(self) -> float:
        """CPU time of the live tree, with that of the children each process has reaped
        (``children_user``/``children_system``): a child that exits between two reads keeps
        counting through its parent, so the total does not fall."""
        tree = self._tree()
        if not tree and self._own_child:  # ended and reaped: its last interval counts too
            return _children_cpu_s() - self._rusage0
        total = 0.0
        for p in tree:
            try:
                t = p.cpu_times()
            except self._psutil.Error:
                continue
            total += t.user + t.system
            total += getattr(t, "children_user", 0.0) + getattr(t, "children_system", 0.0)
        return total

    def read(self) -> dict[str, Reading]:
        now = self._clock()
        dt = max(now - self._t, 1e-9)
        cpu_s = self._cpu_seconds()
        cores_busy = max(cpu_s - self._cpu_s, 0.0) / dt  # cores' worth of CPU in use
        rss_gb = 0.0
        for p in self._tree():
            try:
                rss_gb += p.memory_info().rss / 1e9
            except self._psutil.Error:
                continue
        cpu_w = cores_busy * self._w_core
        mem_w = rss_gb * self._w_gb
        self._energy["cpu:estimate"] += cpu_w * dt
        self._energy["dram:estimate"] += mem_w * dt
        # the highest total so far: a dip (a child exited, not yet reaped; the root gone at
        # the end) is not counted as negative, and its recovery not counted twice
        self._t, self._cpu_s = now, max(self._cpu_s, cpu_s)
        return {
            "cpu:estimate": Reading(self._energy["cpu:estimate"], cpu_w),
            "dram:estimate": Reading(self._energy["dram:estimate"], mem_w),
        }

    def close(self) -> None:
        return None


# --- replay ---------------------------------------------------------------------------


class ReplayMeter:
    """Replays the readings of a recorded run file, one sample time per read (tests, demos)."""

    name = "replay"

    def __init__(self, path: str | Path) -> None:
        from lcai.measure.runfile import read_run

        run = read_run(path)
        times = sorted({s.t for s in run.samples})
        self._steps = [
            {s.device: Reading(s.energy_j, s.power_w) for s in run.samples if s.t == t}
            for t in times
        ]
        self._i = 0

    def read(self) -> dict[str, Reading]:
        if not self._steps:
            return {}
        step = self._steps[min(self._i, len(self._steps) - 1)]
        self._i += 1
        return dict(step)

    def close(self) -> None:
        return None
