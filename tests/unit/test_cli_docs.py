"""docs/control-plane.md carries the CLI's help text, generated from the commands themselves;
every ``modelport ...`` command the README and the docs show names a real command and options.

Regenerate it with
``MODELPORT_UPDATE_DOCS=1 .venv/bin/python -m pytest tests/unit/test_cli_docs.py``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import click
from click.testing import CliRunner

from modelport.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "control-plane.md"
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


def test_the_docs_name_exactly_the_commands_without_json() -> None:
    # The docs said "all take `--json`" while `quota set`, `models pull` and others did not.
    head = DOC.read_text(encoding="utf-8").split(START, 1)[0]
    sentence = head.split("takes `--json` except", 1)[1].split(".", 1)[0]
    named = set(re.findall(r"`modelport ([a-z -]+)`", sentence))
    without = set()
    for args in COMMANDS:
        command: click.Command = cli
        for word in args:
            assert isinstance(command, click.Group)
            command = command.commands[word]
        if not any("--json" in param.opts for param in command.params):
            without.add(" ".join(args))
    assert named == without


# `modelport WORD [WORD...]` then its arguments, up to a comment, a code span's end or a table cell.
CALL = re.compile(r"(?<![\w/.-])modelport((?: +[a-z][a-z0-9-]*)+)([^#`|]*)")
OPTION = re.compile(r"(?<!\S)(--?[a-zA-Z][\w-]*)")


def command_problems(text: str) -> list[str]:
    """What is wrong with the ``modelport`` calls in ``text``: a command that does not exist, or
    an option its command does not have."""
    problems = []
    for line in text.splitlines():
        for match in CALL.finditer(line):
            command: click.Command = cli
            path: list[str] = []
            for word in match.group(1).split():
                if not isinstance(command, click.Group):
                    break  # the command's arguments
                if word not in command.commands:
                    problems.append(f"no command `modelport {' '.join([*path, word])}`: {line}")
                    break
                command = command.commands[word]
                path.append(word)
            else:
                if isinstance(command, click.Group):
                    continue  # a group named in prose
            if not path or isinstance(command, click.Group):
                continue
            known = {
                opt for param in command.params for opt in [*param.opts, *param.secondary_opts]
            }
            words = match.group(0).split()
            for option in OPTION.findall(" ".join(words[len(path) + 1 :])):
                if option not in known | {"--help"}:
                    problems.append(f"`modelport {' '.join(path)}` has no option {option}: {line}")
    return problems


def test_the_checker_finds_a_missing_command_and_option() -> None:
    assert command_problems("run `modelport keys show NAME --json`") == []
    assert len(command_problems("run `modelport deployments keys NAME`")) == 1
    assert len(command_problems("modelport usage --by day --weekly  # x --bogus")) == 1


def test_the_commands_in_the_readme_and_docs_exist() -> None:
    problems = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        if START in text:  # the generated reference is checked above
            head, rest = text.split(START, 1)
            text = head + rest.split(END, 1)[1]
        problems += [f"{doc.relative_to(ROOT)}: {p}" for p in command_problems(text)]
    assert problems == []
