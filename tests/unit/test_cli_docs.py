"""docs/control-plane.md carries the CLI's help text, generated from the commands themselves.

Regenerate it with
``MODELPORT_UPDATE_DOCS=1 .venv/bin/python -m pytest tests/unit/test_cli_docs.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from click.testing import CliRunner

from modelport.cli.main import cli

DOC = Path(__file__).resolve().parents[2] / "docs" / "control-plane.md"
START, END = "<!-- cli-help:start -->", "<!-- cli-help:end -->"


def all_commands() -> list[list[str]]:
    """Every command of the CLI, walked from the click tree (so none can be left out)."""
    found: list[list[str]] = []
    for name, command in cli.commands.items():
        if isinstance(command, click.Group):
            found.extend([name, sub] for sub in command.commands)
        else:
            found.append([name])
    return found


COMMANDS = all_commands()


def render() -> str:
    runner = CliRunner()
    parts = []
    for args in COMMANDS:
        result = runner.invoke(cli, [*args, "--help"], prog_name="modelport", terminal_width=100)
        assert result.exit_code == 0, result.output
        parts.append(
            f"### `modelport {' '.join(args)}`\n\n```text\n{result.output.rstrip()}\n```\n"
        )
    return "\n".join(parts)


def test_cli_reference_in_the_docs_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    expected = f"{head}{START}\n\n{render()}\n{END}{tail}"
    if os.environ.get("MODELPORT_UPDATE_DOCS") == "1":
        DOC.write_text(expected, encoding="utf-8")
        text = expected
    assert text == expected, "docs/control-plane.md is stale: see this module's docstring"


def test_every_cli_command_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for args in COMMANDS:
        assert f"### `modelport {' '.join(args)}`" in text, args
