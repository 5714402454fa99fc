"""The ``lcai`` entry point: a click group whose sub-commands load on first use, and the
mapping of errors to one line on stderr and an exit status.

Exit status: 0 done; 1 a check failed (``validate``); 2 bad input or usage (one line,
no traceback); 70 an internal error (one line asking for a report; the traceback with
``lcai --debug ...`` or ``LCAI_DEBUG=1``); the tracked command's own status for
``track``; 130 interrupted.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

__all__ = ["cli", "main"]

# name -> (module defining the command of that name, one-line help): `lcai --help` lists
# these without importing any command module; a command's module loads when it runs.
COMMANDS: dict[str, tuple[str, str]] = {
    "assess": (
        "lcai.cli.assess",
        "Assess FILE: energy, carbon and water per phase and in total.",
    ),
    "compare": (
        "lcai.cli.assess",
        "Compare assessments side by side (phases and totals).",
    ),
    "schema": (
        "lcai.cli.assess",
        "Print the JSON Schema of the assessment file.",
    ),
    "data": (
        "lcai.cli.data",
        "See the packaged, cited data.",
    ),
    "sensitivity": (
        "lcai.cli.whatif",
        "Which inputs matter: Sobol indices and a one-at-a-time tornado.",
    ),
    "scenarios": (
        "lcai.cli.whatif",
        "Compare scenarios (named, cited changes) with the baseline FILE.",
    ),
    "project": (
        "lcai.cli.whatif",
        "Project yearly energy, carbon and water of growing demand.",
    ),
    "capacity": (
        "lcai.cli.whatif",
        "Power a cluster draws at the meter, or what a supply feeds.",
    ),
    "report": (
        "lcai.cli.report",
        "Write a report of FILE: HTML, Markdown + SVG, or LaTeX.",
    ),
    "track": (
        "lcai.cli.track",
        "Measure a command (lcai track -- python train.py) or a process.",
    ),
    "runs": (
        "lcai.cli.track",
        "Read run files written by `lcai track`.",
    ),
    "fleet": (
        "lcai.cli.fleet",
        "Footprint per job and project from a data center's telemetry.",
    ),
    "validate": (
        "lcai.cli.validate",
        "Run the validation suite: lcai against published footprints.",
    ),
    "version": (
        "lcai.cli.validate",
        "Print lcai's version.",
    ),
    "serve": (
        "lcai.cli.serve",
        "Start the local web calculator and REST API (needs lcai[web]).",
    ),
    "export": (
        "lcai.cli.export",
        "Export FILE's inventory to Brightway or openLCA (needs lcai[lca]).",
    ),
}


class LazyGroup(click.Group):
    """A group that imports a sub-command's module only when that command is used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        cmd = getattr(importlib.import_module(COMMANDS[cmd_name][0]), cmd_name)
        assert isinstance(cmd, click.Command)
        return cmd

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_) for name, (_, help_) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--catalog-dir",
    metavar="DIR",
    help="A folder of tables (tables/*.csv, sources/*.yaml) over the packaged catalog; "
    "also LCAI_CATALOG_DIR.",
)
def cli(catalog_dir: str | None) -> None:
    """Life-cycle assessment of AI: energy, carbon and water, from manufacturing to usage."""
    from lcai.catalog import user

    user.use(overlay=catalog_dir)  # each command reads the folder it names, or none


def _one_line(text: str) -> str:
    """One line of plain text: no line breaks, and control characters (a file or key name
    can hold them) written as ``\\xNN``, never sent to the terminal nor silently dropped."""
    from lcai.text import shown_text  # here: `lcai --help` loads nothing of the library

    return " ".join(shown_text(text).split())


def _usage_error(exc: click.UsageError) -> int:
    command = exc.ctx.command_path if exc.ctx is not None else "lcai"
    sys.stderr.write(f"error: {_one_line(exc.format_message())} (see '{command} --help')\n")
    return exc.exit_code


