"""The TicketSource fake's data: records in the vendor's shapes and the helpers that change them.

Shapes follow the vendor's OpenAPI 3.1 file (tests/vendor/ticketsource-openapi.yaml) and, where
it is silent, the bookings and customers guides; where the two disagree the spec wins (a seat's
`reference.seat` is a string, a customer's membership dates are date-times, a seat's self link
is /seats/...). The ground truth is in `events`, `venues`, `dates`, `bookings`, `seats`,
`customers` and `notes` (id -> the record exactly as served, to be read, not changed: use the
mutation helpers). Many records share immutable sub-objects (attendees, seat references,
discounts, consents, empty memberships) to keep a 500,000-seat account small; the helpers replace
such an object, never change it in place.

Assumptions the docs leave open about the data, as this fake answers them:
- Timestamps are whole seconds in UTC written `2022-09-26T09:00:00+00:00`, so they sort as text.
- A booking's `updated_at` is never null (the spec types it string): it is its `created_at`
  until a refund. Event, venue, date, seat, customer, note and line `updated_at` are null until
  the record changes. A seat's `created_at` is its booking's.
- A refund appends a TICKETS line with `is_refund` true and negative amounts (the refunded
  seats' share of the first line), cancels those seats and stamps the booking's and the seats'
  `updated_at`. Adding a date leaves its event's `updated_at` alone; adding or deleting a note
  leaves its customer's alone; deleting a customer deletes its notes, not its bookings, whose
  `customer` link then answers 404.
- `book_now` links point at the public booking site, not the API host.
"""

from __future__ import annotations

import base64
import random
import threading
import time
from bisect import bisect_left, bisect_right, insort
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fakes.data import CITIES, DAY, HOUR, STREETS, VENUES, Record, between, iso, pick
from fakes.ticketsource.parts import (
    DISCOUNTS,
    GIFT_AID,
    NEW_CUSTOMER,
    NO_REFERENCE,
    SharedParts,
    booking_line,
    line_amount,
    refund_line,
)
from fakes.ticketsource.validation import customer_attributes

WEEK = 7 * DAY
LINK_HOST = "https://api.ticketsource.io"
BOOK_NOW_HOST = "https://www.ticketsource.co.uk"
# base64's two symbols made alphanumeric, for ids like the vendor's `bkg-xZVrM6valQGb3gPq`
ID_ALPHABET = bytes.maketrans(b"+/", b"Xz")
TIME_ATTRIBUTES = frozenset(("doors_open", "start", "end", "on_sale_start", "on_sale_end"))

# (name, category, genre)
EVENT_KINDS = (
    ("Jazz Night", "Music", "Jazz"),
    ("Tulip Festival", "Festival", "Outdoor"),
    ("Comedy Club", "Comedy", "Stand-up"),
    ("Indie Showcase", "Music", "Indie"),
    ("Panto", "Theatre", "Pantomime"),
    ("Food Market", "Food & Drink", "Market"),
)
THIRD_PARTIES = ("Visiting Theatre Ltd", "Riverside Promotions", "Jazz Collective CIC")
PRICES = (5.0, 7.5, 10.0, 12.5, 15.0, 20.0, 25.0)
PRICE_FACTORS = {"Adult": 1.0, "Child": 0.5, "Concession": 0.8, "Senior": 0.8}
CATEGORY_DRAW = ("Adult", "Adult", "Adult", "Child", "Concession", "Senior")
ROWS = "ABCDEFGHJKLMNP"
ONLINE_PAYMENTS = ("STRIPE", "STRIPE", "PAYPAL")
BOX_OFFICE_PAYMENTS = ("CASH", "CARD")
STAFF = ("Box Office", "Sam Staff", "Priya Rota")


def _key(record: Record) -> tuple[str, str]:
    """A record's place in every list. The ISO strings sort as times: they share one format."""
    return record["attributes"]["created_at"], record["id"]


def _created(record: Record) -> str:
    return record["attributes"]["created_at"]


def _insert(records: list[Record], record: Record) -> None:
    insort(records, record, key=_key)


def _remove(records: list[Record], record: Record) -> None:
    del records[bisect_left(records, _key(record), key=_key)]


@dataclass(frozen=True, slots=True)
class _DateFacts:
    """What a date's bookings are made from, kept beside the served record."""

    price: float
    seated: bool
    third_party: str


