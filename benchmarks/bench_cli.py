"""Cold start of the command line against `python -c "import numpy, pydantic, yaml"`,
all measured in the same run.

Goals (issue 11): `lcai --help` within 1.2x of the reference, a cold
`lcai assess FILE --json` within 1.5x; `lcai track -- true` about 0.2 s; `import lcai`
reads no file. Each command runs RUNS times as a fresh process, the commands taking
turns (so drift in the machine's load hits all alike); the median is printed, with
its ratio to the reference. The OS file cache is warm for all alike.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "bloom-176b.yaml"
RUNS = 15
REFERENCE = 'python -c "import numpy, pydantic, yaml" (reference)'


def commands(run_dir: Path) -> dict[str, tuple[list[str], float | None]]:
    """label -> (command line, goal as a ratio to the reference or None)."""
    lcai = str(Path(sys.executable).with_name("lcai"))
    return {
        REFERENCE: ([sys.executable, "-c", "import numpy, pydantic, yaml"], None),
        "lcai --help": ([lcai, "--help"], 1.2),
        f"lcai assess {EXAMPLE.name} --json": ([lcai, "assess", str(EXAMPLE), "--json"], 1.5),
        "the same through the library (no CLI)": (
            [
                sys.executable,
                "-c",
                "import sys; from lcai.api import assess_file; "
                f"sys.stdout.write(assess_file({str(EXAMPLE)!r}).to_json())",
            ],
            None,
        ),
        "floor: pydantic's BaseModel + the assessment schema built, no lcai engine": (
            [
                sys.executable,
                "-c",
                "import numpy, yaml; from lcai.spec.schema import Assessment; "
                "Assessment.model_rebuild()",
            ],
            None,
        ),
        f"lcai assess {EXAMPLE.name} (table)": ([lcai, "assess", str(EXAMPLE)], None),
        "lcai track -- true": ([lcai, "track", "-o", str(run_dir / "r.jsonl"), "--", "true"], None),
    }


def once(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def medians(cmds: dict[str, tuple[list[str], float | None]]) -> dict[str, float]:
    times: dict[str, list[float]] = {label: [] for label in cmds}
    for cmd, _ in cmds.values():  # warm the file cache and the bytecode
        once(cmd)
    for _ in range(RUNS):
        for label, (cmd, _) in cmds.items():
            if label.startswith("lcai track"):
                Path(cmd[3]).unlink(missing_ok=True)
            times[label].append(once(cmd))
    return {label: statistics.median(ts) for label, ts in times.items()}


def files_opened_by_import() -> str:
    code = (
        "import sys\nopened=[]\n"
        "sys.addaudithook(lambda e,a: opened.append(a[0]) if e=='open' and isinstance(a[0],str)"
        " and '/lcai/data/' in a[0] else None)\n"
        "import lcai\nprint(len(opened))"
    )
    n = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return n.stdout.strip()


def main() -> None:
    # as an installed package has: bytecode (an editable install may run without it when
    # PYTHONDONTWRITEBYTECODE is set, compiling every module on every start)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        cmds = commands(Path(tmp))
        result = medians(cmds)
    ref = result[REFERENCE]
    print(f"cold start, median of {RUNS} runs each, taking turns")
    for label, t in result.items():
        goal = cmds[label][1]
        verdict = ""
        if goal is not None:
            verdict = f"  goal {goal:.1f}x: {'met' if t / ref <= goal else 'MISSED'}"
        print(f"  {label:<52} {t:7.3f} s  {t / ref:5.2f}x{verdict}")
    print(f"  data files opened by `import lcai`: {files_opened_by_import()} (goal: 0)")


if __name__ == "__main__":
    main()
