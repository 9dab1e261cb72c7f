"""The Ticket Tailor fake's event series and check-ins, as a mixin of `TicketTailorModel` (whose
lock, clock, ids, events, orders and tickets they use).

Assumed where the docs are silent (see also `model`):
- A series record keeps no live counters: `revenue` (the `total` of its events' completed
  orders), `total_issued_tickets` (its events' own counters), `total_occurrences`,
  `upcoming_occurrences` (events starting after now) and `next_occurrence_date` are worked out
  when served (`event_series_view`). A series made on its own (`add_event_series`) is in gbp at
  a random venue; one made for seeded events takes its first occurrence's currency and venue.
- Check-ins (`ci_`: a placeholder prefix, the docs show none) are append-only: a check-out is a
  record with `quantity` -1. `created_at` is when the record reached the API and `check_in_at`
  when the ticket was scanned, so check_in_at <= created_at (an offline scanner uploads late).
"""

from __future__ import annotations

import random
import threading
from typing import Any

from fakes.data import VENUES, Record, between, pick
from fakes.ticket_tailor.records import NO_RECORDS, SortedRecords, date_object, num

EVENT_NAMES = ("Jazz Night", "Tulip Festival", "Comedy Club", "Indie Showcase", "Food Market")
# an event series as served, in the order of the vendor's fields; the live ones are worked out
EVENT_SERIES_FIELDS = (
    "object", "id", "access_code", "bundles", "call_to_action", "created_at", "currency",
    "default_max_tickets_sold_per_occurrence", "default_ticket_groups", "default_ticket_types",
    "description", "images", "name", "next_occurrence_date", "online_event", "payment_methods",
    "private", "revenue", "sales_tax_label", "sales_tax_percentage", "sales_tax_treatment",
    "show_map", "status", "tickets_available_at", "tickets_available_at_message",
    "tickets_unavailable_at", "tickets_unavailable_at_message", "timezone",
    "total_issued_tickets", "total_occurrences", "upcoming_occurrences", "url", "venue",
    "voucher_ids", "waitlist_active", "waitlist_call_to_action", "waitlist_confirmation_message",
    "waitlist_event_page_text",
)  # fmt: skip


