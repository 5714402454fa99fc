"""The fleet accounting: telemetry + job table + hourly intensity -> footprint per job.

The result does not depend on how the telemetry is laid out: file names, file order,
files per hour, per node or any mix. For each file, the kernel:

1. checks the data and applies a stated rule to each fault (see ``RULES``);
2. takes the energy of each interval between consecutive samples of a GPU from its
   energy counter where the telemetry has one, else by the trapezoid rule on its power,
   when 0 < dt <= the gap limit (longer is a gap: no energy);
3. gives the interval to the job holding that GPU at the interval's start, else to
   ``idle``;
4. sums energy and device-seconds per (job, device, hour), and keeps each device's
   first and last sample in the file (its *edges*).

Then, per device, the files holding it are put in time order, and the interval from
its last sample in one file to its first sample in the next is accounted the same way
(the *stitch*): the right neighbour of a sample is found per device, across files.
Where files overlap in time on a device (their samples interleave), those files are
read again together as one batch, so every interval is still between true neighbours.
Memory is bounded by one file (by the largest set of files that overlap in time on
some device). The per-file results are small and additive; PUE, the hour's carbon
intensity, water and embodied carbon are applied once at the end.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lcai import model as m
from lcai.errors import SpecError, UnknownKeyError
from lcai.fleet.readers import T_LIMIT_MS
from lcai.units import H_PER_YEAR, J_PER_KWH, S_PER_H

__all__ = ["RULES", "FleetResult", "account", "file_task", "holders", "kernel"]

IDLE = "idle"
DEFAULT_ACCELERATOR = "H100-SXM5-80GB"
RULES = {
    "duplicate": "dropped (of samples with the same device and time, the first written is kept)",
    "missing_power": "dropped",
    "missing_energy": (
        "dropped (a sample whose energy counter is NaN or infinite; a counter left empty "
        "is not a fault: the power is used)"
    ),
    "negative_power": "dropped",
    "impossible_power": "capped at the TDP of the node's accelerator from the catalog",
    "impossible_counter": (
        "an energy counter's step above the accelerator's TDP over the interval (a jump or "
        "a corrupt reading): the interval's energy from its power samples instead"
    ),
    "clock_step": (
        "dropped (a sample written after a later-stamped sample of the same device in the "
        "same file)"
    ),
    "gap": "no energy over the gap (not interpolated); the interval is reported",
    "overlapping_jobs": (
        "the later-starting job takes the device from its start until it ends, then the "
        "job it interrupted has it again"
    ),
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

    def merge(self, other: Quality) -> None:
        for kind in RULES:
            self.add(kind, other.counts[kind], other.examples[kind])

    def to_dict(self) -> dict[str, Any]:
        return {
            k: {"count": self.counts[k], "rule": RULES[k], "examples": self.examples[k]}
            for k in RULES
        }


_T_SPAN = T_LIMIT_MS  # times in ms fit in 42 bits until the year 2109: key = dev x 2^42 + t
_MS_PER_H = int(S_PER_H * 1000)


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


def _clean(batch: Any, cap_w: Any, quality: Quality, names: dict[int, str]) -> Any:
    """The batch sorted by (device, time), each data fault counted and handled by its rule.
    ``cap_w``: the TDP [W], a number or an expression per row (per node's accelerator)."""
    import polars as pl

    # one stable sort by (device, time): equal keys keep their file order
    b = batch.with_row_index("_row").with_columns(
        (pl.col("dev") * _T_SPAN + pl.col("t_ms")).alias("key")
    )
    if not b["key"].is_sorted():  # files written device by device are sorted already
        b = b.sort("key", maintain_order=True)
    dup = (pl.col("key") == pl.col("key").shift(1)).fill_null(False)
    # a clock step: a sample written after a later-stamped one of the same device (in the
    # same file, where files are read together: the order of writing is known in each),
    # i.e. one whose row comes after the first-written of the samples stamped later
    group = ["dev", "_file"] if "_file" in b.columns else ["dev"]
    first_later = pl.col("_row").reverse().cum_min().reverse().shift(-1).over(group)
    step = (pl.col("_row") > first_later).fill_null(False)
    missing = pl.col("power_w").is_null() | pl.col("power_w").is_nan()
    negative = pl.col("power_w") < 0
    huge = pl.col("power_w") > cap_w
    # a counter sample that is not a number (empty: no counter there, not a fault)
    bad_counter = ~pl.col("energy_j").is_finite()
    # one pass to count; the rarer work below only runs when something was found
    counted = b["energy_j"].null_count() < b.height  # the telemetry has a counter
    n_dup, n_missing, n_neg, n_huge, n_counter = b.select(
        dup.sum().alias("dup"),
        missing.sum().alias("missing"),
        negative.fill_null(False).sum().alias("neg"),
        huge.fill_null(False).sum().alias("huge"),
        (bad_counter.fill_null(False).sum() if counted else pl.lit(0)).alias("counter"),
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
    if n_counter:
        found = b.filter(bad_counter.fill_null(False))
        quality.add("missing_energy", found.height, _examples(found, names))
        b = b.filter(~bad_counter.fill_null(False))
    if n_huge:
        found = b.filter(huge)
        quality.add("impossible_power", found.height, _examples(found, names))
        b = b.with_columns(pl.col("power_w").clip(upper_bound=cap_w))
    return b.drop("_row", "_file", strict=False)


def _attribute(iv: Any, jobs: Any, gap_ms: int, quality: Quality, names: dict[int, str]) -> Any:
    """Intervals (dev, t_ms, key, dt_ms, p_mid, counter_j; sorted by key) -> energy [J] and
    device-seconds per (job, dev, hour); gaps reported and given no energy."""
    import polars as pl

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
        (pl.col("t_ms") // _MS_PER_H).alias("hour"),
        pl.coalesce(pl.col("counter_j"), pl.col("p_mid") * pl.col("dt_ms") / 1000.0).alias(
            "energy_j"
        ),
        (pl.col("dt_ms") / 1000.0).alias("device_s"),
    )
    return att.group_by(["job", "dev", "hour"]).agg(
        pl.col("energy_j").sum(), pl.col("device_s").sum()
    )


def _edges(b: Any) -> Any:
    """Each device's first and last sample in a cleaned batch (sorted by device, time)."""
    import polars as pl

    cols = ("t_ms", "power_w", "energy_j")
    first = b.filter(pl.col("dev").shift(1).ne_missing(pl.col("dev")))
    last = b.filter(pl.col("dev").shift(-1).ne_missing(pl.col("dev")))
    return first.select("dev", *(pl.col(c).alias(f"{c}_first") for c in cols)).hstack(
        last.select(pl.col(c).alias(f"{c}_last") for c in cols)
    )


def kernel(
    batch: Any,
    jobs: Any,
    gap_ms: int,
    cap_w: Any,
    quality: Quality,
    names: dict[int, str] | None = None,
) -> tuple[Any, Any]:
    """Energy [J] and device-seconds per (job, device, hour) of the intervals between
    consecutive samples in ``batch``, and each device's edges (first and last sample).

    ``batch``: encoded telemetry (dev, t_ms, power_w, energy_j) in file order;
    ``jobs``: who holds each device when (see ``holders``), encoded: (key, end_ms, job,
    job_key) with key = dev x 2^42 + start_ms, sorted by key. Integer keys and one
    combined sort key keep every step a vectorised pass.
    """
    import polars as pl

    names = names or {}
    b = _clean(batch, cap_w, quality, names)
    counter = pl.col("energy_j").shift(-1) - pl.col("energy_j")
    dt_ms = pl.col("t_ms").shift(-1) - pl.col("t_ms")
    cap = cap_w if isinstance(cap_w, pl.Expr) else pl.lit(float(cap_w))
    # a counter may not rise faster than the accelerator's TDP (a little slack for rounding)
    jump = counter > cap * dt_ms / 1000.0 * (1 + 1e-6) + 1e-9
    iv = b.with_columns(
        dt_ms.alias("dt_ms"),
        ((pl.col("power_w") + pl.col("power_w").shift(-1)) * 0.5).alias("p_mid"),
        # the device's own energy counter where the telemetry has one (and it did not reset)
        pl.when((counter >= 0) & ~jump.fill_null(False))
        .then(counter)
        .otherwise(None)
        .alias("counter_j"),
        jump.fill_null(False).alias("_jump"),
    ).filter(pl.col("dev").shift(-1) == pl.col("dev"))
    n_jump = int(iv.select(pl.col("_jump").sum()).item())
    if n_jump:
        quality.add("impossible_counter", n_jump, _examples(iv.filter(pl.col("_jump")), names))
    return _attribute(iv.drop("_jump"), jobs, gap_ms, quality, names), _edges(b)


def holders(jobs: Any) -> Any:
    """Who holds each GPU when: (node, gpu, start_ms, end_ms, job_id), never overlapping.

    Where jobs overlap on a GPU, the later-starting one holds it while it runs, then the
    one it interrupted again (equal starts: the one listed later in the job table)."""
    import polars as pl

    j = jobs.with_row_index("_i").sort(["node", "gpu", "start_ms", "_i"])
    clash = (
        pl.col("start_ms") < pl.col("end_ms").cum_max().shift(1).over(["node", "gpu"])
    ).fill_null(False)
    devices = j.filter(clash.any().over(["node", "gpu"]))
    cols = ["node", "gpu", "start_ms", "end_ms", "job_id"]
    if not devices.height:
        return j.select(cols)
    rows: list[tuple[Any, ...]] = []
    for (node, gpu), g in devices.group_by(["node", "gpu"], maintain_order=True):
        for s, e, job in _sweep(
            g["start_ms"].to_list(), g["end_ms"].to_list(), g["job_id"].to_list()
        ):
            rows.append((node, gpu, s, e, job))
    swept = pl.DataFrame(rows, schema=j.select(cols).schema, orient="row")
    rest = j.filter(~clash.any().over(["node", "gpu"])).select(cols)
    return pl.concat([rest, swept])


def _sweep(starts: list[int], ends: list[int], jobs: list[str]) -> list[tuple[int, int, str]]:
    """One GPU's jobs (sorted by start, then table order) -> non-overlapping segments."""
    import heapq

    times = sorted({*starts, *ends})
    running: list[tuple[int, int, int, str]] = []  # (-start, -order, end, job): top = holder
    segs: list[tuple[int, int, str]] = []
    i = 0
    for k, t in enumerate(times[:-1]):
        while i < len(starts) and starts[i] <= t:
            heapq.heappush(running, (-starts[i], -i, ends[i], jobs[i]))
            i += 1
        while running and running[0][2] <= t:  # ended; those below the top wait their turn
            heapq.heappop(running)
        if not running:
            continue
        job = running[0][3]
        if segs and segs[-1][2] == job and segs[-1][1] == t:
            segs[-1] = (segs[-1][0], times[k + 1], job)
        else:
            segs.append((t, times[k + 1], job))
    return segs


@dataclass(frozen=True)
class _Context:
    """What every per-file task needs (small, picklable: sent to Dask workers)."""

    node_ids: dict[str, int]
    jobs_x: Any
    job_names: list[str]
    gap_ms: int
    caps_w: dict[int, float]  # node id -> TDP [W] of its accelerator
    default_cap_w: float

    def cap_w(self) -> Any:
        """The TDP [W] of each row's device: a number where every node has the same."""
        import polars as pl

        if all(c == self.default_cap_w for c in self.caps_w.values()):
            return self.default_cap_w
        return (pl.col("dev") // 64).replace_strict(
            self.caps_w, default=self.default_cap_w, return_dtype=pl.Float64
        )


def _context(
    jobs: Any, site: Any, gap_s: float, caps_w: dict[str, float], default_cap_w: float
) -> _Context:
    import polars as pl

    nodes = [*(site["node"].to_list() if "node" in site.columns else []), *jobs["node"].to_list()]
    node_ids = {n: i for i, n in enumerate(dict.fromkeys(nodes))}
    job_names = jobs["job_id"].unique(maintain_order=True).to_list()
    job_ids = {j: i for i, j in enumerate(job_names)}
    jobs_x = (
        holders(jobs)
        .with_columns(
            (
                pl.col("node").replace_strict(node_ids, return_dtype=pl.Int64) * 64 + pl.col("gpu")
            ).alias("dev"),
            pl.col("job_id").replace_strict(job_ids, return_dtype=pl.Int64).alias("job"),
        )
        .select((pl.col("dev") * _T_SPAN + pl.col("start_ms")).alias("key"), "end_ms", "job")
        .with_columns(pl.col("key").alias("job_key"))
        .sort("key")
    )
    caps = {node_ids[n]: w for n, w in caps_w.items()}
    gap_ms = int(min(gap_s * 1000, _T_SPAN))  # no interval is longer than 2^42 ms
    return _Context(node_ids, jobs_x, job_names, gap_ms, caps, default_cap_w)


def _load(paths: tuple[Path, ...], node_ids: dict[str, int]) -> Any:
    """Read and encode files (one batch, in the order given), giving nodes seen for the
    first time the next ids."""
    import polars as pl

    from lcai.fleet.readers import read_power

    frames = []
    for path in paths:
        df = read_power(path)
        for n in sorted(set(df["node"].unique().to_list()) - node_ids.keys()):
            node_ids[n] = len(node_ids)
        frames.append(encode(df, node_ids))
    if len(frames) == 1:
        return frames[0]
    return pl.concat(
        [f.with_columns(pl.lit(i, dtype=pl.Int32).alias("_file")) for i, f in enumerate(frames)]
    )


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


def _named_edges(edges: Any, node_ids: dict[str, int]) -> Any:
    import polars as pl

    nodes = {i: n for n, i in node_ids.items()}
    return edges.select(
        (pl.col("dev") // 64).replace_strict(nodes, return_dtype=pl.Utf8).alias("node"),
        (pl.col("dev") % 64).cast(pl.Int32).alias("gpu"),
        pl.exclude("dev"),
    )


@dataclass
class TaskOut:
    """What one task returns: energy per (job, node, hour), the devices' edges, its data
    faults and its number of samples."""

    part: Any
    edges: Any
    quality: Quality
    samples: int


def file_task(ctx: _Context, paths: tuple[Path, ...]) -> TaskOut:
    """One task of either engine: the kernel on one file (or on files that overlap in time,
    read together), with its own quality."""
    node_ids = dict(ctx.node_ids)
    quality = Quality()
    batch = _load(paths, node_ids)
    names = {v: k for k, v in node_ids.items()}
    part, edges = kernel(batch, ctx.jobs_x, ctx.gap_ms, ctx.cap_w(), quality, names)
    return TaskOut(
        _named(part, node_ids, ctx.job_names), _named_edges(edges, node_ids), quality, batch.height
    )


Runner = Callable[[list[tuple[Path, ...]]], list[TaskOut]]
"""Runs the tasks (batches of files) and returns their results in the same order."""


def _serial(ctx: _Context, progress: Callable[[int, int], None] | None) -> Runner:
    def run(batches: list[tuple[Path, ...]]) -> list[TaskOut]:
        outs = []
        for i, paths in enumerate(batches):
            outs.append(file_task(ctx, paths))
            if progress is not None:
                progress(i + 1, len(batches))
        return outs

    return run


@contextmanager
def _dask(
    ctx: _Context, progress: Callable[[int, int], None] | None, scheduler: str | None
) -> Iterator[Runner]:
    """The per-file kernel mapped over the files on a Dask cluster (no shuffle: the
    per-file results are small and additive)."""
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise SpecError(
            "the dask engine needs dask.distributed: pip install 'lcai[fleet]'", path=("engine",)
        ) from None
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
            raise SpecError(f"{scheduler}: cannot connect ({exc})", path=("scheduler",)) from None

    def run(batches: list[tuple[Path, ...]]) -> list[TaskOut]:
        futures = [client.submit(file_task, ctx, b, pure=False) for b in batches]
        for done, _ in enumerate(as_completed(futures), start=1):
            if progress is not None:
                progress(done, len(batches))
        return list(client.gather(futures))

    try:
        yield run
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _overlapping(edges: Any, group: dict[int, int]) -> list[tuple[int, int]]:
    """Pairs of groups of files whose samples of some device overlap in time (or touch:
    the same device and time in two files)."""
    import polars as pl

    dev = ["node", "gpu"]
    hull = (
        edges.with_columns(pl.col("file").replace_strict(group, return_dtype=pl.Int64).alias("g"))
        .group_by(["g", *dev])
        .agg(pl.col("t_ms_first").min(), pl.col("t_ms_last").max())
        .sort([*dev, "t_ms_first"])
    )
    seen_until = pl.col("t_ms_last").cum_max().shift(1).over(dev)
    hits = hull.with_columns(pl.col("g").shift(1).over(dev).alias("g_prev")).filter(
        pl.col("t_ms_first") <= seen_until
    )
    return list(zip(hits["g_prev"].to_list(), hits["g"].to_list(), strict=True))


def _batches(files: list[Path], edges: Any) -> list[list[int]]:
    """The files as batches read together: one file each, except files whose samples
    of some device interleave in time, joined until no batch overlaps another."""
    import polars as pl

    group = {i: i for i in range(len(files))}

    def root(i: int) -> int:
        while group[i] != i:
            i = group[i]
        return i

    while pairs := _overlapping(edges, group):
        for a, b in pairs:
            ra, rb = root(a), root(b)
            if ra != rb:
                group[max(ra, rb)] = min(ra, rb)
        group = {i: root(i) for i in group}
    start = dict(edges.group_by("file").agg(pl.col("t_ms_first").min()).iter_rows())
    members: dict[int, list[int]] = {}
    for i in range(len(files)):
        members.setdefault(group[i], []).append(i)
    # within a batch, files in time order (ties by name): "first written" across files
    return [sorted(g, key=lambda i: (start.get(i, 0), str(files[i]))) for g in members.values()]


def _stitch(edges: Any, ctx: _Context, quality: Quality) -> Any:
    """The intervals between batches: per device, from its last sample in one batch to its
    first in the next (batches in time order; they do not overlap), named as a part."""
    import polars as pl

    node_ids = dict(ctx.node_ids)
    for n in sorted(set(edges["node"].unique().to_list()) - node_ids.keys()):
        node_ids[n] = len(node_ids)
    e = edges.select(
        (pl.col("node").replace_strict(node_ids, return_dtype=pl.Int64) * 64 + pl.col("gpu")).alias(
            "dev"
        ),
        pl.exclude("node", "gpu"),
    ).sort(["dev", "t_ms_first"])
    prev = pl.col("dev").shift(1) == pl.col("dev")
    counter = pl.col("energy_j_first") - pl.col("energy_j_last").shift(1)
    dt_ms = pl.col("t_ms_first") - pl.col("t_ms_last").shift(1)
    cap = ctx.cap_w()
    cap = cap if isinstance(cap, pl.Expr) else pl.lit(float(cap))
    jump = (counter > cap * dt_ms / 1000.0 * (1 + 1e-6) + 1e-9).fill_null(False)
    iv = (
        e.select(
            "dev",
            pl.col("t_ms_last").shift(1).alias("t_ms"),
            dt_ms.alias("dt_ms"),
            ((pl.col("power_w_first") + pl.col("power_w_last").shift(1)) * 0.5).alias("p_mid"),
            pl.when((counter >= 0) & ~jump).then(counter).otherwise(None).alias("counter_j"),
            jump.alias("_jump"),
            prev.fill_null(False).alias("_prev"),
        )
        .filter(pl.col("_prev"))
        .drop("_prev")
        .with_columns((pl.col("dev") * _T_SPAN + pl.col("t_ms")).alias("key"))
        .sort("key")
    )
    names = {v: k for k, v in node_ids.items()}
    n_jump = int(iv.select(pl.col("_jump").sum()).item())
    if n_jump:  # as within a file (kernel): the interval from its power samples
        quality.add("impossible_counter", n_jump, _examples(iv.filter(pl.col("_jump")), names))
    iv = iv.drop("_jump")
    return _named(_attribute(iv, ctx.jobs_x, ctx.gap_ms, quality, names), node_ids, ctx.job_names)


def _energy(files: list[Path], ctx: _Context, run: Runner, quality: Quality) -> tuple[Any, int]:
    """Energy and device-seconds per (job, node, hour) over all files, and the samples read.

    Each file is read once; files whose samples interleave in time on a device (rare) are
    read again, together, as one batch."""
    import polars as pl

    outs: list[TaskOut | None] = list(run([(f,) for f in files]))
    samples = sum(o.samples for o in outs if o is not None)
    edges = pl.concat(
        [o.edges.with_columns(pl.lit(i, dtype=pl.Int64).alias("file"))
         for i, o in enumerate(outs) if o is not None]
    )  # fmt: skip
    joined = [g for g in _batches(files, edges) if len(g) > 1]
    if joined:
        again = run([tuple(files[i] for i in g) for g in joined])
        for g, o in zip(joined, again, strict=True):
            for i in g:
                outs[i] = None
            outs[g[0]] = o
    done = [o for o in outs if o is not None]
    for o in done:
        quality.merge(o.quality)
    stitched = _stitch(pl.concat([o.edges for o in done]), ctx, quality)
    per = (
        pl.concat([*(o.part for o in done), stitched])
        .group_by(["job_id", "node", "hour"])
        .agg(pl.col("energy_j").sum(), pl.col("device_s").sum())
    )
    return per, samples


RESULT_FILES = (
    *(f"{t}.{ext}" for t in ("jobs", "projects", "models") for ext in ("parquet", "csv")),
    "quality.json",
)
"""The files of one result set, all written by one run."""


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
        """The result set (Parquet and CSV for each table, and quality.json) as one folder.

        Written into a new folder beside ``outdir`` and put in its place in one step, so a
        kill or a full disk never leaves files of two runs side by side; runs writing to the
        same folder at once never share a temporary name (the last one in place wins)."""
        return _replace_folder(Path(outdir), self._write_files)

    def _write_files(self, folder: Path) -> None:
        import json

        for name, df in (("jobs", self.jobs), ("projects", self.projects), ("models", self.models)):
            df.write_parquet(folder / f"{name}.parquet")
            _csv_safe(df).write_csv(folder / f"{name}.csv")
        quality = {
            "samples": self.samples,
            "total_energy_kwh": self.total_energy_j / J_PER_KWH,
            "faults": self.quality.to_dict(),
            "assumptions": self.assumptions,
        }
        (folder / "quality.json").write_text(json.dumps(quality, indent=2), encoding="utf-8")


def _csv_safe(df: Any) -> Any:
    """Text cells a spreadsheet would read as a formula get a leading apostrophe (OWASP, as
    ``lcai.text.csv_cell``); the Parquet files keep the values as they are."""
    import polars as pl

    formula = r"^[=+\-@\t\r]"
    text = [c for c, t in df.schema.items() if t == pl.Utf8]
    return df.with_columns(
        pl.when(pl.col(c).str.contains(formula))
        .then(pl.lit("'") + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in text
    )


def _check_replaceable(out: Path) -> None:
    """``out`` is new, or a folder holding only a result set (which a run replaces).

    One stat, and a listing that tolerates the folder vanishing: another run may be
    putting its set in place at the same moment (the folder briefly absent)."""
    import os
    import stat

    try:
        if not stat.S_ISDIR(os.stat(out).st_mode):
            raise SpecError("output folder: exists and is not a folder", file=str(out))
        names = os.listdir(out)
    except FileNotFoundError:
        return
    ours = {*RESULT_FILES, *(f".{n}.tmp" for n in RESULT_FILES)}  # and an older run's leftovers
    other = sorted(n for n in names if n not in ours)
    if other:
        raise SpecError(
            f"output folder: holds files that are not a fleet result ({', '.join(other[:5])})"
            "; a run replaces the whole folder: give a new or empty one",
            file=str(out),
        )


def _replace_folder(out: Path, write: Callable[[Path], None]) -> list[Path]:
    """Write the result set into ``out`` as one (``lcai.files.replace_folder``)."""
    import polars as pl

    from lcai.files import replace_folder

    _check_replaceable(out)
    try:
        replace_folder(out, write)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise SpecError(f"output folder: cannot write: {exc}", file=str(out)) from None
    return [out / n for n in RESULT_FILES]


def _overlaps(jobs: Any, quality: Quality) -> None:
    import polars as pl

    j = jobs.sort(["node", "gpu", "start_ms"])
    busy_until = pl.col("end_ms").cum_max().shift(1).over(["node", "gpu"])
    bad = j.filter(pl.col("start_ms") < busy_until)
    quality.add(
        "overlapping_jobs",
        bad.height,
        [f"{r['job_id']} on {r['node']}/gpu{r['gpu']}" for r in bad.head(5).iter_rows(named=True)],
    )


def _accelerators(site: Any, file: str | None) -> dict[str, str]:
    """node -> the catalog key of its accelerator (sites file's ``accelerator`` column)."""
    from lcai import catalog

    if "accelerator" not in site.columns:
        return {}
    acc = catalog.table("accelerators")
    out = {}
    for row in site.select("node", "accelerator", "line").iter_rows(named=True):
        name = str(row["accelerator"] or "").strip()
        if not name:
            continue
        try:
            key = acc.resolve(name, "accelerator")
        except UnknownKeyError as exc:
            raise SpecError(f"accelerator: {exc}", file=file, line=row["line"]) from None
        if not acc.has(key, "tdp"):
            raise SpecError(
                f"accelerator: {name!r} has no TDP in the catalog (needed to cap power)",
                file=file,
                line=row["line"],
            )
        out[str(row["node"])] = key
    return out


def _tdp_w(accel: dict[str, str]) -> tuple[dict[str, float], float]:
    """TDP [W] per node, and that of the accelerator assumed for nodes without one."""
    from lcai import catalog

    acc = catalog.table("accelerators")
    tdp = {a: acc.factor(a, "tdp", "W").value for a in {*accel.values(), DEFAULT_ACCELERATOR}}
    return {n: tdp[a] for n, a in accel.items()}, tdp[DEFAULT_ACCELERATOR]


def _check_options(gap_s: float, allocate_idle: str | None, engine: str) -> None:
    """The parameters of :func:`account`, each error naming its field."""
    if not (isinstance(gap_s, numbers.Real) and math.isfinite(gap_s) and gap_s > 0):
        raise SpecError(f"expected a finite number of seconds > 0, got {gap_s!r}", path=("gap_s",))
    if allocate_idle not in (None, "proportional"):
        raise SpecError(f"expected 'proportional', got {allocate_idle!r}", path=("allocate_idle",))
    if engine not in ("polars", "dask"):
        raise SpecError(f"expected 'polars' or 'dask', got {engine!r}", path=("engine",))


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
    from lcai.fleet.readers import power_files, read_intensity, read_jobs, read_sites

    _check_options(gap_s, allocate_idle, engine)
    files = power_files(power)
    jobs = read_jobs(jobs_path)
    hourly = read_intensity(intensity)
    site = read_sites(sites)
    sites_file = None if sites is None else str(sites)
    accel = _accelerators(site, sites_file)
    quality = Quality()
    assumptions: list[str] = []
    _overlaps(jobs, quality)
    ctx = _context(jobs, site, gap_s, *_tdp_w(accel))
    if engine == "polars":
        per, samples = _energy(files, ctx, _serial(ctx, progress), quality)
    else:
        with _dask(ctx, progress, scheduler) as run:
            per, samples = _energy(files, ctx, run, quality)
    total_j = float(per["energy_j"].sum())
    seen = set(per["job_id"].unique().to_list())
    empty = [j for j in jobs["job_id"].unique(maintain_order=True).to_list() if j not in seen]
    quality.add("job_without_samples", len(empty), empty[:5])
    if allocate_idle == "proportional":
        per = _allocate_idle(per, assumptions)
    per = _impacts(per, _Sites(site, sites_file, accel), hourly, assumptions)
    return _result(per, jobs, total_j, quality, assumptions, samples)


_IMPACT_COLS = (
    "it_energy_kwh",
    "energy_kwh",
    "co2e_kg",
    "water_l",
    "embodied_co2e_kg",
    "gpu_hours",
)


def _result(
    per: Any, jobs: Any, total_j: float, quality: Quality, assumptions: list[str], samples: int
) -> FleetResult:
    """Sums per job, project and model; every figure checked to be a number >= 0."""
    import polars as pl

    meta = jobs.group_by("job_id").agg(
        pl.col(c).first() for c in ("project", "user", "model", "phase") if c in jobs.columns
    )
    per_job = (
        per.group_by("job_id")
        .agg(pl.col(c).sum() for c in _IMPACT_COLS)
        .join(meta, on="job_id", how="left")
        .sort("job_id")
    )
    for c in _IMPACT_COLS:
        ok = (pl.col(c) >= 0) & pl.col(c).is_finite()  # (in Polars, NaN >= 0 is true)
        bad = per_job.filter(~ok.fill_null(False))
        if bad.height:
            raise SpecError(
                f"job {bad['job_id'][0]!r}: {c} came out as {bad[c][0]}, not a finite number "
                ">= 0 (an input value out of range that no reader caught: please report it)"
            )
    if not math.isfinite(total_j):
        raise SpecError(
            f"the total energy came out as {total_j} J, not a finite number (an input value "
            "out of range that no reader caught: please report it)"
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


def _allocate_idle(per: Any, assumptions: list[str]) -> Any:
    """Idle energy of each (node, hour) spread over that node's jobs in that hour, in
    proportion to their energy, or to their GPU-seconds where they drew none."""
    import polars as pl

    idle = per.filter(pl.col("job_id") == IDLE).select(
        "node", "hour", pl.col("energy_j").alias("idle_j"), pl.col("device_s").alias("idle_s")
    )
    busy = per.filter(pl.col("job_id") != IDLE).join(idle, on=["node", "hour"], how="left")
    where = ["node", "hour"]
    by_time = pl.col("energy_j").sum().over(where) <= 0
    share = (
        pl.when(~by_time)
        .then(pl.col("energy_j") / pl.col("energy_j").sum().over(where))
        .when(pl.col("device_s").sum().over(where) > 0)
        .then(pl.col("device_s") / pl.col("device_s").sum().over(where))
        .otherwise(1.0 / pl.len().over(where))
    )
    busy = busy.with_columns(share.alias("share"), by_time.alias("by_time")).with_columns(
        (pl.col("energy_j") + pl.col("share") * pl.col("idle_j").fill_null(0.0)).alias("energy_j"),
        # the idle GPU-seconds (and so the embodied share) go with the idle energy
        (pl.col("device_s") + pl.col("share") * pl.col("idle_s").fill_null(0.0)).alias("device_s"),
    )
    assumptions.append(
        "idle energy and GPU-time of each (node, hour) spread over that node's jobs in that "
        "hour in proportion to their energy; idle with no job there stays idle"
    )
    n_time = busy.filter(pl.col("by_time") & (pl.col("idle_j") > 0)).select(where).unique().height
    if n_time:
        assumptions.append(
            f"{n_time} (node, hour) pair(s) where the jobs drew no energy: the idle energy "
            "there spread over those jobs in proportion to their GPU-seconds"
        )
    covered = busy.select(where).unique()
    left = idle.join(covered, on=where, how="anti")
    rest = left.select(
        pl.lit(IDLE).alias("job_id"),
        "node",
        "hour",
        pl.col("idle_j").alias("energy_j"),
        pl.col("idle_s").alias("device_s"),
    )
    return pl.concat([busy.select(per.columns), rest.select(per.columns)])


@dataclass(frozen=True)
class _Sites:
    """The sites file (node, region, pue, wue_l_per_kwh, line), its name and the node ->
    accelerator key map read from it."""

    frame: Any
    file: str | None
    accel: dict[str, str]


def _facility(per: Any, sites: _Sites, assumptions: list[str]) -> Any:
    """Each row's node's region, PUE and WUE; industry averages and the world grid where
    the sites file has none (recorded)."""
    import polars as pl

    from lcai import catalog

    fac = catalog.table("facility")
    default_pue = fac.factor("industry_average", "pue", "1")
    default_wue = fac.factor("industry_average", "wue", "L/kWh")
    site = sites.frame
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
    return per.with_columns(
        pl.col("pue").fill_null(default_pue.value),
        pl.col("wue_l_per_kwh").fill_null(default_wue.value),
        pl.col("region").fill_null("WORLD"),
    )


def _grid(per: Any, hourly: Any, sites: _Sites, assumptions: list[str]) -> Any:
    """Each row's carbon intensity [kg/kWh] (of its region and hour, else the region's
    annual factor) and the water consumed per kWh generated there [L/kWh] (``ewif``)."""
    import polars as pl

    from lcai import catalog

    grid = catalog.table("grid_intensity")
    water = catalog.table("electricity_water")
    annual = {}
    ewif = {}
    for r in per["region"].unique().to_list():
        try:
            key = grid.resolve(r, "grid region")
        except UnknownKeyError as exc:
            lines = sites.frame.filter(pl.col("region") == r)["line"] if sites.file else None
            line = None if lines is None or not len(lines) else int(lines[0])
            raise SpecError(f"region: {exc}", file=sites.file, line=line) from None
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
    return per.with_columns(
        pl.col("kg_per_kwh").fill_null(
            pl.col("region").replace_strict(annual, default=None, return_dtype=pl.Float64)
        ),
        pl.col("region").replace_strict(ewif, default=None, return_dtype=pl.Float64).alias("ewif"),
    )


def _embodied(per: Any, sites: _Sites, assumptions: list[str]) -> tuple[Any, float, float]:
    """Each row's node's accelerator's embodied carbon [kg] (``emb_kg``), and the servers'
    lifetime [h] and utilisation it is spread over."""
    import polars as pl

    from lcai import catalog

    acc = catalog.table("accelerators")
    accel = pl.col("node").replace_strict(
        sites.accel, default=DEFAULT_ACCELERATOR, return_dtype=pl.Utf8
    )
    per = per.with_columns(accel.alias("accelerator"))
    if not per["node"].is_in(list(sites.accel)).all():
        assumptions.append(
            f"nodes without an accelerator in the sites file: {DEFAULT_ACCELERATOR} assumed "
            "(TDP cap, embodied)"
        )
    servers = catalog.table("servers")
    life_h = servers.factor("default", "lifetime", "h").value
    util = servers.factor("default", "utilization", "1").value
    emb_kg = {}
    for a in sorted(per["accelerator"].unique().to_list()):
        methods = [f"embodied_{x}" for x in ("manufacturer", "lca", "parametric", "bottom_up")]
        have = [q for q in methods if acc.has(a, q)]
        if not have:
            raise SpecError(f"accelerator {a}: no embodied carbon in the catalog", file=sites.file)
        emb = acc.factor(a, have[0], "kg")
        emb_kg[a] = emb.value
        per_hour = m.allocated_embodied(emb.value, 1.0, life_h, util)
        assumptions.append(
            f"embodied carbon of {a}: {emb.value:g} kg ({emb.source_id}) over "
            f"{life_h / H_PER_YEAR:g} years at {util:g} utilisation = {per_hour * 1000:.3g} g "
            "per GPU-hour"
        )
    # (default=None: with an empty mapping, as for no interval at all, the dtype is kept)
    emb_col = pl.col("accelerator").replace_strict(emb_kg, default=None, return_dtype=pl.Float64)
    return per.with_columns(emb_col.alias("emb_kg")), life_h, util


def _impacts(per: Any, sites: _Sites, hourly: Any, assumptions: list[str]) -> Any:
    """PUE, carbon of the hour, water and embodied carbon for each (job, node, hour)."""
    import polars as pl

    per = _grid(_facility(per, sites, assumptions), hourly, sites, assumptions)
    per, life_h, util = _embodied(per, sites, assumptions)
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
        "embodied_co2e_kg": m.allocated_embodied(col("emb_kg"), gpu_hours, life_h, util),
        "gpu_hours": gpu_hours,
    }
    return per.with_columns(**columns)
