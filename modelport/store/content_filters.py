"""The stored content-safety policy of each deployment (a JSON column of ``deployments``).

NULL means "the platform default for this deployment's kind"; only policies set through the
management API are stored, so a changed default reaches every deployment that kept it.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, select, update

from modelport.errors import NotFound
from modelport.store.tables import deployments


def stored_content_filters(conn: Connection) -> dict[str, dict[str, Any]]:
    """Deployment id → stored policy document, for the deployments that have one."""
    rows = conn.execute(
        select(deployments.c.id, deployments.c.content_filter).where(
            deployments.c.content_filter.is_not(None)
        )
    )
    return {row.id: json.loads(row.content_filter) for row in rows}


def set_content_filter(conn: Connection, deployment_id: str, policy: dict[str, Any]) -> None:
    """Store a deployment's policy document."""
    result = conn.execute(
        update(deployments)
        .where(deployments.c.id == deployment_id)
        .values(content_filter=json.dumps(policy, sort_keys=True))
    )
    if result.rowcount == 0:
        raise NotFound(f"deployment {deployment_id!r} does not exist")
