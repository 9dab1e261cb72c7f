"""The Ticket Tailor fake's extras: products, waitlist signups, membership types, issued
memberships and holds, as a mixin of `TicketTailorModel` (whose lock, clock, ids, events and
series they use).

Assumed where the docs are silent:
- Products (`pr_`) sort by `created_at.unix`; their `currency` is upper case (as observed), the
  box office's most common event currency. A membership product has fulfilment_type
  "ISSUED_MEMBERSHIP" and the numeric part of its `mt_` id as fulfilment_reference_id.
- Waitlist signups (`ws_`: a placeholder prefix, the docs show none) belong to a series and
  carry its id; `notified_date` is None until the person is notified.
- Membership types have no created_at, so they list newest id first. Deleting one with issued
  memberships or membership products is refused, as the changelog says.
- Issued memberships list newest first by `issue_date`, which is also what `created_at.*`
  filters on. They have no updated_at field, but the model keeps when each last changed (issued,
  redeemed, voided, its type renamed) for the `updated_at.*` filter. `is_valid` is "false" only
  once voided (a membership past valid_to stays "true"). A redemption needs a valid membership
  with redemptions left (the type's max_redemptions, if any).
- Holds (`ho_`) carry the `event_id` the list filters by (the vendor's example lacks it); their
  `updated_at` is served under the API's `hold_updated_key`. A hold raises its event's
  `total_holds` and its ticket types' `quantity_held`, not their `quantity`. A ticket issued from
  a hold takes one of its tickets (a type held no more leaves `quantities`).
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from typing import Any

from fakes.data import CODE_CHARS, DAY, FIRST_NAMES, LAST_NAMES, Record, between, pick
from fakes.ticket_tailor.records import (
    Key,
    SortedRecords,
    created_object_key,
    date_object,
    num,
)

PRODUCT_NAMES = ("Programme", "T-shirt", "Tote bag", "Poster", "Drinks token", "Parking pass")
MEMBERSHIP_NAMES = ("Friends", "Gold", "Student", "Patron")
HOLD_NOTES = ("Press allocation", "Artist guest list", "Sponsor seats", "Accessible seating")
PRODUCT_DATES = ("created_at", "updated_at")
MEMBERSHIP_TYPE_DATES = ("valid_from_date", "valid_to_date")


def issue_key(record: Record) -> Key:
    """Issued memberships sort by issue time."""
    return record["issue_date"]["unix"], num(record["id"])


class BoxOfficeExtras:
    """Products, waitlist signups, memberships and holds; mixed into `TicketTailorModel`."""

    # provided by TicketTailorModel (and its _new_id)
    lock: threading.RLock
    now: int
    extra_rng: random.Random
    events: dict[str, Record]
    event_series: dict[str, Record]
    orders: dict[str, Record]
    _sorted: dict[str, SortedRecords]
    _events_by_series: dict[str, SortedRecords]

    def _init_extras(self) -> None:
        self.products: dict[str, Record] = {}
        self.waitlist_signups: dict[str, Record] = {}
        self.membership_types: dict[str, Record] = {}
        self.issued_memberships: dict[str, Record] = {}
        self.holds: dict[str, Record] = {}
        self._sorted["products"] = SortedRecords(key=created_object_key)
        self._sorted["membership_types"] = SortedRecords()
        self._sorted["issued_memberships"] = SortedRecords(key=issue_key)
        self._sorted["holds"] = SortedRecords(key=created_object_key)
        self._waitlist_by_series: dict[str, SortedRecords] = {}
        # issued membership id -> when it last changed (never served: the record has no field)
        self.membership_changed: dict[str, int] = {}

    def _new_id(self, prefix: str) -> str:  # pragma: no cover - TicketTailorModel's wins
        raise NotImplementedError

    def _notify(self, event: str, collection: str, record: Record) -> None:  # pragma: no cover
        raise NotImplementedError  # TicketTailorModel's wins

    # -- products

    def _box_office_currency(self) -> str:
        currencies = Counter(event["currency"] for event in self.events.values())
        return currencies.most_common(1)[0][0] if currencies else "gbp"

    def _add_product(
        self,
        created_at: int,
        name: str | None = None,
        price: int | None = None,
        event_series_ids: list[str] | None = None,
    ) -> Record:
        for series_id in event_series_ids or ():
            if series_id not in self.event_series:
                raise KeyError(f"no event series {series_id}")
        rng = self.extra_rng
        product_id = self._new_id("pr")
        name = name or f"{pick(rng, PRODUCT_NAMES)} {num(product_id)}"
        product = {
            "object": "product",
            "id": product_id,
            "booking_fee": pick(rng, (0, 0, 25, 50)),
            "created_at": date_object(created_at),
            "currency": self._box_office_currency().upper(),
            "description": f"{name}, collected at the venue",
            "event_series_ids": None if event_series_ids is None else list(event_series_ids),
            "fulfilment_reference_id": None,
            "fulfilment_type": None,
            "image": None,
            "instructions": None,
            "issued_count": 0,
            "linked_to_all_event_series": "false",
            "name": name,
            "price": rng.randrange(200, 3001, 50) if price is None else price,
            "quantity": pick(rng, (20, 50, 100, 500)),
            "quantity_per_event_occurrence": None,
            "sell_in_store": "true",
            "status": "ON_SALE",
            "updated_at": date_object(created_at),
            "variant": None,
        }
        self.products[product_id] = product
        self._sorted["products"].add(product)
        return product

    def add_product(
        self,
        name: str | None = None,
        price: int | None = None,
        event_series_ids: list[str] | None = None,
    ) -> Record:
        """Makes a product created now, on sale, linked to `event_series_ids` (default none)."""
        with self.lock:
            return self._add_product(self.now, name, price, event_series_ids)

    def update_product(self, product_id: str, **fields: Any) -> Record:
        """Replaces fields of a product (`created_at` / `updated_at` may be unix ints);
        updated_at becomes now unless given."""
        with self.lock:
            product = self.products[product_id]
            unknown = set(fields) - set(product)
            if unknown:
                raise KeyError(f"products have no field {sorted(unknown)}")
            fields.setdefault("updated_at", self.now)
            self._sorted["products"].remove(product)  # created_at may change
            for name, value in fields.items():
                is_date = name in PRODUCT_DATES and isinstance(value, int)
                product[name] = date_object(value) if is_date else value
            self._sorted["products"].add(product)
            return product

    def delete_product(self, product_id: str) -> Record:
        with self.lock:
            product = self.products.pop(product_id)
            self._sorted["products"].remove(product)
            return product

    # -- waitlist signups

    def _add_waitlist_signup(
        self, series_id: str, created_at: int, email: str | None = None, event_id: str | None = None
    ) -> Record:
        if series_id not in self.event_series:
            raise KeyError(f"no event series {series_id}")
        if event_id is not None and self.events[event_id]["event_series_id"] != series_id:
            raise ValueError(f"event {event_id} is not in event series {series_id}")
        signup_id = self._new_id("ws")
        if email is None:
            first, last = pick(self.extra_rng, FIRST_NAMES), pick(self.extra_rng, LAST_NAMES)
            email = f"{first}.{last}.wait{num(signup_id)}@example.com".lower()
        signup = {
            "object": "waitlist_signup",
            "id": signup_id,
            "created_at": date_object(created_at),
            "email": email,
            "event_id": event_id,
            "event_series_id": series_id,
            "notified_date": None,
        }
        self.waitlist_signups[signup_id] = signup
        by_series = self._waitlist_by_series
        by_series.setdefault(series_id, SortedRecords(key=created_object_key)).add(signup)
        return signup

    def add_waitlist_signup(
        self, event_series_id: str, email: str | None = None, event_id: str | None = None
    ) -> Record:
        """Signs someone up now to a series' waitlist, for one of its events if given."""
        with self.lock:
            signup = self._add_waitlist_signup(event_series_id, self.now, email, event_id)
            self._notify("WAITLIST_SIGNUP.CREATED", "waitlist_signups", signup)
            return signup

    def notify_waitlist_signup(self, signup_id: str) -> Record:
        """Records that the person was notified now."""
        with self.lock:
            signup = self.waitlist_signups[signup_id]
            signup["notified_date"] = date_object(self.now)
            return signup

    def delete_waitlist_signup(self, signup_id: str) -> Record:
        with self.lock:
            signup = self.waitlist_signups.pop(signup_id)
            self._waitlist_by_series[signup["event_series_id"]].remove(signup)
            return signup

    # -- membership types

    def _add_membership_type(self, name: str | None = None) -> Record:
        rng = self.extra_rng
        type_id = self._new_id("mt")
        fixed_from, relative_to = rng.random() < 0.3, rng.random() < 0.6
        valid_from = self.now - between(rng, 200, 300) * DAY
        valid_to = self.now + between(rng, 60, 365) * DAY
        membership_type = {
            "object": "membership_type",
            "id": type_id,
            "conditions_and_benefits": [],
            "max_redemptions": pick(rng, (None, 4, 8, 12)),
            "name": name or f"{pick(rng, MEMBERSHIP_NAMES)} membership {num(type_id)}",
            "photo_required": "false",
            "valid_from_date": date_object(valid_from) if fixed_from else None,
            "valid_from_type": "fixed" if fixed_from else "relative",
            "valid_to_date": None if relative_to else date_object(valid_to),
            "valid_to_relative_days": 365 if relative_to else None,
            "valid_to_type": "relative" if relative_to else "fixed",
        }
        self.membership_types[type_id] = membership_type
        self._sorted["membership_types"].add(membership_type)
        return membership_type

    def add_membership_type(self, name: str | None = None) -> Record:
        """Makes a membership type (its validity drawn: fixed or relative dates)."""
        with self.lock:
            return self._add_membership_type(name)

    def update_membership_type(self, type_id: str, **fields: Any) -> Record:
        """Replaces fields of a membership type (valid_*_date may be unix ints). A new name
        reaches its issued memberships, which then changed now."""
        with self.lock:
            membership_type = self.membership_types[type_id]
            unknown = set(fields) - set(membership_type)
            if unknown:
                raise KeyError(f"membership types have no field {sorted(unknown)}")
            for name, value in fields.items():
                is_date = name in MEMBERSHIP_TYPE_DATES and isinstance(value, int)
                membership_type[name] = date_object(value) if is_date else value
            if "name" in fields:
                for membership in self.issued_memberships.values():
                    if membership["membership_type_id"] == type_id:
                        membership["membership_type_name"] = membership_type["name"]
                        self.membership_changed[membership["id"]] = self.now
            return membership_type

    def delete_membership_type(self, type_id: str) -> Record:
        """Removes a membership type that has no issued memberships and no products."""
        with self.lock:
            issued = self.issued_memberships.values()
            if any(membership["membership_type_id"] == type_id for membership in issued):
                raise ValueError(f"membership type {type_id} has issued memberships")
            if any(
                product["fulfilment_type"] == "ISSUED_MEMBERSHIP"
                and product["fulfilment_reference_id"] == num(type_id)
                for product in self.products.values()
            ):
                raise ValueError(f"membership type {type_id} has products")
            membership_type = self.membership_types.pop(type_id)
            self._sorted["membership_types"].remove(membership_type)
            return membership_type

    # -- issued memberships

    def _issue_membership(
        self, membership_type: Record, issued_at: int, email: str | None = None
    ) -> Record:
        rng = self.extra_rng
        membership_id = self._new_id("im")
        first, last = pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES)
        if email is None:
            email = f"{first}.{last}.member{num(membership_id)}@example.com".lower()
        fixed_from, fixed_to = (
            membership_type["valid_from_date"],
            membership_type["valid_to_date"],
        )
        valid_from = fixed_from["unix"] if fixed_from else issued_at
        if fixed_to:
            valid_to = fixed_to["unix"]
        else:
            valid_to = valid_from + (membership_type["valid_to_relative_days"] or 365) * DAY
        membership = {
            "object": "issued_membership",
            "id": membership_id,
            "benefits": [],
            "code": "".join(rng.choices(CODE_CHARS, k=9)),
            "email": email,
            "first_name": first,
            "full_name": f"{first} {last}",
            "is_valid": "true",
            "issue_date": date_object(issued_at),
            "last_name": last,
            "max_redemptions": None,
            "membership_type_id": membership_type["id"],
            "membership_type_name": membership_type["name"],
            "redemption_collection": [],
            "redemptions": 0,
            "valid_from": date_object(valid_from),
            "valid_to": date_object(valid_to),
            "voided_at": None,
        }
        self.issued_memberships[membership_id] = membership
        self._sorted["issued_memberships"].add(membership)
        self.membership_changed[membership_id] = issued_at
        return membership

    def _redeem(self, membership: Record, event: Record, order_id: str | None, when: int) -> Record:
        if membership["is_valid"] != "true":
            raise ValueError(f"issued membership {membership['id']} is void")
        limit = self.membership_types.get(membership["membership_type_id"], {}).get(
            "max_redemptions"
        )
        if limit is not None and membership["redemptions"] >= limit:
            raise ValueError(f"issued membership {membership['id']} has no redemptions left")
        membership["redemption_collection"].append(
            {
                "object": "issued_membership_redemption",
                "id": self._new_id("ir"),
                "created_at": date_object(when)["iso"],
                "description": f"Redeemed at {event['name']}",
                "issued_membership_id": membership["id"],
                "linked_event_id": event["id"],
                "linked_order_id": order_id,
            }
        )
        membership["redemptions"] = len(membership["redemption_collection"])
        self.membership_changed[membership["id"]] = when
        return membership

    def _void_membership(self, membership: Record, when: int) -> Record:
        if membership["voided_at"] is not None:
            raise ValueError(f"issued membership {membership['id']} is already void")
        membership.update(is_valid="false", voided_at=when)
        self.membership_changed[membership["id"]] = when
        return membership

    def issue_membership(self, membership_type_id: str, email: str | None = None) -> Record:
        """Issues a membership of a type now, to a made-up member (with `email` if given)."""
        with self.lock:
            membership_type = self.membership_types[membership_type_id]
            membership = self._issue_membership(membership_type, self.now, email)
            self._notify("ISSUED_MEMBERSHIP.CREATED", "issued_memberships", membership)
            return membership

    def void_membership(self, membership_id: str) -> Record:
        """Voids a membership now: is_valid "false", voided_at now."""
        with self.lock:
            membership = self._void_membership(self.issued_memberships[membership_id], self.now)
            self._notify("ISSUED_MEMBERSHIP.UPDATED", "issued_memberships", membership)
            return membership

    def redeem_membership(
        self, membership_id: str, event_id: str, order_id: str | None = None
    ) -> Record:
        """Redeems a membership now at an event (for an order if given); returns the
        membership, whose redemption_collection ends with the new redemption."""
        with self.lock:
            if order_id is not None and order_id not in self.orders:
                raise KeyError(f"no order {order_id}")
            membership = self.issued_memberships[membership_id]
            self._redeem(membership, self.events[event_id], order_id, self.now)
            self._notify("ISSUED_MEMBERSHIP.UPDATED", "issued_memberships", membership)
            return membership

    # -- holds

    def _held(self, event: Record, quantities: dict[str, int]) -> list[Record]:
        """Checks a hold's quantities against the event: its `quantities` list."""
        type_ids = {ticket_type["id"] for ticket_type in event["ticket_types"]}
        for type_id, quantity in quantities.items():
            if type_id not in type_ids:
                raise KeyError(f"event {event['id']} has no ticket type {type_id}")
            if not isinstance(quantity, int) or quantity < 1:
                raise ValueError(f"a hold's quantity must be a positive int, got {quantity!r}")
        return [{"ticket_type_id": t, "quantity": q} for t, q in quantities.items()]

    def _move_held(self, hold: Record, sign: int) -> None:
        """Adds (sign 1) or takes (-1) a hold's tickets to its event's counters."""
        event = self.events.get(hold["event_id"])
        if event is None:  # a deleted event keeps no counters
            return
        types = {ticket_type["id"]: ticket_type for ticket_type in event["ticket_types"]}
        for entry in hold["quantities"]:
            types[entry["ticket_type_id"]]["quantity_held"] += sign * entry["quantity"]
        event["total_holds"] += sign * hold["total_on_hold"]

    def _add_hold(
        self, event: Record, quantities: dict[str, int], note: str | None, created_at: int
    ) -> Record:
        held = self._held(event, quantities)
        hold_id = self._new_id("ho")
        hold = {
            "object": "hold",
            "id": hold_id,
            "created_at": date_object(created_at),
            "note": note,
            "total_on_hold": sum(entry["quantity"] for entry in held),
            "updated_at": date_object(created_at),
            "quantities": held,
            "event_id": event["id"],
        }
        self._move_held(hold, 1)
        self.holds[hold_id] = hold
        self._sorted["holds"].add(hold)
        return hold

    def _take_from_hold(self, hold: Record, ticket_type_id: str | None, when: int) -> str:
        """Takes one ticket from a hold (of `ticket_type_id`, or its first held type) for a
        ticket issued from it at `when`; returns the ticket type."""
        entries = [
            entry
            for entry in hold["quantities"]
            if ticket_type_id is None or entry["ticket_type_id"] == ticket_type_id
        ]
        if not entries:
            wanted = ticket_type_id or "any ticket type"
            raise ValueError(f"hold {hold['id']} holds no tickets of {wanted}")
        self._move_held(hold, -1)
        entry = entries[0]
        entry["quantity"] -= 1
        if not entry["quantity"]:
            hold["quantities"].remove(entry)
        hold["total_on_hold"] -= 1
        hold["updated_at"] = date_object(when)
        self._move_held(hold, 1)
        return str(entry["ticket_type_id"])

    def add_hold(
        self, event_id: str, quantities: dict[str, int] | None = None, note: str | None = None
    ) -> Record:
        """Holds tickets of an event now: ticket type id -> quantity (default 2 of its first
        ticket type)."""
        with self.lock:
            event = self.events[event_id]
            if quantities is None:
                quantities = {event["ticket_types"][0]["id"]: 2}
            return self._add_hold(event, quantities, note, self.now)

    def update_hold(
        self,
        hold_id: str,
        quantities: dict[str, int] | None = None,
        note: str | None = None,
    ) -> Record:
        """Replaces a hold's quantities and / or note; updated now, the counters follow."""
        with self.lock:
            hold = self.holds[hold_id]
            if quantities is not None:
                held = self._held(self.events[hold["event_id"]], quantities)
                self._move_held(hold, -1)
                hold["quantities"] = held
                hold["total_on_hold"] = sum(entry["quantity"] for entry in held)
                self._move_held(hold, 1)
            if note is not None:
                hold["note"] = note
            hold["updated_at"] = date_object(self.now)
            return hold

    def release_hold(self, hold_id: str) -> Record:
        """Deletes a hold, giving its tickets back (the counters go down)."""
        with self.lock:
            hold = self.holds.pop(hold_id)
            self._sorted["holds"].remove(hold)
            self._move_held(hold, -1)
            return hold
