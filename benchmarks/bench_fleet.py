"""Fleet accounting throughput and peak memory on synthetic telemetry, beside a plain pandas
implementation of the same accounting and a scan of the Parquet columns, in the same run.

Goals (issue 8): at least 4 million samples/s end to end at 100 million samples, peak
memory under 1 GB and flat as the data grows, at least 6x pandas at 10 million. The
100-million run takes minutes and ~0.7 GB of disk: set LCAI_BENCH_FLEET_100M=1 to run it.
The 10 million samples are also measured as a file per node and hour (320 files), a layout
the accounting gives the same result on (issue 13.1).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

RUN = """
import resource, sys, time
sys.path.insert(0, {here!r})
kind, d = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
if kind == "lcai":
    from lcai.fleet import account
    r = account(d + "/power", d + "/jobs.csv", intensity=d + "/intensity.csv",
                sites=d + "/sites.csv")
    n = r.samples
elif kind == "dask":
    from lcai.fleet import account
    r = account(d + "/power", d + "/jobs.csv", intensity=d + "/intensity.csv",
                sites=d + "/sites.csv", engine="dask")
    n = r.samples
elif kind == "pandas":
    from fleet_pandas import energy_per_job_j
    energy_per_job_j(d + "/power", d + "/jobs.csv")
    n = 0
else:
    import glob, polars as pl
    n = 0
    for f in sorted(glob.glob(d + "/power/*.parquet")):
        n += pl.read_parquet(f, columns=["t_ms", "node", "gpu", "power_w"]).height
s = time.perf_counter() - t0
peak = max(resource.getrusage(w).ru_maxrss for w in (resource.RUSAGE_SELF,
                                                        resource.RUSAGE_CHILDREN))
print(s, peak / 1024 / 1024)  # largest single process (workers are separate processes)
"""


def measure(kind: str, d: Path) -> tuple[float, float] | None:
    proc = subprocess.run([sys.executable, "-c", RUN.format(here=str(HERE)), kind, str(d)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    if proc.returncode != 0:
        return None
    s, gb = proc.stdout.split()
    return float(s), float(gb)


def main() -> None:
    from lcai.fleet import synthesize

    sizes = [("10M", 64, 5, False)]  # 64 nodes x 8 GPUs x 5 h at 1 Hz = 9.2M samples
    sizes.append(("10M, a file per node and hour", 64, 5, True))  # 320 files
    if os.environ.get("LCAI_BENCH_FLEET_100M"):
        sizes.append(("100M", 64, 55, False))
    for label, nodes, hours, per_node in sizes:
        d = Path(tempfile.mkdtemp(prefix="lcai-fleet-"))
        t0 = time.perf_counter()
        info = synthesize(d, nodes=nodes, hours=hours, seed=0, per_node=per_node)
        n = info["samples"]
        print(f"fleet, {label}: {n:,} samples in {info['files']} files "
              f"({time.perf_counter() - t0:.0f} s to synthesise)")  # fmt: skip
        for kind, name in (("scan", "scan the 4 Parquet columns (limit)"),
                           ("lcai", "lcai, polars engine"),
                           ("dask", "lcai, dask engine (LocalCluster 2x1)"),
                           ("pandas", "plain pandas (reference)")):  # fmt: skip
            if kind == "pandas" and label == "100M":
                print(f"  {name:38s} skipped (needs more than 24 GB at 100M)")
                continue
            if per_node and kind in ("dask", "pandas"):
                continue  # the layout is the polars engine's question
            m = measure(kind, d)
            if m is None:
                print(f"  {name:38s} failed (out of memory?)")
                continue
            s, gb = m
            print(f"  {name:38s} {n / s / 1e6:6.2f} M samples/s  {s:7.2f} s  peak {gb:5.2f} GB")
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
