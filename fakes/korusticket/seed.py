"""The KorusTicket fake's generated data: `seed_data`, and the catalogs, product bases and
products that only seeding makes."""

from __future__ import annotations

import re
import unicodedata

from fakes.data import DAY, HOUR, Record, between, gc_paused, iso, pick
from fakes.korusticket.ids import ById
from fakes.korusticket.model import (
    CATALOGS,
    DEFAULT_LANGUAGE,
    HOLD,
    KorusTicketModel,
    iri_id,
    midnight,
    unix_second,
)

CATALOG_NAMES = (
    "Château de Montrésor",
    "Musée des Confluences",
    "Aquarium de La Rochelle",
    "Festival des Lumières",
    "Jardins du Palais",
)
# (city, postal code, latitude, longitude)
CITIES = (
    ("Tours", "37000", "47.394144", "0.684840"),
    ("Lyon", "69002", "45.733061", "4.818097"),
    ("La Rochelle", "17000", "46.153473", "-1.152064"),
    ("Bordeaux", "33000", "44.837789", "-0.579180"),
    ("Annecy", "74000", "45.899247", "6.129384"),
)
STREETS = ("rue du Château", "quai Perrache", "avenue de la Libération", "place de la Comédie")
# (fr name, en name, recurring)
BASE_KINDS = (
    ("Visite libre", "Self-guided visit", True),
    ("Visite guidée", "Guided tour", True),
    ("Spectacle nocturne", "Night show", False),
    ("Atelier enfants", "Children's workshop", True),
    ("Concert au jardin", "Garden concert", False),
    ("Escape game", "Escape game", True),
)
# (code, fr label, en label, price factor)
CATEGORIES = (
    ("adult", "Plein tarif", "Full price", 1.0),
    ("child", "Enfant (4-12 ans)", "Child (4-12)", 0.5),
    ("reduced", "Tarif réduit", "Concession", 0.75),
    ("senior", "Senior", "Senior", 0.8),
    ("student", "Étudiant", "Student", 0.7),
    ("family", "Famille (2+2)", "Family (2+2)", 3.0),
)
BASE_PRICES = (900, 1200, 1500, 1800, 2200, 2500)  # cents, tax included


