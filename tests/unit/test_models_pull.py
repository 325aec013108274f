"""`modelport models pull|list` against a local hub mirror the test serves."""

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
    weights = f'hub_repo = "{repo}"\n' + (f'gguf_file = "{gguf_file}"\n' if gguf_file else "")
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

    table = _run(hub, offers, data, "list")
    assert "tiny-gguf" in table.output and "25.2 MB" in table.output


def test_pull_whole_repo_verifies_git_and_lfs_files(
    hub: FakeHubServer, offers: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    result = _run(hub, offers, data, "pull", "tiny-repo", "--quiet")
    assert result.exit_code == 0, result.output
    stored = data / "models" / "tiny-repo"
    for name, f in hub.hub.repos[REPO].files.items():
        assert (stored / name).read_bytes() == f.content
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
    missing = _run(hub, offers, data, "pull", "missing-repo", "--quiet")
    assert missing.exit_code != 0 and "test-org/Nope was not found" in missing.output
    unknown = _run(hub, offers, data, "pull", "no-such-offer")
    assert unknown.exit_code != 0 and "no offer 'no-such-offer'" in unknown.output
    embedded = _run(hub, offers, data, "pull", "smollm2-135m-instruct", "--quiet")
    # the embedded offer names a hub repo the mirror does not carry
    assert embedded.exit_code != 0 and "was not found" in embedded.output
