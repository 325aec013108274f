"""Catalog validation, GGUF metadata, key vault, weights resolution, collect()."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from modelport.domain.catalog import Catalog, CatalogError, builtin_offers_dir, load_offer
from modelport.domain.deployments import validate_deployment_name
from modelport.domain.keys import KeyVault, generate_key
from modelport.errors import InvalidRequest
from modelport.inference.collect import collect
from modelport.inference.types import ChoiceEnd, FinishReason, TextDelta, ToolCallDelta, Usage
from modelport.models.gguf_meta import GGUFError, read_gguf_info
from modelport.models.tiny_jamba import ensure_tiny_jamba
from modelport.models.weights import WeightsUnavailable, resolve_weights


def test_builtin_catalog_has_the_embedded_offer() -> None:
    catalog = Catalog.load(builtin_offers_dir())
    offer = catalog.embedded()
    assert offer.id == "smollm2-135m-instruct"
    assert offer.deployable_in("anywhere")


def test_offer_file_errors_are_clear(tmp_path: Path) -> None:
    good = (builtin_offers_dir() / "smollm2-135m-instruct.toml").read_text()
    wrong_name = tmp_path / "other.toml"
    wrong_name.write_text(good)
    with pytest.raises(CatalogError, match="must match the file name"):
        load_offer(wrong_name)
    bad_cap = tmp_path / "smollm2-135m-instruct.toml"
    bad_cap.write_text(good.replace('"logprobs"]', '"telepathy"]'))
    with pytest.raises(CatalogError, match="telepathy"):
        load_offer(bad_cap)
    broken = tmp_path / "x.toml"
    broken.write_text("id = ")
    with pytest.raises(CatalogError, match=r"invalid offer file x\.toml"):
        load_offer(broken)


def test_embedded_weights_resolve_from_the_package(tmp_path: Path) -> None:
    offer = Catalog.load(builtin_offers_dir()).embedded()
    path = resolve_weights(offer, tmp_path)
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    info = read_gguf_info(path)
    assert info.architecture == "llama"
    assert info.chat_template is not None and "<|im_start|>" in info.chat_template
    assert info.context_length == 8192


def test_missing_weights_say_how_to_get_them(tmp_path: Path) -> None:
    offer = Catalog.load(builtin_offers_dir()).embedded()
    missing = offer.model_copy(
        update={"weights": offer.weights.model_copy(update={"package": "no_such_pkg"})}
    )
    with pytest.raises(WeightsUnavailable) as info:
        resolve_weights(missing, tmp_path)
    assert "install the Python package 'no_such_pkg'" in str(info.value)
    assert "modelport models import smollm2-135m-instruct FILE" in str(info.value)
    assert str(tmp_path) in str(info.value)


def test_gguf_reader_on_a_generated_jamba(tmp_path: Path) -> None:
    info = read_gguf_info(ensure_tiny_jamba(tmp_path))
    assert info.architecture == "jamba"
    assert info.chat_template is not None and "<|bom|>" in info.chat_template
    not_gguf = tmp_path / "x.gguf"
    not_gguf.write_bytes(b"nope")
    with pytest.raises(GGUFError):
        read_gguf_info(not_gguf)


def test_key_vault_round_trip_and_lookup() -> None:
    vault = KeyVault(Fernet.generate_key(), b"hash-secret")
    key = generate_key()
    assert key.startswith("mp-") and len(key) > 40
    token = vault.encrypt(key)
    assert key.encode() not in token
    assert vault.decrypt(token) == key
    assert vault.fingerprint(key) == vault.fingerprint(key)
    assert vault.fingerprint(key) != KeyVault(Fernet.generate_key(), b"other").fingerprint(key)
    with pytest.raises(RuntimeError, match="key-encryption key"):
        KeyVault(Fernet.generate_key(), b"h").decrypt(token)


@pytest.mark.parametrize("name", ["ab", "-abc", "abc-", "Abc", "a_b_c", "x" * 33])
def test_bad_deployment_names(name: str) -> None:
    with pytest.raises(InvalidRequest):
        validate_deployment_name(name)


@pytest.mark.parametrize("name", ["abc", "my-llama-3", "a1b2", "x" * 32])
def test_good_deployment_names(name: str) -> None:
    assert validate_deployment_name(name) == name


@pytest.mark.anyio
async def test_collect_folds_choices_tool_calls_and_usage() -> None:
    async def events():  # type: ignore[no-untyped-def]
        for e in [
            TextDelta(1, "b"),
            TextDelta(0, "a"),
            TextDelta(0, "c"),
            ToolCallDelta(1, 0, "id1", "f", '{"x"'),
            ToolCallDelta(1, 0, None, None, ": 1}"),
            ChoiceEnd(0, FinishReason.STOP),
            ChoiceEnd(1, FinishReason.TOOL_CALLS),
            Usage(4, 2),
            Usage(0, 3),
        ]:
            yield e

    result = await collect(events())
    assert [c.text for c in result.choices] == ["ac", "b"]
    assert result.choices[1].tool_calls[0].arguments == '{"x": 1}'
    assert result.choices[1].finish_reason is FinishReason.TOOL_CALLS
    assert result.usage == Usage(4, 5)
