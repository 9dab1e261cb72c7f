"""The KorusTicket fake's data: catalog and booking records and the helpers that change them.

The ground truth is in `catalogs`, `product_bases`, `products`, `offers`, `orders`, `documents`
and `reservations` (id -> the member exactly as a collection serves it in the default language,
to be read, not changed: use the mutation helpers).

Assumptions, as this fake answers them:

Clock and ids
- `now()` is real time plus an offset that the constructor's `now` and `advance()` set. Times
  are served in UTC, whole seconds, `2025-03-01T10:00:00+00:00`.
- Ids are UUIDv7 (RFC 9562): 48-bit unix milliseconds of the record's creation, version 7, the
  RFC variant, 74 random bits from the seeded RNG (sorted within a batch made in one
  millisecond, so ids made together still sort in creation order). A record's createdAt second
  is its id's millisecond // 1000, so id order is createdAt order, ties included. `seed_data`
  works from the constructor's `now` (plus advance()), so the same seed and now give the same
  data; tokens come from a separate RNG and do not disturb it.

Resources
- Catalog: createdAt, lastSyncedAt (bumped to now() whenever the fake changes one of its product
  bases or offers), name, supportedLanguage "fr", the three HTML texts (termsOfUse null on every
  other catalog), venue (null on every third catalog), logo (null on every other catalog) and
  gallery. Media are `{"url", "position"}` (logo position 0), a guess.
- Product base: catalog, name, description, disabled, timezone "Europe/Paris", recurring,
  venue (the catalog's, or its own). The collection hides disabled bases unless
  `withDisabled=true`; a single GET serves them. A quarter of seeded bases (at least one when
  there are two or more) are disabled.
- Product: catalog, productBase, name, description, category (a code: adult, child, reduced,
  senior, student, family). Product lists do not hide products of disabled bases.
- Offer: catalog, product, date (a day at 00:00:00+00:00, as API Platform serialises a Doctrine
  date; add_offer truncates to the day too), price {amountInclTax, originalAmountInclTax
  (decimal strings with two places; 15% of offers are discounted 20%), currency "eur"}, tickets
  (1-2 IRIs `/v1/ticketing/catalogs/<c>/offers/<o>/tickets/<t>`), availableQuantity. Filters
  `date[...]`, `order[date]`, `productBaseId` (a uuid or the base's IRI). Offers sort by id
  and are filtered by scanning: a catalog holds hundreds, not millions.
- Order: exactly the README's fields plus @id / @type. organization is one
  `/v1/organizations/<uuid>` for the whole fake; reference `KT` + 8 characters;
  externalReference `EXT-0000001`... unique, rising with createdAt (the `external_reference`
  filter is an exact match); connectorReference null on 60%; amounts are decimal strings, tax
  excluded at 5.5% (French VAT on admissions); reservation is the IRI of the reservation it was
  made from, or null; customer {firstName, lastName, email, phone (null on 20%)}; status
  confirmed | cancelled, with cancelledAt null or the cancellation time (createdAt never
  changes). Items: `{"@id": "/v1/booking/orders/<o>/items/<i>", "@type": "BookingOrderItem",
  id, offer, product, quantity, unitAmountInclTax, totalAmountInclTax, tickets}`, tickets being
  one IRI per unit: `/v1/booking/orders/<o>/items/<i>/tickets/<t>` (not served). Items pick
  offers dated on or after the order's day where there are any.
- Order document: order, downloadableAt, temporaryUrl. The URL is presigned S3 style on
  storage.korusticket.com (not served, don't fetch it), valid 300 s, and minted per GET: its
  signature changes on every GET, so a client must not diff on it. It is null while now() is
  before downloadableAt (10% of seeded documents become downloadable 1-30 days from now). The
  ground truth holds temporaryUrl null; everything else is as served. Documents are listed by
  id under their order only.
- Reservation: createdAt, expired, expiresAt, catalog, totals, items `{offer, product, session,
  quantity}` (session `/v1/ticketing/catalogs/<c>/offers/<o>/tickets/<t>/sessions/<s>`, not
  served). A reservation holds for 15 minutes (expiresAt = createdAt + 900 s) and `expired` is
  computed: true once now() reaches expiresAt (expire_reservation() ends the hold now). Like a
  cancellation, expiry changes a record without changing createdAt. The ground truth is brought
  up to date by every reservation GET, the reservation helpers and advance(); `advance(0)`
  refreshes it after real time has passed. A tenth of seeded reservations are still holding;
  about half of the expired ones became an order within their hold (with the same items).
"""

