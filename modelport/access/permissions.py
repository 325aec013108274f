"""The permission vocabulary and the built-in roles.

A permission is named after the operation it allows (``deployments/write``); a role is a set of
permissions; a role is assigned to a principal at platform scope (every project, and the
platform's own operations) or at the scope of one project.
"""

from __future__ import annotations

from dataclasses import dataclass

# Permission → what it allows. The route table (route_table.py) names one of these per route;
# docs/access-control.md is generated from both.
PERMISSIONS: dict[str, str] = {
    "catalog/read": "See the catalog's offers and the configured regions.",
    "projects/read": "See projects.",
    "projects/write": "Create, rename or move projects.",
    "projects/delete": "Delete projects.",
    "subscriptions/read": "See a project's marketplace subscriptions.",
    "subscriptions/sign": "Subscribe a project to an offer (accept its terms, create its "
    "cost-tracking resource), also as part of a deployment.",
    "subscriptions/delete": "Cancel a project's subscription.",
    "deployments/read": "See deployments, their state and Target URL.",
    "deployments/write": "Create deployments; restart, scale and reconfigure them.",
    "deployments/delete": "Delete deployments.",
    "deployments/infer": "Call deployments with a bearer token instead of a key (keyless).",
    "keys/read": "Reveal a deployment's keys.",
    "keys/regenerate": "Regenerate a deployment's keys.",
    "limits/read": "See a deployment's rate limits.",
    "limits/write": "Change a deployment's rate limits (quotas).",
    "content-safety/read": "See a deployment's content-safety policy.",
    "content-safety/write": "Change a deployment's content-safety policy.",
    "usage/read": "Read usage and cost reports.",
    "quota/read": "See a project's managed-compute core quota and what uses it.",
    "quota/write": "Set the core quota of projects and regions (platform scope only).",
    "fine-tuning/read": "See fine-tuning files and jobs, their events and checkpoints.",
    "fine-tuning/write": "Upload fine-tuning files, create and cancel fine-tuning jobs (billed "
    "on the project's subscription).",
    "principals/read": "See users and service principals and their API tokens.",
    "principals/write": "Create, change and delete users and service principals; issue and "
    "revoke API tokens.",
    "roles/read": "See roles and role assignments.",
    "roles/write": "Create, change and delete custom roles.",
    "roles/assign": "Assign roles to principals and remove assignments.",
    "audit/read": "Read the audit log.",
    "metrics/read": "Read the Prometheus metrics (when MODELPORT_METRICS=token).",
    "admin-token/rotate": "Rotate the bootstrap admin token.",
    "engines/attach": "Attach engines at operator-given URLs (platform scope only).",
    "cluster/read": "See the cluster: live gateways, the active controller, the runtime's nodes "
    "and free resources.",
}

# Permissions that only mean something at platform scope: a project-scoped grant of one of
# these grants nothing.
PLATFORM_ONLY = frozenset(
    {
        "principals/read",
        "principals/write",
        "roles/write",
        "audit/read",
        "metrics/read",
        "admin-token/rotate",
        "engines/attach",
        "cluster/read",
        "quota/write",
    }
)


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    description: str
    permissions: frozenset[str]
    builtin: bool = False


def _all_but(*excluded: str) -> frozenset[str]:
    unknown = set(excluded) - PERMISSIONS.keys()
    assert not unknown, unknown
    return frozenset(PERMISSIONS) - set(excluded)


_READS = frozenset(p for p in PERMISSIONS if p.endswith("/read")) - {"keys/read"}

BUILTIN_ROLES: dict[str, Role] = {
    role.name: role
    for role in (
        Role(
            "Owner",
            "Everything, including principals, roles and the admin token.",
            frozenset(PERMISSIONS),
            builtin=True,
        ),
        Role(
            "Contributor",
            "Everything except principals, roles, the admin token, engine URLs and quotas.",
            _all_but(
                "principals/write",
                "roles/write",
                "roles/assign",
                "admin-token/rotate",
                "engines/attach",
                "quota/write",
            ),
            builtin=True,
        ),
        Role("Reader", "Read everything except keys and secrets.", _READS, builtin=True),
        Role(
            "AI Developer",
            "Deploy, manage keys, call deployments and fine-tune models in its projects; "
            "cannot subscribe to offers, change prices, quotas or roles.",
            frozenset(
                {
                    "catalog/read",
                    "projects/read",
                    "subscriptions/read",
                    "deployments/read",
                    "deployments/write",
                    "deployments/delete",
                    "deployments/infer",
                    "keys/read",
                    "keys/regenerate",
                    "limits/read",
                    "content-safety/read",
                    "usage/read",
                    "quota/read",
                    "roles/read",
                    "fine-tuning/read",
                    "fine-tuning/write",
                }
            ),
            builtin=True,
        ),
    )
}


def unknown_permissions(permissions: set[str] | frozenset[str]) -> list[str]:
    return sorted(p for p in permissions if p not in PERMISSIONS)