def _input_error(exc: Exception) -> int | None:
    """One line on stderr and 2 for bad input (an lcai error, an unwritable output); else None."""
    from lcai.errors import LcaiError  # here, so `lcai --help` loads nothing of the library

    if isinstance(exc, LcaiError):
        sys.stderr.write(f"error: {_one_line(str(exc))}\n")
    elif isinstance(exc, OSError):  # an output that cannot be written, a folder that is a file
        where = f"{exc.filename}: " if exc.filename else ""
        sys.stderr.write(f"error: {_one_line(f'{where}{exc.strerror or exc}')}\n")
    else:
        return None
    return 2


INTERNAL_ERROR = 70
"""Exit status of an error in lcai itself (EX_SOFTWARE): a bug to report, not bad input."""


def _internal_error(exc: BaseException, debug: bool) -> int:
    """One line asking for a report; the traceback only when debugging."""
    if debug:
        import traceback

        traceback.print_exception(exc)
    name = type(exc).__name__
    sys.stderr.write(
        f"internal error: {name}: {_one_line(str(exc))[:300]} -- this is a bug in lcai; "
        "please report it with the command and its input (run with --debug or LCAI_DEBUG=1 "
        "for the traceback)\n"
    )
    return INTERNAL_ERROR


def _debugging(args: list[str]) -> tuple[list[str], bool]:
    """``--debug`` (before the command) or ``LCAI_DEBUG=1``: tracebacks for internal errors."""
    import os

    debug = os.environ.get("LCAI_DEBUG", "").strip().lower() in ("1", "true", "yes")
    if args and args[0] == "--debug":
        return args[1:], True
    return args, debug


def run(args: list[str] | None = None) -> int:
    """Run the command line on ``args`` (default ``sys.argv[1:]``); its exit status.

    0 done; 1 a check failed; 2 bad input or usage; 70 an internal error; 130 interrupted.
    """
    args, debug = _debugging(sys.argv[1:] if args is None else args)
    if not args:
        click.echo(cli.get_help(click.Context(cli, info_name="lcai")))
        return 0
    try:
        rv: Any = cli.main(args, prog_name="lcai", standalone_mode=False)
    except click.UsageError as exc:
        return _usage_error(exc)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.Abort:  # click's form of Ctrl-C (and of end of input at a prompt)
        sys.stderr.write("interrupted\n")
        return 130
    except click.ClickException as exc:
        sys.stderr.write(f"error: {_one_line(exc.format_message())}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except Exception as exc:
        code = _input_error(exc)
        return _internal_error(exc, debug) if code is None else code
    return rv if isinstance(rv, int) else 0


def main() -> None:
    """Entry point of the ``lcai`` command.

    The command runs without pydantic's plugins unless ``PYDANTIC_DISABLE_PLUGINS`` is set
    (to an empty value to load them): finding them scans every installed distribution's
    entry points at the first validation, about 50 ms of a cold ``lcai assess`` in a
    large environment, for observability hooks a command line does not use. The library
    (``import lcai``) leaves the setting alone."""
    import os

    if "PYDANTIC_DISABLE_PLUGINS" not in os.environ:
        os.environ["PYDANTIC_DISABLE_PLUGINS"] = "__all__"
        # lcai.measure.supervise takes both out of the environment of a command that
        # `lcai track` runs: the setting is this process's, not the user's
        os.environ["LCAI_SET_PYDANTIC_DISABLE_PLUGINS"] = "1"
    problem = _source_date_epoch(os.environ)
    if problem:
        sys.stderr.write(f"error: {problem}\n")
        sys.exit(2)
    sys.exit(run())


def _source_date_epoch(env: Any) -> str | None:
    """What is wrong with ``SOURCE_DATE_EPOCH``, or None. numpy's f2py (which scipy loads)
    reads it with ``int()`` and would crash on anything else: an empty value is taken as
    unset (put back for a command `lcai track` runs), one that is not whole seconds since
    1970 is refused here, before anything loads."""
    raw = env.get("SOURCE_DATE_EPOCH")
    if raw is None:
        return None
    if not raw.strip():
        env["LCAI_UNSET_SOURCE_DATE_EPOCH"] = raw
        del env["SOURCE_DATE_EPOCH"]
        return None
    from lcai.files import source_date_epoch  # only when set: keeps the start light

    try:
        source_date_epoch(raw)
    except ValueError as exc:
        return str(exc)
    return None


if __name__ == "__main__":
    main()
