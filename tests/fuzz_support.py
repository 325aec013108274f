"""Schemathesis (the CLI, from PyPI) against a live Modelport: runs, and what they found."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHECKS = "not_a_server_error,no_secret_or_stack_trace,refused_without_valid_credentials"


@dataclass(frozen=True)
class FuzzRun:
    operations: int
    examples: int
    failures: list[str]
    output: str


def schemathesis(
    schema_url: str,
    headers: dict[str, str],
    *,
    base_url: str | None = None,
    report_dir: Path,
    secrets: list[str],
    max_examples: int,
    expect_refused: bool = False,
    phases: str = "examples,coverage,fuzzing",
    extra: list[str] | None = None,
    timeout: float = 600,
) -> FuzzRun:
    """One bounded run; the counts come from its JSON report. ``schema_url`` may be a file
    (then ``base_url`` says where the API is)."""
    report_dir.mkdir(parents=True, exist_ok=True)
    events = report_dir / "report.json"
    env = dict(os.environ)
    env.update(
        {
            "SCHEMATHESIS_HOOKS": "tests.fuzz_checks",
            "FUZZ_SECRETS": ",".join(secrets),
            "FUZZ_EXPECT_REFUSED": "1" if expect_refused else "0",
            "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
        }
    )
    args = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        schema_url,
        "--checks",
        CHECKS,
        "--max-examples",
        str(max_examples),
        "--phases",
        phases,
        "--seed",
        "1515",
        "--workers",
        "1",
        "--report",
        "json",
        "--report-json-path",
        str(events),
        "--request-timeout",
        "60",
        "--suppress-health-check",
        "all",
        *(["--url", base_url] if base_url else []),
        *(extra or []),
    ]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    done = subprocess.run(  # in the report dir: Schemathesis keeps a cache in its cwd
        args,
        env=env,
        cwd=report_dir,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return _summary(events, done.stdout + done.stderr)


def _summary(report: Path, output: str) -> FuzzRun:
    if not report.exists():
        return FuzzRun(0, 0, [f"schemathesis wrote no report:\n{output[-3000:]}"], output)
    data: dict[str, Any] = json.loads(report.read_text())
    if not data.get("operations"):
        return FuzzRun(0, 0, [f"schemathesis did not run:\n{output[-3000:]}"], output)
    problems = [json.dumps(f)[:500] for f in data.get("failures", [])]
    problems += [f"error: {json.dumps(e)[:500]}" for e in data.get("errors", [])]
    return FuzzRun(
        operations=int(data["operations"]["tested"]),
        examples=int(data["test_cases"]["generated"]),
        failures=problems,
        output=output,
    )
