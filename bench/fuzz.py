"""The long fuzzing run: Schemathesis against the management API and every dialect's OpenAPI
document, with valid and invalid credentials, more examples per operation than ``make test``
runs, and the stateful phase (links between operations) for the owner.

    python -m bench.fuzz [--examples N] [--database sqlite|postgresql]

A throw-away server (temporary data dir, scripted engines behind the real gateway); prints one
line per run (operations, examples, failures) and the totals; exits non-zero on any failure.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.fuzz_support import FuzzRun, schemathesis
from tests.postgres import start as start_postgres
from tests.scripted import ScriptedEngine, scripted_deployment
from tests.support import ADMIN_TOKEN, EMBEDDED, JAMBA_TEST, LLAMA_TEST, ThreadServer, settings_for

DEPLOYMENTS = {"fuzz-openai": EMBEDDED, "fuzz-ai21": JAMBA_TEST, "fuzz-llama": LLAMA_TEST}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=100, help="Max examples per operation.")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        database_url = None
        if args.database == "postgresql":
            postgres, reason = start_postgres()
            if postgres is None:
                print(f"PostgreSQL unavailable: {reason}")
                return 2
            stack.callback(postgres.stop)
            database_url = stack.enter_context(postgres.database())
        return fuzz(args.examples, database_url)


def fuzz(examples: int, database_url: str | None) -> int:
    runs: list[tuple[str, FuzzRun, float]] = []
    with tempfile.TemporaryDirectory(prefix="modelport-fuzz-") as tmp:
        root = Path(tmp)
        settings = settings_for(root / "data", embedded_default=False, database_url=database_url)
        server = ThreadServer(settings).start()
        try:
            owner = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
            with httpx.Client(base_url=server.base_url, headers=owner, timeout=60) as api:
                api.post("/management/projects", json={"name": "fuzz"}).raise_for_status()
                for name, offer in DEPLOYMENTS.items():
                    scripted_deployment(server.services, "fuzz", name, offer, ScriptedEngine())
                keys = {
                    n: api.get(f"/management/deployments/{n}/keys").json()["primary"]
                    for n in DEPLOYMENTS
                }
                (root / "management.json").write_text(api.get("/management/openapi.json").text)
                documents = {"azure": ("fuzz-openai", "/swagger.json")}
                documents |= {n: (n, "/v1/openapi.json") for n in DEPLOYMENTS}
                for label, (name, path) in documents.items():
                    url = f"{server.base_url}/deployments/{name}{path}"
                    text = httpx.get(url, headers={"api-key": keys[name]}).text
                    (root / f"{label}.json").write_text(text)
            secrets = [ADMIN_TOKEN, *keys.values()]

            def run(label: str, schema: str, headers: dict[str, str], **kw: object) -> None:
                started = time.monotonic()
                found = schemathesis(
                    schema,
                    headers,
                    report_dir=root / label.replace(" ", "-"),
                    max_examples=examples,
                    timeout=3600,
                    **kw,  # type: ignore[arg-type]
                )
                runs.append((label, found, time.monotonic() - started))
                print(
                    f"{label:<34} {found.operations:>4} ops {found.examples:>7} examples "
                    f"{len(found.failures):>3} failures  {runs[-1][2]:6.0f} s",
                    flush=True,
                )
                for failure in found.failures:
                    print("   ", failure)

            for label, (name, _) in documents.items():
                base = f"{server.base_url}/deployments/{name}"
                schema = str(root / f"{label}.json")
                run(
                    f"{label} (valid key)",
                    schema,
                    {"api-key": keys[name]},
                    base_url=base,
                    secrets=secrets,
                )
                run(
                    f"{label} (invalid key)",
                    schema,
                    {"api-key": "mp-" + "0" * 48},
                    base_url=base,
                    secrets=secrets,
                    expect_refused=True,
                )
            management = str(root / "management.json")
            run(
                "management (invalid credentials)",
                management,
                {"Authorization": "Bearer mpt-" + "0" * 48},
                base_url=server.base_url,
                secrets=secrets,
                expect_refused=True,
            )
            run(
                "management (owner, stateful)",
                management,
                owner,
                base_url=server.base_url,
                secrets=[ADMIN_TOKEN],
                phases="examples,coverage,fuzzing,stateful",
            )
        finally:
            server.stop()
    operations = sum(r.operations for _, r, _ in runs)
    examples = sum(r.examples for _, r, _ in runs)
    failures = sum(len(r.failures) for _, r, _ in runs)
    print(
        f"total: {len(runs)} runs, {operations} operations, {examples} examples, "
        f"{failures} failures, {sum(t for _, _, t in runs):.0f} s"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
