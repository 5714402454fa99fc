"""The fleet accounting: telemetry + job table + hourly intensity -> footprint per job.

For each time-ordered telemetry file (plus the first seconds of the next, so that
intervals crossing a file boundary come out exact), the kernel:

1. checks the data and applies a stated rule to each fault (see ``RULES``);
2. integrates each GPU's power by the trapezoid rule over each interval between
   consecutive samples, when 0 < dt <= the gap limit (longer is a gap: no energy);
3. gives the interval to the job holding that GPU at the interval's start, else to
   ``idle``;
4. sums energy and device-seconds per (job, node, hour).

The per-file results are small and additive; PUE, the hour's carbon intensity, water
and embodied carbon are applied once at the end. Memory stays bounded by one file.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lcai.errors import SpecError

__all__ = ["RULES", "FleetResult", "account", "kernel"]

IDLE = "idle"
RULES = {
    "duplicate": "dropped (the first sample of a device at a time is kept)",
    "missing_power": "dropped",
    "negative_power": "dropped",
    "impossible_power": "capped at the device's TDP from the catalog",
    "clock_step": (
        "dropped (a sample earlier than the one before it, for that device, in file order)"
    ),
    "gap": "no energy over the gap (not interpolated); the interval is reported",
    "overlapping_jobs": "the later-starting job takes the device from its start",
    "job_without_samples": "reported; no energy",
}


@dataclass
class Quality:
    """Counts of each data fault, a few examples of each, and the rule applied."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RULES, 0))
    examples: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k in RULES})

    def add(self, kind: str, n: int, examples: list[str]) -> None:
        self.counts[kind] += n
        room = 5 - len(self.examples[kind])
        if room > 0:
            self.examples[kind] += examples[:room]

    def to_dict(self) -> dict[str, Any]:
        return {
            k: {"count": self.counts[k], "rule": RULES[k], "examples": self.examples[k]}
            for k in RULES
        }


def _examples(df: Any, n: int = 5) -> list[str]:
    return [
        f"{r['node']}/gpu{r['gpu']} at {r['t_ms']} ms" for r in df.head(n).iter_rows(named=True)
    ]


