"""How CLI commands print what the management API answered: JSON, tables that never truncate,
and labelled fields."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import click


def emit_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")


def print_table(
    columns: list[str], rows: list[list[str]], wrap: Mapping[str, int] | None = None
) -> None:
    """A table that never truncates values (URLs and keys are meant to be copied). Off a
    terminal it is as wide as its content, so a column of word lists (permissions) names its
    width in ``wrap``: its cells wrap between words there, never inside one."""
    from rich.console import Console
    from rich.table import Column, Table

    wrap = wrap or {}
    table = Table(
        *(Column(name, max_width=wrap[name]) if name in wrap else name for name in columns)
    )
    for row in rows:
        table.add_row(*row)
    console = Console(width=None if sys.stdout.isatty() else 4096)
    console.print(table)


def print_listing(
    items: Sequence[dict[str, Any]],
    as_json: bool,
    columns: list[str],
    row: Callable[[dict[str, Any]], list[str]],
    wrap: Mapping[str, int] | None = None,
) -> None:
    """``items`` as JSON, or as a table of ``columns`` with one ``row`` per item."""
    if as_json:
        emit_json(items)
        return
    print_table(columns, [row(item) for item in items], wrap)


def print_field(label: str, value: object, width: int) -> None:
    """One indented ``label: value`` line, the values of a block aligned at ``width``."""
    click.echo(f"  {label + ':':<{width}} {value}")
