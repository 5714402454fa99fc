"""The command line: parse, call the library, render; maps errors to exit codes.

May import anything in lcai; nothing in lcai imports it.
"""


def main() -> None:
    """Entry point of the ``lcai`` command."""
    from lcai.cli.app import main as _main

    _main()
