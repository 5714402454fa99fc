"""``lcai data list|show|cite``: the packaged, cited data."""

from __future__ import annotations

import click

from lcai.cli.common import emit, option_errors

__all__ = ["data"]


@click.group(no_args_is_help=True)
def data() -> None:
    """See the packaged, cited data."""


@data.command("list")
def data_list() -> None:
    """List the packaged tables."""
    from lcai.outputs import terminal
    from lcai.outputs.terminal.catalog import render_table_list

    render_table_list(terminal.console())


def _criteria(filters: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for f in filters:
        col, eq, val = f.partition("=")
        if not eq:
            raise click.BadParameter(f"expected COLUMN=VALUE, got {f!r}", param_hint="'--filter'")
        out[col] = val
    return out


@data.command("show")
@click.argument("table")
@click.option("--filter", "-f", "filters", multiple=True,
              help="COLUMN=VALUE, e.g. key=FR or quantity=tdp (repeatable).")  # fmt: skip
@click.option("--csv", "csv_out", is_flag=True, help="Print CSV.")
def data_show(table: str, filters: tuple[str, ...], csv_out: bool) -> None:
    """Show TABLE's rows (optionally filtered), with units, years and sources."""
    from lcai.outputs.catalog_rows import rows_csv, select_rows

    with option_errors({"filter": "--filter"}):
        tab, rows = select_rows(table, _criteria(filters))
    if csv_out:
        emit(rows_csv(rows))
        return
    from lcai.outputs import terminal
    from lcai.outputs.terminal.catalog import render_rows

    render_rows(table, tab.description, rows, terminal.console())


@data.command("cite")
@click.argument("source_id")
def data_cite(source_id: str) -> None:
    """Print the full reference of SOURCE_ID (see the 'source' column), and which rows use it."""
    from lcai.outputs import terminal
    from lcai.outputs.catalog_rows import citation_and_usage
    from lcai.outputs.terminal.catalog import render_citation

    citation, used_by = citation_and_usage(source_id)
    render_citation(citation, used_by, terminal.console())


@data.command("diff")
@click.argument("old")
@click.argument("new", default="in-use")
@click.option("--json", "json_out", is_flag=True, help="Print JSON.")
def data_diff(old: str, new: str, json_out: bool) -> None:
    """Rows added, removed or changed from catalog OLD to NEW: 'packaged', a catalog folder
    (with a catalog.yaml), or a folder of tables read over the packaged catalog. NEW
    defaults to the catalog in use ('in-use': --catalog-dir or LCAI_CATALOG_DIR where
    given, else the packaged one)."""
    from lcai.catalog import user
    from lcai.catalog.diff import diff_catalogs, version_of

    if new == "in-use":
        in_use = user.overlay_dir() or user.base_dir()
        new = str(in_use) if in_use is not None else "packaged"
    a, b = (None if x == "packaged" else x for x in (old, new))
    changes = diff_catalogs(a, b)
    if json_out:
        import json

        doc = {"old": version_of(a), "new": version_of(b), "rows": [c.to_dict() for c in changes]}
        emit(json.dumps(doc, indent=2, allow_nan=False))
        return
    from lcai.outputs import terminal
    from lcai.outputs.terminal.catalog import render_diff

    render_diff(changes, version_of(a), version_of(b), terminal.console())
