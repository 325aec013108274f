"""`modelport models pull|list` against a local hub mirror the test serves: what each engine
loads (a GGUF repo's one file for llama.cpp, a repo's safetensors for vLLM), with the real
offers' repo layouts too."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from modelport.cli.main import cli
from tests.fake_hub import FakeFile, FakeHub, FakeHubServer, FakeRepo

REPO = "test-org/Tiny-GGUF"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
MB = 1024 * 1024


def _offer_toml(offer_id: str, repo: str, gguf_file: str | None) -> str:
    if gguf_file:  # a GGUF conversion, run by llama.cpp
        weights = f'gguf_repo = "{repo}"\ngguf_file = "{gguf_file}"\n'
        engines = '["llamacpp"]'
    else:  # the original weights, run by vLLM
        weights = f'hub_repo = "{repo}"\n'
        engines = '["vllm"]'
    return f"""
id = "{offer_id}"
display_name = "{offer_id}"
model_name = "{offer_id}"
publisher = "test"
license = "Apache-2.0"
terms = "test terms"
task = "chat-completion"
context_length = 2048
regions = ["*"]
engines = {engines}
test_only = true

[pricing]
input_per_1k = "0"
output_per_1k = "0"

[weights]
{weights}
"""


@pytest.fixture
def hub() -> Iterator[FakeHubServer]:
    fake = FakeHub()
    fake.repos[REPO] = FakeRepo(
        COMMIT,
        {
            "tiny.Q8_0.gguf": FakeFile(os.urandom(24 * MB)),
            "tiny.Q4_0.gguf": FakeFile(os.urandom(1000)),
            "config.json": FakeFile(b'{"model_type": "jamba"}\n', lfs=False),
            "sub/tokenizer.json": FakeFile(b'{"version": "1.0"}\n', lfs=False),
            "model.safetensors": FakeFile(os.urandom(2000)),
            "pytorch_model.bin": FakeFile(os.urandom(2000)),  # the same weights, pickled
            "README.md": FakeFile(b"# tiny\n", lfs=False),
        },
    )
    with FakeHubServer(fake) as server:
        yield server


@pytest.fixture
def offers(tmp_path: Path) -> Path:
    directory = tmp_path / "offers"
    directory.mkdir()
    for offer_id, repo, gguf in [
        ("tiny-gguf", REPO, "tiny.Q8_0.gguf"),
        ("tiny-repo", REPO, None),
        ("missing-repo", "test-org/Nope", None),
    ]:
        (directory / f"{offer_id}.toml").write_text(_offer_toml(offer_id, repo, gguf))
    return directory


def _run(hub: FakeHubServer, offers: Path, data: Path, *args: str) -> Result:
    env = {"MODELPORT_DATA_DIR": str(data), "MODELPORT_HUB_ENDPOINT": hub.url}
    return CliRunner().invoke(cli, ["models", "--offers-dir", str(offers), *args], env=env)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_pull_one_gguf_file_then_list(hub: FakeHubServer, offers: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = _run(hub, offers, data, "pull", "tiny-gguf", "--quiet")
    assert result.exit_code == 0, result.output
    stored = data / "models" / "tiny-gguf"
    expected = hub.hub.repos[REPO].files["tiny.Q8_0.gguf"]
    assert _sha256(stored / "tiny.Q8_0.gguf") == expected.sha256
    assert sorted(p.name for p in stored.iterdir() if not p.name.startswith(".")) == [
        "tiny.Q8_0.gguf"
    ]
    gets = [s.path for s in hub.hub.seen if s.method == "GET"]
    assert f"/{REPO}/resolve/{COMMIT}/tiny.Q8_0.gguf" in gets  # pinned to the commit

    listed = _run(hub, offers, data, "list", "--json")
    assert listed.exit_code == 0, listed.output
    (entry,) = [e for e in json.loads(listed.output) if e["offer"] == "tiny-gguf"]
    assert entry["source"] == "store" and entry["complete"] is True
    assert entry["size"] == 24 * MB and entry["commit"] == COMMIT
    assert entry["files"] == [{"name": "tiny.Q8_0.gguf", "size": 24 * MB, "verified": True}]

    # A second pull finds everything present and downloads nothing.
    before = len([s for s in hub.hub.seen if "/resolve/" in s.path])
    again = _run(hub, offers, data, "pull", "tiny-gguf", "--quiet")
    assert again.exit_code == 0, again.output
    assert "0 file(s) downloaded" in again.output and "1 already present" in again.output
    assert len([s for s in hub.hub.seen if "/resolve/" in s.path]) == before
    as_json = _run(hub, offers, data, "pull", "tiny-gguf", "--quiet", "--json")
    assert as_json.exit_code == 0, as_json.output
    assert json.loads(as_json.stdout) == {
        "offer": "tiny-gguf",
        "engine": "llamacpp",
        "repo": REPO,
        "commit": COMMIT,
        "path": str(stored),
        "downloaded": [],
        "present": ["tiny.Q8_0.gguf"],
        "bytes_fetched": 0,
    }

    table = _run(hub, offers, data, "list")
    assert "tiny-gguf" in table.output and "25.2 MB" in table.output


def test_pull_for_vllm_verifies_git_and_lfs_files(
    hub: FakeHubServer, offers: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    result = _run(hub, offers, data, "pull", "tiny-repo", "--engine", "vllm", "--quiet")
    assert result.exit_code == 0, result.output
    stored = data / "models" / "tiny-repo" / "hf"
    wanted = ["config.json", "model.safetensors", "sub/tokenizer.json"]
    for name in wanted:
        assert (stored / name).read_bytes() == hub.hub.repos[REPO].files[name].content
    files = sorted(p.relative_to(stored).as_posix() for p in stored.rglob("*") if p.is_file())
    assert [f for f in files if not f.startswith(".")] == wanted  # no GGUF, .bin or README
    manifest = json.loads((stored / ".modelport-pull.json").read_text())
    assert manifest["complete"] is True
    config = hub.hub.repos[REPO].files["config.json"]
    assert manifest["files"]["config.json"]["checksum"] == f"git-sha1:{config.git_sha1}"


def test_interrupted_pull_resumes_with_a_range_request(
    hub: FakeHubServer, offers: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    fake = hub.hub
    fake.drop_after["tiny.Q8_0.gguf"] = 15 * MB  # hang up mid-file, then go offline
    fake.offline_after_drop = True

    first = _run(hub, offers, data, "pull", "tiny-gguf", "--quiet")
    assert first.exit_code != 0
    assert "run the pull again to resume" in first.output
    stored = data / "models" / "tiny-gguf"
    assert not (stored / "tiny.Q8_0.gguf").exists()
    (part,) = (stored / ".partial").iterdir()
    kept = part.stat().st_size
    assert 0 < kept < 24 * MB

    listed = json.loads(_run(hub, offers, data, "list", "--json").output)
    (entry,) = [e for e in listed if e["offer"] == "tiny-gguf"]
    assert entry["complete"] is False and entry["partial_bytes"] == kept

    fake.offline = False
    fake.offline_after_drop = False
    fake.seen.clear()
    second = _run(hub, offers, data, "pull", "tiny-gguf", "--quiet")
    assert second.exit_code == 0, second.output
    assert "resuming tiny.Q8_0.gguf" in second.output
    assert fake.ranges("tiny.Q8_0.gguf") == [f"bytes={kept}-"]
    expected = fake.repos[REPO].files["tiny.Q8_0.gguf"].sha256
    assert _sha256(stored / "tiny.Q8_0.gguf") == expected
    assert not (stored / ".partial").exists()


def test_checksum_mismatch_is_refused_and_deleted(
    hub: FakeHubServer, offers: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    f = hub.hub.repos[REPO].files["tiny.Q8_0.gguf"]
    f.served = bytes(reversed(f.content))  # same size, other bytes
    result = _run(hub, offers, data, "pull", "tiny-gguf", "--quiet")
    assert result.exit_code != 0
    assert "does not match the checksum" in result.output
    assert f"sha256:{f.sha256}" in result.output
    stored = data / "models" / "tiny-gguf"
    assert not (stored / "tiny.Q8_0.gguf").exists()
    assert not list(stored.rglob("*.part"))


def test_unknown_repo_and_offer_fail_clearly(
    hub: FakeHubServer, offers: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    missing = _run(hub, offers, data, "pull", "missing-repo", "--engine", "vllm", "--quiet")
    assert missing.exit_code != 0 and "test-org/Nope was not found" in missing.output
    unknown = _run(hub, offers, data, "pull", "no-such-offer")
    assert unknown.exit_code != 0 and "no offer 'no-such-offer'" in unknown.output
    missing_vllm = _run(hub, offers, data, "pull", "missing-repo", "--engine", "llamacpp")
    assert missing_vllm.exit_code != 0
    assert "missing-repo runs on the vllm engine, not on llamacpp" in missing_vllm.output
    several = _run(hub, offers, data, "pull", "Meta-Llama-3-8B-Instruct", "--engine", "tgi")
    assert several.exit_code != 0
    assert "runs on the vllm and llamacpp engines, not on tgi" in several.output
    embedded = _run(hub, offers, data, "pull", "smollm2-135m-instruct", "--quiet")
    assert embedded.exit_code != 0 and "ship in the Python package" in embedded.output


# -- the real offers' repo layouts --------------------------------------------------------------
LLAMA_GGUF = "QuantFactory/Meta-Llama-3-8B-Instruct-GGUF"
LLAMA_HF = "meta-llama/Meta-Llama-3-8B-Instruct"


@pytest.fixture
def real_hub() -> Iterator[FakeHubServer]:
    """The file layout of the Llama 3 8B Instruct repos (contents shrunk)."""
    fake = FakeHub()
    quants = ["Q2_K", "Q4_0", "Q4_K_M", "Q5_K_M", "Q8_0"]
    fake.repos[LLAMA_GGUF] = FakeRepo(
        "1" * 40,
        {f"Meta-Llama-3-8B-Instruct.{q}.gguf": FakeFile(os.urandom(3000)) for q in quants}
        | {"README.md": FakeFile(b"# GGUF\n", lfs=False)},
    )
    shards = {
        f"model-0000{i}-of-00004.safetensors": FakeFile(os.urandom(1000 + i)) for i in range(1, 5)
    }
    small = {
        name: FakeFile(b"{}\n", lfs=False)
        for name in [
            "config.json",
            "generation_config.json",
            "model.safetensors.index.json",
            "special_tokens_map.json",
            "tokenizer.json",
            "tokenizer_config.json",
            "original/params.json",
        ]
    }
    fake.repos[LLAMA_HF] = FakeRepo(
        "2" * 40,
        shards
        | small
        | {
            "original/consolidated.00.pth": FakeFile(os.urandom(4000)),
            "original/tokenizer.model": FakeFile(os.urandom(500)),
            "LICENSE": FakeFile(b"licence\n", lfs=False),
            "README.md": FakeFile(b"# Llama\n", lfs=False),
            "USE_POLICY.md": FakeFile(b"policy\n", lfs=False),
        },
    )
    with FakeHubServer(fake) as server:
        yield server


def _run_real(hub: FakeHubServer, data: Path, *args: str) -> Result:
    env = {"MODELPORT_DATA_DIR": str(data), "MODELPORT_HUB_ENDPOINT": hub.url}
    return CliRunner().invoke(cli, ["models", *args], env=env)


def test_real_llama_offer_pulls_what_each_engine_loads(
    real_hub: FakeHubServer, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    offer = "Meta-Llama-3-8B-Instruct"
    # No vLLM and no GPU here: the default is llama.cpp's one GGUF file of the GGUF repo.
    gguf = _run_real(real_hub, data, "pull", offer, "--quiet")
    assert gguf.exit_code == 0, gguf.output
    assert "the weights the llamacpp engine loads" in gguf.output
    stored = data / "models" / offer
    assert [p.name for p in stored.iterdir() if not p.name.startswith(".")] == [
        "Meta-Llama-3-8B-Instruct.Q4_K_M.gguf"
    ]
    # For a GPU machine: vLLM's safetensors, config and tokenizer, not the original/ checkpoint.
    hf = _run_real(real_hub, data, "pull", offer, "--engine", "vllm", "--quiet")
    assert hf.exit_code == 0, hf.output
    files = sorted(
        p.relative_to(stored / "hf").as_posix()
        for p in (stored / "hf").rglob("*")
        if p.is_file() and not p.name.startswith(".")
    )
    assert files == sorted(
        [f"model-0000{i}-of-00004.safetensors" for i in range(1, 5)]
        + [
            "config.json",
            "generation_config.json",
            "model.safetensors.index.json",
            "special_tokens_map.json",
            "tokenizer.json",
            "tokenizer_config.json",
        ]
    )
    listed = json.loads(_run_real(real_hub, data, "list", "--json").output)
    layouts = {(e["offer"], e["layout"]): e for e in listed}
    assert layouts[(offer, "gguf")]["repo"] == LLAMA_GGUF
    assert layouts[(offer, "gguf")]["files"] == [
        {"name": "Meta-Llama-3-8B-Instruct.Q4_K_M.gguf", "size": 3000, "verified": True}
    ]
    assert layouts[(offer, "hf")]["repo"] == LLAMA_HF and layouts[(offer, "hf")]["complete"]


def test_jamba_mini_has_no_gguf_to_pull_and_says_how_to_import(
    real_hub: FakeHubServer, tmp_path: Path
) -> None:
    result = _run_real(real_hub, tmp_path / "data", "pull", "jamba-1.5-mini", "--quiet")
    assert result.exit_code != 0
    assert "models import jamba-1.5-mini FILE" in result.output
    assert "--engine" in result.output
