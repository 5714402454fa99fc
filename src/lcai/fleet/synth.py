"""Synthetic telemetry for demos, tests and benchmarks: DCGM-like GPU power at ~1 Hz,
a job table, hourly grid intensity with a daily cycle, and site metadata.

Realistic by construction: idle and busy power with noise, jobs that cover part of the
time (a greedy per-node scheduler of 1/2/4/8-GPU jobs), jitter, dropped samples, and,
with ``faults=True``, the data faults the accounting must report (duplicates, negative
and impossible power, missing values, a gap, a clock step, overlapping jobs).
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from pathlib import Path
from typing import Any

import numpy as np

from lcai.errors import SpecError

__all__ = ["synthesize"]

_T0_MS = int(dt.datetime(2026, 1, 5, tzinfo=dt.UTC).timestamp() * 1000)
_REGIONS = ("US-VA", "FR", "SE", "US-TX")


MAX_NODES = 512
MAX_HOURS = 744
"""A month of 1 Hz telemetry."""


def synthesize(
    out: str | Path,
    *,
    nodes: int = 4,
    gpus_per_node: int = 8,
    hours: int = 2,
    seed: int = 0,
    faults: bool = False,
    idle_w: float = 70.0,
    busy_w: float = 550.0,
    per_node: bool = False,
    replace: bool = False,
) -> dict[str, int]:
    """Write a synthetic fleet into the folder ``out`` as one set (see :func:`_write`). A
    folder that exists and is not empty is refused unless ``replace``: a run never mixes
    its files with an older run's."""
    from lcai.files import replace_folder

    out = Path(out)
    _check_params(nodes=nodes, gpus_per_node=gpus_per_node, hours=hours, seed=seed,
                  idle_w=idle_w, busy_w=busy_w)  # fmt: skip
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not replace)):
        raise SpecError(
            "output folder: exists and is not empty; a synthetic fleet is written into a "
            "new folder (or replace it explicitly)",
            file=str(out),
        )
    info: dict[str, int] = {}
    try:
        replace_folder(out, lambda folder: info.update(_write(
            folder, nodes=nodes, gpus_per_node=gpus_per_node, hours=hours, seed=seed,
            faults=faults, idle_w=idle_w, busy_w=busy_w, per_node=per_node,
        )))  # fmt: skip
    except OSError as exc:
        raise SpecError(f"output folder: cannot write: {exc.strerror}", file=str(out)) from None
    return info


def _check_params(
    *, nodes: int, gpus_per_node: int, hours: int, seed: int, idle_w: float, busy_w: float
) -> None:
    """The parameters of :func:`synthesize`, each error naming its field."""
    for name, value, low, high in (
        ("nodes", nodes, 1, MAX_NODES),
        ("gpus_per_node", gpus_per_node, 1, 64),
        ("hours", hours, 1, MAX_HOURS),
        ("seed", seed, 0, 2**63 - 1),  # as lcai.engine.uncertainty.sample_params
    ):
        if not (isinstance(value, numbers.Integral) and low <= value <= high):
            what = "2**63 - 1" if name == "seed" else f"{high}"
            raise SpecError(f"expected {low} to {what}, got {value!r}", path=(name,))
    for name, w in (("idle_w", idle_w), ("busy_w", busy_w)):
        if not (isinstance(w, numbers.Real) and math.isfinite(w) and 0 <= w <= 10_000):
            raise SpecError(f"expected a power of 0 to 10000 W, got {w!r}", path=(name,))


