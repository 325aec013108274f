"""An authenticated principal with its grants, and the one authorisation function.

:func:`authorize` is the only place a permission is checked: the access middleware calls it
for every protected route (with the scope the route table names), handlers that narrow a
listing or check a second permission call it (or :meth:`Access.can`) too, and the data plane
calls it for keyless inference.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from modelport.access.permissions import PLATFORM_ONLY
from modelport.access.types import Principal
from modelport.errors import Forbidden


@dataclass(frozen=True, slots=True)
class Grant:
    """One role assignment, resolved: the role's permissions at platform (``project_id`` None)
    or project scope."""

    role: str
    permissions: frozenset[str]
    project_id: str | None = None

    def allows(self, permission: str, project_id: str | None) -> bool:
        if permission not in self.permissions:
            return False
        if self.project_id is None:
            return True
        return permission not in PLATFORM_ONLY and project_id == self.project_id


@dataclass(frozen=True)
class Access:
    """Who is calling, how they authenticated, and what they hold."""

    principal: Principal
    grants: tuple[Grant, ...] = ()
    method: str = "token"  # bootstrap | token | password | oidc (how the credential was proven)
    session_id: str | None = None  # the portal session the request came with, if any
    credential_id: str | None = None  # the API token (or session) that authenticated it
    labels: dict[str, str] = field(default_factory=dict)

    def can(self, permission: str, project_id: str | None = None) -> bool:
        """Whether ``permission`` is held on ``project_id`` (None: at platform scope)."""
        return any(g.allows(permission, project_id) for g in self.grants)

    def can_somewhere(self, permission: str) -> bool:
        return any(
            permission in g.permissions
            and (g.project_id is None or permission not in PLATFORM_ONLY)
            for g in self.grants
        )

    def projects_with(self, permission: str) -> frozenset[str] | None:
        """The project ids ``permission`` is held on; None when held at platform scope."""
        if self.can(permission):
            return None
        return frozenset(
            g.project_id
            for g in self.grants
            if g.project_id is not None and g.allows(permission, g.project_id)
        )


def authorize(access: Access, permission: str, project_id: str | None = None) -> None:
    """Raise :class:`Forbidden` unless ``access`` holds ``permission`` on ``project_id``.

    The message is the same whether or not the project exists, so that a caller without
    rights learns nothing about what is there."""
    if not access.can(permission, project_id):
        raise Forbidden(
            f"{access.principal.name!r} does not hold {permission!r} here",
            details={"permission": permission},
        )