def kernel(
    batch: Any,
    head_of_next: Any | None,
    t_lo: int,
    t_hi: int,
    jobs: Any,
    gap_ms: int,
    cap_w: float,
    quality: Quality,
) -> Any:
    """Energy [J] and device-seconds per (job, node, hour) for intervals starting in
    [t_lo, t_hi). ``jobs``: one row per (job, node, gpu) with start_ms and end_ms."""
    import polars as pl

    dev = ["node", "gpu"]
    n = batch.height
    b = batch.unique(subset=[*dev, "t_ms"], keep="first", maintain_order=True)
    if b.height < n:
        quality.add("duplicate", n - b.height, [])
    b = b.with_row_index("_row")
    step = b.filter(pl.col("t_ms").diff().over(dev) < 0)
    quality.add("clock_step", step.height, _examples(step))
    b = b.filter(~pl.col("_row").is_in(step["_row"].implode()))
    missing = b.filter(pl.col("power_w").is_null() | pl.col("power_w").is_nan())
    quality.add("missing_power", missing.height, _examples(missing))
    b = b.filter(pl.col("power_w").is_not_null() & pl.col("power_w").is_not_nan())
    neg = b.filter(pl.col("power_w") < 0)
    quality.add("negative_power", neg.height, _examples(neg))
    b = b.filter(pl.col("power_w") >= 0)
    huge = b.filter(pl.col("power_w") > cap_w)
    quality.add("impossible_power", huge.height, _examples(huge))
    b = b.with_columns(pl.col("power_w").clip(upper_bound=cap_w)).drop("_row")
    if head_of_next is not None and head_of_next.height:
        b = pl.concat([b, head_of_next.filter(pl.col("t_ms") < t_hi + gap_ms)])
    b = b.sort([*dev, "t_ms"])
    iv = b.with_columns(
        pl.col("t_ms").shift(-1).over(dev).alias("t_next"),
        pl.col("power_w").shift(-1).over(dev).alias("p_next"),
    ).filter((pl.col("t_ms") >= t_lo) & (pl.col("t_ms") < t_hi) & pl.col("t_next").is_not_null())
    iv = iv.with_columns((pl.col("t_next") - pl.col("t_ms")).alias("dt_ms"))
    gaps = iv.filter(pl.col("dt_ms") > gap_ms)
    quality.add("gap", gaps.height, _examples(gaps))
    iv = iv.filter((pl.col("dt_ms") > 0) & (pl.col("dt_ms") <= gap_ms))
    iv = iv.with_columns(
        ((pl.col("power_w") + pl.col("p_next")) * 0.5 * pl.col("dt_ms") / 1000.0).alias("energy_j"),
        (pl.col("t_ms") // 3_600_000).alias("hour"),
    )
    att = iv.sort("t_ms").join_asof(
        jobs.sort("start_ms"),
        left_on="t_ms",
        right_on="start_ms",
        by=dev,
        strategy="backward",
        check_sortedness=False,
    )
    att = att.with_columns(
        pl.when(pl.col("job_id").is_not_null() & (pl.col("t_ms") < pl.col("end_ms")))
        .then(pl.col("job_id"))
        .otherwise(pl.lit(IDLE))
        .alias("job_id")
    )
    return att.group_by(["job_id", "node", "hour"]).agg(
        pl.col("energy_j").sum(), (pl.col("dt_ms").sum() / 1000.0).alias("device_s")
    )


@dataclass
class FleetResult:
    """Per-job, per-project and per-model footprints, the idle bucket, and data quality."""

    jobs: Any
    projects: Any
    models: Any
    total_energy_j: float
    quality: Quality
    assumptions: list[str]
    samples: int

    def write(self, outdir: str | Path) -> list[Path]:
        """Parquet and CSV for each table, and quality.json (each written atomically)."""
        import os

        out = Path(outdir)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, df in (("jobs", self.jobs), ("projects", self.projects), ("models", self.models)):
            for ext in ("parquet", "csv"):
                target = out / f"{name}.{ext}"
                tmp = out / f".{name}.{ext}.tmp"
                df.write_parquet(tmp) if ext == "parquet" else df.write_csv(tmp)
                os.replace(tmp, target)
                written.append(target)
        q = out / "quality.json"
        tmp = out / ".quality.json.tmp"
        tmp.write_text(
            json.dumps(
                {"samples": self.samples, "total_energy_kwh": self.total_energy_j / 3.6e6,
                 "faults": self.quality.to_dict(), "assumptions": self.assumptions},
                indent=2,
            )
        )  # fmt: skip
        os.replace(tmp, q)
        written.append(q)
        return written


def _overlaps(jobs: Any, quality: Quality) -> None:
    import polars as pl

    j = jobs.sort(["node", "gpu", "start_ms"])
    prev_end = pl.col("end_ms").shift(1).over(["node", "gpu"])
    bad = j.filter(pl.col("start_ms") < prev_end)
    quality.add(
        "overlapping_jobs",
        bad.height,
        [f"{r['job_id']} on {r['node']}/gpu{r['gpu']}" for r in bad.head(5).iter_rows(named=True)],
    )


def account(
    power: str | Path,
    jobs_path: str | Path,
    *,
    intensity: str | Path | None = None,
    sites: str | Path | None = None,
    gap_s: float = 10.0,
    allocate_idle: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FleetResult:
    """Account a fleet's telemetry to its jobs (see the module docstring)."""
    import polars as pl

    from lcai import catalog
    from lcai.fleet.readers import power_files, read_intensity, read_jobs, read_power, read_sites

    if allocate_idle not in (None, "proportional"):
        raise SpecError(f"--allocate-idle: expected 'proportional', got {allocate_idle!r}")
    files = power_files(power)
    jobs = read_jobs(jobs_path)
    quality = Quality()
    assumptions: list[str] = []
    _overlaps(jobs, quality)
    site = read_sites(sites)
    acc = catalog.table("accelerators")
    accel = "H100-SXM5-80GB"
    if "accelerator" in site.columns and site.height:
        accel = acc.resolve(str(site["accelerator"][0]), "accelerator")
    cap_w = acc.factor(accel, "tdp", "W").value
    gap_ms = int(gap_s * 1000)
    parts = []
    samples = 0
    frames: list[Any] = [None] * len(files)
    frames[0] = read_power(files[0])
    for i in range(len(files)):
        cur = frames[i]
        nxt = read_power(files[i + 1]) if i + 1 < len(files) else None
        if i + 1 < len(files):
            frames[i + 1] = nxt
        t_lo = int(cur["t_ms"].min())
        t_hi = int(nxt["t_ms"].min()) if nxt is not None else int(cur["t_ms"].max()) + 1
        samples += cur.height
        head = nxt.filter(pl.col("t_ms") < t_hi + gap_ms) if nxt is not None else None
        parts.append(kernel(cur, head, t_lo, t_hi, jobs, gap_ms, cap_w, quality))
        frames[i] = None  # one file in memory at a time (plus the next)
        if progress is not None:
            progress(i + 1, len(files))
    per = (
        pl.concat(parts)
        .group_by(["job_id", "node", "hour"])
        .agg(pl.col("energy_j").sum(), pl.col("device_s").sum())
    )
    total_j = float(per["energy_j"].sum())
    seen = set(per["job_id"].unique().to_list())
    empty = [j for j in jobs["job_id"].unique(maintain_order=True).to_list() if j not in seen]
    quality.add("job_without_samples", len(empty), empty[:5])
    if allocate_idle == "proportional":
        per = _allocate_idle(per)
        assumptions.append(
            "idle energy of each (node, hour) spread over that node's jobs in that hour in "
            "proportion to their energy; idle with no job there stays idle"
        )
    per = _impacts(per, site, read_intensity(intensity), assumptions)
    meta = jobs.group_by("job_id").agg(
        pl.col(c).first() for c in ("project", "user", "model", "phase") if c in jobs.columns
    )
    per_job = (
        per.group_by("job_id")
        .agg(pl.col(c).sum() for c in _IMPACT_COLS)
        .join(meta, on="job_id", how="left")
        .sort("job_id")
    )

    def by(key: str) -> Any:
        return (
            per_job.filter(pl.col("job_id") != IDLE)
            .group_by(key)
            .agg(pl.col(c).sum() for c in _IMPACT_COLS)
            .sort(key)
        )

    return FleetResult(
        jobs=per_job,
        projects=by("project"),
        models=by("model"),
        total_energy_j=total_j,
        quality=quality,
        assumptions=assumptions,
        samples=samples,
    )


_IMPACT_COLS = (
    "it_energy_kwh",
    "energy_kwh",
    "co2e_kg",
    "water_l",
    "embodied_co2e_kg",
    "gpu_hours",
)


def _allocate_idle(per: Any) -> Any:
    import polars as pl

    idle = per.filter(pl.col("job_id") == IDLE).select(
        "node", "hour", pl.col("energy_j").alias("idle_j")
    )
    busy = per.filter(pl.col("job_id") != IDLE).join(idle, on=["node", "hour"], how="left")
    busy = busy.with_columns(
        (pl.col("energy_j") / pl.col("energy_j").sum().over(["node", "hour"])).alias("share")
    ).with_columns(
        (pl.col("energy_j") + pl.col("share") * pl.col("idle_j").fill_null(0.0)).alias("energy_j")
    )
    covered = busy.select("node", "hour").unique()
    left = idle.join(covered, on=["node", "hour"], how="anti")
    rest = left.select(
        pl.lit(IDLE).alias("job_id"),
        "node",
        "hour",
        pl.col("idle_j").alias("energy_j"),
        pl.lit(0.0).alias("device_s"),
    )
    return pl.concat([busy.select(per.columns), rest.select(per.columns)])


def _impacts(per: Any, site: Any, hourly: Any, assumptions: list[str]) -> Any:
    """PUE, carbon of the hour, water and embodied carbon for each (job, node, hour)."""
    import polars as pl

    from lcai import catalog

    fac = catalog.table("facility")
    default_pue = fac.factor("industry_average", "pue", "1")
    default_wue = fac.factor("industry_average", "wue", "L/kWh")
    cols = {"region": pl.Utf8, "pue": pl.Float64, "wue_l_per_kwh": pl.Float64}
    for c, t in cols.items():
        if c not in site.columns:
            site = site.with_columns(pl.lit(None, dtype=t).alias(c))
    per = per.join(site.select("node", *cols), on="node", how="left")
    if per["pue"].null_count():
        assumptions.append(
            f"nodes without a PUE in the sites file: industry average {default_pue.value:g} "
            f"({default_pue.source_id})"
        )
    if per["wue_l_per_kwh"].null_count():
        assumptions.append(
            f"nodes without a WUE: industry average {default_wue.value:g} L/kWh "
            f"({default_wue.source_id})"
        )
    if per["region"].null_count():
        assumptions.append("nodes without a region: the world average grid")
    per = per.with_columns(
        pl.col("pue").fill_null(default_pue.value),
        pl.col("wue_l_per_kwh").fill_null(default_wue.value),
        pl.col("region").fill_null("WORLD"),
    )
    grid = catalog.table("grid_intensity")
    water = catalog.table("electricity_water")
    regions = per["region"].unique().to_list()
    annual = {}
    ewif = {}
    for r in regions:
        key = grid.resolve(r, "grid region")
        annual[r] = grid.factor(key, "co2e_intensity", "kg/kWh").value
        wk = next(k for k in (key, key.split("-")[0], "WORLD") if water.has(k, "water_consumption"))
        ewif[r] = water.factor(wk, "water_consumption", "L/kWh").value
    per = per.join(hourly, on=["region", "hour"], how="left")
    missing = per.filter(pl.col("kg_per_kwh").is_null())
    if missing.height:
        assumptions.append(
            f"{missing.select('region', 'hour').unique().height} (region, hour) pairs not in the "
            "hourly intensity: the region's annual factor from the catalog"
        )
    per = per.with_columns(
        pl.col("kg_per_kwh").fill_null(pl.col("region").replace_strict(annual, default=None)),
        pl.col("region").replace_strict(ewif, default=None).alias("ewif"),
    )
    acc = catalog.table("accelerators")
    accel = "H100-SXM5-80GB"
    if "accelerator" in site.columns and site.height:
        accel = acc.resolve(str(site["accelerator"][0]), "accelerator")
    emb = next(
        acc.factor(accel, f"embodied_{m}", "kg")
        for m in ("manufacturer", "lca", "parametric", "bottom_up")
        if acc.has(accel, f"embodied_{m}")
    )
    servers = catalog.table("servers")
    life_h = servers.factor("default", "lifetime", "h").value
    util = servers.factor("default", "utilization", "1").value
    per_hour = emb.value / (life_h * util)
    assumptions.append(
        f"embodied carbon of {accel}: {emb.value:g} kg ({emb.source_id}) over "
        f"{life_h / 8760:g} years at {util:g} utilisation = {per_hour * 1000:.3g} g per GPU-hour"
    )
    it_kwh = pl.col("energy_j") / 3.6e6
    return per.with_columns(
        it_kwh.alias("it_energy_kwh"),
        (it_kwh * pl.col("pue")).alias("energy_kwh"),
        (it_kwh * pl.col("pue") * pl.col("kg_per_kwh")).alias("co2e_kg"),
        (it_kwh * pl.col("wue_l_per_kwh") + it_kwh * pl.col("pue") * pl.col("ewif")).alias(
            "water_l"
        ),
        (pl.col("device_s") / 3600.0 * per_hour).alias("embodied_co2e_kg"),
        (pl.col("device_s") / 3600.0).alias("gpu_hours"),
    )
