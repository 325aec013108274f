"""Route → permission: the table every protected route is authorised by (and the docs are
generated from).

Adding a protected route is one line here: ``rule(METHOD, PATH, PERMISSION, SCOPE)``. A request
to a management path with no line is refused (fail closed), and the permission-matrix test fails
for any management route of the app that has none.

Scopes say where the permission must be held:

- ``PLATFORM``: at platform scope;
- ``PROJECT``: on the project named by the ``{project}`` path parameter;
- ``SELECTED_PROJECT``: on the project named by the ``OpenAI-Project`` header (the default
  project without one): OpenAI's API, whose SDK selects a project that way;
- ``DEPLOYMENT``: on the project of the deployment named by ``{name}`` (and ``?region=``);
- ``ENDPOINT``: on the project of the endpoint named by ``{endpoint}`` (and ``?region=``);
- ``ANY``: on at least one project (or the platform); the handler narrows what it returns or
  checks the project named in the request body;
- ``SIGNED_IN``: any authenticated principal (the permission is informative).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


class Scope(StrEnum):
    PLATFORM = "platform"
    PROJECT = "project"
    SELECTED_PROJECT = "selected-project"
    DEPLOYMENT = "deployment"
    ENDPOINT = "endpoint"
    ANY = "any"
    SIGNED_IN = "signed-in"


class Gate(StrEnum):
    """A route whose exposure is a setting (open | token | off) rather than always protected."""

    API_DOCS = "api_docs"
    METRICS = "metrics"


@dataclass(frozen=True)
class RouteRule:
    method: str
    path: str
    permission: str
    scope: Scope
    gate: Gate | None = None
    note: str = ""
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = [
            f"(?P<{seg[1:-1]}>[^/]+)"
            if seg.startswith("{") and seg.endswith("}")
            else re.escape(seg)
            for seg in self.path.split("/")
        ]
        object.__setattr__(self, "pattern", re.compile("^" + "/".join(parts) + "$"))

    def match(self, path: str) -> dict[str, str] | None:
        found = self.pattern.match(path)
        return found.groupdict() if found else None


def rule(
    method: str,
    path: str,
    permission: str,
    scope: Scope,
    *,
    gate: Gate | None = None,
    note: str = "",
) -> RouteRule:
    return RouteRule(method, path, permission, scope, gate, note)


P, PR, D, A, S = Scope.PLATFORM, Scope.PROJECT, Scope.DEPLOYMENT, Scope.ANY, Scope.SIGNED_IN
SP = Scope.SELECTED_PROJECT
E = Scope.ENDPOINT
M = "/management"

# Fine-tuning: OpenAI's files and fine-tuning jobs API (control/api/fine_tuning.py), under /v1
# (project from the OpenAI-Project header) and under a per-project base URL.
_FINE_TUNING = (
    ("POST", "/files", "fine-tuning/write"),
    ("GET", "/files", "fine-tuning/read"),
    ("GET", "/files/{file_id}", "fine-tuning/read"),
    ("GET", "/files/{file_id}/content", "fine-tuning/read"),
    ("DELETE", "/files/{file_id}", "fine-tuning/write"),
    ("POST", "/fine_tuning/jobs", "fine-tuning/write"),
    ("GET", "/fine_tuning/jobs", "fine-tuning/read"),
    ("GET", "/fine_tuning/jobs/{job_id}", "fine-tuning/read"),
    ("GET", "/fine_tuning/jobs/{job_id}/events", "fine-tuning/read"),
    ("GET", "/fine_tuning/jobs/{job_id}/checkpoints", "fine-tuning/read"),
    ("POST", "/fine_tuning/jobs/{job_id}/cancel", "fine-tuning/write"),
)

ROUTES: tuple[RouteRule, ...] = (
    # Catalog and regions.
    rule("GET", f"{M}/catalog", "catalog/read", A),
    rule("GET", f"{M}/catalog/{{offer_id}}", "catalog/read", A),
    rule("GET", f"{M}/regions", "catalog/read", A),
    rule("GET", f"{M}/engines", "catalog/read", A),
    # Projects and subscriptions.
    rule("POST", f"{M}/projects", "projects/write", P),
    rule("GET", f"{M}/projects", "projects/read", A, note="lists the caller's projects"),
    rule("GET", f"{M}/projects/{{project}}", "projects/read", PR),
    rule("PATCH", f"{M}/projects/{{project}}", "projects/write", PR),
    rule("DELETE", f"{M}/projects/{{project}}", "projects/delete", PR),
    rule("POST", f"{M}/projects/{{project}}/subscriptions", "subscriptions/sign", PR),
    rule("GET", f"{M}/projects/{{project}}/subscriptions", "subscriptions/read", PR),
    rule("GET", f"{M}/projects/{{project}}/subscriptions/{{offer}}", "subscriptions/read", PR),
    rule("DELETE", f"{M}/projects/{{project}}/subscriptions/{{offer}}", "subscriptions/delete", PR),
    # Deployments, keys, limits, content safety.
    rule(
        "POST",
        f"{M}/projects/{{project}}/deployments",
        "deployments/write",
        PR,
        note="with subscribe: also subscriptions/sign; attaching a server: engines/attach",
    ),
    rule("GET", f"{M}/projects/{{project}}/deployments", "deployments/read", PR),
    rule("GET", f"{M}/deployments", "deployments/read", A, note="lists the caller's"),
    rule("GET", f"{M}/deployments/{{name}}", "deployments/read", D),
    rule("DELETE", f"{M}/deployments/{{name}}", "deployments/delete", D),
    rule("POST", f"{M}/deployments/{{name}}/restart", "deployments/write", D),
    rule("PUT", f"{M}/deployments/{{name}}/scale", "deployments/write", D),
    rule(
        "PATCH",
        f"{M}/deployments/{{name}}/engine-options",
        "deployments/write",
        D,
        note="an attached server's options: also engines/attach",
    ),
    rule("GET", f"{M}/deployments/{{name}}/keys", "keys/read", D),
    rule("POST", f"{M}/deployments/{{name}}/keys/regenerate", "keys/regenerate", D),
    rule("GET", f"{M}/deployments/{{name}}/limits", "limits/read", D),
    rule("PUT", f"{M}/deployments/{{name}}/limits", "limits/write", D),
    rule("PATCH", f"{M}/deployments/{{name}}/limits", "limits/write", D),
    rule("GET", f"{M}/deployments/{{name}}/content-safety", "content-safety/read", D),
    rule("PATCH", f"{M}/deployments/{{name}}/content-safety", "content-safety/write", D),
    # Custom blocklists: platform-wide or for one deployment, managed at platform scope.
    rule("GET", f"{M}/content-safety/blocklists", "content-safety/read", P),
    rule("GET", f"{M}/content-safety/blocklists/{{blocklist}}", "content-safety/read", P),
    rule("PUT", f"{M}/content-safety/blocklists/{{blocklist}}", "content-safety/write", P),
    rule("DELETE", f"{M}/content-safety/blocklists/{{blocklist}}", "content-safety/write", P),
    # Managed compute: instance types, core quota, endpoints with their deployments.
    rule("GET", f"{M}/compute/instance-types", "catalog/read", A),
    rule("GET", f"{M}/projects/{{project}}/quota", "quota/read", PR),
    rule(
        "PUT",
        f"{M}/projects/{{project}}/quota",
        "quota/write",
        PR,
        note="quota/write is platform-only: a project grant grants nothing",
    ),
    rule("PUT", f"{M}/regions/{{region}}/quota", "quota/write", P),
    rule("POST", f"{M}/projects/{{project}}/endpoints", "deployments/write", PR),
    rule("GET", f"{M}/projects/{{project}}/endpoints", "deployments/read", PR),
    rule("GET", f"{M}/endpoints", "deployments/read", A, note="lists the caller's"),
    rule("GET", f"{M}/endpoints/{{endpoint}}", "deployments/read", E),
    rule("DELETE", f"{M}/endpoints/{{endpoint}}", "deployments/delete", E),
    rule(
        "POST",
        f"{M}/endpoints/{{endpoint}}/deployments",
        "deployments/write",
        E,
        note="with subscribe: also subscriptions/sign",
    ),
    rule("PUT", f"{M}/endpoints/{{endpoint}}/traffic", "deployments/write", E),
    rule("PUT", f"{M}/endpoints/{{endpoint}}/mirror", "deployments/write", E),
    rule("GET", f"{M}/endpoints/{{endpoint}}/keys", "keys/read", E),
    rule("POST", f"{M}/endpoints/{{endpoint}}/keys/regenerate", "keys/regenerate", E),
    # The cluster (gateways, controller, runtime nodes).
    rule("GET", f"{M}/cluster", "cluster/read", P),
    # Usage.
    rule("GET", f"{M}/usage", "usage/read", A, note="reports the caller's projects"),
    # Principals, API tokens, roles, assignments, audit, the admin token.
    rule("GET", f"{M}/me", "(signed in)", S),
    rule("GET", f"{M}/principals", "principals/read", P),
    rule("POST", f"{M}/principals", "principals/write", P),
    rule("GET", f"{M}/principals/{{principal}}", "principals/read", P),
    rule("PATCH", f"{M}/principals/{{principal}}", "principals/write", P),
    rule("DELETE", f"{M}/principals/{{principal}}", "principals/write", P),
    rule("GET", f"{M}/principals/{{principal}}/tokens", "principals/read", P),
    rule("POST", f"{M}/principals/{{principal}}/tokens", "principals/write", P),
    rule("DELETE", f"{M}/principals/{{principal}}/tokens/{{token_id}}", "principals/write", P),
    rule("GET", f"{M}/roles", "roles/read", A),
    rule("GET", f"{M}/roles/{{role}}", "roles/read", A),
    rule("PUT", f"{M}/roles/{{role}}", "roles/write", P),
    rule("DELETE", f"{M}/roles/{{role}}", "roles/write", P),
    rule("GET", f"{M}/role-assignments", "roles/read", A, note="lists the caller's projects'"),
    rule(
        "POST",
        f"{M}/role-assignments",
        "roles/assign",
        A,
        note="held on the assignment's project (or platform)",
    ),
    rule(
        "DELETE",
        f"{M}/role-assignments/{{assignment_id}}",
        "roles/assign",
        A,
        note="held on the assignment's project (or platform)",
    ),
    rule("GET", f"{M}/audit", "audit/read", P),
    rule("POST", f"{M}/admin-token/rotate", "admin-token/rotate", P),
    # Exposure set by MODELPORT_API_DOCS / MODELPORT_METRICS (open | token | off).
    rule("GET", f"{M}/openapi.json", "(signed in)", S, gate=Gate.API_DOCS),
    rule("GET", "/metrics", "metrics/read", P, gate=Gate.METRICS),
    *(rule(method, f"/v1{path}", permission, SP) for method, path, permission in _FINE_TUNING),
    *(
        rule(method, f"/projects/{{project}}/v1{path}", permission, PR)
        for method, path, permission in _FINE_TUNING
    ),
)

PROTECTED_PREFIXES = (f"{M}/", "/metrics")


@dataclass(frozen=True)
class Match:
    rule: RouteRule
    params: dict[str, str]


class RouteTable:
    def __init__(self, rules: tuple[RouteRule, ...] = ROUTES) -> None:
        self.rules = rules

    def protects(self, path: str) -> bool:
        """Whether ``path`` is one the access layer guards (known route or not)."""
        return (
            path == "/metrics"
            or path.startswith(PROTECTED_PREFIXES)
            or any(r.match(path) is not None for r in self.rules)
        )

    def match(self, method: str, path: str) -> tuple[Match | None, list[str]]:
        """The rule for (method, path), and the methods the path has (for 405's Allow)."""
        method = "GET" if method == "HEAD" else method
        allowed: list[str] = []
        for r in self.rules:
            params = r.match(path)
            if params is None:
                continue
            if r.method == method:
                return Match(r, params), [r.method]
            allowed.append(r.method)
        return None, allowed
