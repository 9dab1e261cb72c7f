"""A fake TicketSource API: the documented endpoints over generated, mutable data, on loopback.

Shapes follow the vendor's OpenAPI 3.1 file (tests/vendor/ticketsource-openapi.yaml) and, where
it is silent, the bookings and customers guides; where the two disagree the spec wins (a seat's
`reference.seat` is a string, a customer's membership dates are date-times, a seat's self link
is /seats/...). The ground truth is in `events`, `venues`, `dates`, `bookings`, `seats`,
`customers` and `notes` (id -> the record exactly as served, to be read, not changed: use the
mutation helpers). Many records share immutable sub-objects (attendees, seat references,
discounts, consents, empty memberships) to keep a 500,000-seat account small; the helpers replace
such an object, never change it in place.

Assumptions the docs leave open, as this fake answers them:
- Every list is ordered ascending by (created_at, id), so new records land on the last page.
- Lists page like Laravel's simplePaginate: `page` (from 1) and `per_page` (1..100, default 10);
  anything else answers 400. `links.first/prev/next` are absolute URLs on `link_host` carrying
  `page=N` only (not per_page), `links.last` is always null, `next` is null on the last page,
  and `meta.from/to` are null on an empty page (a page past the end is empty, not an error).
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
- Errors are JSON:API `{"errors": [{id, status, code, title, detail}]}`; rate-limit headers are
  Laravel's: `X-RateLimit-Limit` / `-Remaining` always, plus `Retry-After` and
  `X-RateLimit-Reset` (a unix time on the real clock) on a 429 from the limiter. An injected 429
  fault carries `Retry-After: 1` but no `X-RateLimit-Reset`.

    python -m fakes.ticketsource --port 8766 --events 20 --api-key skl-test-fake
"""

from __future__ import annotations

import base64
import math
import random
import time
import uuid
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from http import HTTPStatus
from typing import Any

import orjson

from fakes.server import FakeError, FakeServer, Request, Response, command_line
from fakes.ticket_tailor import (
    CITIES,
    FIRST_NAMES,
    LAST_NAMES,
    STREETS,
    VENUES,
    _between,
    _gc_paused,
    _on_the_hour,
    _pick,
)

Record = dict[str, Any]
Check = Callable[[str, Any], Any]

HOUR = 3_600
DAY = 86_400
WEEK = 7 * DAY
DEFAULT_PER_PAGE = 10
MAX_PER_PAGE = 100
LINK_HOST = "https://api.ticketsource.io"
BOOK_NOW_HOST = "https://www.ticketsource.co.uk"
NOT_FOUND_DETAIL = "The item you are looking for can't be found."
RATE_LIMIT_DETAIL = "You have made too many requests, check the response headers for more details."
ERROR_CODES = {
    400: "validation_failed",
    401: "unauthenticated",
    404: "not_found",
    429: "rate_limit",
}
FIXED_DETAILS = {404: NOT_FOUND_DETAIL, 429: RATE_LIMIT_DETAIL}
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
NOTE_TEXTS = (
    "Customer requires extra leg room",
    "Wheelchair user: needs a space",
    "Prefers the aisle",
    "Called about a refund",
    "Member of the friends scheme",
)

# Shared by many records: never change these in place.
NO_DISCOUNTS: Record = {"automatic": 0, "code": {"description": "", "amount": 0}}
# a line's discounts, by index: none, a code, an automatic one
DISCOUNTS: tuple[Record, ...] = (
    NO_DISCOUNTS,
    {"automatic": 0, "code": {"description": "EARLYBIRD", "amount": 2.0}},
    {"automatic": 1.5, "code": {"description": "", "amount": 0}},
)
GIFT_AID: tuple[Record, ...] = ({"gift_aid": False}, {"gift_aid": True})
NO_REFERENCE: Record = {"row": None, "seat": None}
NO_COMPANY: Record = {"name": "", "title": ""}
NO_MEMBERSHIP: Record = {"identifier": None, "start_date": None, "end_date": None}
NO_CONSENT: Record = {"email": False, "post": False, "sms": False}
NEW_CUSTOMER: Record = {
    "title": None,
    "first_name": None,
    "last_name": None,
    "address": None,
    "telephone": None,
    "email": None,
    "membership": NO_MEMBERSHIP,
    "consent": NO_CONSENT,
}


