"""TicketSource paging, record flattening and the per-run plan of what to re-read."""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pendulum

from sources import warehouse
from sources.client import AsyncApiClient, PageNumberPaging, fan_out
from sources.records import Record, replace_children
from sources.timestamps import parse_timestamp

from . import settings


class TicketSource:
    """One account's API for one run: page walks and concurrent per-parent reads."""

    def __init__(self, client: AsyncApiClient, page_size: int = settings.PAGE_SIZE) -> None:
        self.client = client
        self.paging = PageNumberPaging(client.client.source, page_size)

    def pages(self, path: str) -> AsyncIterator[list[Record]]:
        """Every record of a list, a page at a time; a walk that comes up short raises."""
        return self.client.walk(self.paging, path)

    async def children(
        self, path: str, parent_key: str, parent_ids: Iterable[str]
    ) -> AsyncIterator[list[Record]]:
        """Every child of each parent, flattened, one list per parent as each completes; the
        list replaces the children loaded before (see `replace_children`)."""

        async def read(parent_id: str) -> list[Record]:
            items = await self.client.read_all(self.paging, path.format(**{parent_key: parent_id}))
            rows = [flatten(item, parent_key, parent_id) for item in items]
            return replace_children(parent_key, parent_id, rows)

        async for rows in fan_out(parent_ids, read, window=2 * self.client.concurrency):
            yield rows

    async def exists(self, path: str) -> Record | None:
        """The record at `path`, or None if the API says it is gone."""
        document = await self.client.get_json(path, missing_ok=True)
        return None if document is None else document.get("data")


def flatten(
    resource: Record, parent_key: str | None = None, parent_id: str | None = None
) -> Record:
    """A JSON:API resource as one row: its attributes as columns, parents' ids from `links`.

    `type` and `links` are dropped. Money on booking lines becomes Decimal (the API sends
    floats), and seat references text (the spec says strings; the guide shows numbers).
    """
    row: Record = {"id": resource["id"], **(resource.get("attributes") or {})}
    for name, url in (resource.get("links") or {}).items():
        key = settings.PARENT_LINKS.get(name)
        if key and isinstance(url, str):
            row[key] = urlsplit(url).path.rstrip("/").rpartition("/")[2]
    if parent_key and not row.get(parent_key):
        row[parent_key] = parent_id
    if isinstance(row.get("lines"), list):
        row["lines"] = [_money_line(line) for line in row["lines"]]
    reference = row.get("reference")
    if isinstance(reference, dict):
        row["reference"] = {k: None if v is None else str(v) for k, v in reference.items()}
    return row


@dataclass
class Freshness:
    """What one run re-reads, decided from what the last good run left: its start and number
    in the state, its customers and dates in the warehouse.

    `changed_since` is the previous run's start less `lookback`: a record stamped after it is
    new or changed. A parent is "swept" when its id falls in this run's slice of `sweep_runs`.
    """

    ended_within: pendulum.Duration
    lookback: pendulum.Duration
    sweep_runs: int
    now: pendulum.DateTime = field(default_factory=pendulum.now)
    changed_since: pendulum.DateTime | None = None
    sweep_slot: int = 0
    # event id -> ISO end of its last date loaded; dates swept this run
    event_ends: dict[str, str] = field(default_factory=dict)
    swept_dates: set[str] = field(default_factory=set)
    # the customers loaded, to tell deletions
    known_customers: set[str] = field(default_factory=set)

    def start(
        self, state: dict[str, Any], known_customers: set[str], event_ends: dict[str, str]
    ) -> int:
        """Reads the last good run's marks and writes this run's (dlt keeps them only if the
        whole run loads); takes what the warehouse holds (see `loaded`)."""
        self.now = pendulum.now("UTC")
        started = state.get("started_at")
        self.changed_since = None if started is None else pendulum.parse(started) - self.lookback
        run = state.get("runs", 0)
        self.sweep_slot = run % self.sweep_runs
        self.known_customers = known_customers
        self.event_ends = event_ends
        # earlier versions kept these in the state, which dlt then stored again every run
        state.pop("customer_ids", None)
        state.pop("event_ends", None)
        state["started_at"] = self.now.isoformat()
        state["runs"] = run + 1
        return run

    def changed(self, row: Record) -> bool:
        if self.changed_since is None:
            return True
        return any(stamp >= self.changed_since for stamp in _stamps(row))

    def swept(self, parent_id: str) -> bool:
        return zlib.crc32(parent_id.encode()) % self.sweep_runs == self.sweep_slot

    def live(self, ends: Any) -> bool:
        moment = parse_timestamp(ends)
        return moment is None or moment >= self.now - self.ended_within

    def event_due(self, event: Record) -> bool:
        """Venues and dates: new or changed events, events with a date not long over (or none
        known), and the sweep."""
        return (
            self.changed(event)
            or self.swept(event["id"])
            or self.live(self.event_ends.get(event["id"]))
        )

    def bookings_due(self, date: Record) -> bool:
        """New or changed dates, dates upcoming or ended within `ended_within`, and the sweep."""
        if self.swept(date.get("event_id") or ""):
            self.swept_dates.add(date["id"])
            return True
        return self.changed(date) or self.live(date.get("end") or date.get("start"))

    def seats_due(self, booking: Record) -> bool:
        """New or changed bookings (refund lines count), and those of swept dates."""
        return booking.get("date_id") in self.swept_dates or self.changed(booking)

    def notes_due(self, customer: Record) -> bool:
        return self.changed(customer) or self.swept(customer["id"])


def loaded() -> tuple[set[str], dict[str, str]]:
    """What the warehouse holds, as the last good run loaded it: the customer ids, and each
    event's last date end (its start when it has none)."""
    customers = warehouse.loaded("select id from {customers}", ("customers",))
    ends = warehouse.loaded(
        'select event_id, max(coalesce("end", start)) from {dates} group by event_id', ("dates",)
    )
    return {customer_id for (customer_id,) in customers}, {
        event_id: end.isoformat() for event_id, end in ends if end is not None
    }


def _stamps(row: Record) -> Iterable[pendulum.DateTime]:
    lines = row.get("lines") if isinstance(row.get("lines"), list) else []
    for record in (row, *lines):
        for name in ("created_at", "updated_at"):
            moment = parse_timestamp(record.get(name))
            if moment is not None:
                yield moment


def _money_line(line: Any) -> Any:
    if not isinstance(line, dict) or not isinstance(line.get("amount"), dict):
        return line
    return {**line, "amount": _decimals(line["amount"])}


def _decimals(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value))
    return value
