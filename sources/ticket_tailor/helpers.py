"""Ticket Tailor paging, the per-run event list and record shaping."""

from __future__ import annotations

import hashlib
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

    def current_events(self, door_hours: float, after_days: float) -> tuple[list[str], list[str]]:
        """The events where changes happen: (active, upcoming).

        Active: from `door_hours` before the start until `after_days` after the end (door
        sales, check-ins, refunds); all their records are re-read every run. Upcoming: the
        ones before that, where only records in a changed status (cancelled, voided) are
        looked for. Long-past events are left alone.
        """
        now = time.time()
        active: list[str] = []
        upcoming: list[str] = []
        for event in self.events():
            start, end = _unix(event.get("start")), _unix(event.get("end"))
            if start is None or now > (end or start) + after_days * 86400:
                continue
            (active if now >= start - door_hours * 3600 else upcoming).append(event["id"])
        return active, upcoming

    def pages_since(self, path: str, field: str, since: int | None) -> Iterator[list[Record]]:
        """The records whose `field` is `since` or later, newest first, page by page.

        The filter does the work, but it is not trusted to: the walk ends at the first page
        wholly older than `since`, so an API that ignored the filter costs one page, not a
        walk of everything.
        """
        filters = {} if since is None else {f"{field}.gte": since}
        for page in self.pages(path, filters):
            if since is not None and page and all(_older(r.get(field), since) for r in page):
                return
            yield page


def created_since(created_at: int | None) -> Params:
    return {} if created_at is None else {"created_at.gte": created_at}


def newest(page: list[Record], field: str, latest: int | None) -> int | None:
    """The largest unix `field` of the page and `latest`."""
    values = [_unix(record.get(field)) for record in page]
    return max((v for v in (*values, latest) if v is not None), default=None)


def with_unix_dates(record: Record, names: tuple[str, ...]) -> Record:
    """Date objects as their unix seconds, which load as timestamps (`settings.DATE_OBJECTS`)."""
    row = dict(record)
    for name in names:
        if isinstance(row.get(name), dict):
            row[name] = _unix(row[name])
    return row


def hold_row(hold: Record, event_of_ticket_type: dict[str, str], event_id: str | None) -> Record:
    """A hold with `updated_at` (the example spells it `update_at`) and `event_id`: its own, the
    event it was listed for, or the event of the ticket types it holds."""
    row = with_unix_dates(hold, (*settings.HOLD_UPDATED_KEYS, "created_at"))
    for key in settings.HOLD_UPDATED_KEYS[1:]:
        if key in row:
            row.setdefault("updated_at", row.pop(key))
    if not row.get("event_id"):
        held = [q.get("ticket_type_id") for q in row.get("quantities") or () if isinstance(q, dict)]
        found = [event_of_ticket_type[t] for t in held if t in event_of_ticket_type]
        row["event_id"] = event_id or (found[0] if found else None)
    return row


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


def fingerprint(record: Record) -> str:
    """A short digest of a record, kept in state to tell whether it changed since last run."""
    return hashlib.blake2b(repr(sorted(record.items())).encode(), digest_size=8).hexdigest()


def count(value: Any) -> int | None:
    """A live counter's value; None when the API sent none."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _unix(value: Any) -> int | None:
    """Unix seconds of a date object or of a unix int."""
    if isinstance(value, dict):
        value = value.get("unix")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _older(value: Any, since: int) -> bool:
    unix = _unix(value)
    return unix is not None and unix < since
