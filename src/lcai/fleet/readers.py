"""Readers for fleet inputs, mapping common exports to canonical columns, with clear errors.

Canonical power telemetry: ``t_ms`` (int, ms since the epoch), ``node`` (str), ``gpu``
(int), ``power_w`` (float), and optionally ``energy_j`` (a cumulative energy counter, J;
DCGM's ``DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION`` in mJ is converted). Recognised exports:
lcai's own, NVIDIA DCGM exporter as scraped into Prometheus and exported
(``timestamp``, ``Hostname``, ``gpu``, ``DCGM_FI_DEV_POWER_USAGE``), and ``lcai track``
run files (``.jsonl``: node = the file's name, gpu = the device index).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from lcai.errors import SpecError
from lcai.units import RANGES, S_PER_H, Range

__all__ = [
    "power_files",
    "read_intensity",
    "read_jobs",
    "read_power",
    "read_sites",
]

_POWER_ALIASES = {
    "t_ms": ("t_ms", "timestamp_ms"),
    "timestamp": ("timestamp", "time", "Time", "ts"),
    "node": ("node", "Hostname", "hostname", "host", "instance"),
    "gpu": ("gpu", "GPU", "device", "gpu_index", "minor_number"),
    "power_w": ("power_w", "DCGM_FI_DEV_POWER_USAGE", "power", "power_draw_w", "value"),
}
# an optional cumulative energy counter: (column, factor to J)
_ENERGY_COUNTERS = (("energy_j", 1.0), ("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", 1e-3))


def power_files(path: str | Path) -> list[Path]:
    """The telemetry files under ``path`` (a file, or a folder of Parquet/CSV files), in
    name order. Names and order do not matter to the accounting: files may hold any
    slice of the telemetry (per hour, per day, per node, or any mix)."""
    p = Path(path)
    if p.is_file():
        return [p]
    if not p.is_dir():
        raise SpecError("power telemetry: no such file or folder", file=str(path))
    files = sorted([*p.glob("*.parquet"), *p.glob("*.csv"), *p.glob("*.jsonl")])
    if not files:
        raise SpecError(
            "power telemetry: no .parquet, .csv or .jsonl file in the folder", file=str(path)
        )
    return files


def _pick(columns: list[str], canon: str) -> str | None:
    for a in _POWER_ALIASES[canon]:
        if a in columns:
            return a
    return None


def read_power(path: Path) -> Any:
    """One telemetry file as a Polars frame with the canonical columns."""
    import polars as pl

    if path.suffix == ".jsonl":
        return _read_run_file(path)
    try:
        df = pl.read_parquet(path) if path.suffix == ".parquet" else pl.read_csv(path)
    except Exception as exc:  # polars raises several kinds for unreadable files
        raise SpecError(f"cannot read telemetry: {exc}", file=str(path)) from None
    cols = df.columns
    out = {}
    t_ms = _pick(cols, "t_ms")
    if t_ms is not None:
        out["t_ms"] = pl.col(t_ms).cast(pl.Int64)
    else:
        ts = _pick(cols, "timestamp")
        if ts is None:
            raise SpecError(
                "telemetry needs a time column (t_ms, or timestamp as ISO time or epoch s)",
                file=str(path),
            )
        if df.schema[ts] in (pl.Utf8, pl.String):
            out["t_ms"] = pl.col(ts).str.to_datetime(time_zone="UTC").dt.epoch("ms")
        else:
            out["t_ms"] = (pl.col(ts).cast(pl.Float64) * 1000).cast(pl.Int64)
    for canon in ("node", "gpu", "power_w"):
        name = _pick(cols, canon)
        if name is None:
            raise SpecError(
                f"telemetry has no {canon} column (accepted: "
                f"{', '.join(_POWER_ALIASES[canon])}); columns are {', '.join(cols)}",
                file=str(path),
            )
        out[canon] = pl.col(name)
    select = [
        out["t_ms"].alias("t_ms"),
        out["node"].cast(pl.Utf8).alias("node"),
        out["gpu"].cast(pl.Int32).alias("gpu"),
        out["power_w"].cast(pl.Float64).alias("power_w"),
    ]
    for name, factor in _ENERGY_COUNTERS:
        if name in cols:
            select.append((pl.col(name).cast(pl.Float64) * factor).alias("energy_j"))
            break
    try:
        out_df = df.select(select)
    except Exception as exc:
        raise SpecError(f"telemetry columns have the wrong type: {exc}", file=str(path)) from None
    _check_power(out_df, path)
    return out_df


def _check_power(df: Any, path: Path) -> None:
    """Every sample has a time, a node and a GPU index in 0-63 (power may be missing: a
    data fault with its own rule)."""
    for c in ("t_ms", "node", "gpu"):
        n = df[c].null_count()
        if n:
            raise SpecError(f"telemetry: {c}: {n} empty value(s)", file=str(path))
    if df.height and not 0 <= int(df["gpu"].min()) <= int(df["gpu"].max()) < 64:
        raise SpecError(
            f"telemetry: gpu: expected an index 0-63, got {df['gpu'].min()}-{df['gpu'].max()}",
            file=str(path),
        )


def _read_run_file(path: Path) -> Any:
    """GPU power from an `lcai track` run file: node = the file's name, gpu = the device
    index; power from the samples' power, else from the energy counter's differences."""
    import polars as pl

    from lcai.measure.runfile import read_run

    run = read_run(path)
    rows = []
    last: dict[str, tuple[float, float]] = {}
    for s in run.samples:
        if not s.device.startswith("gpu:"):
            continue
        power = s.power_w
        if power is None and s.device in last:
            t0, e0 = last[s.device]
            power = (s.energy_j - e0) / (s.t - t0) if s.t > t0 else None
        last[s.device] = (s.t, s.energy_j)
        if power is not None:
            rows.append((int(s.t * 1000), path.stem, int(s.device[4:]), float(power)))
    if not rows:
        raise SpecError("the run file has no GPU samples", file=str(path))
    t, node, gpu, p = zip(*rows, strict=True)
    return pl.DataFrame(
        {"t_ms": t, "node": node, "gpu": gpu, "power_w": p},
        schema={"t_ms": pl.Int64, "node": pl.Utf8, "gpu": pl.Int32, "power_w": pl.Float64},
    )


def _to_ms(value: str, file: str, line: int, field: str) -> int:
    try:
        v = value.strip()
        if v.replace(".", "", 1).isdigit():
            return int(float(v) * 1000)
        t = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
        if t.tzinfo is None:
            t = t.replace(tzinfo=dt.UTC)
        return int(t.timestamp() * 1000)
    except ValueError:
        raise SpecError(f"{field}: not a time: {value!r}", file=file, line=line) from None


def read_jobs(path: str | Path) -> Any:
    """The job table (CSV, or Slurm ``sacct --parsable2`` output) as one row per (job, GPU)."""
    import csv

    import polars as pl

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"cannot read the job table: {exc.strerror}", file=str(path)) from None
    delim = "|" if "|" in text.splitlines()[0] else ","
    rows = list(csv.DictReader(text.splitlines(), delimiter=delim))
    if not rows:
        raise SpecError("the job table is empty", file=str(path))
    cols = set(rows[0])
    sacct = "JobID" in cols
    need = {"JobID", "NodeList", "Start", "End"} if sacct else {"job_id", "node", "start", "end"}
    if not need <= cols:
        raise SpecError(
            f"the job table needs columns {', '.join(sorted(need))}; "
            f"it has {', '.join(sorted(cols))}",
            file=str(path),
        )
    out = []
    for n, r in enumerate(rows, start=2):
        if sacct:
            if "." in r["JobID"]:  # job steps: the allocation row covers them
                continue
            job, node = r["JobID"], r["NodeList"]
            gpus = _sacct_gpus(r.get("AllocTRES", ""))
            start, end = r["Start"], r["End"]
            meta = {"project": r.get("Account", ""), "user": r.get("User", ""),
                    "model": r.get("JobName", ""), "phase": r.get("Comment", "")}  # fmt: skip
        else:
            job, node, start, end = r["job_id"], r["node"], r["start"], r["end"]
            gpus = r.get("gpus", "all")
            meta = {k: r.get(k, "") for k in ("project", "user", "model", "phase")}
        s_ms = _to_ms(start, str(path), n, "start")
        e_ms = _to_ms(end, str(path), n, "end")
        if e_ms <= s_ms:
            raise SpecError(f"job {job}: end is not after start", file=str(path), line=n)
        ids = list(range(64)) if gpus in ("", "all") else [int(g) for g in str(gpus).split(",")]
        for g in ids:
            out.append({"job_id": job, "node": node, "gpu": g, "start_ms": s_ms, "end_ms": e_ms,
                        **meta})  # fmt: skip
    return pl.DataFrame(out).with_columns(pl.col("gpu").cast(pl.Int32))


def _sacct_gpus(tres: str) -> str:
    for part in tres.split(","):
        if part.startswith("gres/gpu="):
            return ",".join(str(i) for i in range(int(part.split("=")[1])))
    return "all"


def read_intensity(path: str | Path | None) -> Any:
    """Hourly carbon intensity (``lcai.measure.intensity``): (region, hour) -> kgCO2e/kWh,
    ``hour`` counted in hours since the epoch. A (region, hour) given twice is an error (the
    shared reader's)."""
    import polars as pl

    schema = {"region": pl.Utf8, "hour": pl.Int64, "kg_per_kwh": pl.Float64}
    if path is None:
        return pl.DataFrame(schema=schema)
    from lcai.measure.intensity import read_hourly_intensity

    hi = read_hourly_intensity(path)
    if None in hi.by_region:
        raise SpecError("intensity needs columns gco2e_per_kwh, region, timestamp", file=str(path))
    rows = [
        (region, int(hour // S_PER_H), kg)
        for region, hours in hi.by_region.items()
        for hour, kg in hours.items()
    ]
    return pl.DataFrame(rows, schema=schema, orient="row")


def read_sites(path: str | Path | None) -> Any:
    """Node metadata: node -> region, pue, wue_l_per_kwh, accelerator, and ``line`` (the
    row's line in the file). One row per node; every value checked."""
    import polars as pl

    if path is None:
        return pl.DataFrame(schema={"node": pl.Utf8, "line": pl.Int64})
    try:
        df = pl.read_csv(path, infer_schema=False)
    except Exception as exc:
        raise SpecError(f"cannot read sites: {exc}", file=str(path)) from None
    if "node" not in df.columns:
        raise SpecError("sites needs a 'node' column", file=str(path))
    df = df.with_columns(
        pl.col("node").str.strip_chars(), pl.int_range(2, pl.len() + 2).alias("line")
    )
    empty = df.filter(pl.col("node").is_null() | (pl.col("node") == ""))
    if empty.height:
        raise SpecError("node: empty", file=str(path), line=int(empty["line"][0]))
    twice = df.filter(pl.col("node").is_duplicated())
    if twice.height:
        node = twice["node"][0]
        lines = twice.filter(pl.col("node") == node)["line"].to_list()
        raise SpecError(
            f"node {node!r}: listed twice (lines {lines[0]} and {lines[1]}); one row per node",
            file=str(path),
            line=lines[1],
        )
    for column, rng in (("pue", RANGES["pue"]), ("wue_l_per_kwh", RANGES["nonnegative"])):
        if column in df.columns:
            df = df.with_columns(_number(df, column, rng, str(path)).alias(column))
    if "region" in df.columns:
        df = df.with_columns(pl.col("region").str.strip_chars().replace("", None))
    return df


def _number(df: Any, column: str, rng: Range, file: str) -> Any:
    """A sites column as finite numbers in ``rng`` (empty: not given)."""
    import polars as pl

    text = df[column].str.strip_chars().replace("", None)
    x = text.cast(pl.Float64, strict=False)
    inside = x.is_finite() & (x >= rng.low) & (x <= rng.high)
    bad = text.is_not_null() & ~inside.fill_null(False)
    if bad.any():
        i = int(bad.arg_true()[0])
        raise SpecError(
            f"{column}: expected {rng.what}, got {text[i]!r}",
            file=file,
            line=int(df["line"][i]),
        )
    return x
