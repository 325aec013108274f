"""Engine options on the command line: the flags that give them (``--context``, ``--engine-url``
...), and the API's refusal of one said with the flag the user typed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from modelport.cli.client import Rephrase

# The flag of each engine option (``engine_options.url`` in the API is ``--engine-url`` here).
ENGINE_OPTION_FLAGS = {
    "context": "--context",
    "slots": "--slots",
    "threads": "--threads",
    "url": "--engine-url",
    "api_key": "--engine-key-file",
    "model": "--engine-model",
    "wire": "--engine-wire",
}
_QUOTED_OPTION = re.compile(r"'([a-z][a-z0-9_]*)'")


def in_flags(flags: Mapping[str, str]) -> Rephrase:
    """The API's refusal of engine options said with a command's ``flags``: the API names each
    option in quotes (``'url'``), the user typed ``--engine-url``. Other errors as they are."""

    def rephrase(message: str, param: str | None) -> str:
        if not (param or "").startswith("engine_options"):
            return message
        return _QUOTED_OPTION.sub(lambda m: flags.get(m.group(1), m.group(0)), message)

    return rephrase


def engine_options(
    context: int | None,
    slots: int | None,
    threads: int | None,
    url: str | None,
    key_file: Path | None,
    model: str | None,
    wire: str | None = None,
) -> dict[str, Any]:
    """The engine options given on the command line (the engine checks them; a refusal is
    said with the flags, :func:`in_flags`)."""
    options: dict[str, Any] = {}
    for name, value in (
        ("context", context),
        ("slots", slots),
        ("threads", threads),
        ("url", url),
        ("model", model),
        ("wire", wire),
    ):
        if value is not None:
            options[name] = value
    if key_file is not None:
        key = key_file.read_text(encoding="utf-8").strip()
        if not key:
            raise click.BadParameter(
                f"{key_file} is empty", param_hint=ENGINE_OPTION_FLAGS["api_key"]
            )
        options["api_key"] = key
    return options
