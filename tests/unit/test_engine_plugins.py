"""Engine plug-ins own everything about their engine: the control plane, the gateway and the
inference pipeline never name one; plug-ins load lazily with clear errors; options are typed
(unknown ones refused, secrets stored encrypted); the llama.cpp plug-in sizes the context from
the GGUF header and the memory this machine has."""

from __future__ import annotations

import json
import re
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from modelport.control.availability import check_offer
from modelport.control.engine_choice import choose_engine, stored_options, validate_options
from modelport.domain.catalog import Catalog, Offer, builtin_offers_dir
from modelport.domain.deployments import Deployment, DeploymentState
from modelport.domain.keys import KeyVault
from modelport.engines.base import EngineStartError
from modelport.engines.host import EngineHost
from modelport.engines.llamacpp.engine import _explain
from modelport.engines.llamacpp.factory import LlamaCppEngineFactory, LlamaCppOptions
from modelport.engines.llamacpp.memory import OVERHEAD, MemoryNeeds, fit_context, memory_needs
from modelport.engines.openai_compat.factory import ExternalEngineFactory, OpenAICompatOptions
from modelport.engines.plugin import SECRET_MARKER, secret_fields
from modelport.engines.registry import EngineFactories, EnginePluginError
from modelport.errors import Forbidden, InvalidRequest, OfferNotDeployable
from modelport.models.gguf_meta import read_gguf_info
from modelport.models.tiny_jamba import ensure_tiny_jamba
from modelport.models.weights import resolve_weights
from modelport.store.values import new_id, now

ROOT = Path(__file__).resolve().parents[2] / "modelport"
CATALOG = Catalog.load(builtin_offers_dir())
EMBEDDED = CATALOG.embedded()
GIB = 2**30


def _offer(offer_id: str) -> Offer:
    offer = CATALOG.get(offer_id)
    assert offer is not None
    return offer


def test_no_engine_is_named_outside_the_engines() -> None:
    pattern = re.compile(r"llamacpp|llama\.cpp|vllm|openai_compat", re.IGNORECASE)
    for package in ("control", "gateway", "inference"):
        for path in (ROOT / package).rglob("*.py"):
            found = pattern.findall(path.read_text(encoding="utf-8"))
            assert not found, f"{path.relative_to(ROOT)} names an engine: {found}"


def test_plugins_load_lazily_with_clear_errors(tmp_path: Path) -> None:
    group = "modelport.engines"
    engines = EngineFactories(
        {
            "gone": EntryPoint("gone", "no_such_package.engine:Factory", group),
            "odd": EntryPoint("odd", "modelport.settings:Settings", group),
        }
    )
    with pytest.raises(
        EnginePluginError,
        match=r"'gone' \(no_such_package.engine:Factory\) "
        r"cannot be loaded: ModuleNotFoundError",
    ):
        engines.load("gone")
    with pytest.raises(EnginePluginError, match="is not an engine factory"):
        engines.load("odd")
    with pytest.raises(EnginePluginError, match=r"no engine plug-in named 'x' is installed"):
        engines.load("x")
    offer = EMBEDDED.model_copy(update={"engines": ("gone", "llamacpp")})
    available = check_offer(offer, engines, EngineHost(model_store=tmp_path))
    assert available.engine is None  # llamacpp is not installed in this registry either
    assert "cannot be loaded: ModuleNotFoundError" in available.message()
    assert "no engine plug-in named 'llamacpp'" in available.message()
    real = EngineFactories.discover()
    assert real.names() == ["llamacpp", "openai_compat", "vllm"]
    assert real.attaching() == ["openai_compat"]


