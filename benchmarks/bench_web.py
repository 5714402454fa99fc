"""``POST /v1/assess`` of the four-phase example under 8 concurrent clients, against a real
``lcai serve`` in a subprocess: p50/p99 latency, requests per second, and the server's
memory (RSS) after a warm-up under the same load against after the run (it must not
grow).

Reference, measured in the same run: the in-process library call ``lcai.assess_file`` on
the same file (median of repeated calls), the floor of one request's work. The clients
run on the same machine as the server and share its cores.

Run time: ``LCAI_BENCH_WEB_SECONDS`` (default 30) or ``--seconds N``.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import yaml

from lcai.api import assess_file

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "open-model-lifecycle.yaml"
CLIENTS = 8


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mib(pid: int) -> float:
    """Resident memory of a process [MiB] (Linux /proc; psutil elsewhere)."""
    status = Path(f"/proc/{pid}/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    import psutil

    return float(psutil.Process(pid).memory_info().rss) / 2**20


def wait_until_up(url: str, seconds: float = 60.0) -> None:
    end = time.monotonic() + seconds
    while True:
        try:
            httpx.get(url, timeout=2.0)
            return
        except httpx.TransportError:
            if time.monotonic() > end:
                raise
            time.sleep(0.1)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def load(url: str, body: bytes, seconds: float) -> tuple[list[float], int]:
    """CLIENTS threads, each with its own keep-alive connection, posting until time is up:
    the latencies [s] of the answers 200, and the count of the others."""
    latencies: list[list[float]] = [[] for _ in range(CLIENTS)]
    failures = [0] * CLIENTS
    end = time.monotonic() + seconds
    headers = {"content-type": "application/json"}

    def client(i: int) -> None:
        with httpx.Client(timeout=60.0) as c:
            while time.monotonic() < end:
                t0 = time.perf_counter()
                r = c.post(url, content=body, headers=headers)
                dt = time.perf_counter() - t0
                if r.status_code == 200:
                    latencies[i].append(dt)
                else:
                    failures[i] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [x for xs in latencies for x in xs], sum(failures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float,
                        default=float(os.environ.get("LCAI_BENCH_WEB_SECONDS", "30")))  # fmt: skip
    seconds = parser.parse_args().seconds
    body = json.dumps(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))).encode()
    expected = assess_file(EXAMPLE).to_dict()["total"]["co2e_kg"]
    reference = []
    for _ in range(20):
        t0 = time.perf_counter()
        assess_file(EXAMPLE)
        reference.append(time.perf_counter() - t0)
    ref = statistics.median(reference)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "lcai.cli.main", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until_up(f"{base}/v1/version")
        cold = rss_mib(proc.pid)
        r = httpx.post(f"{base}/v1/assess", content=body, timeout=60.0,
                       headers={"content-type": "application/json"})  # fmt: skip
        got = r.json()["total"]["co2e_kg"]
        if got != expected:
            raise SystemExit(f"the server's total {got!r} differs from the library's {expected!r}")
        # warm-up under the same load: caches filled, the worker threads started
        load(f"{base}/v1/assess", body, max(3.0, seconds / 5))
        start = rss_mib(proc.pid)
        t0 = time.perf_counter()
        latencies, failures = load(f"{base}/v1/assess", body, seconds / 2)
        half = rss_mib(proc.pid)
        more, more_failures = load(f"{base}/v1/assess", body, seconds / 2)
        elapsed = time.perf_counter() - t0
        after = rss_mib(proc.pid)
        latencies, failures = latencies + more, failures + more_failures
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    n = len(latencies)
    print(f"web api: POST /v1/assess of {EXAMPLE.name}, {CLIENTS} concurrent clients, "
          f"{elapsed:.1f} s, {os.cpu_count()} cores shared by server and clients")  # fmt: skip
    print(f"  in-process assess_file (reference): {ref * 1000:8.1f} ms median of 20 "
          f"({1 / ref:.1f} per second on one thread)")  # fmt: skip
    if n == 0:
        print(f"  no answer 200 ({failures} others)")
        return
    print(f"  latency p50 / p99:   {percentile(latencies, 0.5) * 1000:8.1f} / "
          f"{percentile(latencies, 0.99) * 1000:.1f} ms")  # fmt: skip
    print(f"  requests per second: {n / elapsed:8.1f} ({n} answered, {failures} failed)")
    print(f"  server RSS: {cold:.1f} MiB up, {start:.1f} MiB after warm-up, {after:.1f} MiB "
          f"after the run: growth {after - start:+.1f} MiB (goal: none), of which "
          f"{half - start:+.1f} MiB in the first half and {after - half:+.1f} MiB in the "
          "second")  # fmt: skip


if __name__ == "__main__":
    main()
