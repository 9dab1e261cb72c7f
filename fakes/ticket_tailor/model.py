"""The Ticket Tailor fake's data: records, their sorted views, and the helpers that change them.

Records have the shapes of the vendor's example payloads; vouchers and voucher codes also carry
the `created_at` the docs filter on. The ground truth is in `event_series`, `events`, `orders`,
`issued_tickets`, `check_ins`, `discounts`, `vouchers` and `voucher_codes`, and in the extras'
`products`, `waitlist_signups`, `membership_types`, `issued_memberships` and `holds`, each
id -> live record, to be read, not changed: use the mutation helpers. An order's
`issued_tickets` are the same dicts as in `issued_tickets`, and its `event_summary` is shared
with the event's other orders. A voided ticket's record says `"status": "void"`. Event series
and check-ins are in `series`, products, waitlists, memberships and holds in `extras`.

Assumed where the docs are silent:
- Every event belongs to one event series (`es_`), which its record, its orders'
  event_summary and its tickets name. Its occurrences share the series' currency and venue (a
  seeded series takes them from its first occurrence). An event never changes series.
- Counter semantics: an event's `total_issued_tickets` counts every ticket ever issued for it,
  by an order or not, voided ones included: a void never lowers it (the API's
  `counter_excludes_voids` knob serves the other reading). Ticket types' `quantity_issued` /
  `quantity` behave the same.
- Tickets without an order (comps, issued through the API or from a hold) have `order_id` None
  and `source` "api"; ordered ones keep `source` None.

The mutation helpers of the kinds Ticket Tailor sends webhooks for (orders, issued tickets,
events, issued memberships, waitlist signups) append their envelopes (built by the `webhooks`
module) to `webhooks`; the record-making `_` helpers that `seed_data` uses fire none.
"""

from __future__ import annotations

import random
import threading
import time
from bisect import bisect_right
from collections.abc import Callable
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
from fakes.ticket_tailor.extras import BoxOfficeExtras
from fakes.ticket_tailor.records import (
    Key,
    Predicate,
    SortedRecords,
    date_object,
    num,
    sort_key,
)
from fakes.ticket_tailor.series import EVENT_NAMES, SeriesAndCheckIns
from fakes.ticket_tailor.webhooks import webhook_envelope

__all__ = ["Key", "Predicate", "SortedRecords", "TicketTailorModel", "date_object", "sort_key"]

TICKET_TYPE_NAMES = ("General Admission", "Early Bird", "VIP", "Concession")
REFERRAL_TAGS = ("website", "newsletter", "facebook", None)
# Nobody answers custom questions, so every record shares one empty list: 300,000 separate ones
# cost memory and garbage-collector time. Never append to it.
NO_ANSWERS: list[Any] = []


