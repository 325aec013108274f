"""Reads of the store put in place in the order of the revisions they saw.

Something a gateway holds in memory besides its deployments (the managed endpoints, the custom
blocklists) is read in two places: by the service that changed it, right after its commit, and
by the registry sync (:mod:`modelport.cluster.sync`) in the snapshot of its pass, with the
deployments. A read returns what puts it in place (synchronously: no request sees half of it);
:class:`InRevisionOrder` stamps each read with the change-log revision it saw, in the same
snapshot, and puts in place only a read at least as new as the one in place, so two reads that
overlap never leave the older one in place. Every change is published in the transaction that
makes it (and on PostgreSQL revisions are in commit order), so one revision is one state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy import Connection

from modelport.store import cluster as sql

T = TypeVar("T")

Apply = Callable[[], None]
# Reads what it keeps in step in the snapshot given; returns what puts that read in place.
SnapshotRead = Callable[[Connection], Apply]


class InRevisionOrder(Generic[T]):
    """Puts reads of one thing (``read``) in place (``put``), never an older one over a newer."""

    def __init__(self, read: Callable[[Connection], T], put: Callable[[T], None]) -> None:
        self._read = read
        self._put = put
        self.revision = -1  # the revision the read in place saw

    def __call__(self, conn: Connection) -> Apply:
        """Read in ``conn``'s snapshot; call it from a snapshot (``Store.snapshot``)."""
        revision = sql.revision(conn)
        value = self._read(conn)

        def apply() -> None:
            if revision < self.revision:
                return  # a newer read is in place already
            self.revision = revision
            self._put(value)

        return apply
