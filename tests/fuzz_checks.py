"""Schemathesis checks of our own (loaded with ``SCHEMATHESIS_HOOKS=tests.fuzz_checks``): no
response may carry a secret (``FUZZ_SECRETS``: the admin token, API tokens, deployment keys,
comma-separated) or a stack trace, and a refused request (``FUZZ_EXPECT_REFUSED=1``: every
request carries invalid credentials) must be answered 401 (or 405 for a method the path
never has)."""

from __future__ import annotations

import os

import schemathesis

TRACE_MARKERS = ("Traceback (most recent call last)", 'File "/', "site-packages/")


@schemathesis.check
def no_secret_or_stack_trace(ctx: object, response: schemathesis.Response, case: object) -> None:
    text = response.text or ""
    headers = " ".join(f"{k}: {v}" for k, vs in response.headers.items() for v in vs)
    for secret in filter(None, os.environ.get("FUZZ_SECRETS", "").split(",")):
        if secret in text or secret in headers:
            raise AssertionError("a secret appears in the response")
    for marker in TRACE_MARKERS:
        if marker in text:
            raise AssertionError(f"a stack trace appears in the response ({marker!r})")


@schemathesis.check
def refused_without_valid_credentials(
    ctx: object, response: schemathesis.Response, case: object
) -> None:
    # 405: a method no route of that path has (the same for every name, so it reveals nothing)
    if os.environ.get("FUZZ_EXPECT_REFUSED") == "1" and response.status_code not in (401, 405):
        raise AssertionError(
            f"a request with invalid credentials got {response.status_code}, not 401"
        )