class TicketSourceModel:
    """A TicketSource account's records and the helpers that change them; its clock is now()."""

    def __init__(
        self,
        now: float | None = None,
        seed: int = 0,
        link_host: str = LINK_HOST,
        lock: threading.RLock | None = None,
    ) -> None:
        # held by the mutation helpers; a server passes the lock its handlers hold
        self.lock = threading.RLock() if lock is None else lock
        self.link_host = link_host.rstrip("/")
        self._offset = 0.0 if now is None else now - time.time()
        self.rng = random.Random(seed)
        self.events: dict[str, Record] = {}
        self.venues: dict[str, Record] = {}
        self.dates: dict[str, Record] = {}
        self.bookings: dict[str, Record] = {}
        self.seats: dict[str, Record] = {}
        self.customers: dict[str, Record] = {}
        self.notes: dict[str, Record] = {}
        # each list ordered by _key; a parent's list exists exactly while the parent does
        self._events: list[Record] = []
        self._customers: list[Record] = []
        self._venues_by_event: dict[str, list[Record]] = {}
        self._dates_by_event: dict[str, list[Record]] = {}
        self._dates_by_venue: dict[str, list[Record]] = {}
        self._bookings_by_date: dict[str, list[Record]] = {}
        self._bookings_by_customer: dict[str, list[Record]] = {}
        self._seats_by_booking: dict[str, list[Record]] = {}
        self._notes_by_customer: dict[str, list[Record]] = {}
        self._facts: dict[str, _DateFacts] = {}
        # pools of shared sub-objects
        self._parts = SharedParts()

    def now(self) -> float:
        """The fake's clock: real time plus whatever `advance()` and the constructor added."""
        return time.time() + self._offset

    def _postcode(self) -> str:
        rng = self.rng
        area = pick(rng, ("CF", "LS", "BS", "G", "N", "NR"))
        district, sector = between(rng, 1, 20), between(rng, 1, 9)
        return f"{area}{district} {sector}{pick(rng, ROWS)}{pick(rng, ROWS)}"

    def _customer_at(self, created_at: str) -> Record:
        """A random customer who existed at `created_at` (the oldest one if none did)."""
        customers = self._customers
        if not customers:
            raise ValueError("bookings need a customer: seed or add customers first")
        existing = bisect_right(customers, created_at, key=_created)
        return customers[int(self.rng.random() * existing)] if existing else customers[0]

    # -- making records: each stores the record and adds it to its lists

    def _new_id(self, prefix: str) -> str:
        return prefix + base64.b64encode(self.rng.randbytes(12)).translate(ID_ALPHABET).decode()

    def _url(self, *parts: str) -> str:
        return "/".join((self.link_host, *parts))

    def _make_event(self, created: int) -> Record:
        rng = self.rng
        event_id = self._new_id("evt-")
        name, category, genre = pick(rng, EVENT_KINDS)
        capture = rng.random() < 0.3
        self_link = self._url("events", event_id)
        event = {
            "id": event_id,
            "type": "event",
            "attributes": {
                "name": f"{name} {time.gmtime(created).tm_year}",
                "reference": f"{name[:4].upper()}{between(rng, 1, 999):03d}"
                if rng.random() < 0.5
                else "",
                "description": f"<p>An evening of {genre.lower()}.</p>",
                "comment": "",
                "keywords": f"{category.lower()}, {genre.lower()}",
                "terms": "No refunds unless the date is cancelled." if rng.random() < 0.5 else "",
                "category": category,
                "genre": genre,
                "images": [{"type": "logo", "src": f"https://cdn.example.com/{event_id}.jpg"}]
                if rng.random() < 0.7
                else [],
                "third_party_consent": {
                    "capture": capture,
                    "name": pick(rng, THIRD_PARTIES) if capture else "",
                    "show_consent": {"email": capture, "post": False, "sms": False},
                },
                "activated": True,
                "archived": False,
                "public": rng.random() < 0.9,
                "created_at": iso(created),
                "updated_at": None,
            },
            "links": {
                "self": self_link,
                "venues": f"{self_link}/venues",
                "dates": f"{self_link}/dates",
            },
        }
        self.events[event_id] = event
        _insert(self._events, event)
        self._venues_by_event[event_id] = []
        self._dates_by_event[event_id] = []
        return event

    def _make_venue(self, event: Record, created: int) -> Record:
        rng = self.rng
        venue_id = self._new_id("ven-")
        self_link = self._url("venues", venue_id)
        venue = {
            "id": venue_id,
            "type": "venue",
            "attributes": {
                "name": pick(rng, VENUES),
                "address": {
                    "line_1": f"{between(rng, 1, 200)} {pick(rng, STREETS)}",
                    "line_2": "",
                    "line_3": pick(rng, CITIES),
                    "line_4": "United Kingdom",
                    "postcode": self._postcode(),
                },
                "boxoffice": {"telephone": "0333 666 4466", "email": "boxoffice@example.com"},
                "created_at": iso(created),
                "updated_at": None,
            },
            "links": {
                "self": self_link,
                "dates": f"{self_link}/dates",
                "event": event["links"]["self"],
            },
        }
        self.venues[venue_id] = venue
        _insert(self._venues_by_event[event["id"]], venue)
        self._dates_by_venue[venue_id] = []
        return venue

    def _make_date(
        self, event: Record, venue: Record, created: int, start: int, end: int
    ) -> Record:
        rng = self.rng
        date_id = self._new_id("dat-")
        created_at, start_at = iso(created), iso(start)
        self_link = self._url("dates", date_id)
        date = {
            "id": date_id,
            "type": "date",
            "attributes": {
                "doors_open": iso(start - HOUR // 2),
                "start": start_at,
                "end": iso(end),
                "on_sale": True,
                "on_sale_start": created_at,
                "on_sale_end": start_at,
                "public": rng.random() < 0.95,
                "cancelled": False,
                "created_at": created_at,
                "updated_at": None,
            },
            "links": {
                "self": self_link,
                "book_now": f"{BOOK_NOW_HOST}/booking/select/{date_id}",
                "bookings": f"{self_link}/bookings",
                "event": event["links"]["self"],
                "venue": venue["links"]["self"],
            },
        }
        third_party = event["attributes"]["third_party_consent"]["name"]
        self._facts[date_id] = _DateFacts(pick(rng, PRICES), rng.random() < 0.7, third_party)
        self.dates[date_id] = date
        _insert(self._dates_by_event[event["id"]], date)
        _insert(self._dates_by_venue[venue["id"]], date)
        self._bookings_by_date[date_id] = []
        return date

    def _make_booking(self, date: Record, created_at: str, customer: Record, seats: int) -> Record:
        rng = self.rng
        facts = self._facts[date["id"]]
        booking_id = self._new_id("bkg-")
        online = rng.random() < 0.8
        categories = [pick(rng, CATEGORY_DRAW) for _ in range(seats)]
        discounts = 0 if rng.random() < 0.9 else between(rng, 1, len(DISCOUNTS) - 1)
        price = sum(facts.price * PRICE_FACTORS[category] for category in categories)
        off = DISCOUNTS[discounts]["automatic"] + DISCOUNTS[discounts]["code"]["amount"]
        payment = pick(rng, ONLINE_PAYMENTS if online else BOX_OFFICE_PAYMENTS)
        lines = [
            booking_line(
                "TICKETS",
                payment,
                line_amount(round(max(0.0, price - off), 2), online, discounts),
                created_at,
            )
        ]
        roll = rng.random()
        if roll < 0.15:
            gift = line_amount(float(between(rng, 1, 10)), False, 0)
            lines.append(
                {
                    **booking_line("DONATION", payment, gift, created_at),
                    "donation": pick(rng, GIFT_AID),
                }
            )
        elif roll < 0.18:
            lines.append(booking_line("SUNDRY", payment, line_amount(3.0, online, 0), created_at))
        self_link = self._url("bookings", booking_id)
        booking = {
            "id": booking_id,
            "type": "booking",
            "attributes": {
                "ref": base64.b32encode(rng.randbytes(5)).decode()[:6],
                "lines": lines,
                "consent": self._parts.booking_consent(
                    facts.third_party, rng.random() < 0.5, rng.random() < 0.2, rng.random() < 0.1
                ),
                "user_booked_by": "" if online else pick(rng, STAFF),
                "created_at": created_at,
                "updated_at": created_at,
            },
            "links": {
                "self": self_link,
                "seats": f"{self_link}/seats",
                "customer": customer["links"]["self"],
                "date": date["links"]["self"],
            },
        }
        self.bookings[booking_id] = booking
        _insert(self._bookings_by_date[date["id"]], booking)
        _insert(self._bookings_by_customer[customer["id"]], booking)
        attendee = self._parts.attendee(customer)
        row, number = pick(rng, ROWS), between(rng, 1, 30)
        booked = self._seats_by_booking[booking_id] = []
        for i, category in enumerate(categories):
            seat_id = self._new_id("sea-")
            seat = {
                "id": seat_id,
                "type": "seat",
                "attributes": {
                    "is_booked": True,
                    "is_cancelled": False,
                    "reference": self._parts.reference(row, number + i)
                    if facts.seated
                    else NO_REFERENCE,
                    "price_category": category,
                    "attendee": attendee,
                    "created_at": created_at,
                    "updated_at": None,
                },
                "links": {"self": self._url("seats", seat_id), "booking": self_link},
            }
            self.seats[seat_id] = seat
            _insert(booked, seat)
        return booking

    def _refund(self, booking: Record, seats: Sequence[Record], when: int) -> None:
        """Appends a refund line for `seats` (their share of the tickets line) and cancels them."""
        stamp = iso(when)
        attributes = booking["attributes"]
        share = len(seats) / len(self._seats_by_booking[booking["id"]])
        attributes["lines"].append(refund_line(attributes["lines"][0], share, stamp))
        attributes["updated_at"] = stamp
        for seat in seats:
            seat["attributes"].update(is_cancelled=True, updated_at=stamp)

    def _store_customer(self, attributes: Record) -> Record:
        customer_id = self._new_id("cst-")
        self_link = self._url("customers", customer_id)
        customer = {
            "id": customer_id,
            "type": "customer",
            "attributes": attributes,
            "links": {
                "self": self_link,
                "bookings": f"{self_link}/bookings",
                "notes": f"{self_link}/notes",
            },
        }
        self.customers[customer_id] = customer
        _insert(self._customers, customer)
        self._bookings_by_customer[customer_id] = []
        self._notes_by_customer[customer_id] = []
        return customer

    def _make_note(
        self, customer: Record, created_at: str, description: str, created_by: str
    ) -> Record:
        note_id = self._new_id("csn-")
        customer_link = customer["links"]["self"]
        note = {
            "id": note_id,
            "type": "customer_note",
            "attributes": {
                "description": description,
                "created_by": created_by,
                "created_at": created_at,
                "updated_at": None,
            },
            "links": {"self": f"{customer_link}/notes/{note_id}", "customer": customer_link},
        }
        self.notes[note_id] = note
        _insert(self._notes_by_customer[customer["id"]], note)
        return note

    def _note_of(self, customer_id: str, note_id: str) -> Record | None:
        """The note, if it is this (existing) customer's."""
        note = self.notes.get(note_id)
        if note is None or customer_id not in self.customers:
            return None
        return note if note["links"]["customer"] == self._url("customers", customer_id) else None

    def _update(self, record: Record, changes: Record) -> Record:
        """Sets attributes (times may be unix numbers) and stamps `updated_at`."""
        attributes = record["attributes"]
        unknown = sorted(
            set(changes) - set(attributes) | set(changes) & {"created_at", "updated_at"}
        )
        if unknown:
            raise KeyError(f"{record['type']} has no settable attribute {unknown}")
        for name, value in changes.items():
            is_unix = name in TIME_ATTRIBUTES and isinstance(value, int | float)
            attributes[name] = iso(value) if is_unix else value
        attributes["updated_at"] = iso(self.now())
        return record

    # -- mutation helpers: each takes the lock and returns the record it made or changed

    def advance(self, seconds: float) -> float:
        """Moves the fake's clock on; returns the new now()."""
        with self.lock:
            self._offset += seconds
            return self.now()

    def add_event(self, dates: int = 3, start_in_days: float = 7) -> Record:
        """Makes an event created now with one venue and `dates` weekly dates, the first
        `start_in_days` days from now."""
        with self.lock:
            now = int(self.now())
            event = self._make_event(now)
            venue = self._make_venue(event, now)
            first_start = int(now + start_in_days * DAY)
            for i in range(dates):
                start = first_start + i * WEEK
                self._make_date(event, venue, now, start, start + 2 * HOUR)
            return event

    def add_date(self, event_id: str, start: float | None = None) -> Record:
        """Makes a date created now at the event's first venue, starting at `start` (unix;
        default a week from now). The event's updated_at stays as it was."""
        with self.lock:
            event = self.events[event_id]
            now = int(self.now())
            begin = now + WEEK if start is None else int(start)
            venue = self._venues_by_event[event_id][0]
            return self._make_date(event, venue, now, begin, begin + 2 * HOUR)

    def update_event(self, event_id: str, **attributes: Any) -> Record:
        """Sets event attributes (e.g. archived=True) and bumps its updated_at."""
        with self.lock:
            return self._update(self.events[event_id], attributes)

    def update_date(self, date_id: str, **attributes: Any) -> Record:
        """Sets date attributes (e.g. cancelled=True; times may be unix numbers) and bumps its
        updated_at. Nothing else follows: cancel or refund the bookings separately."""
        with self.lock:
            return self._update(self.dates[date_id], attributes)

    def add_bookings(
        self, date_id: str, n: int, seats: int = 2, customer_id: str | None = None
    ) -> list[Record]:
        """Makes n bookings created now for a date, each with `seats` seats, by the customer or
        else each by a random existing one."""
        with self.lock:
            date = self.dates[date_id]
            created_at = iso(self.now())
            customer = None if customer_id is None else self.customers[customer_id]
            return [
                self._make_booking(
                    date, created_at, customer or self._customer_at(created_at), seats
                )
                for _ in range(n)
            ]

    def refund_booking(self, booking_id: str, seat_ids: list[str] | None = None) -> Record:
        """Refunds seats of a booking now (default: all not yet cancelled): a refund line, the
        seats cancelled, the booking's and seats' updated_at bumped."""
        with self.lock:
            booking = self.bookings[booking_id]
            seats = self._seats_by_booking[booking_id]
            if seat_ids is None:
                chosen = [seat for seat in seats if not seat["attributes"]["is_cancelled"]]
            else:
                by_id = {seat["id"]: seat for seat in seats}
                chosen = [by_id[seat_id] for seat_id in seat_ids]
            if not chosen or any(seat["attributes"]["is_cancelled"] for seat in chosen):
                raise ValueError(f"booking {booking_id} has no such seats left to refund")
            self._refund(booking, chosen, int(self.now()))
            return booking

    def add_customer(self, **attributes: Any) -> Record:
        """Makes a customer created now from attributes as the create endpoint takes them
        (a FakeError 400 for what it would refuse)."""
        with self.lock:
            return self._create_customer(attributes)

    def update_customer(self, customer_id: str, **attributes: Any) -> Record:
        """Changes a customer as the update endpoint does (nested objects merge) and bumps its
        updated_at."""
        with self.lock:
            return self._change_customer(self.customers[customer_id], attributes)

    # the create and update endpoints' work, taking attributes as a dict: a payload's keys
    # (say "customer_id") must not meet the helpers' own parameters
    def _create_customer(self, attributes: Record) -> Record:
        made = customer_attributes(NEW_CUSTOMER, attributes)
        made.update(created_at=iso(self.now()), updated_at=None)
        return self._store_customer(made)

    def _change_customer(self, customer: Record, attributes: Record) -> Record:
        changed = customer_attributes(customer["attributes"], attributes)
        changed["updated_at"] = iso(self.now())
        customer["attributes"].update(changed)
        return customer

    def delete_customer(self, customer_id: str) -> Record:
        """Removes a customer and its notes; its bookings stay, linking to it."""
        with self.lock:
            customer = self.customers.pop(customer_id)
            _remove(self._customers, customer)
            for note in self._notes_by_customer.pop(customer_id):
                del self.notes[note["id"]]
            del self._bookings_by_customer[customer_id]
            return customer

    def add_note(
        self, customer_id: str, description: str, created_by: str = "Box Office"
    ) -> Record:
        """Makes a note created now. The customer's updated_at stays put: we assume the real API
        does not touch the customer."""
        with self.lock:
            customer = self.customers[customer_id]
            return self._make_note(customer, iso(self.now()), description, created_by)

    def delete_note(self, customer_id: str, note_id: str) -> Record:
        with self.lock:
            note = self._note_of(customer_id, note_id)
            if note is None:
                raise KeyError(f"customer {customer_id} has no note {note_id}")
            del self.notes[note_id]
            _remove(self._notes_by_customer[customer_id], note)
            return note
