"""``modelport deploy`` refused, as a user reads it: the offer's engines said in words (one
engine, not "the engines llamacpp"), and a refused engine option named by the flag the user
typed (``--engine-url``, not the API's ``url``). Nothing is created."""

from __future__ import annotations

import re

import pytest

from tests.cli_support import cli, cli_json
from tests.support import EMBEDDED, ThreadServer

pytestmark = pytest.mark.e2e

PROJECT = "errs"
ATTACHABLE = "Meta-Llama-3-8B-Instruct"  # any offer may run on an attached server
NOWHERE = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def server(own_server: ThreadServer) -> ThreadServer:
    cli_json(own_server, "projects", "create", PROJECT)
    return own_server


def _refused(server: ThreadServer, offer: str, *args: str) -> str:
    result = cli(server, "deploy", offer, "-p", PROJECT, "-n", "chat", "--subscribe", *args)
    assert result.returncode != 0, result.stdout
    message = " ".join(result.stderr.split())
    assert "422: " in message, message
    return message


def _api_names(message: str) -> list[str]:
    """The API's quoted option names left in ``message`` ('url', 'api_key' ...)."""
    return re.findall(r"'(context|slots|threads|url|api_key|model|wire)'", message)


def test_an_offer_on_one_engine_says_so_in_the_singular(server: ThreadServer) -> None:
    message = _refused(server, EMBEDDED, "--engine", "vllm")
    assert f"{EMBEDDED} runs on the llamacpp engine, not on vllm" in message
    assert "the engines llamacpp" not in message


def test_a_refused_engine_option_is_named_by_its_flag(server: ThreadServer) -> None:
    attach = ["--engine", "openai_compat"]
    # The default engine (llamacpp) attaches nothing.
    unknown = _refused(server, EMBEDDED, "--engine-url", NOWHERE)
    assert (
        "the llamacpp engine does not take the option --engine-url "
        "(it takes: --context, --slots, --threads)"
    ) in unknown
    invalid = _refused(server, ATTACHABLE, *attach, "--engine-url", "ftp://127.0.0.1:9")
    assert (
        "the openai_compat engine's option --engine-url: the engine URL must start with "
        "http:// or https://"
    ) in invalid
    missing = _refused(server, ATTACHABLE, *attach)
    assert "the openai_compat engine needs the option --engine-url" in missing
    other = _refused(server, ATTACHABLE, *attach, "--engine-url", NOWHERE, "--slots", "2")
    assert (
        "the openai_compat engine does not take the option --slots (it takes: "
        "--engine-key-file, --context, --engine-model, --engine-url, --engine-wire)"
    ) in other
    for message in (unknown, invalid, missing, other):
        assert _api_names(message) == [], message
    assert cli_json(server, "deployments", "list") == []