def iso(unix: float) -> str:
    """TicketSource's timestamp format: UTC, whole seconds, `+00:00`."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(unix))


def _key(record: Record) -> tuple[str, str]:
    """A record's place in every list. The ISO strings sort as times: they share one format."""
    return record["attributes"]["created_at"], record["id"]


def _created(record: Record) -> str:
    return record["attributes"]["created_at"]


def _insert(records: list[Record], record: Record) -> None:
    insort(records, record, key=_key)


def _remove(records: list[Record], record: Record) -> None:
    del records[bisect_left(records, _key(record), key=_key)]


def _booking_count(rng: random.Random, average: float) -> int:
    """About `average` bookings for a date, a tenth of dates having none."""
    if average <= 0 or rng.random() < 0.1:
        return 0
    return _between(rng, 1, max(1, round(2 * average / 0.9) - 1))


@cache
def _amount(gross: float, online: bool, discounts: int) -> Record:
    """A line's money: online sales pay a booking fee with VAT on it, box office sales don't.
    Cached: bookings of one price share the object, which saves memory at 200,000 bookings."""
    fee = round(0.25 + 0.03 * gross, 2) if online and gross > 0 else 0.0
    fee_vat = round(fee * 0.2, 2)
    return {
        "gross": gross,
        "fee": fee,
        "fee_vat": fee_vat,
        "discounts": DISCOUNTS[discounts],
        "net": round(gross - fee - fee_vat, 2),
    }


def _line(line_type: str, payment_method: str, amount: Record, created_at: str) -> Record:
    return {
        "line_type": line_type,
        "payment_method": payment_method,
        "is_refund": False,
        "amount": amount,
        "created_at": created_at,
        "updated_at": None,
    }


def _refund_line(tickets: Record, share: float, created_at: str) -> Record:
    """The negative of `share` of a tickets line (0.0 - x, so no amount is -0.0)."""
    paid = tickets["amount"]
    gross, fee, fee_vat = (
        0.0 - round(paid[name] * share, 2) for name in ("gross", "fee", "fee_vat")
    )
    amount = {
        "gross": gross,
        "fee": fee,
        "fee_vat": fee_vat,
        "discounts": NO_DISCOUNTS,
        "net": round(gross - fee - fee_vat, 2),
    }
    return {**_line("TICKETS", tickets["payment_method"], amount, created_at), "is_refund": True}


# -- checking customer payloads the way the API's validation would (a FakeError 400 otherwise)


def _text(name: str, value: Any) -> str | None:
    """A string field; the guide's samples turn empty strings into null."""
    if value is not None and not isinstance(value, str):
        raise FakeError(400, f"The {name} field must be a string.")
    return value or None


def _identifier(name: str, value: Any) -> str | None:
    text = _text(name, value)
    if text is not None and len(text) > 20:
        raise FakeError(400, f"The {name} field must not be greater than 20 characters.")
    return text