def _write(
    out: str | Path,
    *,
    nodes: int = 4,
    gpus_per_node: int = 8,
    hours: int = 2,
    seed: int = 0,
    faults: bool = False,
    idle_w: float = 70.0,
    busy_w: float = 550.0,
    per_node: bool = False,
) -> dict[str, int]:
    """Write ``power/hour-*.parquet`` (``power/hour-*-NODE.parquet`` with ``per_node``: a
    file per node and hour), ``jobs.csv``, ``intensity.csv`` and ``sites.csv``."""
    import polars as pl

    rng = np.random.default_rng(seed)
    out = Path(out)
    (out / "power").mkdir(parents=True, exist_ok=True)
    node_names = [f"node{n:03d}" for n in range(nodes)]
    # jobs: a greedy scheduler per node, jobs of 1/2/4/8 GPUs, about two thirds busy
    jobs: list[dict[str, Any]] = []
    horizon_ms = hours * 3_600_000
    job_id = 1
    for node in node_names:
        free_at = np.zeros(gpus_per_node)
        while free_at.min() < horizon_ms:
            size = int(rng.choice([1, 2, 4, 8]))
            size = min(size, gpus_per_node)
            order = np.argsort(free_at)[:size]
            start = free_at[order].max() + rng.exponential(0.5 * 3_600_000)
            length = rng.uniform(0.2, 1.5) * 3_600_000
            if start >= horizon_ms:
                break
            end = min(start + length, horizon_ms)
            jobs.append(
                {
                    "job_id": f"j{job_id}",
                    "node": node,
                    "gpus": ",".join(str(int(g)) for g in sorted(order)),
                    "start_ms": int(_T0_MS + start),
                    "end_ms": int(_T0_MS + end),
                    "project": f"proj-{int(rng.integers(1, 5))}",
                    "user": f"user{int(rng.integers(1, 9))}",
                    "model": f"model-{int(rng.integers(1, 4))}",
                    "phase": "training" if rng.random() < 0.7 else "inference",
                }
            )
            free_at[order] = end
            job_id += 1
    if faults and len(jobs) >= 2:
        j = dict(jobs[0])  # a job overlapping the first on the same GPUs
        j["job_id"] = f"j{job_id}"
        j["start_ms"] = jobs[0]["start_ms"] + 60_000
        jobs.append(j)
        jobs.append(  # a job with no samples (after the telemetry ends)
            {**jobs[1], "job_id": f"j{job_id + 1}", "start_ms": _T0_MS + horizon_ms + 3_600_000,
             "end_ms": _T0_MS + horizon_ms + 7_200_000}
        )  # fmt: skip
    jobs_df = pl.DataFrame(jobs).with_columns(
        pl.from_epoch("start_ms", time_unit="ms").dt.replace_time_zone("UTC").alias("start"),
        pl.from_epoch("end_ms", time_unit="ms").dt.replace_time_zone("UTC").alias("end"),
    )
    jobs_df.drop("start_ms", "end_ms").write_csv(out / "jobs.csv")
    # power: busy while a job holds the GPU, idle otherwise, noise, jitter, 0.2% dropped
    busy: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for j in jobs:
        for g in str(j["gpus"]).split(","):
            key = (str(j["node"]), int(g))
            busy.setdefault(key, []).append((int(j["start_ms"]), int(j["end_ms"])))
    samples = 0
    for h in range(hours):
        t_start = _T0_MS + h * 3_600_000
        base = np.arange(3600, dtype=np.int64) * 1000 + t_start
        frames = []
        for node in node_names:
            for gpu in range(gpus_per_node):
                t = base + rng.integers(-50, 50, size=base.size)
                keep = rng.random(base.size) > 0.002
                t = t[keep]
                p = np.full(t.size, idle_w) + rng.normal(0, 5, t.size)
                for s, e in busy.get((node, gpu), []):
                    mask = (t >= s) & (t < e)
                    p[mask] = busy_w + rng.normal(0, 25, int(mask.sum()))
                frames.append(
                    pl.DataFrame(
                        {"t_ms": t, "node": node, "gpu": np.full(t.size, gpu, dtype=np.int32),
                         "power_w": p}
                    )
                )  # fmt: skip
        frame = pl.concat(frames)
        if faults and h == 0:
            frame = _inject_faults(frame)
        if per_node:
            for (node,), part in frame.group_by("node", maintain_order=True):
                part.write_parquet(out / "power" / f"hour-{h:04d}-{node}.parquet",
                                   compression="zstd")  # fmt: skip
        else:
            frame.write_parquet(out / "power" / f"hour-{h:04d}.parquet", compression="zstd")
        samples += frame.height
    # hourly carbon intensity with a daily cycle, per region
    rows = []
    for r_i, region in enumerate(_REGIONS):
        base_g = (350.0, 45.0, 30.0, 400.0)[r_i]
        for h in range(-1, hours + 24):  # from the hour before: samples jitter back 50 ms
            ts = dt.datetime.fromtimestamp((_T0_MS / 1000) + h * 3600, dt.UTC)
            cycle = 1 + 0.2 * np.sin(2 * np.pi * (ts.hour - 6) / 24)
            rows.append({"timestamp": ts.isoformat(), "region": region,
                         "gco2e_per_kwh": round(base_g * cycle, 3)})  # fmt: skip
    pl.DataFrame(rows).write_csv(out / "intensity.csv")
    sites = pl.DataFrame(
        {
            "node": node_names,
            "site": [f"site-{i % 2}" for i in range(nodes)],
            "region": [_REGIONS[i % len(_REGIONS)] for i in range(nodes)],
            "pue": [1.2 if i % 2 == 0 else 1.1 for i in range(nodes)],
            "wue_l_per_kwh": [0.5 if i % 2 == 0 else 0.3 for i in range(nodes)],
            "accelerator": ["H100-SXM5-80GB"] * nodes,
        }
    )
    sites.write_csv(out / "sites.csv")
    return {"samples": samples, "jobs": len(jobs), "files": hours * (nodes if per_node else 1)}


def _inject_faults(f: Any) -> Any:
    """Duplicates, negative, impossible and missing power, a gap and a clock step."""
    import polars as pl

    dup = f.head(5)
    idx = pl.int_range(pl.len())
    body = f.with_columns(
        pl.when(idx.is_in([100, 101, 102]))
        .then(pl.lit(-10.0))  # negative power
        .when(idx.is_in([200, 201]))
        .then(pl.lit(5000.0))  # impossible power
        .when(idx.is_in([300, 301]))
        .then(pl.lit(None, dtype=pl.Float64))  # missing power
        .otherwise(pl.col("power_w"))
        .alias("power_w")
    )
    # a 60-second exporter gap on one GPU
    g0 = body.filter((pl.col("node") == body["node"][0]) & (pl.col("gpu") == 0))
    gap_t = int(g0["t_ms"][600])
    body = body.filter(
        ~((pl.col("node") == body["node"][0]) & (pl.col("gpu") == 0)
          & (pl.col("t_ms") > gap_t) & (pl.col("t_ms") < gap_t + 60_000))
    )  # fmt: skip
    # a clock step: one sample of another GPU written 30 s in the past, out of order
    step = body.filter((pl.col("node") == body["node"][0]) & (pl.col("gpu") == 1)).slice(900, 1)
    step = step.with_columns((pl.col("t_ms") - 30_000).alias("t_ms"))
    return pl.concat([body, dup, step])