from __future__ import annotations

import heapq
import random
import threading
import time
from bisect import bisect_left, bisect_right
from datetime import UTC, datetime
from typing import Any

from fakes.data import CODE_CHARS, DAY, FIRST_NAMES, LAST_NAMES, Record, between, iso, pick
from fakes.korusticket.ids import ById, uuid7, uuid7_ms

API = "/v1"
CATALOGS = f"{API}/ticketing/catalogs"
ORDERS = f"{API}/booking/orders"
RESERVATIONS = f"{API}/booking/reservations"
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
HOLD = 15 * 60  # how long a reservation holds its offers
VAT = 1.055

BASE_FIELDS = frozenset(("name", "description", "disabled", "timezone", "recurring", "venue"))
TRANSLATED = frozenset(("name", "description", "shortDescription", "termsOfUse"))


def parse_instant(raw: str) -> float | None:
    """A filter value as a unix time, or None where API Platform would ignore the filter."""
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _cents(amount: str) -> int:
    units, _, hundredths = amount.partition(".")
    return int(units) * 100 + int(hundredths or 0)


def _excluding_tax(cents: int) -> int:
    return round(cents / VAT)


def midnight(unix: float) -> int:
    return int(unix) // DAY * DAY


def iri_id(value: str) -> str:
    """The id at the end of an IRI (or the value itself, if it is an id)."""
    return value.rstrip("/").rpartition("/")[2].lower()


def unix_second(timestamp: str) -> int:
    """A served timestamp as a unix second."""
    return int(datetime.fromisoformat(timestamp).timestamp())