def _moment(name: str, value: Any) -> str | None:
    """A date (as the guide sends) or date-time, served as a date-time (as the spec says)."""
    text = _text(name, value)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise FakeError(400, f"The {name} field must be a valid date.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return iso(moment.timestamp())


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise FakeError(400, f"The {name} field must be true or false.")
    return value


ADDRESS_CHECKS: dict[str, Check] = dict.fromkeys(
    ("line_1", "line_2", "line_3", "line_4", "postcode"), _text
)
MEMBERSHIP_CHECKS: dict[str, Check] = {
    "identifier": _identifier,
    "start_date": _moment,
    "end_date": _moment,
}
CONSENT_CHECKS: dict[str, Check] = dict.fromkeys(("email", "post", "sms"), _flag)
GROUPS = {"address": ADDRESS_CHECKS, "membership": MEMBERSHIP_CHECKS, "consent": CONSENT_CHECKS}


def _group(
    name: str, value: Any, current: Record | None, checks: dict[str, Check]
) -> Record | None:
    """A nested object merged over the current one: a new dict, as the current may be shared."""
    if value is None and name != "consent":
        return None
    if not isinstance(value, dict):
        raise FakeError(400, f"The {name} field must be an object.")
    unknown = sorted(set(value) - set(checks))
    if unknown:
        raise FakeError(400, f"The {name}.{unknown[0]} field is not allowed.")
    merged = dict.fromkeys(checks) if current is None else dict(current)
    for field, item in value.items():
        merged[field] = checks[field](f"{name}.{field}", item)
    return merged


def _customer_attributes(current: Record, changes: Record) -> Record:
    """`current` customer attributes with a create or update payload's `changes` applied.

    `title` is accepted but stays null (the spec: no longer in use) and `phone` is the old name
    of `telephone` (the guide creates a customer with `phone` and reads back `telephone`).
    """
    result = dict(current)
    for name, value in changes.items():
        if name in GROUPS:
            result[name] = _group(name, value, current[name], GROUPS[name])
        elif name == "title":
            _text(name, value)
        elif name in ("first_name", "last_name", "telephone", "phone", "email"):
            result["telephone" if name == "phone" else name] = _text(name, value)
        else:
            raise FakeError(400, f"The {name} field is not allowed.")
    return result


def _payload(request: Request, kind: str) -> Record:
    """The `data` of a JSON:API write's `{"data": {"type": kind, "attributes": {...}}}`."""
    try:
        body = orjson.loads(request.body)
    except orjson.JSONDecodeError:
        raise FakeError(400, "The request body must be JSON.") from None
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise FakeError(400, "The data field is required.")
    if data.get("type") != kind:
        raise FakeError(400, f"The data.type field must be {kind}.")
    attributes = data.get("attributes", {})
    if not isinstance(attributes, dict):
        raise FakeError(400, "The data.attributes field must be an object.")
    return data


def _query_int(request: Request, name: str, default: int, maximum: int | None) -> int:
    """A paging parameter checked like Laravel's validator would (a FakeError 400 otherwise)."""
    raw = request.query.get(name)
    if raw is None:
        return default
    label = name.replace("_", " ")
    if not (raw.isascii() and raw.isdigit()):
        raise FakeError(400, f"The {label} field must be an integer.")
    value = int(raw)
    if maximum is not None and not 1 <= value <= maximum:
        raise FakeError(400, f"The {label} field must be between 1 and {maximum}.")
    if value < 1:
        raise FakeError(400, f"The {label} field must be at least 1.")
    return value


@dataclass(frozen=True, slots=True)
class _DateFacts:
    """What a date's bookings are made from, kept beside the served record."""

    price: float
    seated: bool
    third_party: str


class TicketSourceFake(FakeServer):
    """TicketSource's documented endpoints, with Bearer auth by API key."""

    def __init__(
        self,
        api_key: str = "skl-test-fake",
        now: float | None = None,
        seed: int = 0,
        link_host: str = LINK_HOST,
    ) -> None:
        super().__init__(seed)
        self.api_key = api_key
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
        self._references: dict[tuple[str, int], Record] = {}
        self._attendees: dict[tuple[str, str], Record] = {}
        self._booking_consents: dict[tuple[str, bool, bool, bool], Record] = {}
        self._customer_consents: dict[tuple[bool, bool, bool], Record] = {}

        get = self._retrieve
        children = self._children
        for pattern, handler in (
            (r"/events", self._top_list(self._events)),
            (r"/events/([^/]+)", get(self.events)),
            (r"/events/([^/]+)/venues", children(self._venues_by_event)),
            (r"/events/([^/]+)/dates", children(self._dates_by_event)),
            (r"/venues/([^/]+)", get(self.venues)),
            (r"/venues/([^/]+)/dates", children(self._dates_by_venue)),
            (r"/dates/([^/]+)", get(self.dates)),
            (r"/dates/([^/]+)/bookings", children(self._bookings_by_date)),
            (r"/customers", self._top_list(self._customers)),
            (r"/customers/([^/]+)", get(self.customers)),
            (r"/customers/([^/]+)/notes", children(self._notes_by_customer)),
            (r"/customers/([^/]+)/notes/([^/]+)", self._get_note),
            (r"/customers/([^/]+)/bookings", children(self._bookings_by_customer)),
            (r"/bookings/([^/]+)", get(self.bookings)),
            (r"/bookings/([^/]+)/seats", children(self._seats_by_booking)),
            (r"/seats/([^/]+)", get(self.seats)),
        ):
            self.route("GET", pattern, handler)
        self.route("POST", r"/customers", self._post_customer)
        self.route("PATCH", r"/customers/([^/]+)", self._patch_customer)
        self.route("DELETE", r"/customers/([^/]+)", self._delete_customer)
        self.route("POST", r"/customers/([^/]+)/notes", self._post_note)
        self.route("DELETE", r"/customers/([^/]+)/notes/([^/]+)", self._delete_note)

    def now(self) -> float:
        """The fake's clock: real time plus whatever `advance()` and the constructor added."""
        return time.time() + self._offset

    # -- data generation

    def seed_data(
        self,
        events: int = 20,
        dates_per_event: int = 10,
        bookings_per_date: int = 5,
        customers: int | None = None,
        notes_per_customer: float = 0.5,
        past_days: int = 365,
        future_days: int = 60,
    ) -> None:
        """Generates an account from `seed`, its dates between `past_days` before now and
        `future_days` after.

        Customers (about half as many as bookings by default) are created over the whole span,
        with 0-2x `notes_per_customer` notes each. Each event has one venue (15%: two) and its
        dates in a season of about three days per date. The signals a sync watches are never
        left to chance, however small the account: one event in ten (at least one) has its
        season after now; one date in twenty (at least one) instead ended within the last three
        days; one in thirty (at least one, if it was on sale before it started) is cancelled,
        its bookings refunded then; 30% of the events whose dates are all over (at least one)
        are archived. 10% of dates are edited. Dates average `bookings_per_date` bookings (a
        tenth have none), made between the date's creation and its start (or now) by a customer
        who existed then, of 1-4 seats (30% of dates unreserved: null seat references); 3% of
        other bookings are refunded, fully or in part.
        """
        rng = self.rng
        now = int(self.now())
        first, last = now - past_days * DAY, now + future_days * DAY
        if customers is None:
            customers = max(1, round(events * dates_per_event * bookings_per_date / 2))
        with self.lock, _gc_paused():
            stamps = sorted(_between(rng, first, now - 1) for _ in range(customers))
            if stamps:
                stamps[0] = first  # someone can book the first date on sale
            for stamp in stamps:
                self._seed_customer(stamp, now, notes_per_customer)
            total = events * dates_per_event
            just_over = self._few(total, 1 / 20) if now - 3 * DAY - HOUR >= first else set()
            cancelled = self._few(total, 1 / 30)
            upcoming = self._few(events, 1 / 10) if future_days > 0 else set()
            over: list[tuple[Record, int]] = []
            for i in range(events):
                numbers = range(i * dates_per_event, (i + 1) * dates_per_event)
                flags = [(n in just_over, n in cancelled) for n in numbers]
                # an upcoming event's season starts after now (as far as it fits)
                low = max(first, min(now, last)) if i in upcoming else first
                event, last_end = self._seed_event(flags, bookings_per_date, low, first, last, now)
                if flags and last_end < now:
                    over.append((event, last_end))
            for event, last_end in rng.sample(over, math.ceil(0.3 * len(over))):
                attributes = event["attributes"]
                attributes["archived"] = True
                attributes["updated_at"] = iso(_between(rng, last_end, now))

    def _few(self, total: int, share: float) -> set[int]:
        """`share` of the numbers below `total`, at random; at least one if there are any."""
        return set(self.rng.sample(range(total), max(1, round(total * share)))) if total else set()

    def _seed_customer(self, created: int, now: int, notes_per_customer: float) -> None:
        rng = self.rng
        first_name, last_name = _pick(rng, FIRST_NAMES), _pick(rng, LAST_NAMES)
        roll = rng.random()
        if roll < 0.8:
            membership: Record | None = NO_MEMBERSHIP
        elif roll < 0.9:
            membership = None
        else:
            membership = {
                "identifier": f"M{_between(rng, 10_000, 99_999)}",
                "start_date": iso(created),
                "end_date": iso(created + 365 * DAY),
            }
        customer = self._store_customer(
            {
                "title": None,
                "first_name": first_name,
                "last_name": last_name,
                "address": None if rng.random() < 0.15 else self._customer_address(),
                "telephone": f"07700 9{_between(rng, 0, 99_999):05d}"
                if rng.random() < 0.8
                else None,
                "email": f"{first_name}.{last_name}.{_between(rng, 1, 99_999)}@example.com".lower(),
                "membership": membership,
                "consent": self._customer_consent(
                    rng.random() < 0.6, rng.random() < 0.2, rng.random() < 0.1
                ),
                "created_at": iso(created),
                "updated_at": iso(_between(rng, created, now)) if rng.random() < 0.15 else None,
            }
        )
        count = round(rng.random() * 2 * notes_per_customer)
        for stamp in sorted(_between(rng, created, now) for _ in range(count)):
            note = self._make_note(customer, iso(stamp), _pick(rng, NOTE_TEXTS), _pick(rng, STAFF))
            if rng.random() < 0.1:
                note["attributes"]["updated_at"] = iso(_between(rng, stamp, now))

    def _customer_address(self) -> Record:
        rng = self.rng
        return {
            "line_1": f"{_between(rng, 1, 200)} {_pick(rng, STREETS)}",
            "line_2": None,
            "line_3": _pick(rng, CITIES),
            "line_4": "United Kingdom" if rng.random() < 0.5 else None,
            "postcode": self._postcode(),
        }

    def _postcode(self) -> str:
        rng = self.rng
        area = _pick(rng, ("CF", "LS", "BS", "G", "N", "NR"))
        district, sector = _between(rng, 1, 20), _between(rng, 1, 9)
        return f"{area}{district} {sector}{_pick(rng, ROWS)}{_pick(rng, ROWS)}"

    def _seed_event(
        self,
        flags: list[tuple[bool, bool]],
        average: float,
        low: int,
        first: int,
        last: int,
        now: int,
    ) -> tuple[Record, int]:
        """An event with a date for each (just over, cancelled) flag pair, its season starting
        after `low` where it fits, their bookings, and when its last date ends."""
        rng = self.rng
        span = min(last - first, max(DAY, len(flags) * 3 * DAY))
        season = _between(rng, min(low, last - span), last - span)
        timed = sorted(
            (self._seed_start(season, span, now, over), cancel) for over, cancel in flags
        )
        earliest = timed[0][0] if timed else now
        created = max(first, min(now - HOUR, earliest - _between(rng, 14 * DAY, 90 * DAY)))
        event = self._make_event(created)
        venues = [self._make_venue(event, created) for _ in range(2 if rng.random() < 0.15 else 1)]
        last_end = first
        for start, cancel in timed:
            end = start + _pick(rng, (2, 2, 3)) * HOUR
            last_end = max(last_end, end)
            opened = created
            if rng.random() < 0.1:  # added to the event later
                opened = _between(rng, created, max(created, min(now - 1, start - DAY)))
            date = self._make_date(event, _pick(rng, venues), opened, start, end)
            self._seed_date_history(date, (opened, start, end, now), average, cancel)
        if rng.random() < 0.2:
            event["attributes"]["updated_at"] = iso(_between(rng, created, now))
        return event, last_end

    def _seed_start(self, season: int, span: int, now: int, just_over: bool) -> int:
        """A date's start: within its event's season, or, `just_over`, so that it ended (at most
        three hours later) within the last three days: the dates a sync must still watch."""
        rng = self.rng
        if just_over:
            start = now - _between(rng, 4 * HOUR, 3 * DAY)
            return start - start % HOUR
        return _on_the_hour(rng, season, season + span)

    def _seed_date_history(
        self, date: Record, times: tuple[int, int, int, int], average: float, cancel: bool
    ) -> None:
        """A date's bookings and refunds, and its cancellation or edit; `times` are when it was
        opened, starts and ends, and now."""
        rng = self.rng
        opened, start, end, now = times
        attributes = date["attributes"]
        close = min(start, now)
        cancelled_at = None
        if cancel and close - 1 > opened:
            cancelled_at = close = _between(rng, opened + 1, close - 1)
            attributes.update(cancelled=True, on_sale=False, updated_at=iso(cancelled_at))
        elif rng.random() < 0.1:
            attributes["updated_at"] = iso(_between(rng, opened, now))
        count = _booking_count(rng, average)
        for stamp in sorted(_between(rng, opened, close) for _ in range(count)):
            created_at = iso(stamp)
            booking = self._make_booking(
                date, created_at, self._customer_at(created_at), _between(rng, 1, 4)
            )
            seats = self._seats_by_booking[booking["id"]]
            if cancelled_at is not None:
                self._refund(booking, seats, cancelled_at)
            elif rng.random() < 0.03:
                refunded = seats if rng.random() < 0.7 else seats[: _between(rng, 1, len(seats))]
                self._refund(booking, refunded, _between(rng, stamp, min(now, end + WEEK)))

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
        name, category, genre = _pick(rng, EVENT_KINDS)
        capture = rng.random() < 0.3
        self_link = self._url("events", event_id)
        event = {
            "id": event_id,
            "type": "event",
            "attributes": {
                "name": f"{name} {time.gmtime(created).tm_year}",
                "reference": f"{name[:4].upper()}{_between(rng, 1, 999):03d}"
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
                    "name": _pick(rng, THIRD_PARTIES) if capture else "",
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
                "name": _pick(rng, VENUES),
                "address": {
                    "line_1": f"{_between(rng, 1, 200)} {_pick(rng, STREETS)}",
                    "line_2": "",
                    "line_3": _pick(rng, CITIES),
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
        self._facts[date_id] = _DateFacts(_pick(rng, PRICES), rng.random() < 0.7, third_party)
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
        categories = [_pick(rng, CATEGORY_DRAW) for _ in range(seats)]
        discounts = 0 if rng.random() < 0.9 else _between(rng, 1, len(DISCOUNTS) - 1)
        price = sum(facts.price * PRICE_FACTORS[category] for category in categories)
        off = DISCOUNTS[discounts]["automatic"] + DISCOUNTS[discounts]["code"]["amount"]
        payment = _pick(rng, ONLINE_PAYMENTS if online else BOX_OFFICE_PAYMENTS)
        lines = [
            _line(
                "TICKETS",
                payment,
                _amount(round(max(0.0, price - off), 2), online, discounts),
                created_at,
            )
        ]
        roll = rng.random()
        if roll < 0.15:
            gift = _amount(float(_between(rng, 1, 10)), False, 0)
            lines.append(
                {**_line("DONATION", payment, gift, created_at), "donation": _pick(rng, GIFT_AID)}
            )
        elif roll < 0.18:
            lines.append(_line("SUNDRY", payment, _amount(3.0, online, 0), created_at))
        self_link = self._url("bookings", booking_id)
        booking = {
            "id": booking_id,
            "type": "booking",
            "attributes": {
                "ref": base64.b32encode(rng.randbytes(5)).decode()[:6],
                "lines": lines,
                "consent": self._booking_consent(
                    facts.third_party, rng.random() < 0.5, rng.random() < 0.2, rng.random() < 0.1
                ),
                "user_booked_by": "" if online else _pick(rng, STAFF),
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
        attendee = self._attendee(customer)
        row, number = _pick(rng, ROWS), _between(rng, 1, 30)
        booked = self._seats_by_booking[booking_id] = []
        for i, category in enumerate(categories):
            seat_id = self._new_id("sea-")
            seat = {
                "id": seat_id,
                "type": "seat",
                "attributes": {
                    "is_booked": True,
                    "is_cancelled": False,
                    "reference": self._reference(row, number + i) if facts.seated else NO_REFERENCE,
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
        attributes["lines"].append(_refund_line(attributes["lines"][0], share, stamp))
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

    def _reference(self, row: str, number: int) -> Record:
        key = (row, number)
        reference = self._references.get(key)
        if reference is None:
            reference = self._references[key] = {"row": row, "seat": str(number)}
        return reference

    def _attendee(self, customer: Record) -> Record:
        """The attendee on a booking's seats: its customer, as far as names go."""
        attributes = customer["attributes"]
        key = (attributes["first_name"] or "", attributes["last_name"] or "")
        attendee = self._attendees.get(key)
        if attendee is None:
            attendee = self._attendees[key] = {
                "title": "",
                "first_name": key[0],
                "last_name": key[1],
                "company": NO_COMPANY,
                "telephone": "",
                "email": f"{key[0]}.{key[1]}@example.com".lower() if all(key) else "",
            }
        return attendee

    def _booking_consent(self, third_party: str, email: bool, post: bool, sms: bool) -> Record:
        key = (third_party, email, post, sms)
        consent = self._booking_consents.get(key)
        if consent is None:
            consent = self._booking_consents[key] = {
                "third_party": third_party,
                "email": email,
                "post": post,
                "sms": sms,
            }
        return consent

    def _customer_consent(self, email: bool, post: bool, sms: bool) -> Record:
        key = (email, post, sms)
        consent = self._customer_consents.get(key)
        if consent is None:
            consent = self._customer_consents[key] = {"email": email, "post": post, "sms": sms}
        return consent

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
        made = _customer_attributes(NEW_CUSTOMER, attributes)
        made.update(created_at=iso(self.now()), updated_at=None)
        return self._store_customer(made)

    def _change_customer(self, customer: Record, attributes: Record) -> Record:
        changed = _customer_attributes(customer["attributes"], attributes)
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

    # -- HTTP

    def credentials(self) -> str:
        return f"API key {self.api_key} (a Bearer token)"

    def authorize(self, request: Request) -> Response | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token == self.api_key:
            return None
        return self.error(401, "Unauthenticated.")

    def error(self, status: int, message: str) -> Response:
        phrase = HTTPStatus(status).phrase
        error = {
            "id": str(uuid.uuid4()),
            "status": status,
            "code": ERROR_CODES.get(status) or phrase.lower().replace(" ", "_").replace("-", "_"),
            "title": phrase,
            "detail": FIXED_DETAILS.get(status, message),
        }
        return Response(status, {"errors": [error]})

    def rate_limit_headers(
        self, limit: int, remaining: int, reset_seconds: int, limited: bool
    ) -> dict[str, str]:
        """Laravel's throttle headers; the reset time is on the real clock, as a client sleeps
        by it."""
        headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining)}
        if limited:
            headers["Retry-After"] = str(reset_seconds)
            headers["X-RateLimit-Reset"] = str(int(time.time()) + reset_seconds)
        return headers

    def _page(self, request: Request, items: Sequence[Record]) -> Response:
        """One page of `items`, as Laravel's simplePaginate answers."""
        page = _query_int(request, "page", 1, None)
        per_page = _query_int(request, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE)
        start = (page - 1) * per_page
        rows = items[start : start + per_page]
        path = self.link_host + request.path
        body = {
            "data": rows,
            "links": {
                "first": f"{path}?page=1",
                "last": None,
                "prev": f"{path}?page={page - 1}" if page > 1 else None,
                "next": f"{path}?page={page + 1}" if start + per_page < len(items) else None,
            },
            "meta": {
                "current_page": page,
                "from": start + 1 if rows else None,
                "path": path,
                "per_page": per_page,
                "to": start + len(rows) if rows else None,
            },
        }
        return Response(200, body)

    def _top_list(self, items: list[Record]) -> Callable[[Request], Response]:
        return lambda request: self._page(request, items)

    def _children(self, lists: dict[str, list[Record]]) -> Callable[[Request, str], Response]:
        def handler(request: Request, parent_id: str) -> Response:
            items = lists.get(parent_id)
            if items is None:
                raise FakeError(404, f"{parent_id} not found")
            return self._page(request, items)

        return handler

    def _retrieve(self, records: dict[str, Record]) -> Callable[[Request, str], Response]:
        def handler(request: Request, record_id: str) -> Response:
            return Response(200, {"data": _found(records, record_id)})

        return handler

    def _get_note(self, request: Request, customer_id: str, note_id: str) -> Response:
        note = self._note_of(customer_id, note_id)
        if note is None:
            raise FakeError(404, f"{note_id} not found")
        return Response(200, {"data": note})

    def _post_customer(self, request: Request) -> Response:
        data = _payload(request, "customer")
        return Response(201, {"data": self._create_customer(data.get("attributes", {}))})

    def _patch_customer(self, request: Request, customer_id: str) -> Response:
        customer = _found(self.customers, customer_id)
        data = _payload(request, "customer")
        if data.get("id") != customer_id:
            raise FakeError(400, "The data.id field must match the customer in the URL.")
        changed = self._change_customer(customer, data.get("attributes", {}))
        return Response(200, {"data": changed})

    def _delete_customer(self, request: Request, customer_id: str) -> Response:
        _found(self.customers, customer_id)
        self.delete_customer(customer_id)
        return Response(204, b"")

    def _post_note(self, request: Request, customer_id: str) -> Response:
        _found(self.customers, customer_id)
        attributes = _payload(request, "customer_note").get("attributes", {})
        unknown = sorted(set(attributes) - {"description", "created_by"})
        if unknown:
            raise FakeError(400, f"The {unknown[0]} field is not allowed.")
        description = attributes.get("description")
        if not isinstance(description, str) or not description.strip():
            raise FakeError(400, "The description field is required.")
        created_by = _text("created_by", attributes.get("created_by"))
        note = (
            self.add_note(customer_id, description, created_by)
            if created_by
            else self.add_note(customer_id, description)
        )
        return Response(201, {"data": note})

    def _delete_note(self, request: Request, customer_id: str, note_id: str) -> Response:
        if self._note_of(customer_id, note_id) is None:
            raise FakeError(404, f"{note_id} not found")
        self.delete_note(customer_id, note_id)
        return Response(204, b"")


def _found(records: dict[str, Record], record_id: str) -> Record:
    record = records.get(record_id)
    if record is None:
        raise FakeError(404, f"{record_id} not found")
    return record


def main(argv: list[str] | None = None) -> None:
    parser = command_line("TicketSource", port=8766)
    parser.add_argument("--events", type=int, default=20, help="events generated")
    parser.add_argument("--api-key", default="skl-test-fake", help="accepted as the Bearer token")
    args = parser.parse_args(argv)
    fake = TicketSourceFake(api_key=args.api_key, seed=args.seed)
    fake.latency = args.latency
    fake.seed_data(events=args.events)
    fake.run(args.port)


if __name__ == "__main__":
    main()
