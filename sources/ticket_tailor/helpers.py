"""Ticket Tailor paging, the per-run event list and record shaping."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

from sources.client import ApiClient, CursorPaging, Params
from sources.records import Record

from . import settings


class BoxOffice:
    """One box office's API for one run: cursor walks plus the event list, fetched once."""

    def __init__(self, client: ApiClient, page_size: int = settings.PAGE_SIZE) -> None:
        self.client = client
        self.paging = CursorPaging(client.source, page_size)
        self._events: list[Record] | None = None
        # orders and issued_tickets are read in parallel threads and both need the events
        self._events_lock = threading.Lock()

    def pages(self, path: str, filters: Params | None = None) -> Iterator[list[Record]]:
        """A newest-first list page by page; a walk that comes up short raises."""
        return self.client.walk(self.paging, path, filters)

    def read_all(self, path: str) -> list[Record]:
        """A whole list, for tables replaced whole: read again if the walk came up short."""
        return self.client.read_all(self.paging, path)

    def events(self) -> list[Record]:
        with self._events_lock:
            if self._events is None:
                self._events = self.read_all(settings.EVENTS_PATH)
            return self._events

    def sweeps(
        self, statuses: tuple[str, ...], door_hours: float, after_days: float
    ) -> list[Params]:
        """Filters that find what changed after loading, on events where changes happen.

        From `door_hours` before an event starts until `after_days` after it ends (door
        sales, check-ins, refunds) all its records are re-read; before that, only those in the
        given statuses (cancelled, voided). Long-past events are left alone.
        """
        now = time.time()
        filters: list[Params] = []
        for event in self.events():
            start, end = _unix(event.get("start")), _unix(event.get("end"))
            if start is None or now > (end or start) + after_days * 86400:
                continue
            if now >= start - door_hours * 3600:
                filters.append({"event_id": event["id"]})
            else:
                filters += [{"event_id": event["id"], "status": status} for status in statuses]
        return filters


def created_since(created_at: int | None) -> Params:
    return {} if created_at is None else {"created_at.gte": created_at}


def order_row(order: Record) -> Record:
    """Issued tickets have their own table; the event id gets a column for joins."""
    row = {key: value for key, value in order.items() if key != "issued_tickets"}
    row["event_id"] = (order.get("event_summary") or {}).get("id")
    return row


def event_row(event: Record) -> Record:
    return {key: value for key, value in event.items() if key != "ticket_types"}


def ticket_type_rows(event: Record) -> list[Record]:
    return [
        {**ticket_type, "event_id": event["id"]} for ticket_type in event.get("ticket_types") or []
    ]


def voucher_fingerprint(voucher: Record) -> str:
    """Codes change only with their voucher's counts, so an unchanged voucher keeps its codes."""
    return repr(sorted(voucher.items()))


def _unix(date: Any) -> int | None:
    return date.get("unix") if isinstance(date, dict) else None
