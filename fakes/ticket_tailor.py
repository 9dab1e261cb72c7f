"""A fake Ticket Tailor API: the documented GET endpoints over generated, mutable data.

Records have the shapes of the vendor's example payloads; vouchers and voucher codes also carry
the `created_at` the docs filter on. Lists are newest-first by (created_at, numeric id) and page
with `starting_after` / `ending_before` like the real API. The ground truth is in `events`,
`orders`, `issued_tickets`, `discounts`, `vouchers` and `voucher_codes` (id -> live record, to be
read, not changed: use the mutation helpers). An order's `issued_tickets` are the same dicts as
in `issued_tickets`, and its `event_summary` is shared with the event's other orders.

    python -m fakes.ticket_tailor --port 8765 --orders 2000 --api-key sk_test_fake
"""

from __future__ import annotations

import base64
import binascii
import gc
import random
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, TypeVar

from fakes.server import FakeError, FakeServer, Request, Response, command_line

Record = dict[str, Any]
Predicate = Callable[[Record], bool]
Key = tuple[int, int]
T = TypeVar("T")

HOUR = 3_600
DAY = 86_400
MAX_LIMIT = 100

FIRST_NAMES = ("Alice", "Ben", "Chloe", "Dev", "Ella", "Femi", "Grace", "Hiro", "Isla", "Jon")
LAST_NAMES = ("Smith", "Jones", "Patel", "Brown", "Khan", "Taylor", "Okafor", "Garcia", "Chen")
STREETS = ("High Street", "Station Road", "Church Lane", "Mill Road", "Park Avenue")
CITIES = ("London", "Leeds", "Bristol", "Glasgow", "Cardiff", "Norwich")
EVENT_NAMES = ("Jazz Night", "Tulip Festival", "Comedy Club", "Indie Showcase", "Food Market")
VENUES = ("The Old Mill", "Riverside Hall", "Union Chapel", "The Cellar Bar")
TICKET_TYPE_NAMES = ("General Admission", "Early Bird", "VIP", "Concession")
REFERRAL_TAGS = ("website", "newsletter", "facebook", None)
CODE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# Nobody answers custom questions, so every record shares one empty list: 300,000 separate ones
# cost memory and garbage-collector time. Never append to it.
NO_ANSWERS: list[Any] = []


def date_object(unix: int) -> dict[str, Any]:
    """A Ticket Tailor date object; the fake keeps every date in UTC."""
    dt = datetime.fromtimestamp(unix, UTC)
    return {
        "date": f"{dt:%Y-%m-%d}",
        "formatted": f"{dt:%a} {dt.day} {dt:%b %Y} {dt.hour % 12 or 12}:{dt:%M %p}",
        "iso": f"{dt:%Y-%m-%dT%H:%M:%S}+00:00",
        "time": f"{dt:%H:%M}",
        "timezone": "+00:00",
        "unix": unix,
    }


def _num(record_id: str) -> int:
    return int(record_id.rpartition("_")[2])


def _key(record: Record) -> Key:
    # discounts have no created_at, so they sort by id alone
    return record.get("created_at", 0), _num(record["id"])


