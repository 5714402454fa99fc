"""The fleet accounting: telemetry + job table + hourly intensity -> footprint per job.

For each time-ordered telemetry file (plus the first seconds of the next, so that
intervals crossing a file boundary come out exact), the kernel:

1. checks the data and applies a stated rule to each fault (see ``RULES``);
2. takes each interval's energy between consecutive samples from the GPU's energy
   counter where the telemetry has one, else by the trapezoid rule on its power, when
   0 < dt <= the gap limit (longer is a gap: no energy);
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

from lcai import model as m
from lcai.errors import SpecError
from lcai.units import H_PER_YEAR, J_PER_KWH, S_PER_H

__all__ = ["RULES", "FleetResult", "account", "kernel"]

IDLE = "idle"
RULES = {
    "duplicate": "dropped (of samples with the same device and time, the first written is kept)",
    "missing_power": "dropped",
    "negative_power": "dropped",
    "impossible_power": "capped at the device's TDP from the catalog",
    "clock_step": ("dropped (a sample written after a later-stamped sample of the same device)"),
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


_T_SPAN = 2**42  # times in ms fit in 42 bits until the year 2109: key = dev x 2^42 + t


def _examples(df: Any, names: dict[int, str], n: int = 5) -> list[str]:
    out = []
    for r in df.head(n).iter_rows(named=True):
        d = int(r["dev"])
        out.append(f"{names.get(d >> 6, '?')}/gpu{d & 63} at {r['t_ms']} ms")
    return out


def encode(df: Any, node_ids: dict[str, int]) -> Any:
    """Telemetry with an integer device id (node id x 64 + GPU index) instead of strings."""
    import polars as pl

    energy = pl.col("energy_j") if "energy_j" in df.columns else pl.lit(None, dtype=pl.Float64)
    dev = pl.col("node").replace_strict(node_ids, return_dtype=pl.Int64) * 64 + pl.col("gpu")
    return df.select(dev.alias("dev"), "t_ms", "power_w", energy.alias("energy_j"))


def kernel(
    batch: Any,
    head_of_next: Any | None,
    t_lo: int,
    t_hi: int,
    jobs: Any,
    gap_ms: int,
    cap_w: float,
    quality: Quality,
    names: dict[int, str] | None = None,
) -> Any:
    """Energy [J] and device-seconds per (job, device, hour) for intervals starting in
    [t_lo, t_hi).

    ``batch``/``head_of_next``: encoded telemetry (dev, t_ms, power_w) in file order;
    ``jobs``: (key, end_ms, job) with key = dev x 2^42 + start_ms, sorted by key.
    Integer keys and one combined sort key keep every step a vectorised pass.
    """
    import polars as pl

    names = names or {}
    # one stable sort by (device, time): equal keys keep their file order
    b = batch.with_row_index("_row").with_columns(
        (pl.col("dev") * _T_SPAN + pl.col("t_ms")).alias("key")
    )
    if not b["key"].is_sorted():  # files written device by device are sorted already
        b = b.sort("key", maintain_order=True)
    dup = (pl.col("key") == pl.col("key").shift(1)).fill_null(False)
    # a clock step: a sample written after a later-stamped one of the same device
    step = (
        (pl.col("dev") == pl.col("dev").shift(-1)) & (pl.col("_row") > pl.col("_row").shift(-1))
    ).fill_null(False)
    missing = pl.col("power_w").is_null() | pl.col("power_w").is_nan()
    negative = pl.col("power_w") < 0
    huge = pl.col("power_w") > cap_w
    # one pass to count; the rarer work below only runs when something was found
    n_dup, n_missing, n_neg, n_huge = b.select(
        dup.sum().alias("dup"),
        missing.sum().alias("missing"),
        negative.fill_null(False).sum().alias("neg"),
        huge.fill_null(False).sum().alias("huge"),
    ).row(0)
    if n_dup:
        quality.add("duplicate", n_dup, _examples(b.filter(dup), names))
        b = b.filter(~dup)
    n_step = int(b.select(step.sum()).item())
    if n_step:
        quality.add("clock_step", n_step, _examples(b.filter(step), names))
        b = b.filter(~step)
    if n_missing or n_neg:
        for kind, cond, n in (("missing_power", missing, n_missing),
                              ("negative_power", negative, n_neg)):  # fmt: skip
            if n:
                found = b.filter(cond)
                quality.add(kind, found.height, _examples(found, names))
        b = b.filter(~missing & (pl.col("power_w") >= 0))
    if n_huge:
        found = b.filter(huge)
        quality.add("impossible_power", found.height, _examples(found, names))
        b = b.with_columns(pl.col("power_w").clip(upper_bound=cap_w))
    b = b.drop("_row")
    if head_of_next is not None and head_of_next.height:
        head = head_of_next.filter(pl.col("t_ms") < t_hi + gap_ms).with_columns(
            (pl.col("dev") * _T_SPAN + pl.col("t_ms")).alias("key")
        )
        b = pl.concat([b, head.select(b.columns)]).sort("key")
    nxt_same = pl.col("dev").shift(-1) == pl.col("dev")
    counter = pl.col("energy_j").shift(-1) - pl.col("energy_j")
    iv = b.with_columns(
        (pl.col("t_ms").shift(-1) - pl.col("t_ms")).alias("dt_ms"),
        ((pl.col("power_w") + pl.col("power_w").shift(-1)) * 0.5).alias("p_mid"),
        # the device's own energy counter where the telemetry has one (and it did not reset)
        pl.when(counter >= 0).then(counter).otherwise(None).alias("counter_j"),
    ).filter(nxt_same & (pl.col("t_ms") >= t_lo) & (pl.col("t_ms") < t_hi))
    n_gap = int(iv.select((pl.col("dt_ms") > gap_ms).sum()).item())
    if n_gap:
        gaps = iv.filter(pl.col("dt_ms") > gap_ms)
        quality.add("gap", n_gap, _examples(gaps, names))
        iv = iv.filter(pl.col("dt_ms") <= gap_ms)
    att = iv.join_asof(jobs, on="key", strategy="backward", check_sortedness=False)
    held = (
        pl.col("job").is_not_null()
        & (pl.col("end_ms") > pl.col("t_ms"))
        & ((pl.col("job_key") // _T_SPAN) == pl.col("dev"))
    )
    att = att.select(
        pl.when(held).then(pl.col("job")).otherwise(-1).alias("job"),
        "dev",
        (pl.col("t_ms") // int(S_PER_H * 1000)).alias("hour"),
        pl.coalesce(pl.col("counter_j"), pl.col("p_mid") * pl.col("dt_ms") / 1000.0).alias(
            "energy_j"
        ),
        (pl.col("dt_ms") / 1000.0).alias("device_s"),
    )
    return att.group_by(["job", "dev", "hour"]).agg(
        pl.col("energy_j").sum(), pl.col("device_s").sum()
    )


@dataclass(frozen=True)
class _Context:
    """What every per-file task needs (small, picklable: sent to Dask workers)."""

    node_ids: dict[str, int]
    jobs_x: Any
    job_names: list[str]
    gap_ms: int
    cap_w: float


def _context(jobs: Any, site: Any, gap_s: float, cap_w: float) -> _Context:
    import polars as pl

    nodes = [*(site["node"].to_list() if "node" in site.columns else []), *jobs["node"].to_list()]
    node_ids = {n: i for i, n in enumerate(dict.fromkeys(nodes))}
    job_names = jobs["job_id"].unique(maintain_order=True).to_list()
    job_ids = {j: i for i, j in enumerate(job_names)}
    jobs_x = (
        jobs.with_columns(
            (
                pl.col("node").replace_strict(node_ids, return_dtype=pl.Int64) * 64 + pl.col("gpu")
            ).alias("dev"),
            pl.col("job_id").replace_strict(job_ids, return_dtype=pl.Int64).alias("job"),
        )
        .select((pl.col("dev") * _T_SPAN + pl.col("start_ms")).alias("key"), "end_ms", "job")
        .with_columns(pl.col("key").alias("job_key"))
        .sort("key")
    )
    return _Context(node_ids, jobs_x, job_names, int(gap_s * 1000), cap_w)


def _load(path: Path, node_ids: dict[str, int]) -> Any:
    """Read and encode one file, giving nodes seen for the first time the next ids."""
    from lcai.fleet.readers import read_power

    df = read_power(path)
    for n in sorted(set(df["node"].unique().to_list()) - node_ids.keys()):
        node_ids[n] = len(node_ids)
    return encode(df, node_ids)


def _named(part: Any, node_ids: dict[str, int], job_names: list[str]) -> Any:
    """A kernel result with node and job names instead of integer ids."""
    import polars as pl

    nodes = {i: n for n, i in node_ids.items()}
    jobs = dict(enumerate(job_names)) | {-1: IDLE}
    return part.select(
        pl.col("job").replace_strict(jobs, return_dtype=pl.Utf8).alias("job_id"),
        (pl.col("dev") // 64).replace_strict(nodes, return_dtype=pl.Utf8).alias("node"),
        "hour",
        "energy_j",
        "device_s",
    )


def _bounds(cur: Any, nxt: Any | None) -> tuple[int, int]:
    t_lo = int(cur["t_ms"].min())
    t_hi = int(nxt["t_ms"].min()) if nxt is not None else int(cur["t_ms"].max()) + 1
    return t_lo, t_hi


def _serial(
    files: list[Path], ctx: _Context, quality: Quality, progress: Callable[[int, int], None] | None
) -> tuple[list[Any], int]:
    """One file at a time (plus the next file's first seconds), each file read once."""
    node_ids = dict(ctx.node_ids)
    parts, samples = [], 0
    cur = _load(files[0], node_ids)
    for i in range(len(files)):
        nxt = _load(files[i + 1], node_ids) if i + 1 < len(files) else None
        t_lo, t_hi = _bounds(cur, nxt)
        samples += cur.height
        names = {v: k for k, v in node_ids.items()}
        part = kernel(cur, nxt, t_lo, t_hi, ctx.jobs_x, ctx.gap_ms, ctx.cap_w, quality, names)
        parts.append(_named(part, node_ids, ctx.job_names))
        cur = nxt
        if progress is not None:
            progress(i + 1, len(files))
    return parts, samples


def file_task(ctx: _Context, path: Path, next_path: Path | None) -> tuple[Any, Quality, int]:
    """The per-file task of the distributed engine: the same kernel, its own quality."""
    node_ids = dict(ctx.node_ids)
    quality = Quality()
    cur = _load(path, node_ids)
    nxt = _load(next_path, node_ids) if next_path is not None else None
    t_lo, t_hi = _bounds(cur, nxt)
    names = {v: k for k, v in node_ids.items()}
    part = kernel(cur, nxt, t_lo, t_hi, ctx.jobs_x, ctx.gap_ms, ctx.cap_w, quality, names)
    return _named(part, node_ids, ctx.job_names), quality, cur.height


def _dask(
    files: list[Path],
    ctx: _Context,
    quality: Quality,
    progress: Callable[[int, int], None] | None,
    scheduler: str | None,
) -> tuple[list[Any], int]:
    """The per-file kernel mapped over the files on a Dask cluster (no shuffle: the
    per-file results are small and additive)."""
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise SpecError("--engine dask needs dask.distributed: pip install 'lcai[fleet]'") from None
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler, timeout=10)
        except OSError as exc:
            raise SpecError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
    try:
        futures = [
            client.submit(file_task, ctx, f, files[i + 1] if i + 1 < len(files) else None,
                          pure=False)
            for i, f in enumerate(files)
        ]  # fmt: skip
        for done, _ in enumerate(as_completed(futures), start=1):
            if progress is not None:
                progress(done, len(files))
        results = client.gather(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    parts, samples = [], 0
    for part, q, n in results:
        parts.append(part)
        samples += n
        for kind in RULES:
            quality.add(kind, q.counts[kind], q.examples[kind])
    return parts, samples


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
                {"samples": self.samples, "total_energy_kwh": self.total_energy_j / J_PER_KWH,
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
    engine: str = "polars",
    scheduler: str | None = None,
) -> FleetResult:
    """Account a fleet's telemetry to its jobs (see the module docstring).

    ``engine``: ``polars`` (one machine, one file at a time) or ``dask`` (the same
    per-file kernel mapped over the files on a Dask cluster: ``scheduler`` is its
    address, or a local cluster of 2 workers when None). Both give the same result.
    """
    import polars as pl

    from lcai import catalog
    from lcai.fleet.readers import power_files, read_intensity, read_jobs, read_sites

    if allocate_idle not in (None, "proportional"):
        raise SpecError(f"--allocate-idle: expected 'proportional', got {allocate_idle!r}")
    files = power_files(power)
    if engine not in ("polars", "dask"):
        raise SpecError(f"--engine: expected 'polars' or 'dask', got {engine!r}")
    jobs = read_jobs(jobs_path)
    quality = Quality()
    assumptions: list[str] = []
    _overlaps(jobs, quality)
    site = read_sites(sites)
    acc = catalog.table("accelerators")
    accel = "H100-SXM5-80GB"
    if "accelerator" in site.columns and site.height:
        accel = acc.resolve(str(site["accelerator"][0]), "accelerator")
    else:
        assumptions.append(f"no accelerator in the sites file: {accel} assumed (TDP cap, embodied)")
    cap_w = acc.factor(accel, "tdp", "W").value
    ctx = _context(jobs, site, gap_s, cap_w)
    if engine == "polars":
        per_parts, samples = _serial(files, ctx, quality, progress)
    elif engine == "dask":
        per_parts, samples = _dask(files, ctx, quality, progress, scheduler)
    else:
        raise SpecError(f"--engine: expected 'polars' or 'dask', got {engine!r}")
    per = (
        pl.concat(per_parts)
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
    per = _impacts(per, site, read_intensity(intensity), assumptions, accel)
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


def _impacts(per: Any, site: Any, hourly: Any, assumptions: list[str], accel: str) -> Any:
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
        wk, _ = catalog.regional_key("electricity_water", "water_consumption", key)
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
    emb = next(
        acc.factor(accel, f"embodied_{m}", "kg")
        for m in ("manufacturer", "lca", "parametric", "bottom_up")
        if acc.has(accel, f"embodied_{m}")
    )
    servers = catalog.table("servers")
    life_h = servers.factor("default", "lifetime", "h").value
    util = servers.factor("default", "utilization", "1").value
    per_hour = m.allocated_embodied(emb.value, 1.0, life_h, util)
    assumptions.append(
        f"embodied carbon of {accel}: {emb.value:g} kg ({emb.source_id}) over "
        f"{life_h / H_PER_YEAR:g} years at {util:g} utilisation = {per_hour * 1000:.3g} g per "
        "GPU-hour"
    )
    # the model's functions are plain arithmetic, so they build Polars expressions too
    col: Callable[[str], Any] = pl.col
    it_kwh = col("energy_j") / J_PER_KWH
    facility_kwh = it_kwh + m.facility_overhead_kwh(it_kwh, col("pue"))
    gpu_hours = col("device_s") / S_PER_H
    water_l = m.onsite_water_l(it_kwh, col("wue_l_per_kwh")) + m.offsite_water_l(
        facility_kwh, col("ewif")
    )
    columns: dict[str, Any] = {
        "it_energy_kwh": it_kwh,
        "energy_kwh": facility_kwh,
        "co2e_kg": m.co2e_kg(facility_kwh, col("kg_per_kwh")),
        "water_l": water_l,
        "embodied_co2e_kg": m.allocated_embodied(emb.value, gpu_hours, life_h, util),
        "gpu_hours": gpu_hours,
    }
    return per.with_columns(**columns)
