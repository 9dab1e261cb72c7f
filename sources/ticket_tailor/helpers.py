"""Ticket Tailor paging, the per-run event list and record shaping."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

from sources.client import ApiClient, ApiError, Params

from . import settings

Record = dict[str, Any]


class BoxOffice:
    """One box office's API for one run: cursor paging plus the event list, fetched once."""

    def __init__(self, client: ApiClient, page_size: int = settings.PAGE_SIZE) -> None:
        self.client = client
        self.page_size = page_size
        self._events: list[Record] | None = None
        # orders and issued_tickets are read in parallel threads and both need the events
        self._events_lock = threading.Lock()

    def pages(self, path: str, filters: Params | None = None) -> Iterator[list[Record]]:
        """Walks a newest-first list page by page.

        The next request keeps our filters and adds `starting_after` = the last id: the API's
        `links.next` carries the cursor only, so following it would drop the filters.
        """
        params = {**(filters or {}), "limit": self.page_size}
        return self.client.fetch_pages(path, params, self._next_params, _records)

    def _next_params(self, page: Record, params: Params) -> Params | None:
        data = page["data"]
        links = page.get("links")
        if not data:
            return None
        if isinstance(links, dict) and "next" in links:
            if not links["next"]:
                return None
        elif len(data) < params["limit"]:
            return None
        last_id = data[-1]["id"]
        if last_id == params.get("starting_after"):
            raise ApiError(
                f"ticket_tailor: the API answered starting_after={last_id} with that same "
                "record again, so paging would never end. Check that "
                "`sources.ticket_tailor.base_url` points at the Ticket Tailor API."
            )
        return {**params, "starting_after": last_id}

    def events(self) -> list[Record]:
        with self._events_lock:
            if self._events is None:
                self._events = [e for page in self.pages(settings.EVENTS_PATH) for e in page]
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


def _records(page: Any) -> list[Record]:
    if not isinstance(page, dict) or not isinstance(page.get("data"), list):
        raise ApiError(
            "ticket_tailor: the API answered with JSON that has no `data` list. Check that "
            "`sources.ticket_tailor.base_url` points at the Ticket Tailor API."
        )
    return page["data"]


def _unix(date: Any) -> int | None:
    return date.get("unix") if isinstance(date, dict) else None