def test_options_are_typed_and_unknown_ones_refused() -> None:
    llama = LlamaCppEngineFactory()
    with pytest.raises(
        InvalidRequest,
        match=r"the llamacpp engine does not take the option 'url' \(it takes: "
        r"'context', 'slots', 'threads'\)",
    ) as refused:
        validate_options(llama, {"url": "http://x", "slots": 2})
    assert refused.value.param == "engine_options.url"
    with pytest.raises(
        InvalidRequest, match=r"the llamacpp engine's option 'context': Input should be greater"
    ) as refused:
        validate_options(llama, {"context": 16})
    assert refused.value.param == "engine_options.context"
    with pytest.raises(InvalidRequest, match=r"^the openai_compat engine needs the option 'url'$"):
        validate_options(ExternalEngineFactory(), {})
    assert validate_options(llama, {"slots": 2}) == LlamaCppOptions(slots=2)
    assert secret_fields(OpenAICompatOptions) == ["api_key"]
    assert secret_fields(LlamaCppOptions) == []


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("ftp://host/x", "must start with http:// or https://"),
        ("http://user:hunter2@host:8000", "must not carry credentials"),
        ("http://host:8000/v1?key=hunter2", "must not have a query"),
        ("http://:8000", "names no host"),
        ("http://host:99999", "not a valid URL"),
    ],
)
def test_engine_urls_are_validated_without_being_echoed(url: str, problem: str) -> None:
    engines = EngineFactories.discover()
    with pytest.raises(InvalidRequest) as info:
        validate_options(engines.load("openai_compat"), {"url": url})
    assert problem in info.value.message
    assert "hunter2" not in info.value.message


def test_engine_url_is_normalized() -> None:
    assert OpenAICompatOptions(url="https://gpu.example:8000/v1/").url == "https://gpu.example:8000"
    assert OpenAICompatOptions(url="http://10.0.0.5/llm").url == "http://10.0.0.5/llm"


def test_secret_options_are_stored_encrypted_and_never_shown(tmp_path: Path) -> None:
    engines = EngineFactories.discover()
    vault = KeyVault(Fernet.generate_key(), b"hash")
    host = EngineHost(model_store=tmp_path)
    choice = choose_engine(
        EMBEDDED,
        engines,
        host,
        requested="openai_compat",
        options={"url": "http://127.0.0.1:9/v1", "api_key": "sk-upstream", "model": "m"},
        operator=True,
    )
    public, cipher = choice.stored(vault)
    assert public == {
        "url": "http://127.0.0.1:9",
        "model": "m",
        "api_key": SECRET_MARKER,
        "wire": "openai",  # the default, shown: what the server is sent
    }
    assert cipher is not None and b"sk-upstream" not in cipher
    assert json.loads(vault.decrypt(cipher)) == {"api_key": "sk-upstream"}
    deployment = Deployment(
        id=new_id(),
        name="byo",
        project_id="p",
        region="local",
        offer_id=EMBEDDED.id,
        subscription_id=None,
        state=DeploymentState.CREATING,
        created_at=now(),
        engine="openai_compat",
        engine_options=public,
        engine_secret=cipher,
    )
    again = stored_options(deployment, engines, vault)
    assert isinstance(again, OpenAICompatOptions) and again.api_key is not None
    assert again.api_key.get_secret_value() == "sk-upstream"


def test_engine_choice(tmp_path: Path) -> None:
    engines = EngineFactories.discover()
    host = EngineHost(model_store=tmp_path)

    def choose(offer: Offer, requested: str | None, operator: bool = True, **options: object):  # type: ignore[no-untyped-def]
        return choose_engine(
            offer, engines, host, requested=requested, options=options, operator=operator
        )

    assert choose(EMBEDDED, None).name == "llamacpp"  # the first that can run it here
    with pytest.raises(Forbidden, match="only the platform operator may attach"):
        choose(EMBEDDED, "openai_compat", operator=False, url="http://127.0.0.1:9")
    with pytest.raises(InvalidRequest, match=r"runs on the llamacpp engine, not on vllm \("):
        choose(EMBEDDED, "vllm")
    llama = _offer("Meta-Llama-3-8B-Instruct")
    assert llama.runs_on() == "the vllm and llamacpp engines"
    three = llama.model_copy(update={"engines": ("vllm", "llamacpp", "openai_compat")})
    assert three.runs_on() == "the vllm, llamacpp and openai_compat engines"
    with pytest.raises(OfferNotDeployable, match=r"with the vllm engine on this machine: vLLM"):
        choose(llama, "vllm")
    with pytest.raises(OfferNotDeployable, match="cannot be deployed on this machine"):
        choose(llama, None)


