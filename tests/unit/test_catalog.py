"""The catalog: the seed offers and their facts, validation at load, price sheets, regions."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from modelport.domain.catalog import Catalog, CatalogError, Dialect, Task, builtin_offers_dir
from modelport.domain.regions import Regions
from modelport.errors import InvalidRequest

TEST_OFFERS = Path(__file__).resolve().parent.parent / "offers"
JAMBA_REGIONS = {
    "eastus",
    "eastus2",
    "northcentralus",
    "southcentralus",
    "westus",
    "westus3",
    "swedencentral",
}
LLAMA = [
    "Meta-Llama-3-8B",
    "Meta-Llama-3-8B-Instruct",
    "Meta-Llama-3-70B",
    "Meta-Llama-3-70B-Instruct",
    "Llama-2-7b-chat",
]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load(builtin_offers_dir())


def test_every_seed_offer_is_in_the_catalog(catalog: Catalog) -> None:
    ids = {o.id for o in catalog.all()}
    assert ids == {
        "jamba-instruct",
        "jamba-1.5-mini",
        "jamba-1.5-large",
        *LLAMA,
        "smollm2-135m-instruct",
        "llama-guard-3-1b",  # content-safety guards (issue 17)
        "llama-guard-3-8b",
        "shieldgemma-2b",
    }


@pytest.mark.parametrize(
    ("offer_id", "parameters"),
    [
        ("jamba-instruct", "12B active / 52B total"),
        ("jamba-1.5-mini", "12B active / 52B total"),
        ("jamba-1.5-large", "94B active / 398B total"),
    ],
)
def test_jamba_facts(catalog: Catalog, offer_id: str, parameters: str) -> None:
    offer = catalog.get(offer_id)
    assert offer is not None
    assert offer.publisher == "AI21"
    assert offer.license == "Jamba Open Model License"
    assert offer.context_length == 256 * 1024
    assert offer.parameters == parameters
    assert offer.regions == JAMBA_REGIONS
    assert offer.dialect is Dialect.AI21
    assert offer.task is Task.CHAT_COMPLETION
    assert "vllm" in offer.engines


def test_jamba_hardware_needs(catalog: Catalog) -> None:
    mini = catalog.get("jamba-1.5-mini")
    large = catalog.get("jamba-1.5-large")
    assert mini is not None and large is not None
    vllm = {(o.precision, o.gpus, o.gpu_memory_gb) for o in mini.hardware.options}
    assert ("bf16", 2, 80) in vllm and ("experts_int8", 1, 80) in vllm
    assert [(o.precision, o.gpus) for o in large.hardware.options] == [("experts_int8", 8)]
    assert {"tools", "json_mode", "documents"} <= mini.capabilities


@pytest.mark.parametrize("offer_id", LLAMA)
def test_llama_facts(catalog: Catalog, offer_id: str) -> None:
    offer = catalog.get(offer_id)
    assert offer is not None
    assert offer.publisher == "Meta"
    assert offer.dialect is Dialect.LLAMA
    assert offer.regions == {"eastus2", "swedencentral"}
    assert set(offer.engines) == {"vllm", "llamacpp"}
    assert offer.weights.hub_repo and offer.weights.gguf_repo and offer.weights.gguf_file
    instruct = offer_id.endswith(("Instruct", "chat"))
    assert offer.task is (Task.CHAT_COMPLETION if instruct else Task.TEXT_COMPLETION)
    assert ("chat" in offer.capabilities) is instruct


def test_embedded_offer_is_everywhere(catalog: Catalog) -> None:
    offer = catalog.embedded()
    assert offer.id == "smollm2-135m-instruct"
    assert offer.deployable_in("local") and offer.deployable_in("anywhere")
    assert not offer.deployable_in("anywhere", frozenset({"local"}))  # the operator restricts


def test_every_offer_is_priced_per_1k_tokens(catalog: Catalog) -> None:
    """Every serverless offer; Llama-2-7b-chat has none (seed 003: managed compute only)."""
    unpriced = [offer.id for offer in catalog.all() if offer.pricing is None]
    assert unpriced == ["Llama-2-7b-chat"]
    for offer in catalog.all():
        if offer.pricing is None:
            continue
        assert offer.pricing.currency == "USD"
        assert offer.pricing.input_per_1k > 0 and offer.pricing.output_per_1k > 0


def _write_offer(directory: Path, offer_id: str, **changes: str) -> Path:
    source = (TEST_OFFERS / "smollm2-test-b.toml").read_text()
    text = source.replace("smollm2-test-b", offer_id).replace("test_only = true", "")
    for old, new in changes.items():
        text = text.replace(old, new)
    path = directory / f"{offer_id}.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({'capabilities = ["chat"': 'capabilities = ["telepathy"'}, "unknown capabilities"),
        ({'regions = ["*"]': 'regions = ["East US"]'}, "region names"),
        ({'regions = ["*"]': "regions = []"}, "regions"),
        ({'engines = ["llamacpp"]': "engines = []"}, "at least one engine"),
        ({"context_length = 8192": "context_length = 0"}, "context_length"),
        ({'input_per_1k = "0.0001"': 'input_per_1k = "-1"'}, "input_per_1k"),
        ({"task = ": "colour = 'blue'\ntask = "}, "colour"),
    ],
)
def test_invalid_offer_files_are_rejected_at_load(
    tmp_path: Path, change: dict[str, str], message: str
) -> None:
    _write_offer(tmp_path, "broken", **change)
    with pytest.raises(CatalogError, match=message):
        Catalog.load(tmp_path)


def test_offer_id_must_match_file_name(tmp_path: Path) -> None:
    path = _write_offer(tmp_path, "right")
    path.rename(tmp_path / "wrong.toml")
    with pytest.raises(CatalogError, match="must match the file name"):
        Catalog.load(tmp_path)


def test_operator_directory_overrides_a_builtin_offer(tmp_path: Path) -> None:
    _write_offer(tmp_path, "jamba-1.5-mini")
    catalog = Catalog.load(builtin_offers_dir(), tmp_path)
    offer = catalog.get("jamba-1.5-mini")
    assert offer is not None and offer.publisher == "HuggingFaceTB"


def test_price_sheet_overrides_list_prices(tmp_path: Path) -> None:
    sheet = tmp_path / "prices.toml"
    sheet.write_text(
        'currency = "EUR"\n[offers."jamba-1.5-mini"]\n'
        'input_per_1k = "0.00025"\noutput_per_1k = "0.0005"\n'
    )
    catalog = Catalog.load(builtin_offers_dir(), price_sheet=sheet)
    mini = catalog.get("jamba-1.5-mini")
    large = catalog.get("jamba-1.5-large")
    assert mini is not None and large is not None
    assert (mini.pricing.currency, mini.pricing.input_per_1k) == ("EUR", Decimal("0.00025"))
    assert mini.pricing.output_per_1k == Decimal("0.0005")
    assert large.pricing.input_per_1k == Decimal("0.002")  # not in the sheet: list price


def test_price_sheet_naming_an_unknown_offer_is_an_error(tmp_path: Path) -> None:
    sheet = tmp_path / "prices.toml"
    sheet.write_text('[offers."gpt-9"]\ninput_per_1k = "1"\noutput_per_1k = "1"\n')
    with pytest.raises(CatalogError, match="gpt-9"):
        Catalog.load(builtin_offers_dir(), price_sheet=sheet)


def test_test_offers_are_hidden_unless_enabled() -> None:
    hidden = Catalog.load(builtin_offers_dir(), TEST_OFFERS)
    shown = Catalog.load(builtin_offers_dir(), TEST_OFFERS, include_test=True)
    assert hidden.get("smollm2-test-a") is None
    assert "smollm2-test-a" not in {o.id for o in hidden.all()}
    assert shown.get("smollm2-test-a") is not None


def test_regions_target_urls_and_host_routing() -> None:
    regions = Regions(
        "local",
        "http://127.0.0.1:8000/",
        {"eastus2": "", "westus": "https://westus.models.example/"},
        base_domain="models.example",
    )
    assert regions.names() == ["local", "eastus2", "westus"]
    local, eastus2, westus = regions.all()
    assert local.target_url("chat") == "http://127.0.0.1:8000/deployments/chat"
    assert eastus2.target_url("chat") == "http://127.0.0.1:8000/regions/eastus2/deployments/chat"
    assert westus.target_url("chat") == "https://westus.models.example/deployments/chat"
    assert regions.route_host("chat.eastus2.models.example:8443") == ("eastus2", "chat")
    assert regions.route_host("CHAT.LOCAL.models.example") == ("local", "chat")
    assert regions.route_host("chat.mars.models.example") is None
    assert regions.route_host("a.b.eastus2.models.example") is None
    assert regions.route_host("127.0.0.1:8000") is None
    assert regions.host_url("https", "eastus2", "chat") == "https://chat.eastus2.models.example"
    with pytest.raises(InvalidRequest, match="not configured"):
        regions.require("mars")
    with pytest.raises(ValueError, match="region name"):
        Regions("local", "http://x", {"East US": ""})
