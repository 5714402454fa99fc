"""The command line: parse, call the library, render; maps errors to exit codes.

One module per command group (assess, data, whatif, report, track, fleet, validate);
:mod:`lcai.cli.main` is the entry point and loads a group only when it is used.
May import anything in lcai; nothing in lcai imports it.
"""


def main() -> None:
    """Entry point of the ``lcai`` command."""
    from lcai.cli.main import main as _main

    _main()