class SortedRecords:
    """Records oldest-first by (created_at, numeric id), with a parallel key list to bisect.

    Lists are served newest-first by walking it backwards, so a page costs O(page + log n)
    unless a predicate has to skip records.
    """

    def __init__(self, records: Iterable[Record] = ()) -> None:
        # ids are unique, so records themselves are never compared
        pairs = sorted((_key(record), record) for record in records)
        self.keys = [key for key, _ in pairs]
        self.items = [record for _, record in pairs]

    def add(self, record: Record) -> None:
        key = _key(record)
        i = bisect_right(self.keys, key)
        self.keys.insert(i, key)
        self.items.insert(i, record)

    def remove(self, record: Record) -> None:
        i = bisect_left(self.keys, _key(record))
        del self.keys[i], self.items[i]

    def group_by(self, group_of: Callable[[Record], str]) -> dict[str, SortedRecords]:
        """Splits the records by group_of(record), keeping the order (no sorting needed)."""
        groups: dict[str, SortedRecords] = {}
        for key, record in zip(self.keys, self.items, strict=True):
            name = group_of(record)
            group = groups.get(name)
            if group is None:
                group = groups[name] = SortedRecords()
            group.keys.append(key)
            group.items.append(record)
        return groups

    def span(self, low: int | None, high: int | None) -> tuple[int, int]:
        """The index range of records created within [low, high]."""
        start = 0 if low is None else bisect_left(self.keys, (low,))
        stop = len(self.keys) if high is None else bisect_left(self.keys, (high + 1,))
        return start, stop

    def page(
        self,
        start: int,
        stop: int,
        limit: int,
        pred: Predicate | None,
        after: Key | None = None,
        before: Key | None = None,
    ) -> tuple[list[Record], bool, bool]:
        """A newest-first page of items[start:stop] matching pred, after the `after` key or
        closest before the `before` key, and whether matching records follow / precede it."""
        if before is not None:
            cut = min(stop, max(start, bisect_right(self.keys, before)))
            rows = self._scan(cut, stop, False, pred, limit + 1)
            more_before = len(rows) > limit
            more_after = bool(self._scan(start, cut, True, pred, 1))
            return rows[:limit][::-1], more_after, more_before
        cut = stop if after is None else min(stop, max(start, bisect_left(self.keys, after)))
        rows = self._scan(start, cut, True, pred, limit + 1)
        more_before = bool(self._scan(cut, stop, False, pred, 1))
        return rows[:limit], len(rows) > limit, more_before

    def _scan(
        self, start: int, stop: int, newest_first: bool, pred: Predicate | None, n: int
    ) -> list[Record]:
        """Up to n records of items[start:stop] matching pred, from the newest or the oldest."""
        if start >= stop:
            return []
        if pred is None:
            if newest_first:
                return self.items[max(start, stop - n) : stop][::-1]
            return self.items[start : min(stop, start + n)]
        found = []
        for i in range(stop - 1, start - 1, -1) if newest_first else range(start, stop):
            if pred(self.items[i]):
                found.append(self.items[i])
                if len(found) == n:
                    break
        return found


