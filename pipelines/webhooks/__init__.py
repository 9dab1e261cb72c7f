"""Ticket Tailor webhooks: `python -m pipelines.webhooks [--host H] [--port P]`.

Ticket Tailor pushes a signed delivery when an order, an issued ticket, an issued membership or
an event changes, cancellations and voids of long-past events included, which polling only
sees on a full refresh. The receiver (`receiver`, Starlette on uvicorn) verifies each one,
stores it (`store`, SQLite beside dlt's state) and answers 200; the next sync of the account
reads the records the stored deliveries name again and marks them applied once its load has
committed (`pending_deliveries`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipelines.config import WEBHOOK_SOURCE, Target
from sources.ticket_tailor.changes import Change

from .store import Delivery, DeliveryStore, default_path

# deliveries one sync applies at most (oldest first): a backlog, after syncs were down for
# days, is worked off over several runs rather than in one run's memory and requests
MAX_PER_SYNC = 5_000


@dataclass(frozen=True)
class PendingDeliveries:
    """The deliveries a sync applies: read before it runs, marked applied after it loaded."""

    target: Target
    deliveries: list[Delivery]
    # pending beyond MAX_PER_SYNC: the next run's
    left: int = 0

    def source_arguments(self) -> dict[str, Any]:
        """What the source is given: each delivery's change (none: nothing)."""
        if not self.deliveries:
            return {}
        changes = [Change(d.event, d.resource_url, d.payload) for d in self.deliveries]
        return {"changes": changes}

    def mark_applied(self) -> None:
        if self.deliveries:
            store = DeliveryStore()
            try:
                store.mark_applied(self.target.name, [d.id for d in self.deliveries])
            finally:
                store.close()


def pending_deliveries(target: Target) -> PendingDeliveries:
    """What the receiver stored for the target and no sync has applied yet (none where no
    receiver ever ran)."""
    if target.source != WEBHOOK_SOURCE or not default_path().exists():
        return PendingDeliveries(target, [])
    store = DeliveryStore()
    try:
        deliveries = store.pending(target.name, MAX_PER_SYNC)
        left = store.counts().get(target.name, 0) - len(deliveries)
    finally:
        store.close()
    return PendingDeliveries(target, deliveries, left)
