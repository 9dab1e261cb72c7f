"""Issued tickets come out of the orders that carry them; the events' counters say where else
to look.

Every order carries its issued tickets in full, so the walk of orders yields them for free.
Tickets without an order (comps, tickets issued through the API or from a hold) are found by
the events' live `total_issued_tickets`: an event whose counter is above the tickets known for
it has some, and only its tickets are walked (`event_id` filter).

The counter is read as every ticket ever issued for the event, voided ones included. If it
falls below the tickets known for an event, it cannot mean that, and the run reads the dear
but safe way instead (README, "Tickets without an order"): a wrong reading costs requests,
never rows.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pendulum

from sources import warehouse
from sources.client import Params
from sources.records import READ_AT, ReadStamps, Record

from . import settings
from .helpers import BoxOffice, count, created_since

logger = logging.getLogger("ticketing.ticket_tailor")


@dataclass(frozen=True)
class OrdersRead:
    """Sent after the last page of orders: how much of them the run read."""

    # the walk listed orders created from here on; None: it listed every order
    since: int | None
    # events all of whose orders were read too (the active ones, swept whole)
    swept: frozenset[str] = field(default_factory=frozenset)


class TicketLedger:
    """Tallies the tickets met in orders per event, then reads the tickets they cannot show."""

    def __init__(self, box_office: BoxOffice, stamps: ReadStamps) -> None:
        self.box_office = box_office
        self.stamps = stamps
        # a full walk meets each order once: counting is enough (and keeps memory flat)
        self.met = Counter[str]()
        self.met_valid = Counter[str]()
        # an incremental run may meet an order twice (walk and sweep): ticket id -> created_at
        self.met_ids: dict[str, dict[str, int]] = {}
        self.met_void_ids: set[str] = set()
        # set by the walk of orders before its first page
        self.incremental = False

    def from_orders(self, orders: list[Record]) -> list[Record]:
        """The tickets of a page of orders, stamped as read with their order."""
        rows = []
        for order in orders:
            for ticket in order.get("issued_tickets") or ():
                rows.append({**ticket, READ_AT: order[READ_AT]})
                self._tally(ticket)
        return rows

    def from_tickets(self, tickets: list[Record]) -> list[Record]:
        """Tickets read by id on an incremental run (webhooks named them), stamped as read
        now and tallied like those met in orders."""
        assert self.incremental, "a full walk meets every ticket: tallying these would repeat"
        for ticket in tickets:
            self._tally(ticket)
        return self.stamps.stamp(tickets)

    def _tally(self, ticket: Record) -> None:
        event_id = ticket.get("event_id")
        void = ticket.get("status") == settings.VOIDED_TICKET_STATUS
        if self.incremental:
            self.met_ids.setdefault(event_id, {})[ticket["id"]] = ticket.get("created_at")
            if void:
                self.met_void_ids.add(ticket["id"])
        else:
            self.met[event_id] += 1
            self.met_valid[event_id] += not void

    def after_orders(self, read: OrdersRead, upcoming: list[str]) -> Iterator[list[Record]]:
        """The walks that the counters (and the upcoming events' voids) call for."""
        # read after the orders, so that every ticket met in them is in its event's counter
        counters = {
            event["id"]: count(event.get("total_issued_tickets"))
            for event in self.box_office.read_all(settings.EVENTS_PATH)
        }
        if read.since is None:
            walks = self._full_walk_gaps(counters)
        else:
            voided = settings.VOIDED_TICKETS_FILTER
            walks = self._incremental_gaps(counters, read)
            walks += [{"event_id": event_id, "status": voided} for event_id in upcoming]
        for filters in walks:
            for page in self.box_office.pages(settings.ISSUED_TICKETS_PATH, filters):
                yield self.stamps.stamp(page)

    def _full_walk_gaps(self, counters: dict[str, int | None]) -> list[Params]:
        """Every order was read: an event's orders hold all its tickets unless its counter
        says more."""
        below = [e for e, n in counters.items() if n is not None and n < self.met[e]]
        # a counter below the tickets met leaves out voided ones: compare valid tickets then
        met = self.met_valid if below else self.met
        if below:
            _warn(below[0])
        return [
            {"event_id": event_id}
            for event_id, counter in counters.items()
            if counter is None or counter > met[event_id]
        ]

    def _incremental_gaps(self, counters: dict[str, int | None], read: OrdersRead) -> list[Params]:
        """Swept events compare with the tickets of their orders; the others with what the
        warehouse holds plus what this run met."""
        assert read.since is not None
        loaded_before, loaded_since = _loaded_tickets(read.since)
        gaps, valid_gaps, below = [], [], []
        for event_id, counter in counters.items():
            met = self.met_ids.get(event_id, {})
            if event_id in read.swept:
                known = len(met)
                valid = len(met.keys() - self.met_void_ids)
                if counter is not None and counter > valid:
                    valid_gaps.append(event_id)
            else:
                recent = {i for i, created in met.items() if (created or 0) >= read.since}
                known = loaded_before[event_id] + len(recent | loaded_since.get(event_id, set()))
            if counter is None or counter > known:
                gaps.append(event_id)
            elif counter < known:
                below.append(event_id)
        if not below:
            return [{"event_id": event_id} for event_id in gaps]
        _warn(below[0])
        # the safe way: every ticket created in the orders' window, and the swept events whole
        return [created_since(read.since)] + [{"event_id": event_id} for event_id in valid_gaps]


def _loaded_tickets(since: int) -> tuple[Counter[str], dict[str, set[str]]]:
    """From the warehouse: tickets created before `since` per event, and the ids of those
    created from then on (which this run may have met again)."""
    moment = pendulum.from_timestamp(since).isoformat()
    created = "created_at {} cast(%s as timestamp with time zone)"
    before = warehouse.loaded(
        "select event_id, count(*) from {issued_tickets} where "
        + created.format("<")
        + " group by event_id",
        ("issued_tickets",),
        moment,
    )
    since_rows = warehouse.loaded(
        "select event_id, id from {issued_tickets} where " + created.format(">="),
        ("issued_tickets",),
        moment,
    )
    recent: dict[str, set[str]] = {}
    for event_id, ticket_id in since_rows:
        recent.setdefault(event_id, set()).add(ticket_id)
    return Counter(dict(before)), recent


def _warn(event_id: str) -> None:
    logger.warning(
        "Ticket Tailor: event %s counts fewer issued tickets than are known, so its counter "
        "leaves some out (voided ones?): reading tickets the long way this run",
        event_id,
    )
