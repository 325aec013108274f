"""docs/access-control.md lists the permissions, the built-in roles and the route table,
generated from the code (``modelport.access.docs``).

Regenerate it with
``MODELPORT_UPDATE_DOCS=1 .venv/bin/python -m pytest tests/unit/test_access_docs.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

from modelport.access.docs import render
from modelport.access.permissions import BUILTIN_ROLES, PERMISSIONS
from modelport.access.route_table import ROUTES

DOC = Path(__file__).resolve().parents[2] / "docs" / "access-control.md"
START, END = "<!-- access-reference:start -->", "<!-- access-reference:end -->"


def test_the_access_reference_in_the_docs_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    expected = f"{head}{START}\n\n{render()}\n{END}{tail}"
    if os.environ.get("MODELPORT_UPDATE_DOCS") == "1":
        DOC.write_text(expected, encoding="utf-8")
        text = expected
    assert text == expected, "docs/access-control.md is stale: see this module's docstring"


def test_every_permission_role_and_route_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    for permission in PERMISSIONS:
        assert f"`{permission}`" in text
    for role in BUILTIN_ROLES:
        assert f"**{role}**" in text
    for rule in ROUTES:
        assert f"`{rule.path}`" in text


def test_every_permission_a_route_names_exists() -> None:
    for rule in ROUTES:
        assert rule.permission in PERMISSIONS or rule.permission == "(signed in)", rule
