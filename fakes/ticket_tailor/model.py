"""The Ticket Tailor fake's data: records, their sorted views, and the helpers that change them.

Records have the shapes of the vendor's example payloads; vouchers and voucher codes also carry
the `created_at` the docs filter on. The ground truth is in `events`, `orders`,
`issued_tickets`, `discounts`, `vouchers` and `voucher_codes` (id -> live record, to be read, not
changed: use the mutation helpers). An order's `issued_tickets` are the same dicts as in
`issued_tickets`, and its `event_summary` is shared with the event's other orders. A voided
ticket's record says `"status": "void"`.
"""

from __future__ import annotations

import random
import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from fakes.data import (
    CITIES,
    CODE_CHARS,
    FIRST_NAMES,
    HOUR,
    LAST_NAMES,
    STREETS,
    VENUES,
    Record,
    between,
    pick,
)

Predicate = Callable[[Record], bool]
Key = tuple[int, int]

EVENT_NAMES = ("Jazz Night", "Tulip Festival", "Comedy Club", "Indie Showcase", "Food Market")
TICKET_TYPE_NAMES = ("General Admission", "Early Bird", "VIP", "Concession")
REFERRAL_TAGS = ("website", "newsletter", "facebook", None)
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


def sort_key(record: Record) -> Key:
    # discounts have no created_at, so they sort by id alone
    return record.get("created_at", 0), _num(record["id"])


class SortedRecords:
    """Records oldest-first by (created_at, numeric id), with a parallel key list to bisect.

    Lists are served newest-first by walking it backwards, so a page costs O(page + log n)
    unless a predicate has to skip records.
    """

    def __init__(self, records: Iterable[Record] = ()) -> None:
        # ids are unique, so records themselves are never compared
        pairs = sorted((sort_key(record), record) for record in records)
        self.keys = [key for key, _ in pairs]
        self.items = [record for _, record in pairs]

    def add(self, record: Record) -> None:
        key = sort_key(record)
        i = bisect_right(self.keys, key)
        self.keys.insert(i, key)
        self.items.insert(i, record)

    def remove(self, record: Record) -> None:
        i = bisect_left(self.keys, sort_key(record))
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


class TicketTailorModel:
    """A box office's records and the helpers that change them; its clock is `now` (unix)."""

    def __init__(
        self, now: int | None = None, seed: int = 0, lock: threading.RLock | None = None
    ) -> None:
        # held by the mutation helpers; a server passes the lock its handlers hold
        self.lock = threading.RLock() if lock is None else lock
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

    # -- making records

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
            for g, name in enumerate(("Standard", "Premium")[: between(rng, 1, 2)])
        ]
        types = []
        for i in range(between(rng, 2, 4)):
            group = groups[i % len(groups)]
            capacity = pick(rng, (10_000, 50_000, 100_000))
            ticket_type = {
                "object": "ticket_type",
                "id": self._new_id("tt"),
                "access_code": None,
                "booking_fee": pick(rng, (0, 0, 50, 100)),
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
        currency = pick(rng, ("gbp", "gbp", "gbp", "eur", "usd"))
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
            "name": f"{pick(rng, EVENT_NAMES)} {num}",
            "online_event": "false",
            "payment_methods": rng.sample(self._payment_methods, between(rng, 1, 3)),
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
            "venue": {"name": pick(rng, VENUES), "postal_code": f"E{between(rng, 1, 20)} 1AA"},
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
            return pick(self.rng, on_sale or next_ones[:1] or by_start[-1:])

        return choose

    def _add_order(self, event: Record, created_at: int) -> Record:
        rng = self.rng
        order_id = self._new_id("or")
        first, last = pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES)
        email = f"{first}.{last}{_num(order_id)}@example.com".lower()
        code = event["currency"]
        order = {
            "object": "order",
            "id": order_id,
            "buyer_details": {
                "address": {
                    "address_1": f"{between(rng, 1, 200)} {pick(rng, STREETS)}",
                    "address_2": None,
                    "address_3": pick(rng, CITIES),
                    "postal_code": f"N{between(rng, 1, 22)} {between(rng, 1, 9)}AB",
                },
                "custom_questions": NO_ANSWERS,
                "email": email,
                "first_name": first,
                "last_name": last,
                "name": f"{first} {last}",
                "phone": f"07{between(rng, 0, 10**9 - 1):09d}",
            },
            "created_at": created_at,
            "currency": self._currencies.setdefault(code, {"base_multiplier": 100, "code": code}),
            "event_summary": self._summaries[event["id"]],
            "issued_tickets": [],
            "line_items": [],
            "payment_method": pick(rng, event["payment_methods"]),
            "referral_tag": pick(rng, REFERRAL_TAGS),
            "refund_amount": 0,
            "status": "completed",
            "status_message": None,
            "subtotal": 0,
            "tax": 0,
            "total": 0,
            "txn_id": f"{rng.getrandbits(40):010X}",
        }
        # 1-3 tickets over one or two ticket types, one line item per type
        quantity = between(rng, 1, 3)
        main, other = pick(rng, event["ticket_types"]), pick(rng, event["ticket_types"])
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

    @staticmethod
    def _void(ticket: Record, when: int) -> None:
        ticket.update(status="void", voided_at=when, updated_at=when)

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
                    self._void(ticket, self.now)
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
            self._void(ticket, self.now)
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

    def delete_voucher_codes(self, voucher_id: str) -> Record:
        """Removes every code of a voucher, which then has none (total and available 0)."""
        with self.lock:
            for code in self._codes_by_voucher[voucher_id].items:
                del self.voucher_codes[code["id"]]
            self._codes_by_voucher[voucher_id] = SortedRecords()
            voucher = self.vouchers[voucher_id]
            voucher.update(total_codes=0, available_codes=0)
            return voucher

    def use_voucher_code(self, code_id: str) -> Record:
        """Marks a code used now; its voucher has one code fewer available."""
        with self.lock:
            code = self.voucher_codes[code_id]
            self._use_code(code, self.now)
            return code
