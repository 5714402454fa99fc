"""Kept so ``python -m lcai.cli.app`` and ``from lcai.cli.app import main`` still work;
the command line lives in :mod:`lcai.cli.main`."""

from lcai.cli.main import main

__all__ = ["main"]

if __name__ == "__main__":
    main()