# -- llama.cpp: the context from the GGUF header and the memory here ---------------------------
def test_memory_needs_from_the_gguf_header(tmp_path: Path) -> None:
    smol = resolve_weights(EMBEDDED, tmp_path)
    needs = memory_needs(smol, read_gguf_info(smol))
    # SmolLM2-135M: 30 layers × 3 KV heads × (64 + 64) × 2 bytes.
    assert needs == MemoryNeeds(smol.stat().st_size, 30 * 3 * 128 * 2, 0)
    jamba = ensure_tiny_jamba(tmp_path)
    hybrid = memory_needs(jamba, read_gguf_info(jamba))
    assert hybrid is not None
    # One attention layer of 2 KV heads of 16; three Mamba layers with a state per slot.
    assert hybrid.per_token == 2 * (16 + 16) * 2
    assert hybrid.per_slot == 3 * 128 * (16 + 4 - 1) * 4


def test_the_context_fits_the_memory_or_the_error_shows_the_sums() -> None:
    needs = MemoryNeeds(weights=5 * GIB, per_token=128 * 1024, per_slot=0)
    plenty = fit_context(
        needs, wanted=8192, explicit=False, slots=4, available=64 * GIB, fraction=0.9
    )
    assert plenty == 8192
    # 10 GiB × 0.9 = 9 GiB; minus weights and overhead: room for ≈ 7,680 tokens over 4 slots.
    capped = fit_context(
        needs, wanted=8192, explicit=False, slots=4, available=10 * GIB, fraction=0.9
    )
    assert capped == (9 * GIB - 5 * GIB - OVERHEAD) // (4 * 128 * 1024) // 256 * 256
    with pytest.raises(EngineStartError) as info:
        fit_context(needs, wanted=8192, explicit=True, slots=4, available=10 * GIB, fraction=0.9)
    message = str(info.value)
    assert "8192 tokens × 4 slot(s) × 128 KiB per token = 4.0 GiB of KV cache" in message
    assert "+ 5.0 GiB of weights + 0.2 GiB overhead = 9.2 GiB" in message
    assert "more than the 9.0 GiB an engine may use here (90% of 10.0 GiB available)" in message
    assert f"--context {capped} or less" in message
    with pytest.raises(EngineStartError, match="does not fit in this machine's memory"):
        fit_context(needs, wanted=8192, explicit=False, slots=4, available=5 * GIB, fraction=0.9)


def test_llamacpp_spec_defaults_to_the_models_own_context(tmp_path: Path) -> None:
    factory = LlamaCppEngineFactory()
    plenty = EngineHost(model_store=tmp_path, memory_available=lambda: 64 * GIB)
    spec = factory.spec("d", EMBEDDED, LlamaCppOptions(), plenty)
    assert spec.context == 8192 and spec.slots == 4  # SmolLM2's own context
    capped = EngineHost(model_store=tmp_path, context_cap=2048, memory_available=lambda: 64 * GIB)
    assert factory.spec("d", EMBEDDED, LlamaCppOptions(), capped).context == 2048
    small = EngineHost(model_store=tmp_path, memory_available=lambda: 600 * 2**20)
    assert 512 <= factory.spec("d", EMBEDDED, LlamaCppOptions(), small).context < 8192
    chosen = factory.spec("d", EMBEDDED, LlamaCppOptions(context=1024, slots=1, threads=1), plenty)
    assert (chosen.context, chosen.slots, chosen.threads) == (1024, 1, 1)
    with pytest.raises(EngineStartError, match=r"more than the model's own \(8192\)"):
        factory.spec("d", EMBEDDED, LlamaCppOptions(context=16384), plenty)


def test_a_gguf_of_another_architecture_is_refused(tmp_path: Path) -> None:
    jamba_offer = _offer("jamba-1.5-mini")
    smol = resolve_weights(EMBEDDED, tmp_path)
    target = tmp_path / "jamba-1.5-mini" / "AI21-Jamba-1.5-Mini.Q4_K_M.gguf"
    target.parent.mkdir(parents=True)
    target.symlink_to(smol)
    host = EngineHost(model_store=tmp_path)
    with pytest.raises(EngineStartError, match=r"architecture 'llama', but 'jamba-1.5-mini' is"):
        LlamaCppEngineFactory().spec("d", jamba_offer, LlamaCppOptions(), host)


def test_a_workers_failure_line_is_found_inside_llamacpps_log() -> None:
    tail = [
        "0.00.094 I srv    operator(): cleaning up before exit...",
        "0.00.100 MODELPORT_WORKER_FAILED RuntimeError: Failed to init server",
        "E srv          init: exiting due to model loading error",
    ]
    assert _explain(tail) == (
        "the llama.cpp engine could not load the model: RuntimeError: Failed to init server"
    )
    assert _explain(["just a log line"]) is None
