"""The HTML report of the largest example: its size, and its render time in headless Chromium.

Goals (issue 6): under 5 MB and under 2 s to render. The reference printed beside it
is an empty page rendered by the same browser in the same run.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

from lcai.outputs.report import build_report, write_report

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
        "--disable-component-update", "--disable-sync"]  # fmt: skip


def main() -> None:
    examples = sorted((ROOT / "examples").glob("*.yaml"), key=lambda p: p.stat().st_size)
    largest = examples[-1]
    tmp = Path(tempfile.mkdtemp())
    out = tmp / "report.html"
    t0 = time.perf_counter()
    write_report(build_report(largest), out)
    build_s = time.perf_counter() - t0
    size = out.stat().st_size
    print(f"report of {largest.name}: {size / 1e6:.3f} MB (goal < 5 MB), built in {build_s:.2f} s")
    chromium = shutil.which("chromium")
    if chromium is None:
        print("  render time: skipped (no chromium on this machine)")
        return
    from playwright.sync_api import sync_playwright

    blank = tmp / "blank.html"
    blank.write_text("<!DOCTYPE html><title>blank</title>")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=ARGS)
        times: dict[str, list[float]] = {"blank": [], "report": []}
        for _ in range(5):
            for name, path in (("blank", blank), ("report", out)):
                page = browser.new_page()
                t0 = time.perf_counter()
                page.goto(path.as_uri(), wait_until="load")
                page.evaluate("() => new Promise(r => requestAnimationFrame(() => r(null)))")
                times[name].append(time.perf_counter() - t0)
                page.close()
        browser.close()
    rep, ref = statistics.median(times["report"]), statistics.median(times["blank"])
    print(f"  render in headless Chromium: {rep * 1000:.0f} ms median of 5 (goal < 2000 ms); "
          f"empty page {ref * 1000:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