class SeriesAndCheckIns:
    """Event series and check-ins; mixed into `TicketTailorModel`."""

    # provided by TicketTailorModel
    lock: threading.RLock
    now: int
    extra_rng: random.Random
    events: dict[str, Record]
    issued_tickets: dict[str, Record]
    waitlist_signups: dict[str, Record]
    _sorted: dict[str, SortedRecords]
    _orders_by_event: dict[str, SortedRecords]
    _tickets_by_event: dict[str, SortedRecords]
    _waitlist_by_series: dict[str, SortedRecords]

    def _init_series(self) -> None:
        self.event_series: dict[str, Record] = {}
        self.check_ins: dict[str, Record] = {}
        self._sorted["event_series"] = SortedRecords()
        self._sorted["check_ins"] = SortedRecords()
        self._events_by_series: dict[str, SortedRecords] = {}
        self._check_ins_by_event: dict[str, SortedRecords] = {}
        self._check_ins_by_series: dict[str, SortedRecords] = {}
        # a ticket's check-ins in the order made: a few at most, sorted when listed
        self._check_ins_by_ticket: dict[str, list[Record]] = {}

    def _new_id(self, prefix: str) -> str:  # pragma: no cover - TicketTailorModel's wins
        raise NotImplementedError

    # -- reading

    def event_series_view(self, series_id: str, excludes_voids: bool = False) -> Record:
        """An event series as served: a copy with its live counters worked out now.
        `excludes_voids` leaves voided tickets out of total_issued_tickets."""
        series = self.event_series[series_id]
        events = self._events_by_series[series_id].items
        upcoming = [e["start"]["unix"] for e in events if e["start"]["unix"] > self.now]
        revenue = 0
        for event in events:
            orders = self._orders_by_event.get(event["id"], NO_RECORDS).items
            revenue += sum(order["total"] for order in orders if order["status"] == "completed")
        live = {
            "next_occurrence_date": date_object(min(upcoming)) if upcoming else None,
            "revenue": revenue,
            "total_issued_tickets": sum(self.issued_count(e, excludes_voids) for e in events),
            "total_occurrences": len(events),
            "upcoming_occurrences": len(upcoming),
        }
        return {name: live.get(name, series.get(name)) for name in EVENT_SERIES_FIELDS}

    def issued_count(self, event: Record, excludes_voids: bool = False) -> int:
        """An event's total_issued_tickets, less its voided tickets if `excludes_voids`."""
        count: int = event["total_issued_tickets"]
        if excludes_voids:
            tickets = self._tickets_by_event.get(event["id"], NO_RECORDS).items
            count -= sum(ticket["status"] == "void" for ticket in tickets)
        return count

    def ticket_check_ins(self, ticket_id: str) -> list[Record]:
        """A ticket's check-in and check-out records, oldest first."""
        return list(self._check_ins_by_ticket.get(ticket_id, ()))

    # -- making records

    def _add_event_series(
        self,
        created_at: int,
        name: str | None = None,
        currency: str | None = None,
        venue: Record | None = None,
    ) -> Record:
        """Makes a series; one made without a currency and venue takes its first occurrence's."""
        rng = self.extra_rng
        series_id = self._new_id("es")
        number = num(series_id)
        image = f"https://images.example.com/event_series/{number}"
        series = {
            "object": "event_series",
            "id": series_id,
            "access_code": None,
            "bundles": [],
            "call_to_action": "Buy tickets",
            "created_at": created_at,
            "currency": currency,
            "default_max_tickets_sold_per_occurrence": None,
            "default_ticket_groups": [],
            "default_ticket_types": [],
            "description": None,
            "images": {"header": f"{image}/header.jpg", "thumbnail": f"{image}/thumb.jpg"},
            "name": name or f"{pick(rng, EVENT_NAMES)} series {number}",
            "online_event": "false",
            "payment_methods": [],
            "private": "false",
            "sales_tax_label": None,
            "sales_tax_percentage": 0,
            "sales_tax_treatment": "inclusive",
            "show_map": "true",
            "status": "published",
            "tickets_available_at": None,
            "tickets_available_at_message": None,
            "tickets_unavailable_at": None,
            "tickets_unavailable_at_message": None,
            "timezone": "UTC",
            "url": f"https://www.tickettailor.com/events/fakeboxoffice/series/{number}",
            "venue": venue,
            "voucher_ids": [],
            "waitlist_active": "true" if rng.random() < 1 / 3 else "false",
            "waitlist_call_to_action": "Join the waitlist",
            "waitlist_confirmation_message": "You are on the waitlist: we will email you.",
            "waitlist_event_page_text": "Sold out? Join the waitlist to hear about returns.",
        }
        self.event_series[series_id] = series
        self._sorted["event_series"].add(series)
        self._events_by_series[series_id] = SortedRecords()
        return series

    def _add_check_in(
        self, ticket: Record, check_in_at: int, created_at: int, quantity: int
    ) -> Record:
        """A check-in (quantity 1) or check-out (-1) record, not yet in the sorted views."""
        check_in_id = self._new_id("ci")
        check_in = {
            "object": "check_in",
            "id": check_in_id,
            "check_in_at": check_in_at,
            "created_at": created_at,
            "event_id": ticket["event_id"],
            "event_series_id": ticket["event_series_id"],
            "issued_ticket_id": ticket["id"],
            "quantity": quantity,
        }
        self.check_ins[check_in_id] = check_in
        self._check_ins_by_ticket.setdefault(ticket["id"], []).append(check_in)
        return check_in

    def _index_check_in(self, check_in: Record) -> Record:
        self._sorted["check_ins"].add(check_in)
        self._check_ins_by_event.setdefault(check_in["event_id"], SortedRecords()).add(check_in)
        by_series = self._check_ins_by_series
        by_series.setdefault(check_in["event_series_id"], SortedRecords()).add(check_in)
        return check_in

    # -- mutation helpers: each takes the lock and returns the record it changed or made

    def check_in(self, ticket_id: str, when: int | None = None) -> Record:
        """Checks a ticket in: a check-in record made now for a scan at `when` (default now;
        never after now, as a scanner that was offline uploads late), and the ticket says
        checked_in "true", updated now. Returns the ticket (`ticket_check_ins` has the record)."""
        with self.lock:
            ticket = self.issued_tickets[ticket_id]
            scanned = self.now if when is None else when
            if scanned > self.now:
                raise ValueError(f"a check-in at {scanned} would be after now ({self.now})")
            self._index_check_in(self._add_check_in(ticket, scanned, self.now, 1))
            ticket.update(checked_in="true", updated_at=self.now)
            return ticket

    def check_out(self, ticket_id: str) -> Record:
        """Checks a ticket out now: a record with quantity -1, and the ticket says checked_in
        "false", updated now. Returns the ticket."""
        with self.lock:
            ticket = self.issued_tickets[ticket_id]
            self._index_check_in(self._add_check_in(ticket, self.now, self.now, -1))
            ticket.update(checked_in="false", updated_at=self.now)
            return ticket

    def add_event_series(self, name: str | None = None) -> Record:
        """Makes an event series created now with no events yet (in gbp, at a random venue)."""
        with self.lock:
            rng = self.extra_rng
            venue = {
                "name": pick(rng, VENUES),
                "postal_code": f"E{between(rng, 1, 20)} 1AA",
                "country": "GB",
            }
            return self._add_event_series(self.now, name, "gbp", venue)

    def update_event_series(self, series_id: str, **fields: Any) -> Record:
        """Replaces stored fields of a series (the live counters are not stored)."""
        with self.lock:
            series = self.event_series[series_id]
            unknown = set(fields) - set(series)
            if unknown:
                raise KeyError(f"event series have no (stored) field {sorted(unknown)}")
            self._sorted["event_series"].remove(series)  # created_at may change
            series.update(fields)
            self._sorted["event_series"].add(series)
            return series

    def delete_event_series(self, series_id: str) -> Record:
        """Removes a series that has no events, and its waitlist signups."""
        with self.lock:
            if self._events_by_series[series_id].items:
                raise ValueError(f"event series {series_id} still has events")
            series = self.event_series.pop(series_id)
            self._sorted["event_series"].remove(series)
            del self._events_by_series[series_id]
            for signup in self._waitlist_by_series.pop(series_id, NO_RECORDS).items:
                del self.waitlist_signups[signup["id"]]
            return series