class SeededKorusTicket(KorusTicketModel):
    """The model plus `seed_data`, which generates catalogs and bookings from the seed."""

    def seed_data(
        self,
        catalogs: int = 1,
        product_bases: int = 4,
        products_per_base: int = 3,
        offers_per_product: int = 8,
        orders: int = 500,
        reservations: int = 100,
        days: int = 90,
        documents_per_order: int = 1,
    ) -> None:
        """Generates catalogs and `days` days of bookings from `seed`.

        Each catalog has `product_bases` bases (a quarter, at least one of two or more,
        disabled) of `products_per_base` products, each with `offers_per_product` offers on
        distinct days from 30 days ago to 60 days ahead. Reservations are spread over the last
        `days` days, a tenth (at least one of two or more) still holding; about half the expired
        ones, up to half the orders, became an order within their hold. The other orders are
        spread over the same days with one in twenty (at least one) in the same second as the
        one before; 6% (at least one of two or more) were cancelled since. Every order has
        `documents_per_order` documents.
        """
        rng = self.rng
        now = int(self._anchor())
        first = now - days * DAY
        with self.lock, gc_paused():
            made = [
                self._seed_catalog(
                    len(self.catalogs), now, product_bases, products_per_base, offers_per_product
                )
                for _ in range(catalogs)
            ]
            if not made:
                return
            expired_before = now - HOLD  # a reservation made before this has expired by now
            holding = max(1, reservations // 10) if reservations >= 2 else 0
            recent = min(max(first, expired_before + 60), now - 1)
            stamps = [between(rng, recent, now - 1) for _ in range(holding)]
            late = min(first, expired_before - 1)
            stamps += [
                between(rng, late, expired_before - 1) for _ in range(reservations - holding)
            ]
            made_reservations = []
            for stamp in sorted(stamps):
                ms = stamp * 1000 + between(rng, 0, 999)
                catalog = pick(rng, made)
                lines = self._lines(catalog["id"], stamp)
                made_reservations.append(
                    self._make_reservation(self._new_id(ms), catalog, stamp, lines)
                )
            self._reservations.extend(made_reservations)

            expired = [r for r in made_reservations if unix_second(r["expiresAt"]) <= now]
            converted = rng.sample(expired, min(len(expired) // 2, orders // 2))
            # (ms, catalog, lines, reservation) of each order
            specs: list[tuple[int, Record, list[tuple[Record, int]], Record | None]] = []
            for reservation in converted:
                stamp = unix_second(reservation["createdAt"]) + between(rng, 30, HOLD - 60)
                catalog = self.catalogs[iri_id(reservation["catalog"])]
                lines = [
                    (self.offers[iri_id(item["offer"])], item["quantity"])
                    for item in reservation["items"]
                ]
                specs.append((stamp * 1000 + between(rng, 0, 999), catalog, lines, reservation))
            rest = sorted(between(rng, first, now - 1) for _ in range(orders - len(converted)))
            tied = False
            for i in range(1, len(rest)):
                if rng.random() < 0.05:
                    rest[i], tied = rest[i - 1], True
            if not tied and len(rest) >= 2:
                rest[1] = rest[0]
            for stamp in rest:
                catalog = pick(rng, made)
                ms = stamp * 1000 + between(rng, 0, 999)
                specs.append((ms, catalog, self._lines(catalog["id"], stamp), None))
            specs.sort(key=lambda spec: spec[0])
            made_orders = []
            for ms, catalog, lines, reservation in specs:
                order = self._make_order(self._new_id(ms), catalog, lines, reservation)
                created = ms // 1000
                for _ in range(documents_per_order):
                    doc_ms = min(now * 1000, ms + between(rng, 1_000, 120_000))
                    if rng.random() < 0.1:
                        downloadable = now + between(rng, DAY, 30 * DAY)
                    else:
                        downloadable = doc_ms // 1000 + between(rng, 0, 60)
                    self._make_document(self._new_id(doc_ms), order, downloadable)
                if rng.random() < 0.06:
                    self._cancel(order, between(rng, created, now))
                made_orders.append(order)
            if len(made_orders) >= 2 and not any(o["cancelledAt"] for o in made_orders):
                order = pick(rng, made_orders)
                self._cancel(order, between(rng, unix_second(order["createdAt"]), now))
            self._orders.extend(made_orders)
            self._expire_due()

    def _seed_catalog(
        self, number: int, now: int, bases: int, products_per_base: int, offers_per_product: int
    ) -> Record:
        rng = self.rng
        created = now - between(rng, 120 * DAY, 400 * DAY)
        catalog_id = self._new_id(created * 1000 + between(rng, 0, 999))
        name = CATALOG_NAMES[number % len(CATALOG_NAMES)]
        if number >= len(CATALOG_NAMES):
            name = f"{name} {number // len(CATALOG_NAMES) + 1}"
        iri = f"{CATALOGS}/{catalog_id}"
        synced = now - between(rng, 60, 6 * HOUR)
        venue = self._venue(name)
        media = f"https://cdn.korusticket.com/catalogs/{catalog_id}"
        catalog: Record = {
            "@id": iri,
            "@type": "TicketingCatalog",
            "id": catalog_id,
            "createdAt": iso(created),
            "lastSyncedAt": iso(synced),
            "name": name,
            "supportedLanguage": DEFAULT_LANGUAGE,
            "shortDescription": None,
            "description": None,
            "termsOfUse": None,
            "venue": None if number % 3 == 2 else venue,
            "logo": None if number % 2 else {"url": f"{media}/logo.png", "position": 0},
            "gallery": [
                {"url": f"{media}/gallery-{i + 1}.jpg", "position": i}
                for i in range(between(rng, 0, 4))
            ],
        }
        texts: dict[str, dict[str, str | None]] = {
            "shortDescription": {
                "fr": f"<p>Billetterie officielle : {name}.</p>",
                "en": f"<p>Official ticket office: {name}.</p>",
            },
            "description": {
                "fr": f"<p>Réservez vos billets pour {name} et profitez de nos visites.</p>",
                "en": f"<p>Book your tickets for {name} and enjoy our tours.</p>",
            },
        }
        if number % 2 == 0:
            texts["termsOfUse"] = {
                "fr": "<p>Billets non remboursables.</p>",
                "en": "<p>Tickets are non-refundable.</p>",
            }
        self._translate(catalog, texts)
        self.catalogs[catalog_id] = catalog
        self._catalogs.add(catalog)
        self._bases_by_catalog[catalog_id] = ById()
        self._products_by_catalog[catalog_id] = ById()
        self._offers_by_catalog[catalog_id] = ById()
        self._offers_by_date[catalog_id] = ([], [])
        disabled = set(rng.sample(range(bases), max(1, round(bases / 4)))) if bases >= 2 else set()
        today = midnight(now)
        for b in range(bases):
            base_ms = (created + between(rng, 0, DAY)) * 1000 + between(rng, 0, 999)
            base = self._make_base(catalog, base_ms, b, venue, b in disabled)
            price = pick(rng, BASE_PRICES)
            for p in range(products_per_base):
                product_ms = base_ms + between(rng, 1, 60_000)
                product = self._make_product(catalog, base, product_ms, p, price)
                day_offsets = (
                    rng.sample(range(-30, 61), offers_per_product)
                    if offers_per_product <= 91
                    else [between(rng, -30, 60) for _ in range(offers_per_product)]
                )
                for offset in day_offsets:
                    offer_ms = between(rng, product_ms, synced * 1000)
                    self._make_offer(catalog, product, offer_ms, today + offset * DAY)
        return catalog

    def _venue(self, name: str) -> Record:
        rng = self.rng
        city, postal_code, latitude, longitude = pick(rng, CITIES)
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        slug = re.sub(r"[^a-z]+", "-", ascii_name.lower()).strip("-")
        return {
            "name": name,
            "line1": f"{between(rng, 1, 120)} {pick(rng, STREETS)}",
            "line2": None,
            "postalCode": postal_code,
            "city": city,
            "country": "FR",
            "phone": f"+33 {between(rng, 1, 5)} {between(rng, 10, 99)} "
            f"{between(rng, 10, 99)} {between(rng, 10, 99)} {between(rng, 10, 99)}",
            "website": f"https://www.{slug}.fr",
            "latitude": latitude,
            "longitude": longitude,
        }

    def _make_base(
        self, catalog: Record, ms: int, number: int, venue: Record, disabled: bool
    ) -> Record:
        base_id = self._new_id(ms)
        fr, en, recurring = BASE_KINDS[number % len(BASE_KINDS)]
        if number >= len(BASE_KINDS):
            suffix = f" {number // len(BASE_KINDS) + 1}"
            fr, en = fr + suffix, en + suffix
        base: Record = {
            "@id": f"{catalog['@id']}/product_bases/{base_id}",
            "@type": "TicketingProductBase",
            "id": base_id,
            "catalog": catalog["@id"],
            "name": fr,
            "description": None,
            "disabled": disabled,
            "timezone": "Europe/Paris",
            "recurring": recurring,
            "venue": venue if self.rng.random() < 0.75 else self._venue(f"{fr} - {venue['name']}"),
        }
        self._translate(
            base,
            {
                "name": {"fr": fr, "en": en},
                "description": {
                    "fr": f"<p>{fr} : une expérience à ne pas manquer.</p>",
                    "en": f"<p>{en}: an experience not to be missed.</p>",
                },
            },
        )
        self.product_bases[base_id] = base
        self._bases_by_catalog[catalog["id"]].add(base)
        self._products_by_base[base_id] = ById()
        return base

    def _make_product(
        self, catalog: Record, base: Record, ms: int, number: int, price: int
    ) -> Record:
        product_id = self._new_id(ms)
        code, fr, en, factor = CATEGORIES[number % len(CATEGORIES)]
        base_en = self._i18n[base["id"]]["en"]["name"]
        product: Record = {
            "@id": f"{catalog['@id']}/products/{product_id}",
            "@type": "TicketingProduct",
            "id": product_id,
            "catalog": catalog["@id"],
            "productBase": base["@id"],
            "name": None,
            "description": None,
            "category": code,
        }
        self._translate(
            product,
            {
                "name": {"fr": f"{base['name']} - {fr}", "en": f"{base_en} - {en}"},
                "description": {"fr": f"<p>{fr}</p>", "en": f"<p>{en}</p>"},
            },
        )
        self.products[product_id] = product
        self._products_by_catalog[catalog["id"]].add(product)
        self._products_by_base[base["id"]].add(product)
        self._prices[product_id] = max(100, round(price * factor / 50) * 50)
        return product
