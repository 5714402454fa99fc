"""The tracker's cost: CPU time of a CPU-bound workload tracked vs untracked, in one run,
and the time from `lcai track -- true` starting to exiting (also with `--region`, which
reads the catalog's grid carbon and water factors).

Goals (issue 7): under 1% more CPU time at the default 1 s sampling; start to exit under
0.5 s. The tracked figure includes the tracker's own start-up (imports), which is reported
apart, so the steady-state cost per second of tracking is visible too.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORK_S = 15.0
WORKLOAD = f"import time\ns=time.time()\nx=0\nwhile time.time()-s<{WORK_S}:\n    x+=1\n"


def child_cpu(cmd: list[str]) -> tuple[float, float]:
    """(CPU seconds of the command and its children, wall seconds)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main() -> None:
    lcai = [sys.executable, "-m", "lcai.cli.app"]
    tmp = Path(tempfile.mkdtemp())
    start = []
    for i in range(5):
        start.append(child_cpu([*lcai, "track", "-o", str(tmp / f"t{i}.jsonl"), "--", "true"]))
    start_cpu = statistics.median(c for c, _ in start)
    start_wall = statistics.median(w for _, w in start)
    region = [
        child_cpu([*lcai, "track", "-o", str(tmp / f"r{i}.jsonl"), "--region", "FR", "--", "true"])
        for i in range(5)
    ]
    region_wall = statistics.median(w for _, w in region)
    plain_cpu, _ = child_cpu([sys.executable, "-c", WORKLOAD])
    tracked_cpu, _ = child_cpu(
        [*lcai, "track", "-o", str(tmp / "w.jsonl"), "--", sys.executable, "-c", WORKLOAD]
    )
    extra = tracked_cpu - plain_cpu
    steady = extra - start_cpu
    print(f"tracker on a {WORK_S:.0f} s CPU-bound workload (default 1 s sampling):")
    print(f"  untracked (reference): {plain_cpu:6.2f} s CPU")
    print(f"  tracked:               {tracked_cpu:6.2f} s CPU (+{100 * extra / plain_cpu:.1f}%, "
          f"of which {start_cpu:.2f} s is start-up)")  # fmt: skip
    print(f"  steady state: {100 * steady / plain_cpu:+.2f}% CPU (goal < 1%)")
    print(f"  `lcai track -- true` start to exit: {start_wall:.3f} s median of 5 (goal < 0.5 s)")
    print(f"  with --region FR (loads the catalog's two factors): {region_wall:.3f} s median of 5")


if __name__ == "__main__":
    main()
