"""Engine options on the command line: the flags that give them (``--context``, ``--engine-url``
...), and the API's refusal of one said with the flag the user typed."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

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
_Command = TypeVar("_Command", bound=Callable[..., Any])


def engine_flags(*, changing: bool) -> Callable[[_Command], _Command]:
    """The engine options as flags: of ``deploy`` (the engine and the server to attach) or, with
    ``changing``, of ``deployments configure`` (their new values)."""
    new = " new" if changing else ""
    flags = [
        click.option(
            "--context", type=int, default=None, help="Tokens per request (prompt + answer)."
        ),
        click.option(
            "--slots", type=int, default=None, help="Requests served in parallel (llama.cpp)."
        ),
        click.option("--threads", type=int, default=None, help="CPU threads (llama.cpp)."),
        click.option(
            "--engine-url",
            default=None,
            help="openai_compat: the server's new base URL."
            if changing
            else "openai_compat: base URL of the server to attach.",
        ),
        click.option(
            "--engine-key-file",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            default=None,
            help=f"openai_compat: a file holding the server's{new} API key (stored encrypted, "
            "never shown).",
        ),
        click.option(
            "--engine-model", default=None, help="openai_compat: the model name it serves."
        ),
        click.option(
            "--engine-wire",
            default=None,
            help="openai_compat: what the server takes beyond OpenAI's standard fields: openai "
            "(default; top_k, ignore_eos, stop_token_ids and the like refused), llamacpp or "
            "vllm (see docs/engines.md).",
        ),
    ]

    def apply(command: _Command) -> _Command:
        for flag in reversed(flags):
            command = flag(command)
        return command

    return apply


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
