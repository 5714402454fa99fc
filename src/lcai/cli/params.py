"""Option callbacks that parse quantities with units ('150 MW', '200-283 TWh', '25-33%').

A bad value is a usage error naming the option (click's BadParameter), exit status 2.
The units library loads only when such an option is given.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

__all__ = ["quantity", "quantity_range"]

Callback = Callable[[click.Context, click.Parameter, Any], Any]


def quantity(dimension: str) -> Callback:
    """A callback turning '150 MW' into its value in the dimension's canonical unit."""

    def convert(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
        if value is None:
            return None
        from lcai.errors import SpecError
        from lcai.units import parse_quantity

        try:
            return parse_quantity(value, dimension).value
        except SpecError as exc:
            raise click.BadParameter(exc.message, ctx, param) from None

    return convert


def quantity_range(dimension: str) -> Callback:
    """A callback turning a value or a range ('25-33%', '200-283 TWh') into (low, high)."""

    def convert(
        ctx: click.Context, param: click.Parameter, value: str | None
    ) -> tuple[float, float] | None:
        if value is None:
            return None
        from lcai.errors import SpecError
        from lcai.units import parse_range

        try:
            return parse_range(value, dimension)
        except SpecError as exc:
            raise click.BadParameter(exc.message, ctx, param) from None

    return convert
