"""Records that webhook deliveries say changed, read again by id.

Ticket Tailor pushes a webhook when an order, an issued ticket, an issued membership or an
event changes, also long after the event, where no filter or sweep of a run looks. The receiver
(`pipelines.webhooks`) stores them; the sync passes the pending ones in as `Change`s. A payload
can be stale (deliveries are retried for 72 hours and arrive out of order), so each record is
read again from the API, once however many deliveries name it, and merged like any other read.

- orders, issued tickets, issued memberships: read by id from our own base_url (a delivery's
  host is never called, so the API key goes nowhere else); one the API no longer has is left
  as it is.
- events: nothing to read: the event list is read whole every run, so an updated event shows
  and a deleted one disappears, with its ticket types.
- waitlist signups: their series' signups are read again.
- anything else (baskets, say) names nothing this source loads.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sources.client import ApiClient
from sources.records import Record

from . import settings

logger = logging.getLogger("ticketing.ticket_tailor")


@dataclass(frozen=True)
class Change:
    """What one webhook delivery says: its event type, the URL of the record it is about, and
    the record as it was sent (only its series is used: a signup's series never changes)."""

    event: str
    resource_url: str
    payload: Record = field(default_factory=dict)


class ChangedRecords:
    """The records a run's changes name, by collection."""

    def __init__(self, changes: Sequence[Change] = ()) -> None:
        self.ids: dict[str, set[str]] = {}
        self.series: set[str] = set()
        path = re.compile(settings.CHANGED_RECORD_PATH)
        for change in changes:
            if change.event.upper().startswith(settings.WAITLIST_SIGNUP_EVENTS):
                series_id = change.payload.get("event_series_id")
                if isinstance(series_id, str):
                    self.series.add(series_id)
            elif named := path.search(urlsplit(change.resource_url).path):
                self.ids.setdefault(named[1], set()).add(named[2])

    def read(self, client: ApiClient, collection: str) -> Iterator[list[Record]]:
        """The collection's changed records as they are now, a page at a time."""
        ids = sorted(self.ids.get(collection, ()))
        if not ids:
            return

        def read_one(record_id: str) -> Record | None:
            return client.get_json(f"/v1/{collection}/{record_id}", missing_ok=True)

        with ThreadPoolExecutor(settings.CHANGED_RECORD_READERS) as readers:
            for start in range(0, len(ids), settings.PAGE_SIZE):
                batch = ids[start : start + settings.PAGE_SIZE]
                records = [r for r in readers.map(read_one, batch) if isinstance(r, dict)]
                if len(records) < len(batch):
                    logger.info(
                        "Ticket Tailor: %s of the %s named by webhooks are gone from the API",
                        len(batch) - len(records),
                        collection,
                    )
                if records:
                    yield records
