"""The reference part of docs/access-control.md, generated from the permission vocabulary, the
built-in roles and the route table (a test keeps the document current)."""

from __future__ import annotations

from modelport.access.permissions import BUILTIN_ROLES, PERMISSIONS, PLATFORM_ONLY
from modelport.access.route_table import ROUTES, Gate, Scope

_SCOPES = {
    Scope.PLATFORM: "platform",
    Scope.PROJECT: "project `{project}`",
    Scope.SELECTED_PROJECT: "the `OpenAI-Project` header's project (default: the default one)",
    Scope.DEPLOYMENT: "the deployment's project",
    Scope.ENDPOINT: "the endpoint's project",
    Scope.ANY: "any project (results narrowed)",
    Scope.SIGNED_IN: "any signed-in principal",
}
_GATES = {Gate.API_DOCS: "MODELPORT_API_DOCS", Gate.METRICS: "MODELPORT_METRICS"}


def render() -> str:
    lines = ["### Permissions", "", "| permission | allows | scope |", "|---|---|---|"]
    for name, text in PERMISSIONS.items():
        scope = "platform only" if name in PLATFORM_ONLY else "platform or project"
        lines.append(f"| `{name}` | {text} | {scope} |")
    roles = list(BUILTIN_ROLES.values())
    lines += ["", "### Built-in roles", ""]
    lines += [f"- **{r.name}**: {r.description}" for r in roles]
    lines += ["", "| permission | " + " | ".join(r.name for r in roles) + " |"]
    lines.append("|---|" + "---|" * len(roles))
    for name in PERMISSIONS:
        marks = " | ".join("✓" if name in r.permissions else "" for r in roles)
        lines.append(f"| `{name}` | {marks} |")
    lines += [
        "",
        "### Routes",
        "",
        "Every protected route, the permission it needs and where it must be held "
        "(`modelport/access/route_table.py`).",
        "",
        "| method | path | permission | held on | note |",
        "|---|---|---|---|---|",
    ]
    for r in ROUTES:
        note = r.note
        if r.gate is not None:
            note = f"{_GATES[r.gate]}: open, token (this rule) or off"
        lines.append(
            f"| {r.method} | `{r.path}` | `{r.permission}` | {_SCOPES[r.scope]} | {note} |"
        )
    return "\n".join(lines) + "\n"
