"""The calculator in headless Chromium: the time from a form change to the updated
result on the page (issue 17, item 6), median and p95 over repeated changes.

Each change types a new accelerator count into the four-phase example (a new state
each time: no cached result), and is timed until the page shows the result of that
change. The reference, measured in the same run against the same server: the server's
own time to answer the same request (``POST /fragment`` with the same form, from an
HTTP client on this machine). The page waits DEBOUNCE_MS after the last keystroke
before it asks, so the browser's time is about reference + debounce + swapping in.

The page's own time runs from the form's input event to the page's ``lcai:result`` event
(``performance.now()`` in the page); it is what a user waits. The time seen by the driver
adds Playwright's round trips (filling the box, polling for the result), about half a
second here, and is printed apart.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parent.parent
CHANGES = 20
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
        "--disable-component-update", "--disable-sync"]  # fmt: skip


_MARKS = """() => {
  let start = null, took = null;
  const form = document.getElementById("calc");
  form.addEventListener("input", () => { start = performance.now(); }, true);
  document.addEventListener("lcai:result", () => { took = performance.now() - start; });
  window.__lcaiTook = () => { const t = took; took = null; return t; };
}"""
"""In the page: the time from the last input event to the result shown."""


def _debounce_ms() -> int:
    js = (ROOT / "src" / "lcai" / "web" / "static" / "calc.js").read_text(encoding="utf-8")
    m = re.search(r"DELAY_MS = (\d+)", js)
    return int(m.group(1)) if m else 0


def _p95(xs: list[float]) -> float:
    return sorted(xs)[max(0, round(0.95 * len(xs)) - 1)]


def _serve() -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "lcai.web.app:create_app",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/static/calc.js", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start")


def main() -> None:
    chromium = os.environ.get("LCAI_CHROMIUM") or shutil.which("chromium")
    if chromium is None:
        print("calculator in Chromium: skipped (no chromium on this machine)")
        return
    import httpx
    from playwright.sync_api import sync_playwright

    proc, base = _serve()
    try:
        browser_ms: list[float] = []
        server_ms: list[float] = []
        driver_ms: list[float] = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1600})
            page.goto(base + "/", wait_until="load")
            form = page.eval_on_selector(
                "#calc", "f => new URLSearchParams(new FormData(f)).toString()"
            )
            fields = dict(parse_qsl(form, keep_blank_values=True))
            page.evaluate(_MARKS)
            for i in range(1, CHANGES + 1):
                t0 = time.perf_counter()
                page.fill("#f-training-accelerators-count", str(2000 + i))
                page.wait_for_selector(f'#result[data-seq="{i}"]', state="attached",
                                       timeout=120_000)  # fmt: skip
                driver_ms.append((time.perf_counter() - t0) * 1000)
                browser_ms.append(float(page.evaluate("() => window.__lcaiTook()")))
            browser.close()
        with httpx.Client(base_url=base, timeout=120) as client:
            for i in range(1, CHANGES + 1):
                body = {**fields, "training.accelerators.count": str(3000 + i)}
                t0 = time.perf_counter()
                r = client.post("/fragment", data=body)
                server_ms.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, r.text[:300]
    finally:
        proc.terminate()
        proc.wait(10)
    print(
        f"calculator: a form change to the updated result, four-phase example "
        f"({CHANGES} changes; page defaults: 500 Monte Carlo samples and the tornado)"
    )
    print(
        f"  in headless Chromium:       median {statistics.median(browser_ms):7.0f} ms, "
        f"p95 {_p95(browser_ms):7.0f} ms (input event to result shown, in the page; includes "
        f"its {_debounce_ms()} ms debounce)"
    )
    print(
        f"  seen by the driver:         median {statistics.median(driver_ms):7.0f} ms, "
        f"p95 {_p95(driver_ms):7.0f} ms (adds Playwright's fill and polling)"
    )
    print(
        f"  server alone (reference):   median {statistics.median(server_ms):7.0f} ms, "
        f"p95 {_p95(server_ms):7.0f} ms (POST /fragment, same form, same server)"
    )


if __name__ == "__main__":
    main()
