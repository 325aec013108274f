"""The hosting meter of fine-tuned deployments: one record per started hour a fine-tuned model
is deployed (counted from its creation, while it is ``succeeded``), on its subscription's
``fine-tuned-hosting-hours`` meter.

Hour ``k`` of a deployment (from its creation) is the record ``host-<deployment id>-<k>``, so
the ledger holds each hour once however often it is written (after a restart, or from several
gateways). Checked every ``hosting_meter_interval`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from modelport.billing.ledger import UsageLedger
from modelport.billing.records import HOSTING, UsageRecord, metered_record
from modelport.domain.deployments import Deployment, DeploymentState
from modelport.domain.fine_tuning import is_fine_tuned
from modelport.errors import ModelportError
from modelport.inference.live import DeploymentRegistry
from modelport.store.values import now

log = logging.getLogger("modelport.finetune")

HOUR = timedelta(hours=1)


def hours_started(deployment: Deployment, at: datetime) -> int:
    return int((at - deployment.created_at) / HOUR) + 1


def hosting_record(deployment: Deployment, hour: int) -> UsageRecord:
    return metered_record(
        request_id=f"host-{deployment.id}-{hour}",
        time=deployment.created_at + hour * HOUR,
        dialect=HOSTING,
        project_id=deployment.project_id,
        subscription_id=deployment.subscription_id,
        offer_id=deployment.offer_id,
        deployment_id=deployment.id,
        deployment=deployment.name,
        hosting_hours=1,
    )


class HostingMeter:
    def __init__(
        self, registry: DeploymentRegistry, ledger: UsageLedger, interval: float = 30.0
    ) -> None:
        self.registry = registry
        self.ledger = ledger
        self.interval = interval
        self._written: dict[str, int] = {}  # deployment id -> hours written
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="hosting-meter")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def tick(self, at: datetime | None = None) -> int:
        """Write the hours started so far by every fine-tuned deployment; returns how many
        records were handed to the ledger."""
        when = at or now()
        written = 0
        for live in self.registry.all():
            deployment = live.deployment
            if not is_fine_tuned(deployment.offer_id):
                continue
            if deployment.state is not DeploymentState.SUCCEEDED:
                continue  # hosted once it serves; a failed or deleted one hosts nothing
            started = hours_started(deployment, when)
            done = self._written.get(deployment.id, 0)
            records = [hosting_record(deployment, h) for h in range(done, started)]
            await asyncio.gather(*(self.ledger.write(r) for r in records))
            self._written[deployment.id] = started
            written += len(records)
        return written

    async def _loop(self) -> None:
        while True:
            try:
                await self.tick()
            except ModelportError as exc:  # the ledger is down: the next tick writes them
                log.warning("hosting hours not recorded yet: %s", exc.message)
            await asyncio.sleep(self.interval)