def _int_param(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise FakeError(400, f"{name} must be an integer, got {raw!r}") from None


def _bounds(query: dict[str, str], name: str) -> tuple[int | None, int | None]:
    """The inclusive [low, high] given by `name`, `name.gt`, `.gte`, `.lt` and `.lte`."""
    low: int | None = None
    high: int | None = None
    for suffix in ("", ".gt", ".gte", ".lt", ".lte"):
        raw = query.get(name + suffix)
        if raw is None:
            continue
        value = _int_param(name + suffix, raw)
        if suffix in ("", ".gt", ".gte"):
            value_low = value + (suffix == ".gt")
            low = value_low if low is None else max(low, value_low)
        if suffix in ("", ".lt", ".lte"):
            value_high = value - (suffix == ".lt")
            high = value_high if high is None else min(high, value_high)
    return low, high


def _in_range(
    get: Callable[[Record], int | None], low: int | None, high: int | None
) -> Predicate | None:
    if low is None and high is None:
        return None

    def pred(record: Record) -> bool:
        value = get(record)
        return (
            value is not None and (low is None or value >= low) and (high is None or value <= high)
        )

    return pred


def _all(preds: list[Predicate | None]) -> Predicate | None:
    active = [pred for pred in preds if pred is not None]
    if not active:
        return None
    if len(active) == 1:
        return active[0]
    return lambda record: all(pred(record) for pred in active)


def _full_id(prefix: str, value: str) -> str:
    # the docs call some id filters numeric: accept "123" as well as "ev_123"
    return value if value.startswith(prefix + "_") else f"{prefix}_{value}"


def _expiry_unix(record: Record) -> int | None:
    return record["expiry"]["unix"] if record["expiry"] else None


def _pick(rng: random.Random, options: Sequence[T]) -> T:
    # random.choice and randint are several times slower: seeding makes about 2M draws
    return options[int(rng.random() * len(options))]


def _between(rng: random.Random, low: int, high: int) -> int:
    return low + int(rng.random() * (high - low + 1))


def _on_the_hour(rng: random.Random, low: int, high: int) -> int:
    """A random whole hour within [low, high] (low itself if there is none)."""
    first = low + (-low % HOUR)
    return first + HOUR * _between(rng, 0, max(0, (high - first) // HOUR))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pauses the cyclic GC while building records: it would walk the growing heap again and
    again (seconds at 100,000 orders). A big batch is then collected once, which moves it to
    the oldest generation in one pass instead of one pass per generation later on."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
            if gc.get_count()[0] > 100_000:
                gc.collect()


def _void(ticket: Record, when: int) -> None:
    ticket.update(status="void", voided_at=when, updated_at=when)


class TicketTailorFake(FakeServer):
    """Ticket Tailor's list and retrieve endpoints, with Basic auth by API key."""

    def __init__(
        self, api_key: str = "sk_test_fake", now: int | None = None, seed: int = 0
    ) -> None:
        super().__init__(seed)
        self.api_key = api_key
        self.now = int(time.time()) if now is None else now
        self.rng = random.Random(seed)
        self.events: dict[str, Record] = {}
        self.orders: dict[str, Record] = {}
        self.issued_tickets: dict[str, Record] = {}
        self.discounts: dict[str, Record] = {}
        self.vouchers: dict[str, Record] = {}
        self.voucher_codes: dict[str, Record] = {}
        self._sorted = {
            name: SortedRecords()
            for name in ("events", "orders", "issued_tickets", "discounts", "vouchers")
        }
        self._orders_by_event: dict[str, SortedRecords] = {}
        self._tickets_by_event: dict[str, SortedRecords] = {}
        self._codes_by_voucher: dict[str, SortedRecords] = {}
        self._summaries: dict[str, Record] = {}
        self._last_id: dict[str, int] = {}
        self._currencies: dict[str, Record] = {}
        self._payment_methods = [
            {
                "external_id": "acct_fake",
                "id": self._new_id("pm"),
                "instructions": None,
                "name": None,
                "type": "stripe",
            },
            {
                "external_id": "seller@example.com",
                "id": self._new_id("pm"),
                "instructions": None,
                "name": None,
                "type": "paypal",
            },
            {
                "external_id": None,
                "id": self._new_id("pm"),
                "instructions": "Pay when you arrive",
                "name": "Pay on the door",
                "type": "offline",
            },
        ]
        get = self._retrieve
        for pattern, handler in (
            (r"/v1/ping", lambda request: Response(200, {"version": "pong"})),
            (r"/v1/events", self._list_events),
            (r"/v1/events/([^/]+)", get(self.events, "Event")),
            (r"/v1/orders", self._list_orders),
            (r"/v1/orders/([^/]+)", get(self.orders, "Order")),
            (r"/v1/issued_tickets", self._list_issued_tickets),
            (r"/v1/issued_tickets/([^/]+)", get(self.issued_tickets, "Issued ticket")),
            (r"/v1/discounts", self._list_discounts),
            (r"/v1/discounts/([^/]+)", get(self.discounts, "Discount")),
            (r"/v1/vouchers", self._list_vouchers),
            (r"/v1/vouchers/([^/]+)", get(self.vouchers, "Voucher")),
            (r"/v1/vouchers/([^/]+)/codes", self._list_voucher_codes),
        ):
            self.route("GET", pattern, handler)

    # -- data generation

    def seed_data(
        self,
        orders: int = 1000,
        events: int = 50,
        upcoming_events: int = 5,
        days: int = 365,
        discounts: int = 5,
        vouchers: int = 3,
        codes_per_voucher: int = 25,
        same_second_every: int = 50,
    ) -> None:
        """Generates a box office from `seed`, all created in the `days` before `now`.

        Past events end over a day before now; upcoming ones start 7 to 60 days after it. Each
        order buys 1-3 tickets for one of the next events to start after it. Every
        `same_second_every`-th order (0: none) shares the previous one's second. About 2% of
        orders are cancelled (tickets void), 1% pending, 1% of tickets void and half the tickets
        of past events checked in.
        """
        if orders and not (events or self.events):
            raise ValueError("orders need at least one event")
        rng = self.rng
        now, first = self.now, self.now - days * DAY
        with self.lock, _gc_paused():
            times = []
            for i in range(events):
                if i < events - upcoming_events:
                    start = _on_the_hour(rng, first, now - DAY - 7 * HOUR)
                else:
                    start = _on_the_hour(rng, now + 7 * DAY, now + 60 * DAY)
                created = min(now - 1, start - _between(rng, 30 * DAY, 120 * DAY))
                times.append((created, start, start + _between(rng, 2, 6) * HOUR))
            for created, start, end in sorted(times):  # ids ascend with created_at
                self._add_event(created, start, end)

            stamps = sorted(_between(rng, first, now - 1) for _ in range(orders))
            if same_second_every:
                for i in range(max(1, same_second_every - 1), orders, same_second_every):
                    stamps[i] = stamps[i - 1]
            choose_event = self._event_chooser()
            for stamp in stamps:
                event = choose_event(stamp)
                self._give_history(self._add_order(event, stamp), event)
            self._reindex()

            for _ in range(discounts):
                fixed = rng.random() < 0.5
                event_list = list(self.events.values())
                types = (
                    [t["id"] for t in _pick(rng, event_list)["ticket_types"]] if event_list else []
                )
                discount = self.add_discount(
                    price=rng.randrange(100, 1001, 50) if fixed else None,
                    price_percent=None if fixed else _pick(rng, (5, 10, 20, 50)),
                    ticket_types=rng.sample(types, _between(rng, 0, len(types))),
                    expires=now + _between(rng, 7, 90) * DAY if rng.random() < 0.5 else None,
                )
                discount["times_redeemed"] = _between(rng, 0, discount["max_redemptions"])

            for created in sorted(_between(rng, first, now - 1) for _ in range(vouchers)):
                expiry = now + _between(rng, 30, 365) * DAY if rng.random() < 0.5 else None
                voucher = self._add_voucher(
                    codes_per_voucher, _pick(rng, (500, 1000)), expiry, created
                )
                for code in self._codes_by_voucher[voucher["id"]].items:
                    if rng.random() < 0.3:
                        self._use_code(code, _between(rng, created, now - 1))

    def _new_id(self, prefix: str) -> str:
        self._last_id[prefix] = self._last_id.get(prefix, 0) + 1
        return f"{prefix}_{self._last_id[prefix]}"

    def _add_event(self, created_at: int, start: int, end: int) -> Record:
        rng = self.rng
        event_id = self._new_id("ev")
        num = _num(event_id)
        groups = [
            {
                "id": self._new_id("tg"),
                "max_per_order": None,
                "name": name,
                "sort_order": 100 * (g + 1),
                "ticket_ids": [],
            }
            for g, name in enumerate(("Standard", "Premium")[: _between(rng, 1, 2)])
        ]
        types = []
        for i in range(_between(rng, 2, 4)):
            group = groups[i % len(groups)]
            capacity = _pick(rng, (10_000, 50_000, 100_000))
            ticket_type = {
                "object": "ticket_type",
                "id": self._new_id("tt"),
                "access_code": None,
                "booking_fee": _pick(rng, (0, 0, 50, 100)),
                "description": None,
                "group_id": group["id"],
                "max_per_order": 10,
                "min_per_order": 1,
                "name": TICKET_TYPE_NAMES[i],
                "price": rng.randrange(500, 5001, 50),
                "status": "on_sale",
                "sort_order": group["sort_order"] + i,
                "type": "paid",
                "quantity": capacity,
                "quantity_held": 0,
                "quantity_issued": 0,
                "quantity_total": capacity,
            }
            group["ticket_ids"].append(ticket_type["id"])
            types.append(ticket_type)
        currency = _pick(rng, ("gbp", "gbp", "gbp", "eur", "usd"))
        image = f"https://images.example.com/events/{num}"
        event = {
            "object": "event",
            "id": event_id,
            "access_code": None,
            "call_to_action": "Buy tickets",
            "created_at": created_at,
            "currency": currency,
            "description": None,
            "end": date_object(end),
            "hidden": "false",
            "images": {"header": f"{image}/header.jpg", "thumbnail": f"{image}/thumb.jpg"},
            "name": f"{_pick(rng, EVENT_NAMES)} {num}",
            "online_event": "false",
            "payment_methods": rng.sample(self._payment_methods, _between(rng, 1, 3)),
            "private": "false",
            "start": date_object(start),
            "status": "published",
            "ticket_groups": groups,
            "ticket_types": types,
            "tickets_available": "true" if end > self.now else "false",
            "timezone": "UTC",
            "total_holds": 0,
            "total_issued_tickets": 0,
            "total_orders": 0,
            "unavailable": "false",
            "unavailable_status": None,
            "url": f"https://www.tickettailor.com/events/fakeboxoffice/{num}",
            "venue": {"name": _pick(rng, VENUES), "postal_code": f"E{_between(rng, 1, 20)} 1AA"},
        }
        self._summaries[event_id] = {
            "id": event_id,
            "end_date": event["end"],
            "name": event["name"],
            "start_date": event["start"],
        }
        self.events[event_id] = event
        self._sorted["events"].add(event)
        return event

    def _event_chooser(self) -> Callable[[int], Record]:
        """Picks the event of an order made at a given time: one of the next three to start
        that were on sale then, or failing that the next (or last) one."""
        by_start = sorted(self.events.values(), key=lambda e: (e["start"]["unix"], _num(e["id"])))
        if not by_start:
            raise ValueError("there are no events to order tickets for")
        starts = [event["start"]["unix"] for event in by_start]

        def choose(when: int) -> Record:
            i = bisect_right(starts, when)
            next_ones = by_start[i : i + 3]
            on_sale = [event for event in next_ones if event["created_at"] <= when]
            return _pick(self.rng, on_sale or next_ones[:1] or by_start[-1:])

        return choose

    def _add_order(self, event: Record, created_at: int) -> Record:
        rng = self.rng
        order_id = self._new_id("or")
        first, last = _pick(rng, FIRST_NAMES), _pick(rng, LAST_NAMES)
        email = f"{first}.{last}{_num(order_id)}@example.com".lower()
        code = event["currency"]
        order = {
            "object": "order",
            "id": order_id,
            "buyer_details": {
                "address": {
                    "address_1": f"{_between(rng, 1, 200)} {_pick(rng, STREETS)}",
                    "address_2": None,
                    "address_3": _pick(rng, CITIES),
                    "postal_code": f"N{_between(rng, 1, 22)} {_between(rng, 1, 9)}AB",
                },
                "custom_questions": NO_ANSWERS,
                "email": email,
                "first_name": first,
                "last_name": last,
                "name": f"{first} {last}",
                "phone": f"07{_between(rng, 0, 10**9 - 1):09d}",
            },
            "created_at": created_at,
            "currency": self._currencies.setdefault(code, {"base_multiplier": 100, "code": code}),
            "event_summary": self._summaries[event["id"]],
            "issued_tickets": [],
            "line_items": [],
            "payment_method": _pick(rng, event["payment_methods"]),
            "referral_tag": _pick(rng, REFERRAL_TAGS),
            "refund_amount": 0,
            "status": "completed",
            "status_message": None,
            "subtotal": 0,
            "tax": 0,
            "total": 0,
            "txn_id": f"{rng.getrandbits(40):010X}",
        }
        # 1-3 tickets over one or two ticket types, one line item per type
        quantity = _between(rng, 1, 3)
        main, other = _pick(rng, event["ticket_types"]), _pick(rng, event["ticket_types"])
        buys = [(main, 1), (other, quantity - 1)] if quantity > 1 and other is not main else []
        for ticket_type, count in buys or [(main, quantity)]:
            value, fee = ticket_type["price"] * count, ticket_type["booking_fee"] * count
            order["line_items"].append(
                {
                    "object": "line_item",
                    "id": self._new_id("li"),
                    "booking_fee": fee,
                    "description": ticket_type["name"],
                    "type": "ticket",
                    "total": value + fee,
                    "value": value,
                    "quantity": count,
                }
            )
            order["subtotal"] += value + fee
            ticket_type["quantity_issued"] += count
            ticket_type["quantity"] = max(0, ticket_type["quantity"] - count)
            for _ in range(count):
                order["issued_tickets"].append(self._add_ticket(order, ticket_type))
        order["total"] = order["subtotal"]
        event["total_orders"] += 1
        event["total_issued_tickets"] += quantity
        self.orders[order_id] = order
        return order

    def _index_order(self, order: Record) -> Record:
        """Adds a new order and its tickets to the sorted views."""
        event_id = order["event_summary"]["id"]
        self._sorted["orders"].add(order)
        self._orders_by_event.setdefault(event_id, SortedRecords()).add(order)
        for ticket in order["issued_tickets"]:
            self._sorted["issued_tickets"].add(ticket)
            self._tickets_by_event.setdefault(event_id, SortedRecords()).add(ticket)
        return order

    def _reindex(self) -> None:
        """Rebuilds the sorted views of orders and tickets: one sort beats 300,000 inserts."""
        self._sorted["orders"] = orders = SortedRecords(self.orders.values())
        self._sorted["issued_tickets"] = tickets = SortedRecords(self.issued_tickets.values())
        self._orders_by_event = orders.group_by(lambda order: order["event_summary"]["id"])
        self._tickets_by_event = tickets.group_by(lambda ticket: ticket["event_id"])

    def _add_ticket(self, order: Record, ticket_type: Record) -> Record:
        ticket_id = self._new_id("it")
        buyer, event_id = order["buyer_details"], order["event_summary"]["id"]
        token = f"{self.rng.getrandbits(104):026x}"
        path = f"attendee/{_num(ticket_id)}/{token[:20]}"
        ticket = {
            "object": "issued_ticket",
            "id": ticket_id,
            "barcode": token[20:],
            "barcode_url": f"https://www.tickettailor.com/userfiles/cache/barcode/qr/{path}",
            "checked_in": "false",
            "created_at": order["created_at"],
            "custom_questions": NO_ANSWERS,
            "description": ticket_type["name"],
            "email": buyer["email"],
            "event_id": event_id,
            "reference": None,
            "full_name": buyer["name"],
            "first_name": buyer["first_name"],
            "last_name": buyer["last_name"],
            "status": "valid",
            "source": None,
            "ticket_type_id": ticket_type["id"],
            "updated_at": order["created_at"],
            "voided_at": None,
            "order_id": order["id"],
            "qr_code_url": f"https://www.tickettailor.com/userfiles/cache/barcode/st/{path}",
        }
        self.issued_tickets[ticket_id] = ticket
        return ticket

    def _give_history(self, order: Record, event: Record) -> None:
        """Cancels, voids and checks in a seeded order's tickets as time went by."""
        rng = self.rng
        start, end = event["start"]["unix"], event["end"]["unix"]
        created = order["created_at"]
        latest = max(created, min(self.now - 1, end))
        roll = rng.random()
        if roll < 0.02:
            order["status"] = "cancelled"
            when = _between(rng, created, latest)
            for ticket in order["issued_tickets"]:
                _void(ticket, when)
            return
        if roll < 0.03:
            order["status"] = "pending"
        for ticket in order["issued_tickets"]:
            if rng.random() < 0.01:
                _void(ticket, _between(rng, created, latest))
            elif end < self.now and rng.random() < 0.5:
                ticket["checked_in"] = "true"
                ticket["updated_at"] = max(created, _between(rng, start, end))

    def _add_voucher(self, codes: int, value: int, expiry: int | None, created_at: int) -> Record:
        voucher_id = self._new_id("vo")
        expiry_object = date_object(expiry) if expiry is not None else None
        series = self.rng.sample(sorted(self.events, key=_num), min(2, len(self.events)))
        voucher = {
            "object": "voucher",
            "id": voucher_id,
            "available_codes": codes,
            "created_at": created_at,
            "event_series_ids": [f"es_{_num(event_id)}" for event_id in series],
            "expiry": expiry_object,
            "name": f"Gift voucher {_num(voucher_id)}",
            "total_codes": codes,
            "value": value,
        }
        self.vouchers[voucher_id] = voucher
        self._sorted["vouchers"].add(voucher)
        voucher_codes = self._codes_by_voucher[voucher_id] = SortedRecords()
        for _ in range(codes):
            code = {
                "object": "voucher_code",
                "id": self._new_id("vc"),
                "code": "".join(self.rng.choices(CODE_CHARS, k=8)),
                "created_at": created_at,
                "expiry": expiry_object,
                "used": None,
                "value": value,
                "voucher_id": voucher_id,
            }
            self.voucher_codes[code["id"]] = code
            voucher_codes.add(code)
        return voucher

    def _use_code(self, code: Record, when: int) -> None:
        if code["used"] is not None:
            raise ValueError(f"voucher code {code['id']} is already used")
        code["used"] = date_object(when)
        self.vouchers[code["voucher_id"]]["available_codes"] -= 1

    # -- mutation helpers: each takes the lock and returns the record it changed or made

    def advance(self, seconds: int) -> int:
        """Moves the fake's clock on; returns the new `now`."""
        with self.lock:
            self.now += seconds
            return self.now

    def add_orders(
        self, n: int, event_id: str | None = None, created_at: int | None = None
    ) -> list[Record]:
        """Makes n completed orders (and their tickets) at `created_at` (default: now), for
        `event_id` or else one of the next events to start."""
        with self.lock:
            when = self.now if created_at is None else created_at
            if event_id is not None:
                event = self.events[event_id]
                return [self._index_order(self._add_order(event, when)) for _ in range(n)]
            choose_event = self._event_chooser()
            return [self._index_order(self._add_order(choose_event(when), when)) for _ in range(n)]

    def cancel_order(self, order_id: str) -> Record:
        """Cancels an order and voids its valid tickets."""
        with self.lock:
            order = self.orders[order_id]
            order["status"] = "cancelled"
            for ticket in order["issued_tickets"]:
                if ticket["status"] == "valid":
                    _void(ticket, self.now)
            return order

    def refund_order(self, order_id: str, amount: int) -> Record:
        """Sets the refunded amount (cents); the order stays completed."""
        with self.lock:
            order = self.orders[order_id]
            order["refund_amount"] = amount
            return order

    def void_ticket(self, ticket_id: str) -> Record:
        with self.lock:
            ticket = self.issued_tickets[ticket_id]
            _void(ticket, self.now)
            return ticket

    def check_in(self, ticket_id: str) -> Record:
        with self.lock:
            ticket = self.issued_tickets[ticket_id]
            ticket.update(checked_in="true", updated_at=self.now)
            return ticket

    def add_event(self, start: int, end: int | None = None) -> Record:
        """Makes an event created now; it lasts three hours unless `end` is given."""
        with self.lock:
            return self._add_event(self.now, start, start + 3 * HOUR if end is None else end)

    def update_event(self, event_id: str, **fields: Any) -> Record:
        """Replaces fields of an event (`start` / `end` may be unix ints); its orders'
        event_summary follows."""
        with self.lock:
            event = self.events[event_id]
            unknown = set(fields) - set(event)
            if unknown:
                raise KeyError(f"events have no field {sorted(unknown)}")
            self._sorted["events"].remove(event)  # created_at may change
            for name, value in fields.items():
                is_date = name in ("start", "end") and isinstance(value, int)
                event[name] = date_object(value) if is_date else value
            self._sorted["events"].add(event)
            self._summaries[event_id].update(
                end_date=event["end"], name=event["name"], start_date=event["start"]
            )
            return event

    def delete_event(self, event_id: str) -> Record:
        """Removes an event; its orders and tickets stay."""
        with self.lock:
            event = self.events.pop(event_id)
            self._sorted["events"].remove(event)
            return event

    def add_discount(
        self,
        code: str | None = None,
        price: int | None = None,
        price_percent: int | None = None,
        ticket_types: list[str] | None = None,
        expires: int | None = None,
        max_redemptions: int = 100,
    ) -> Record:
        """Makes a discount: a percentage one if `price_percent` is given, else a fixed amount
        (`price` cents, default 500)."""
        with self.lock:
            discount_id = self._new_id("di")
            discount: Record = {
                "object": "discount",
                "id": discount_id,
                "code": code or f"SAVE{_num(discount_id)}",
            }
            if expires is not None:
                discount["expires"] = date_object(expires)
            discount["max_redemptions"] = max_redemptions
            discount["name"] = f"Discount {_num(discount_id)}"
            if price_percent is None:
                discount["price"] = 500 if price is None else price
            else:
                discount["price_percent"] = price_percent
            discount["ticket_types"] = list(ticket_types or [])
            discount["times_redeemed"] = 0
            discount["type"] = "fixed_amount" if price_percent is None else "percentage"
            self.discounts[discount_id] = discount
            self._sorted["discounts"].add(discount)
            return discount

    def delete_discount(self, discount_id: str) -> Record:
        with self.lock:
            discount = self.discounts.pop(discount_id)
            self._sorted["discounts"].remove(discount)
            return discount

    def add_voucher(self, codes: int, value: int = 500, expiry: int | None = None) -> Record:
        """Makes a voucher created now with `codes` unused codes."""
        with self.lock:
            return self._add_voucher(codes, value, expiry, self.now)

    def delete_voucher(self, voucher_id: str) -> Record:
        """Removes a voucher and its codes."""
        with self.lock:
            voucher = self.vouchers.pop(voucher_id)
            self._sorted["vouchers"].remove(voucher)
            for code in self._codes_by_voucher.pop(voucher_id).items:
                del self.voucher_codes[code["id"]]
            return voucher

    def use_voucher_code(self, code_id: str) -> Record:
        """Marks a code used now; its voucher has one code fewer available."""
        with self.lock:
            code = self.voucher_codes[code_id]
            self._use_code(code, self.now)
            return code

    # -- HTTP

    def credentials(self) -> str:
        return f"API key {self.api_key} (the HTTP Basic user)"

    def authorize(self, request: Request) -> Response | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        try:
            username = base64.b64decode(token, validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            username = ""
        if scheme.lower() == "basic" and username == self.api_key:
            return None
        return self.error(401, "Invalid or missing API key: use it as the Basic auth username")

    def error(self, status: int, message: str) -> Response:
        code = HTTPStatus(status).phrase.upper().replace(" ", "_").replace("-", "_")
        return Response(status, {"status": status, "error_code": code, "message": message})

    def _retrieve(self, records: dict[str, Record], noun: str) -> Callable[..., Response]:
        def handler(request: Request, record_id: str) -> Response:
            if record_id not in records:
                raise FakeError(404, f"{noun} {record_id} not found")
            return Response(200, records[record_id])

        return handler

    def _list(
        self,
        request: Request,
        path: str,
        source: SortedRecords,
        records: dict[str, Record],
        preds: list[Predicate | None],
        created_at_filters: bool = True,
    ) -> Response:
        query = request.query
        limit = _int_param("limit", query.get("limit", str(MAX_LIMIT)))
        if limit < 1:
            raise FakeError(400, f"limit must be at least 1, got {limit}")
        limit = min(limit, MAX_LIMIT)
        if created_at_filters:
            start, stop = source.span(*_bounds(query, "created_at"))
        else:
            start, stop = 0, len(source.items)
        pred = _all(preds)
        # a cursor is placed by its sort key, so it need not match the filters
        before = query.get("ending_before")
        after = None if before else query.get("starting_after")
        cursor = before or after
        if cursor and cursor not in records:
            raise FakeError(400, f"Cursor {cursor!r} is not the id of an existing object")
        rows, more_after, more_before = source.page(
            start,
            stop,
            limit,
            pred,
            after=_key(records[after]) if after else None,
            before=_key(records[before]) if before else None,
        )
        links = {
            "next": f"{path}?starting_after={rows[-1]['id']}" if rows and more_after else None,
            "previous": f"{path}?ending_before={rows[0]['id']}" if rows and more_before else None,
        }
        return Response(200, {"data": rows, "links": links})

    def _list_events(self, request: Request) -> Response:
        query = request.query
        preds = [
            _in_range(lambda e: e["start"]["unix"], *_bounds(query, "start_at")),
            _in_range(lambda e: e["end"]["unix"], *_bounds(query, "end_at")),
        ]
        if "status" in query:
            statuses = set(query["status"].split(","))
            preds.append(lambda e: e["status"] in statuses)
        return self._list(request, "/v1/events", self._sorted["events"], self.events, preds, False)

    def _list_orders(self, request: Request) -> Response:
        query = request.query
        source = self._sorted["orders"]
        if "event_id" in query:
            source = self._orders_by_event.get(_full_id("ev", query["event_id"]), SortedRecords())
        preds: list[Predicate | None] = []
        if "status" in query:
            status = query["status"]
            preds.append(lambda o: o["status"] == status)
        return self._list(request, "/v1/orders", source, self.orders, preds)

    def _list_issued_tickets(self, request: Request) -> Response:
        query = request.query
        source = self._sorted["issued_tickets"]
        preds: list[Predicate | None] = []
        event_id = _full_id("ev", query["event_id"]) if "event_id" in query else None
        if "order_id" in query:
            order = self.orders.get(_full_id("or", query["order_id"]))
            source = SortedRecords(order["issued_tickets"] if order else ())
            if event_id:
                preds.append(lambda t: t["event_id"] == event_id)
        elif event_id:
            source = self._tickets_by_event.get(event_id, SortedRecords())
        if "status" in query:
            status = "void" if query["status"] == "voided" else query["status"]
            preds.append(lambda t: t["status"] == status)
        return self._list(request, "/v1/issued_tickets", source, self.issued_tickets, preds)

    def _list_discounts(self, request: Request) -> Response:
        code = request.query.get("code")
        preds: list[Predicate | None] = [lambda d: d["code"] == code] if code else []
        return self._list(
            request, "/v1/discounts", self._sorted["discounts"], self.discounts, preds, False
        )

    def _list_vouchers(self, request: Request) -> Response:
        preds = [_in_range(_expiry_unix, *_bounds(request.query, "expiry_date"))]
        return self._list(request, "/v1/vouchers", self._sorted["vouchers"], self.vouchers, preds)

    def _list_voucher_codes(self, request: Request, voucher_id: str) -> Response:
        if voucher_id not in self.vouchers:
            raise FakeError(404, f"Voucher {voucher_id} not found")
        preds = [_in_range(_expiry_unix, *_bounds(request.query, "expiry_date"))]
        return self._list(
            request,
            f"/v1/vouchers/{voucher_id}/codes",
            self._codes_by_voucher[voucher_id],
            self.voucher_codes,
            preds,
        )


def main(argv: list[str] | None = None) -> None:
    parser = command_line("Ticket Tailor", port=8765)
    parser.add_argument("--orders", type=int, default=2000, help="orders generated")
    parser.add_argument("--api-key", default="sk_test_fake", help="accepted as the Basic auth user")
    args = parser.parse_args(argv)
    fake = TicketTailorFake(api_key=args.api_key, seed=args.seed)
    fake.latency = args.latency
    fake.seed_data(orders=args.orders)
    fake.run(args.port)


if __name__ == "__main__":
    main()
