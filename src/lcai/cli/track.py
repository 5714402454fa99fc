"""``lcai track`` (measure a command or a process) and ``lcai runs show``.

``lcai track`` starts quickly: this module imports only click; the tracker loads
when the command runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from lcai.cli.common import emit, option_errors
from lcai.fmt import magnitude
from lcai.text import terminal_text

__all__ = ["runs", "track"]

_FILE = click.Path(path_type=Path)
_POSITIVE = click.FloatRange(min=0, min_open=True)


class _LiveStatus:
    """The status line on a terminal's stderr: seconds, kWh and (with a region) gCO2e
    and litres of water."""

    def __init__(self) -> None:
        self.live = sys.stderr.isatty()

    def __call__(
        self, elapsed_s: float, kwh: float, co2e_g: float | None, water_l: float | None
    ) -> None:
        if not self.live:
            return
        text = f"\r[lcai] {elapsed_s:7.0f} s  {magnitude(kwh, 'kWh'):>14}"
        if co2e_g is not None and water_l is not None:
            text += (
                f"  {magnitude(co2e_g / 1000, 'kgCO2e'):>16}  {magnitude(water_l, 'L'):>12} water"
            )
        sys.stderr.write(text)
        sys.stderr.flush()

    def end(self) -> None:
        if self.live:
            sys.stderr.write("\n")


def _warn(warnings: list[str]) -> None:
    """Each warning on its own line of stderr; in bold red on a terminal."""
    loud = sys.stderr.isatty()
    for w in warnings:
        label = "\x1b[1;31mwarning:\x1b[0m" if loud else "warning:"
        sys.stderr.write(f"{label} {terminal_text(w)}\n")


@click.command(context_settings={"ignore_unknown_options": True,
                                 "allow_interspersed_args": False})  # fmt: skip
@click.option("--output", "-o", type=_FILE, help="Run file (default: runs/run-*.jsonl).")
@click.option("--interval", type=_POSITIVE, default=1.0, show_default=True,
              help="Seconds between samples.")  # fmt: skip
@click.option("--flush", type=_POSITIVE, default=5.0, show_default=True,
              help="Seconds between flushes to disk.")  # fmt: skip
@click.option("--region", help="Grid region for CO2e and water (default: $LCAI_REGION).")
@click.option("--pid", type=int, help="Attach to a running process.")
@click.option("--prometheus", "prometheus_port", type=click.IntRange(0, 65535), metavar="PORT",
              help="Serve energy, CO2e and water counters on 127.0.0.1:PORT.")  # fmt: skip
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
def track(
    output: Path | None, interval: float, flush: float, region: str | None, pid: int | None,
    prometheus_port: int | None, command: tuple[str, ...],
) -> int:  # fmt: skip
    """Measure a command (`lcai track -- python train.py`) or a process (`--pid`)."""
    from lcai.measure.supervise import supervise

    if (pid is None) == (not command):
        raise click.UsageError("give a command after '--' (lcai track -- python train.py) or --pid")
    status = _LiveStatus()
    try:
        with option_errors(
            {
                "pid": "--pid",
                "interval": "--interval/--flush",
                "region": "--region",
                "output": "-o/--output",
                "prometheus": "--prometheus",
            }
        ):
            done = supervise(
                command, pid=pid, output=output, interval_s=interval, flush_s=flush,
                region=region, on_status=status, on_start=_warn,
                prometheus_port=prometheus_port,
            )  # fmt: skip
    finally:
        status.end()
    sys.stderr.write(terminal_text(f"[lcai] {done.summary}; run file: {done.output}") + "\n")
    return done.exit_status


@click.group(no_args_is_help=True)
def runs() -> None:
    """Read run files written by `lcai track`."""


@runs.command("show")
@click.argument("files", nargs=-1, required=True, type=_FILE)
@click.option("--json", "json_out", is_flag=True, help="Print JSON.")
def runs_show(files: tuple[Path, ...], json_out: bool) -> None:
    """Summarise run FILES: duration, energy per device, average power, backends, warnings."""
    from lcai.measure.runfile import read_run, summarise

    summaries = [summarise(read_run(f)) for f in files]
    if json_out:
        import json

        emit(json.dumps(summaries, indent=2, allow_nan=False))  # null, never NaN
        return
    from lcai.outputs import terminal
    from lcai.outputs.terminal.runs import render_runs

    render_runs(summaries, terminal.console())
