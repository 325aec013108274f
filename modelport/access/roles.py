"""Roles: the built-in ones and the custom ones an operator defines. Changing a custom role's
permissions ends the portal sessions of everyone who holds it (a session never outlives the
rights it was opened with); a role still assigned cannot be deleted."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection

from modelport.access.permissions import BUILTIN_ROLES, Role, unknown_permissions
from modelport.errors import Conflict, InvalidRequest, NotFound
from modelport.store import access as sql
from modelport.store.repositories import Store

T = TypeVar("T")
_ROLE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$")


def role_named(name: str, custom: dict[str, sql.StoredRole]) -> Role | None:
    """The built-in or custom role ``name`` (None when there is none)."""
    if name in BUILTIN_ROLES:
        return BUILTIN_ROLES[name]
    stored = custom.get(name)
    return Role(stored.name, stored.description, stored.permissions) if stored else None


class RoleService:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def _run(self, fn: Callable[[Connection], T]) -> T:
        return await asyncio.to_thread(self.store.run, fn)

    async def all(self) -> list[Role]:
        custom = await self._run(sql.custom_roles_all)
        return [*BUILTIN_ROLES.values(), *(role_named(n, custom) for n in custom)]  # type: ignore[list-item]

    async def get(self, name: str) -> Role:
        found = role_named(name, await self._run(sql.custom_roles_all))
        if found is None:
            raise NotFound(f"role {name!r} does not exist", param="role")
        return found

    async def put(self, name: str, description: str, permissions: set[str]) -> bool:
        if not _ROLE_NAME.match(name):
            raise InvalidRequest("role name must be 1-64 letters, digits, ' ', '.', '_' or '-'")
        if name in BUILTIN_ROLES:
            raise Conflict(f"{name!r} is a built-in role and cannot be changed", param="role")
        unknown = unknown_permissions(permissions)
        if unknown:
            raise InvalidRequest(
                f"unknown permission(s): {', '.join(unknown)}", param="permissions"
            )

        def put(conn: Connection) -> bool:
            created = sql.put_custom_role(conn, name, description, frozenset(permissions))
            self._end_sessions_of_role(conn, name)
            return created

        return await self._run(put)

    async def delete(self, name: str) -> None:
        if name in BUILTIN_ROLES:
            raise Conflict(f"{name!r} is a built-in role and cannot be deleted", param="role")

        def delete(conn: Connection) -> None:
            if sql.assignments(conn, role=name):
                raise Conflict(
                    f"role {name!r} is still assigned; remove its assignments first",
                    param="role",
                )
            if not sql.delete_custom_role(conn, name):
                raise NotFound(f"role {name!r} does not exist", param="role")

        await self._run(delete)

    @staticmethod
    def _end_sessions_of_role(conn: Connection, role: str) -> None:
        for principal_id in {a.principal_id for a in sql.assignments(conn, role=role)}:
            sql.delete_sessions(conn, principal_id=principal_id)
