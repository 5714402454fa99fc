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
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from lcai.errors import SpecError
from lcai.units import RANGES, S_PER_H, Range

__all__ = [
    "GPUS_PER_NODE",
    "MAX_JOBS_BYTES",
    "MAX_POWER_BYTES",
    "T_LIMIT_MS",
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

GPUS_PER_NODE = 64
"""GPU indices are 0-63 (the accounting keys a device as node x 64 + GPU)."""
T_LIMIT_MS = 2**42
"""Times are 0 <= t < 2**42 ms since the epoch (1970 to 2109): the accounting keys a
sample as device x 2**42 + t."""
MAX_POWER_BYTES = 2 * 2**30
"""The largest telemetry file read (one file is in memory at a time): 2 GiB."""
MAX_JOBS_BYTES = 512 * 2**20
"""The largest job table read: 512 MiB."""
_EPOCH_S = re.compile(r"[0-9]+(\.[0-9]*)?|\.[0-9]+")


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

    _check_size(path, MAX_POWER_BYTES, "telemetry")
    if path.suffix == ".jsonl":
        return _read_run_file(path)
    try:
        if path.suffix == ".parquet":
            df = pl.read_parquet(path)
        else:  # a node name is text ("001" stays "001"), whatever it looks like
            names = pl.read_csv(path, n_rows=0).columns
            node = _pick(names, "node")
            df = pl.read_csv(path, schema_overrides={node: pl.String} if node else None)
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
            out["t_ms"] = (pl.col(ts).cast(pl.Float64) * 1000).round(0).cast(pl.Int64)
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


def _check_size(path: Path, limit: int, what: str) -> None:
    """A file no larger than ``limit`` bytes (a folder or a missing file: the reader's)."""
    try:
        size = path.stat().st_size if path.is_file() else 0
    except OSError:
        return  # the reader names the error
    if size > limit:
        raise SpecError(
            f"{what}: the file is {size / 2**20:,.0f} MiB, larger than the "
            f"{limit / 2**20:,.0f} MiB read at most; split it (per hour, day or node)",
            file=str(path),
        )


def _check_power(df: Any, path: Path) -> None:
    """Every sample has a time in 1970-2109, a node and a GPU index in 0-63 (power and
    the energy counter may be missing or not finite: data faults with their own rules)."""
    for c in ("t_ms", "node", "gpu"):
        n = df[c].null_count()
        if n:
            raise SpecError(f"telemetry: {c}: {n} empty value(s)", file=str(path))
    if not df.height:
        return
    lo, hi = int(df["gpu"].min()), int(df["gpu"].max())
    if not 0 <= lo <= hi < GPUS_PER_NODE:
        raise SpecError(f"telemetry: gpu: expected an index 0-63, got {lo}-{hi}", file=str(path))
    lo, hi = int(df["t_ms"].min()), int(df["t_ms"].max())
    if not 0 <= lo <= hi < T_LIMIT_MS:
        raise SpecError(
            f"telemetry: t_ms: expected times from 1970 to 2109 (0 to 2**42 ms), got {lo}-{hi}",
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
        index = s.device[4:]
        if not (index.isascii() and index.isdigit() and int(index) < GPUS_PER_NODE):
            raise SpecError(f"device: expected gpu:0 to gpu:63, got {s.device!r}", file=str(path))
        if not 0 <= s.t * 1000 < T_LIMIT_MS:
            raise SpecError(f"t: expected a time from 1970 to 2109, got {s.t!r}", file=str(path))
        power = s.power_w
        if power is None and s.device in last:
            t0, e0 = last[s.device]
            power = (s.energy_j - e0) / (s.t - t0) if s.t > t0 else None
        last[s.device] = (s.t, s.energy_j)
        if power is not None:
            rows.append((round(s.t * 1000), path.stem, int(index), float(power)))
    if not rows:
        raise SpecError("the run file has no GPU samples", file=str(path))
    t, node, gpu, p = zip(*rows, strict=True)
    df = pl.DataFrame(
        {"t_ms": t, "node": node, "gpu": gpu, "power_w": p},
        schema={"t_ms": pl.Int64, "node": pl.Utf8, "gpu": pl.Int32, "power_w": pl.Float64},
    )
    _check_power(df, path)
    return df


def _to_ms(value: str, file: str, line: int, field: str) -> int:
    """A time (epoch seconds, or an ISO 8601 time; UTC where it has no zone) as ms since
    the epoch, exactly (no float rounding), in 1970-2109."""
    v = value.strip()
    if _EPOCH_S.fullmatch(v):
        whole = v.split(".")[0]
        ms = int(Decimal(v) * 1000) if len(whole) <= 15 else T_LIMIT_MS
    else:
        try:
            t = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
            if t.tzinfo is None:
                t = t.replace(tzinfo=dt.UTC)
            ms = (t - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(milliseconds=1)
        except (ValueError, OverflowError):
            raise SpecError(f"{field}: not a time: {value!r}", file=file, line=line) from None
    if not 0 <= ms < T_LIMIT_MS:
        raise SpecError(
            f"{field}: expected a time from 1970 to 2109, got {value[:40]!r}", file=file, line=line
        )
    return ms


def _gpu_ids(gpus: str, file: str, line: int) -> list[int]:
    """A job row's GPUs: ``all`` (or empty), or indices 0-63 separated by commas."""
    v = gpus.strip()
    if v in ("", "all"):
        return list(range(GPUS_PER_NODE))
    ids = []
    for part in v.split(","):
        g = part.strip()
        if not (g.isascii() and g.isdigit() and len(g) <= 2 and int(g) < GPUS_PER_NODE):
            raise SpecError(
                f"gpus: expected 'all' or GPU indices 0-63 separated by commas, got {gpus!r}",
                file=file,
                line=line,
            )
        if int(g) in ids:
            raise SpecError(f"gpus: GPU {int(g)} listed twice in {gpus!r}", file=file, line=line)
        ids.append(int(g))
    return ids


def _job_rows(path: str | Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The job table's header and its rows (each with its line), every row as long as
    the header; at most ``MAX_JOBS_BYTES``, UTF-8."""
    import csv
    import io

    p = Path(path)
    _check_size(p, MAX_JOBS_BYTES, "job table")
    try:
        with p.open("rb") as fh:
            data = fh.read(MAX_JOBS_BYTES + 1)
    except OSError as exc:
        raise SpecError(f"cannot read the job table: {exc.strerror}", file=str(path)) from None
    if len(data) > MAX_JOBS_BYTES:  # not a regular file (its size was not known)
        raise SpecError(
            f"job table: larger than the {MAX_JOBS_BYTES // 2**20} MiB read at most",
            file=str(path),
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SpecError("the job table is not UTF-8 text", file=str(path), line=line) from None
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise SpecError("the job table is empty (no header)", file=str(path))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="|" if "|" in first else ",")
    try:
        header = [h.strip() for h in next(reader)]
        rows = []
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue
            if len(cells) != len(header):
                hint = ' (a list of GPUs needs quotes: "0,1")' if len(cells) > len(header) else ""
                raise SpecError(
                    f"{len(cells)} field(s), the header has {len(header)}{hint}",
                    file=str(path),
                    line=reader.line_num,
                )
            rows.append((reader.line_num, dict(zip(header, cells, strict=True))))
    except csv.Error as exc:
        raise SpecError(f"not CSV: {exc}", file=str(path), line=reader.line_num) from None
    return header, rows


def read_jobs(path: str | Path) -> Any:
    """The job table (CSV, or Slurm ``sacct --parsable2`` output) as one row per (job, GPU)."""
    import polars as pl

    header, rows = _job_rows(path)
    if not rows:
        raise SpecError("the job table is empty", file=str(path))
    cols = set(header)
    sacct = "JobID" in cols
    need = {"JobID", "NodeList", "Start", "End"} if sacct else {"job_id", "node", "start", "end"}
    if not need <= cols:
        raise SpecError(
            f"the job table needs columns {', '.join(sorted(need))}; "
            f"it has {', '.join(sorted(cols))}",
            file=str(path),
        )
    out = []
    for n, r in rows:
        if sacct:
            if "." in r["JobID"]:  # job steps: the allocation row covers them
                continue
            job = r["JobID"]
            hosts = expand_hostlist(r["NodeList"], str(path), n)
            node = r["NodeList"]
            gpus = _sacct_gpus(r.get("AllocTRES", ""), str(path), n, len(hosts))
            start, end = r["Start"], r["End"]
            meta = {"project": r.get("Account", ""), "user": r.get("User", ""),
                    "model": r.get("JobName", ""), "phase": r.get("Comment", "")}  # fmt: skip
        else:
            job, node, start, end = r["job_id"], r["node"], r["start"], r["end"]
            hosts = [node]
            gpus = [_gpu_ids(r.get("gpus", "all"), str(path), n)]
            meta = {k: r.get(k, "") for k in ("project", "user", "model", "phase")}
        for what, v in (("job_id", job), ("node", node)):
            if not v.strip():
                raise SpecError(f"{what}: empty", file=str(path), line=n)
        if job.strip() == "idle":
            raise SpecError("job_id: 'idle' is reserved for the energy of no job; rename the "
                            "job", file=str(path), line=n)  # fmt: skip
        s_ms = _to_ms(start, str(path), n, "start")
        e_ms = _to_ms(end, str(path), n, "end")
        if e_ms <= s_ms:
            raise SpecError(f"job {job}: end is not after start", file=str(path), line=n)
        for host, ids in zip(hosts, gpus, strict=True):
            for g in ids:
                out.append({"job_id": job, "node": host, "gpu": g, "start_ms": s_ms,
                            "end_ms": e_ms, **meta})  # fmt: skip
    if not out:
        raise SpecError("the job table has no job on a GPU", file=str(path))
    return pl.DataFrame(out).with_columns(pl.col("gpu").cast(pl.Int32))


def _sacct_gpus(tres: str, file: str, line: int, nodes: int) -> list[list[int]]:
    """The GPUs of an sacct row on each of its ``nodes`` nodes. AllocTRES ``gres/gpu=N`` is
    the job's total: N / nodes on each (GPUs 0 to N/nodes - 1; sacct does not say which);
    none given: all of each node's."""
    for part in tres.split(","):
        if part.startswith("gres/gpu="):
            v = part.split("=", 1)[1].strip()
            most = GPUS_PER_NODE * nodes
            if not (v.isascii() and v.isdigit() and len(v) <= 7 and int(v) <= most):
                raise SpecError(
                    f"AllocTRES: gres/gpu: expected 0 to {most} GPUs on {nodes} node(s), "
                    f"got {v[:20]!r}",
                    file=file,
                    line=line,
                )
            total = int(v)
            if total % nodes:
                raise SpecError(
                    f"AllocTRES: gres/gpu={total} does not split evenly over {nodes} nodes: "
                    "give the job table as CSV with each node's GPUs",
                    file=file,
                    line=line,
                )
            return [list(range(total // nodes))] * nodes
    return [list(range(GPUS_PER_NODE))] * nodes


MAX_HOSTS = 100_000
"""Most nodes one Slurm hostlist may name."""
_HOSTLIST = re.compile(r"([^\[\],]*)\[([^\]]*)\]([^,\[]*)|([^,\[\]]+)")


def expand_hostlist(text: str, file: str = "", line: int | None = None) -> list[str]:
    """The node names of a Slurm hostlist: ``n[1-3,7]`` is n1, n2, n3, n7; ``gpu[01-02]``
    keeps the zero padding (gpu01, gpu02); ``a1,b2`` is two nodes; a plain name is itself.
    One bracket per name (Slurm's common form)."""
    text = text.strip()
    hosts: list[str] = []
    pos = 0

    def bad(why: str) -> SpecError:
        return SpecError(f"NodeList: {why}, got {text[:60]!r}", file=file or None, line=line)

    while pos < len(text):
        m = _HOSTLIST.match(text, pos)
        if m is None or m.end() == pos:
            raise bad("expected node names or a Slurm hostlist such as n[1-4]")
        if m.group(4) is not None:
            hosts.append(m.group(4).strip())
        else:
            head, ranges, tail = m.group(1), m.group(2), m.group(3)
            for part in ranges.split(","):
                lo, sep, hi = part.strip().partition("-")
                if not (
                    lo.isascii() and lo.isdigit() and (not sep or (hi.isascii() and hi.isdigit()))
                ):
                    raise bad(f"the range {part.strip()[:20]!r} is not numbers")
                a, b = int(lo), int(hi) if sep else int(lo)
                if b < a or len(hosts) + b - a + 1 > MAX_HOSTS:
                    raise bad(f"expected at most {MAX_HOSTS:,} nodes in increasing ranges")
                width = len(lo) if lo.startswith("0") else 0
                hosts += [f"{head}{i:0{width}d}{tail}" for i in range(a, b + 1)]
        pos = m.end()
        if pos < len(text):
            if text[pos] != ",":
                raise bad("expected ',' between node names")
            pos += 1
    if not hosts or any(not h for h in hosts):
        raise bad("expected node names")
    if len(set(hosts)) != len(hosts):
        raise bad("a node is named twice")
    return hosts


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