class KorusTicketModel:
    """KorusTicket's records and the helpers that change them; its clock is now()."""

    def __init__(
        self, now: float | None = None, seed: int = 0, lock: threading.RLock | None = None
    ) -> None:
        # held by the mutation helpers; a server passes the lock its handlers hold
        self.lock = threading.RLock() if lock is None else lock
        self._fixed_now = now
        self._advanced = 0.0
        self._offset = 0.0 if now is None else now - time.time()
        self.rng = random.Random(seed)
        self.catalogs: dict[str, Record] = {}
        self.product_bases: dict[str, Record] = {}
        self.products: dict[str, Record] = {}
        self.offers: dict[str, Record] = {}
        self.orders: dict[str, Record] = {}
        self.documents: dict[str, Record] = {}
        self.reservations: dict[str, Record] = {}
        self._catalogs = ById()
        self._bases_by_catalog: dict[str, ById] = {}
        self._products_by_catalog: dict[str, ById] = {}
        self._products_by_base: dict[str, ById] = {}
        self._offers_by_catalog: dict[str, ById] = {}
        # per catalog: (date, id) pairs and offers in that order, to pick offers for orders
        self._offers_by_date: dict[str, tuple[list[tuple[int, str]], list[Record]]] = {}
        self._orders = ById()
        self._orders_by_reference: dict[str, list[Record]] = {}
        self._documents_by_order: dict[str, ById] = {}
        self._reservations = ById()
        self._holds: list[tuple[int, str]] = []  # heap of (expiresAt, id) of holding ones
        # non-default languages: id -> language -> field -> text
        self._i18n: dict[str, dict[str, Record]] = {}
        self._prices: dict[str, int] = {}  # product id -> list price in cents
        self._sessions: dict[str, str] = {}  # offer id -> the session IRI reservations use
        self._external_seq = 0
        self.organization_id = self._new_id(int(self._anchor() - 400 * DAY) * 1000)
        self.organization = f"{API}/organizations/{self.organization_id}"

    # -- clock and ids

    def now(self) -> float:
        """The fake's clock: real time plus whatever `advance()` and the constructor added."""
        return time.time() + self._offset

    def _anchor(self) -> float:
        """The `now` that seeding works from: the constructor's (plus advance()), if given."""
        return self.now() if self._fixed_now is None else self._fixed_now + self._advanced

    def _new_id(self, ms: int) -> str:
        return uuid7(ms, self.rng.getrandbits(74))

    def _new_ids(self, ms: int, n: int) -> list[str]:
        """n ids made in one millisecond, in order."""
        return [uuid7(ms, rand) for rand in sorted(self.rng.getrandbits(74) for _ in range(n))]

    def _translate(self, record: Record, texts: dict[str, dict[str, str | None]]) -> Record:
        """Sets translated fields: the default language on the record, others aside."""
        for name, by_language in texts.items():
            for language, text in by_language.items():
                if language == DEFAULT_LANGUAGE:
                    record[name] = text
                else:
                    self._i18n.setdefault(record["id"], {}).setdefault(language, {})[name] = text
        return record

    # -- making records

    def _make_offer(self, catalog: Record, product: Record, ms: int, date: int) -> Record:
        rng = self.rng
        offer_id = self._new_id(ms)
        iri = f"{catalog['@id']}/offers/{offer_id}"
        original = self._prices[product["id"]]
        amount = round(original * 0.8 / 10) * 10 if rng.random() < 0.15 else original
        tickets = [self._new_id(ms) for _ in range(2 if rng.random() < 0.1 else 1)]
        offer: Record = {
            "@id": iri,
            "@type": "TicketingOffer",
            "id": offer_id,
            "catalog": catalog["@id"],
            "product": product["@id"],
            "date": iso(date),
            "price": {
                "amountInclTax": _money(amount),
                "originalAmountInclTax": _money(original),
                "currency": "eur",
            },
            "tickets": [f"{iri}/tickets/{ticket}" for ticket in tickets],
            "availableQuantity": between(rng, 0, 200),
        }
        self._sessions[offer_id] = f"{offer['tickets'][0]}/sessions/{self._new_id(ms)}"
        self.offers[offer_id] = offer
        self._offers_by_catalog[catalog["id"]].add(offer)
        keys, offers = self._offers_by_date[catalog["id"]]
        i = bisect_right(keys, (date, offer_id))
        keys.insert(i, (date, offer_id))
        offers.insert(i, offer)
        return offer

    def _lines(self, catalog_id: str, created: int) -> list[tuple[Record, int]]:
        """1-3 distinct offers dated on or after the day of `created` (any, if none is) and a
        quantity of each."""
        rng = self.rng
        keys, offers = self._offers_by_date[catalog_id]
        candidates = offers[bisect_left(keys, (midnight(created), "")) :] or offers
        if not candidates:
            return []
        roll = rng.random()
        count = min(len(candidates), 1 if roll < 0.6 else 2 if roll < 0.9 else 3)
        chosen: dict[str, Record] = {}
        while len(chosen) < count:
            offer = pick(rng, candidates)
            chosen[offer["id"]] = offer
        return [(offer, between(rng, 1, 4)) for offer in chosen.values()]

    def _make_order(
        self,
        order_id: str,
        catalog: Record,
        lines: list[tuple[Record, int]],
        reservation: Record | None,
    ) -> Record:
        rng = self.rng
        ms = uuid7_ms(order_id)
        iri = f"{ORDERS}/{order_id}"
        items = []
        total = 0
        for offer, quantity in lines:
            item_id = self._new_id(ms)
            item_iri = f"{iri}/items/{item_id}"
            unit = _cents(offer["price"]["amountInclTax"])
            total += unit * quantity
            items.append(
                {
                    "@id": item_iri,
                    "@type": "BookingOrderItem",
                    "id": item_id,
                    "offer": offer["@id"],
                    "product": offer["product"],
                    "quantity": quantity,
                    "unitAmountInclTax": _money(unit),
                    "totalAmountInclTax": _money(unit * quantity),
                    "tickets": [f"{item_iri}/tickets/{self._new_id(ms)}" for _ in range(quantity)],
                }
            )
        first_name, last_name = pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES)
        self._external_seq += 1
        external = f"EXT-{self._external_seq:07d}"
        order: Record = {
            "@id": iri,
            "@type": "BookingOrder",
            "id": order_id,
            "createdAt": iso(ms // 1000),
            "catalog": catalog["@id"],
            "organization": self.organization,
            "reference": "KT" + "".join(pick(rng, CODE_CHARS) for _ in range(8)),
            "externalReference": external,
            "connectorReference": None if rng.random() < 0.6 else f"CNX-{rng.getrandbits(40):010X}",
            "totalAmountInclTax": _money(total),
            "totalAmountExclTax": _money(_excluding_tax(total)),
            "reservation": None if reservation is None else reservation["@id"],
            "customer": {
                "firstName": first_name,
                "lastName": last_name,
                "email": f"{first_name}.{last_name}.{between(rng, 1, 9999)}@example.com".lower(),
                "phone": None
                if rng.random() < 0.2
                else f"+33 6 {between(rng, 10, 99)} {between(rng, 10, 99)} "
                f"{between(rng, 10, 99)} {between(rng, 10, 99)}",
            },
            "status": "confirmed",
            "cancelledAt": None,
            "items": items,
        }
        self.orders[order_id] = order
        self._orders_by_reference.setdefault(external, []).append(order)
        self._documents_by_order[order_id] = ById()
        return order

    def _make_document(self, document_id: str, order: Record, downloadable: int) -> Record:
        document = {
            "@id": f"{order['@id']}/documents/{document_id}",
            "@type": "BookingOrderDocument",
            "id": document_id,
            "order": order["@id"],
            "downloadableAt": iso(downloadable),
            "temporaryUrl": None,
        }
        self.documents[document_id] = document
        self._documents_by_order[order["id"]].add(document)
        return document

    def _make_reservation(
        self, reservation_id: str, catalog: Record, created: int, lines: list[tuple[Record, int]]
    ) -> Record:
        total = sum(_cents(offer["price"]["amountInclTax"]) * quantity for offer, quantity in lines)
        expires = created + HOLD
        reservation: Record = {
            "@id": f"{RESERVATIONS}/{reservation_id}",
            "@type": "BookingReservation",
            "id": reservation_id,
            "createdAt": iso(created),
            "expired": False,
            "expiresAt": iso(expires),
            "catalog": catalog["@id"],
            "totalAmountInclTax": _money(total),
            "totalAmountExclTax": _money(_excluding_tax(total)),
            "items": [
                {
                    "offer": offer["@id"],
                    "product": offer["product"],
                    "session": self._sessions[offer["id"]],
                    "quantity": quantity,
                }
                for offer, quantity in lines
            ],
        }
        self.reservations[reservation_id] = reservation
        heapq.heappush(self._holds, (expires, reservation_id))
        return reservation

    def _expire_due(self) -> None:
        """Marks expired the reservations whose hold has run out by now()."""
        now = self.now()
        while self._holds and self._holds[0][0] <= now:
            _, reservation_id = heapq.heappop(self._holds)
            reservation = self.reservations.get(reservation_id)
            if reservation is not None:
                reservation["expired"] = True

    def _cancel(self, order: Record, when: int) -> None:
        order["status"] = "cancelled"
        order["cancelledAt"] = iso(when)

    def _touch(self, catalog_iri: str) -> None:
        self.catalogs[iri_id(catalog_iri)]["lastSyncedAt"] = iso(self.now())

    def _catalog_list(self) -> list[Record]:
        if not self._catalogs.items:
            raise ValueError("no catalog: call seed_data() first")
        return self._catalogs.items

    # -- mutation helpers: each takes the lock, stamps now() and returns what it made or changed

    def advance(self, seconds: float) -> float:
        """Moves the fake's clock on; returns the new now()."""
        with self.lock:
            self._offset += seconds
            self._advanced += seconds
            self._expire_due()
            return self.now()

    def add_orders(self, n: int, created_at: float | None = None) -> list[Record]:
        """Makes n confirmed orders at `created_at` (unix; default now()) in random catalogs,
        without a reservation, each with items and one document downloadable at once."""
        with self.lock:
            catalogs = self._catalog_list()
            when = self.now() if created_at is None else created_at
            ms = int(when * 1000)
            made = []
            for order_id in self._new_ids(ms, n):
                catalog = pick(self.rng, catalogs)
                lines = self._lines(catalog["id"], ms // 1000)
                order = self._make_order(order_id, catalog, lines, None)
                self._make_document(self._new_id(ms), order, ms // 1000)
                self._orders.add(order)
                made.append(order)
            return made

    def cancel_order(self, order_id: str) -> Record:
        """Cancels an order now: status and cancelledAt change, createdAt does not. An order
        already cancelled stays as it was."""
        with self.lock:
            order = self.orders[order_id]
            if order["status"] != "cancelled":
                self._cancel(order, int(self.now()))
            return order

    def add_reservations(self, n: int, created_at: float | None = None) -> list[Record]:
        """Makes n reservations at `created_at` (unix; default now()) in random catalogs,
        holding for 15 minutes from then."""
        with self.lock:
            catalogs = self._catalog_list()
            when = self.now() if created_at is None else created_at
            ms = int(when * 1000)
            made = []
            for reservation_id in self._new_ids(ms, n):
                catalog = pick(self.rng, catalogs)
                lines = self._lines(catalog["id"], ms // 1000)
                reservation = self._make_reservation(reservation_id, catalog, ms // 1000, lines)
                self._reservations.add(reservation)
                made.append(reservation)
            self._expire_due()
            return made

    def expire_reservation(self, reservation_id: str) -> Record:
        """Ends a reservation's hold now: expired true, expiresAt now. One already expired
        stays as it was."""
        with self.lock:
            self._expire_due()
            reservation = self.reservations[reservation_id]
            if not reservation["expired"]:
                reservation["expired"] = True
                reservation["expiresAt"] = iso(self.now())
            return reservation

    def add_document(self, order_id: str) -> Record:
        """Adds a document to an order, made and downloadable now."""
        with self.lock:
            order = self.orders[order_id]
            now = self.now()
            return self._make_document(self._new_id(int(now * 1000)), order, int(now))

    def add_offer(
        self, catalog_id: str, product_id: str | None = None, date: float | str | None = None
    ) -> Record:
        """Adds an offer, made now, for a product of the catalog (default: a random one) on the
        day of `date` (unix or ISO; default a week from now). Bumps the catalog's
        lastSyncedAt."""
        with self.lock:
            catalog = self.catalogs[catalog_id]
            now = self.now()
            if product_id is None:
                products = self._products_by_catalog[catalog_id].items
                if not products:
                    raise ValueError(f"catalog {catalog_id} has no products")
                product = pick(self.rng, products)
            else:
                product = self.products[product_id]
                if product["catalog"] != catalog["@id"]:
                    raise KeyError(f"product {product_id} is not in catalog {catalog_id}")
            if date is None:
                day = now + 7 * DAY
            elif isinstance(date, str):
                parsed = parse_instant(date)
                if parsed is None:
                    raise ValueError(f"not an ISO date: {date!r}")
                day = parsed
            else:
                day = date
            offer = self._make_offer(catalog, product, int(now * 1000), midnight(day))
            self._touch(catalog["@id"])
            return offer

    def delete_offer(self, offer_id: str) -> Record:
        """Removes an offer from its catalog (orders keep their references to it). Bumps the
        catalog's lastSyncedAt."""
        with self.lock:
            offer = self.offers.pop(offer_id)
            catalog_id = iri_id(offer["catalog"])
            self._offers_by_catalog[catalog_id].remove(offer_id)
            keys, offers = self._offers_by_date[catalog_id]
            i = next(i for i, (_, key) in enumerate(keys) if key == offer_id)
            del keys[i], offers[i]
            self._touch(offer["catalog"])
            return offer

    def update_product_base(self, product_base_id: str, **fields: Any) -> Record:
        """Sets product base fields (name, description, disabled, timezone, recurring, venue)
        and bumps its catalog's lastSyncedAt. A string for name / description is the default
        language's text (other languages keep theirs); a {language: text} dict sets several."""
        with self.lock:
            base = self.product_bases[product_base_id]
            unknown = sorted(set(fields) - BASE_FIELDS)
            if unknown:
                raise KeyError(f"a product base has no settable field {unknown}")
            for name, value in fields.items():
                if name in TRANSLATED and isinstance(value, dict):
                    strange = sorted(set(value) - set(LANGUAGES))
                    if strange:
                        raise ValueError(f"unsupported languages {strange}")
                    self._translate(base, {name: value})
                else:
                    base[name] = value
            self._touch(base["catalog"])
            return base

    def disable_product_base(self, product_base_id: str) -> Record:
        """Disables a product base: the collection hides it unless withDisabled=true."""
        return self.update_product_base(product_base_id, disabled=True)
