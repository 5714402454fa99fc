"""Cold start of `lcai assess` against `python -c "import numpy"`, measured in the same run.

Goal (issue 3): a cold `lcai assess` under 0.3 s; `import lcai` reads no files.
Prints the median of N runs of each command (fresh processes, so every run is cold
in the interpreter's sense; the OS file cache is warm for both alike).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "bloom-176b.yaml"
RUNS = 7


def median_seconds(cmd: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    lcai = str(Path(sys.executable).with_name("lcai"))
    runs = {
        'python -c "import numpy" (reference)': [sys.executable, "-c", "import numpy"],
        'python -c "import lcai"': [sys.executable, "-c", "import lcai"],
        "lcai --help": [lcai, "--help"],
        f"lcai assess {EXAMPLE.name} --json": [lcai, "assess", str(EXAMPLE), "--json"],
        f"lcai assess {EXAMPLE.name} (table)": [lcai, "assess", str(EXAMPLE)],
    }
    print(f"cold start, median of {RUNS} runs each (goal: lcai assess < 0.300 s)")
    ref = None
    for label, cmd in runs.items():
        t = median_seconds(cmd)
        ref = ref or t
        print(f"  {label:<45} {t:7.3f} s   ({t / ref:4.1f}x numpy import)")
    code = (
        "import sys\nopened=[]\n"
        "sys.addaudithook(lambda e,a: opened.append(a[0]) if e=='open' and isinstance(a[0],str)"
        " and '/lcai/data/' in a[0] else None)\n"
        "import lcai\nprint(len(opened))"
    )
    n = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    print(f"  data files opened by `import lcai`: {n.stdout.strip()} (goal: 0)")


if __name__ == "__main__":
    main()