class TicketTailorModel(SeriesAndCheckIns, BoxOfficeExtras):
    """A box office's records and the helpers that change them; its clock is `now` (unix).

    `rng` draws the events, orders, tickets, discounts and vouchers; `extra_rng` everything
    added since (series, check-ins, tickets without orders and the extras), so that adding
    them left the older records of a seed as they were.
    """

    def __init__(
        self, now: int | None = None, seed: int = 0, lock: threading.RLock | None = None
    ) -> None:
        # held by the mutation helpers; a server passes the lock its handlers hold
        self.lock = threading.RLock() if lock is None else lock
        self.now = int(time.time()) if now is None else now
        self.rng = random.Random(seed)
        self.extra_rng = random.Random(f"{seed}:extras")
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
        # the webhooks fired so far, oldest first (see `take_webhooks`)
        self.webhooks: list[Record] = []
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
        self._init_series()
        self._init_extras()

    # -- webhooks

    def _served(self, collection: str, record: Record) -> Record:
        """`record` as GET /v1/{collection}/{id} serves it; the API overrides this."""
        return record

    def _notify(self, event: str, collection: str, record: Record) -> None:
        """Fires the webhook Ticket Tailor would send now for a change to `record`; callers hold
        the lock, so ids and the outbox's order follow the changes."""
        served = self._served(collection, record)
        self.webhooks.append(
            webhook_envelope(self._new_id("wh"), self.now, event, collection, served)
        )

    def take_webhooks(self) -> list[Record]:
        """The webhooks fired since the last call (oldest first), leaving the outbox empty."""
        with self.lock:
            taken, self.webhooks = self.webhooks, []
            return taken

    # -- making records

    def _new_id(self, prefix: str) -> str:
        self._last_id[prefix] = self._last_id.get(prefix, 0) + 1
        return f"{prefix}_{self._last_id[prefix]}"

    def _add_event(
        self, created_at: int, start: int, end: int, series: Record | None = None
    ) -> Record:
        """Makes an event in `series`, or else in a new series of its own created with it."""
        rng = self.rng
        event_id = self._new_id("ev")
        number = num(event_id)
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
        image = f"https://images.example.com/events/{number}"
        event = {
            "object": "event",
            "id": event_id,
            "access_code": None,
            "call_to_action": "Buy tickets",
            "created_at": created_at,
            "currency": currency,
            "description": None,
            "end": date_object(end),
            "event_series_id": None,
            "hidden": "false",
            "images": {"header": f"{image}/header.jpg", "thumbnail": f"{image}/thumb.jpg"},
            "name": f"{pick(rng, EVENT_NAMES)} {number}",
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
            "url": f"https://www.tickettailor.com/events/fakeboxoffice/{number}",
            "venue": {"name": pick(rng, VENUES), "postal_code": f"E{between(rng, 1, 20)} 1AA"},
        }
        if series is None:
            series = self._add_event_series(created_at)
        if series["currency"] is None:
            series["currency"] = currency
            series["venue"] = {**event["venue"], "country": "GB"}
        else:
            event["currency"] = series["currency"]
            event["venue"] = {key: series["venue"][key] for key in ("name", "postal_code")}
        event["event_series_id"] = series["id"]
        self._summaries[event_id] = {
            "id": event_id,
            "end_date": event["end"],
            "event_series_id": series["id"],
            "name": event["name"],
            "start_date": event["start"],
        }
        self.events[event_id] = event
        self._sorted["events"].add(event)
        self._events_by_series[series["id"]].add(event)
        return event

    def _event_chooser(self) -> Callable[[int], Record]:
        """Picks the event of an order made at a given time: one of the next three to start
        that were on sale then, or failing that the next (or last) one."""
        by_start = sorted(self.events.values(), key=lambda e: (e["start"]["unix"], num(e["id"])))
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
        email = f"{first}.{last}{num(order_id)}@example.com".lower()
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
        self._sorted["orders"].add(order)
        self._orders_by_event.setdefault(order["event_summary"]["id"], SortedRecords()).add(order)
        for ticket in order["issued_tickets"]:
            self._index_ticket(ticket)
        return order

    def _order_made(self, order: Record) -> Record:
        """Indexes a new order and fires its webhooks: the order's, then each ticket's."""
        self._index_order(order)
        self._notify("ORDER.CREATED", "orders", order)
        for ticket in order["issued_tickets"]:
            self._notify("ISSUED_TICKET.CREATED", "issued_tickets", ticket)
        return order

    def _index_ticket(self, ticket: Record) -> Record:
        self._sorted["issued_tickets"].add(ticket)
        self._tickets_by_event.setdefault(ticket["event_id"], SortedRecords()).add(ticket)
        return ticket

    def _reindex(self) -> None:
        """Rebuilds the sorted views of orders, tickets and check-ins: one sort beats 300,000
        inserts."""
        self._sorted["orders"] = orders = SortedRecords(self.orders.values())
        self._sorted["issued_tickets"] = tickets = SortedRecords(self.issued_tickets.values())
        self._sorted["check_ins"] = check_ins = SortedRecords(self.check_ins.values())
        self._orders_by_event = orders.group_by(lambda order: order["event_summary"]["id"])
        self._tickets_by_event = tickets.group_by(lambda ticket: ticket["event_id"])
        self._check_ins_by_event = check_ins.group_by(lambda check_in: check_in["event_id"])
        self._check_ins_by_series = check_ins.group_by(lambda check_in: check_in["event_series_id"])

    def _add_ticket(
        self, order: Record, ticket_type: Record, rng: random.Random | None = None
    ) -> Record:
        """A ticket of an order; a ticket without one passes a stand-in order (`id` None) and
        the RNG its barcode is drawn from."""
        ticket_id = self._new_id("it")
        buyer, summary = order["buyer_details"], order["event_summary"]
        token = f"{(rng or self.rng).getrandbits(104):026x}"
        path = f"attendee/{num(ticket_id)}/{token[:20]}"
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
            "event_id": summary["id"],
            "event_series_id": summary["event_series_id"],
            "reference": None,
            "full_name": buyer["name"],
            "first_name": buyer["first_name"],
            "last_name": buyer["last_name"],
            "status": "valid",
            "source": None if order["id"] else "api",
            "ticket_type_id": ticket_type["id"],
            "updated_at": order["created_at"],
            "voided_at": None,
            "order_id": order["id"],
            "qr_code_url": f"https://www.tickettailor.com/userfiles/cache/barcode/st/{path}",
        }
        self.issued_tickets[ticket_id] = ticket
        return ticket

    def _issue_ticket(
        self, event: Record, ticket_type_id: str | None, created_at: int, hold_id: str | None
    ) -> Record:
        """A ticket without an order (not yet in the sorted views); its event's and ticket
        type's counters move, and a hold it comes from holds one fewer."""
        if hold_id is not None:
            hold = self.holds[hold_id]
            if hold["event_id"] != event["id"]:
                raise ValueError(f"hold {hold_id} is for {hold['event_id']}, not {event['id']}")
            ticket_type_id = self._take_from_hold(hold, ticket_type_id, created_at)
        types = {ticket_type["id"]: ticket_type for ticket_type in event["ticket_types"]}
        if ticket_type_id is None:
            ticket_type = event["ticket_types"][0]
        elif ticket_type_id in types:
            ticket_type = types[ticket_type_id]
        else:
            raise KeyError(f"event {event['id']} has no ticket type {ticket_type_id}")
        rng = self.extra_rng
        first, last = pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES)
        guest = f"{first}.{last}.guest{self._last_id.get('it', 0) + 1}@example.com".lower()
        stand_in = {
            "id": None,
            "buyer_details": {
                "email": guest,
                "first_name": first,
                "last_name": last,
                "name": f"{first} {last}",
            },
            "created_at": created_at,
            "event_summary": self._summaries[event["id"]],
        }
        ticket = self._add_ticket(stand_in, ticket_type, rng)
        ticket_type["quantity_issued"] += 1
        ticket_type["quantity"] = max(0, ticket_type["quantity"] - 1)
        event["total_issued_tickets"] += 1
        return ticket

    def _add_voucher(self, codes: int, value: int, expiry: int | None, created_at: int) -> Record:
        voucher_id = self._new_id("vo")
        expiry_object = date_object(expiry) if expiry is not None else None
        events = self.rng.sample(sorted(self.events, key=num), min(2, len(self.events)))
        series_ids = [self.events[event_id]["event_series_id"] for event_id in events]
        voucher = {
            "object": "voucher",
            "id": voucher_id,
            "available_codes": codes,
            "created_at": created_at,
            "event_series_ids": list(dict.fromkeys(series_ids)),
            "expiry": expiry_object,
            "name": f"Gift voucher {num(voucher_id)}",
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
                return [self._order_made(self._add_order(event, when)) for _ in range(n)]
            choose_event = self._event_chooser()
            return [self._order_made(self._add_order(choose_event(when), when)) for _ in range(n)]

    def cancel_order(self, order_id: str) -> Record:
        """Cancels an order and voids its valid tickets."""
        with self.lock:
            order = self.orders[order_id]
            order["status"] = "cancelled"
            voided = [ticket for ticket in order["issued_tickets"] if ticket["status"] == "valid"]
            for ticket in voided:
                self._void(ticket, self.now)
            self._notify("ORDER.UPDATED", "orders", order)
            for ticket in voided:
                self._notify("ISSUED_TICKET.UPDATED", "issued_tickets", ticket)
            return order

    def refund_order(self, order_id: str, amount: int) -> Record:
        """Sets the refunded amount (cents); the order stays completed."""
        with self.lock:
            order = self.orders[order_id]
            order["refund_amount"] = amount
            self._notify("ORDER.UPDATED", "orders", order)
            return order

    def void_ticket(self, ticket_id: str) -> Record:
        with self.lock:
            ticket = self.issued_tickets[ticket_id]
            self._void(ticket, self.now)
            self._notify("ISSUED_TICKET.UPDATED", "issued_tickets", ticket)
            return ticket

    def issue_ticket(
        self,
        event_id: str,
        ticket_type_id: str | None = None,
        created_at: int | None = None,
        hold_id: str | None = None,
    ) -> Record:
        """Issues a ticket without an order (a comp, or one issued through the API) at
        `created_at` (default now), of `ticket_type_id` (default: the hold's first held type,
        or the event's first type). From a hold, the hold gives up one of its tickets."""
        with self.lock:
            when = self.now if created_at is None else created_at
            event = self.events[event_id]
            ticket = self._index_ticket(self._issue_ticket(event, ticket_type_id, when, hold_id))
            self._notify("ISSUED_TICKET.CREATED", "issued_tickets", ticket)
            return ticket

    def add_event(
        self, start: int, end: int | None = None, event_series_id: str | None = None
    ) -> Record:
        """Makes an event created now, in `event_series_id` or else in a new series of its own;
        it lasts three hours unless `end` is given."""
        with self.lock:
            series = None if event_series_id is None else self.event_series[event_series_id]
            end = start + 3 * HOUR if end is None else end
            event = self._add_event(self.now, start, end, series)
            self._notify("EVENT.CREATED", "events", event)
            return event

    def update_event(self, event_id: str, **fields: Any) -> Record:
        """Replaces fields of an event (`start` / `end` may be unix ints); its orders'
        event_summary follows. An event cannot move to another series."""
        with self.lock:
            event = self.events[event_id]
            unknown = set(fields) - set(event)
            if unknown:
                raise KeyError(f"events have no field {sorted(unknown)}")
            if fields.get("event_series_id", event["event_series_id"]) != event["event_series_id"]:
                raise ValueError("an event cannot move to another event series")
            by_series = self._events_by_series[event["event_series_id"]]
            self._sorted["events"].remove(event)  # created_at may change
            by_series.remove(event)
            for name, value in fields.items():
                is_date = name in ("start", "end") and isinstance(value, int)
                event[name] = date_object(value) if is_date else value
            self._sorted["events"].add(event)
            by_series.add(event)
            self._summaries[event_id].update(
                end_date=event["end"], name=event["name"], start_date=event["start"]
            )
            self._notify("EVENT.UPDATED", "events", event)
            return event

    def delete_event(self, event_id: str) -> Record:
        """Removes an event; its orders, tickets and check-ins stay, and its series."""
        with self.lock:
            self._notify("EVENT.DELETED", "events", self.events[event_id])  # as it was
            event = self.events.pop(event_id)
            self._sorted["events"].remove(event)
            self._events_by_series[event["event_series_id"]].remove(event)
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
                "code": code or f"SAVE{num(discount_id)}",
            }
            if expires is not None:
                discount["expires"] = date_object(expires)
            discount["max_redemptions"] = max_redemptions
            discount["name"] = f"Discount {num(discount_id)}"
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
