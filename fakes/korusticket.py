"""A fake KorusTicket API (API Platform 4, JSON-LD) and its Keycloak token endpoint, on loopback.

What is known of the vendor is its endpoint list and published facts, summarised in
sources/korusticket/README.md; response schemas are not published. Where those are silent the
fake follows API Platform 4 defaults (JSON-LD, unprefixed Hydra keys), read from API Platform's
own source. The ground truth is in `catalogs`, `product_bases`, `products`,
`offers`, `orders`, `documents` and `reservations` (id -> the member exactly as a collection
serves it in the default language, to be read, not changed: use the mutation helpers). A single
GET serves the same member with `"@context"` added first.

Assumptions, as this fake answers them:

Auth (Keycloak, OAuth2 client credentials)
- The token endpoint is served by the same fake at `token_path`; the real one is on another host
  (auth.korusticket.com). It takes a form body `grant_type=client_credentials` with the client
  id and secret either in the form or as HTTP Basic auth (RFC 6749 2.3.1; Basic wins when both
  are sent, its parts form-urldecoded). Checks run in Keycloak's order: a missing grant_type is
  400 `invalid_request`; a grant other than client_credentials / refresh_token is 400
  `unsupported_grant_type`; then a wrong or missing client id or secret is 401 `invalid_client`
  ("Invalid client or Invalid client credentials"). A JSON body is not read (it counts as a
  missing grant_type), as in Keycloak.
- The answer is `{access_token, expires_in: token_ttl, refresh_expires_in: 0, token_type:
  "Bearer", not-before-policy: 0, scope: "profile email"}` with `Cache-Control: no-store`. No
  refresh token: Keycloak issues none to client-credentials grants by default (the README's list
  names one; a client must not need it: it asks for a new token). Set `refresh_tokens = True` to
  add `refresh_token` (valid `refresh_ttl` seconds) and accept `grant_type=refresh_token`;
  without it that grant is 400 `invalid_grant` "Invalid refresh token".
- Access tokens look like Keycloak's JWTs (RS256 header; exp, iat, jti, iss, azp, scope... claims)
  but the signature is random bytes: the server trusts only its own record of what it issued
  and when each token expires (`expire_tokens()` makes the `exp` claim lie).
- `token_requests` counts successful grants only. The token endpoint shares the request log,
  latency, rate-limit window and injected faults with the API, and its faults and limiter
  answers use the API's error shape.
- The API wants `Authorization: Bearer <token>`; otherwise 401 `application/json` in Lexik's
  shape with `WWW-Authenticate: Bearer`: `{"code": 401, "message": "JWT Token not found"}`
  (no bearer token), "Invalid JWT Token" (not issued here) or "Expired JWT Token" (now() is at
  or past its expiry). Auth is checked before routing, so an unknown path without a token is a
  401, not a 404.

Clock and ids
- `now()` is real time plus an offset that the constructor's `now` and `advance()` set. Times
  are served in UTC, whole seconds, `2025-03-01T10:00:00+00:00`.
- Ids are UUIDv7 (RFC 9562): 48-bit unix milliseconds of the record's creation, version 7, the
  RFC variant, 74 random bits from the seeded RNG (sorted within a batch made in one
  millisecond, so ids made together still sort in creation order). A record's createdAt second
  is its id's millisecond // 1000, so id order is createdAt order, ties included. `seed_data`
  works from the constructor's `now` (plus advance()), so the same seed and now give the same
  data; tokens come from a separate RNG and do not disturb it.

JSON-LD and collections
- 200s are `application/ld+json; charset=utf-8` with `Content-Language`, `Vary: Accept,
  Accept-Language` and API Platform's `Link: <.../v1/docs.jsonld>; rel="...#apiDocumentation"`.
  The `Accept` header is not negotiated: always JSON-LD.
- `@type` / `@context` use the resource names of the endpoint list: TicketingCatalog,
  TicketingProductBase, TicketingProduct, TicketingOffer, BookingOrder, BookingOrderItem,
  BookingOrderDocument, BookingReservation; `@context` is `/v1/contexts/<Type>`. Embedded
  objects that are not resources (venue, price, customer, reservation items, media) carry no
  `@id` / `@type` (API Platform's genId turned off).
- A collection is `{"@context", "@id": <path>, "@type": "Collection", "totalItems", "member",
  "view", "search"}`. `view` follows API Platform 4's PartialCollectionViewNormalizer: absent
  when everything fits on one page and the query has no parameter but `page`; only `{"@id",
  "@type"}` (the @id without `page`) when it fits on one page but the query has other
  parameters; otherwise `@id` (with the page), `first`, `last`, `previous` (page > 1) and
  `next` (page < last). The links are relative IRIs that keep every query parameter the caller
  sent, in its order with `page` moved last, re-encoded as PHP's http_build_query (RFC 3986):
  `/v1/booking/orders?createdAt%5Bafter%5D=2025-03-01T10%3A00%3A00%2B00%3A00&itemsPerPage=50&page=2`.
  `search` is API Platform's IriTemplate of the collection's filters, on filterable lists only.
- Paging: `page` (default 1) and `itemsPerPage` (default 10; above 50 is served as 50, API
  Platform's maximum_items_per_page; 0 gives an empty page). The last page is
  ceil(totalItems / itemsPerPage), at least 1; a page past it is an empty 200. A page below 1
  is 400 "Page should not be less than 1", a negative itemsPerPage 400 "Limit should not be less
  than 0", and (stricter than PHP's (int) cast, which would read "2abc" as 2) a value that is not
  an integer is 400 too.
- Errors other than the 401s are API Platform 4's Hydra error, `application/problem+json;
  charset=utf-8`: `{"@context": "/v1/contexts/Error", "@id": "/v1/errors/<status>", "@type":
  "Error", "title": "An error occurred", "detail", "status", "type": "/errors/<status>",
  "description": <detail>}`. An unknown or malformed id is 404 "Not Found"; so is a child whose
  parent in the path is not its own. A list under a well-formed but unknown parent id is an
  empty 200, as API Platform's links do. No rate limit is published: responses carry no
  rate-limit headers; a 429 from `rate_limit` carries `Retry-After` only.
- Filters are those the README lists; unknown query parameters are ignored, as are filter values
  API Platform would ignore (an unparseable date, an order direction other than asc/desc, a
  withDisabled that is not true/false/1/0). Date filters compare instants: `after` >=,
  `strictly_after` >, `before` <=, `strictly_before` <. A value without an offset is UTC; a date
  alone is midnight UTC. A `+` offset sent unencoded arrives as a space and makes the value
  unparseable, so the filter is ignored: clients must percent-encode it. (A real Doctrine
  backend may compare wall-clock times and drop sub-seconds: send UTC whole seconds.)
- Lists are ascending by id, i.e. by creation. `order[createdAt]` / `order[date]` = desc serves
  the exact reverse (ties by id descending), asc the same order as the default for orders and
  reservations; offers ordered by date break ties by id in the same direction. So every walk is
  over a total order and paging with a fixed filter never repeats or skips a record, unless
  records are created meanwhile (they land on the last pages of an ascending walk).
- `Accept-Language` picks fr or en by q-value (a region such as en-GB counts as its language;
  anything else falls back to fr, the catalogs' supportedLanguage); `Content-Language` echoes
  the pick. Translated: catalog shortDescription / description / termsOfUse, product base and
  product name / description. Catalog names, categories and everything else are not.

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
- Only GETs and the token POST are served: the bulk POSTs, PATCHes, tickets, sessions, options,
  availability and price sub-resources are not.

    python -m fakes.korusticket --port 8767 --orders 500 --client-id korus-test-client \\
        --client-secret korus-test-secret --latency 0 --seed 0
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import math
import random
import re
import time
import unicodedata
import uuid
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, unquote_plus

import orjson

from fakes.server import FakeError, FakeServer, Request, Response, command_line
from fakes.ticket_tailor import CODE_CHARS, FIRST_NAMES, LAST_NAMES, _between, _gc_paused, _pick
from fakes.ticketsource import iso

Record = dict[str, Any]
Serve = Callable[[Record], Record]

HOUR = 3_600
DAY = 86_400
TOKEN_PATH = "/realms/korusticket/protocol/openid-connect/token"
API = "/v1"
CATALOGS = f"{API}/ticketing/catalogs"
ORDERS = f"{API}/booking/orders"
RESERVATIONS = f"{API}/booking/reservations"
UUID = r"([^/]+)"  # checked by the handlers: a malformed id is a 404, as API Platform answers
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
JSONLD = "application/ld+json; charset=utf-8"
PROBLEM = "application/problem+json; charset=utf-8"
DOCS_REL = "http://www.w3.org/ns/hydra/core#apiDocumentation"
LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
DEFAULT_ITEMS_PER_PAGE = 10
MAX_ITEMS_PER_PAGE = 50
HOLD = 15 * 60  # how long a reservation holds its offers
URL_TTL = 300  # a document's temporaryUrl
VAT = 1.055
SCOPE = "profile email"
INVALID_CLIENT = "Invalid client or Invalid client credentials"
NOT_FOUND = "Not Found"
DATE_OPERATORS = ("before", "strictly_before", "after", "strictly_after")

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
# which query parameters filter which property, for the collections' `search` templates
ORDER_FILTERS = (
    *((f"createdAt[{op}]", "createdAt") for op in DATE_OPERATORS),
    ("order[createdAt]", "createdAt"),
    ("external_reference", "externalReference"),
)
RESERVATION_FILTERS = ORDER_FILTERS[:5]
OFFER_FILTERS = (
    *((f"date[{op}]", "date") for op in DATE_OPERATORS),
    ("order[date]", "date"),
    ("productBaseId", "productBase"),
)
BASE_FILTERS = (("withDisabled", "disabled"),)
BASE_FIELDS = frozenset(("name", "description", "disabled", "timezone", "recurring", "venue"))
TRANSLATED = frozenset(("name", "description", "shortDescription", "termsOfUse"))


# -- ids, times and money


def uuid7(ms: int, rand: int) -> str:
    """A UUIDv7 string from unix milliseconds and 74 random bits."""
    value = (
        (ms & 0xFFFF_FFFF_FFFF) << 80
        | 0x7 << 76
        | (rand >> 62 & 0xFFF) << 64
        | 0b10 << 62
        | rand & ((1 << 62) - 1)
    )
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def uuid7_ms(record_id: str) -> int:
    """The unix milliseconds a UUIDv7 was made at."""
    return int(record_id[:8] + record_id[9:13], 16)


def _id_floor(ms: int) -> str:
    """Sorts before every UUIDv7 made at `ms` or later, after every one made before."""
    h = f"{ms:012x}"
    return f"{h[:8]}-{h[8:12]}"


def _instant(raw: str) -> float | None:
    """A filter value as a unix time, or None where API Platform would ignore the filter."""
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _second_bounds(query: dict[str, str], name: str) -> tuple[int | None, int | None]:
    """The inclusive range of whole-second times that `name[after|...]` filters let through."""
    lows: list[int] = []
    highs: list[int] = []
    for operator in DATE_OPERATORS:
        raw = query.get(f"{name}[{operator}]")
        value = None if raw is None else _instant(raw)
        if value is None:
            continue
        if operator == "after":
            lows.append(math.ceil(value))
        elif operator == "strictly_after":
            lows.append(math.floor(value) + 1)
        elif operator == "before":
            highs.append(math.floor(value))
        else:
            highs.append(math.ceil(value) - 1)
    return (max(lows) if lows else None), (min(highs) if highs else None)


def _descending(query: dict[str, str], name: str) -> bool:
    return query.get(f"order[{name}]", "").strip().lower() == "desc"


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _cents(amount: str) -> int:
    units, _, hundredths = amount.partition(".")
    return int(units) * 100 + int(hundredths or 0)


def _excluding_tax(cents: int) -> int:
    return round(cents / VAT)


def _midnight(unix: float) -> int:
    return int(unix) // DAY * DAY


def _iri_id(value: str) -> str:
    """The id at the end of an IRI (or the value itself, if it is an id)."""
    return value.rstrip("/").rpartition("/")[2].lower()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# -- requests


def _language(header: str | None) -> str:
    """The best of LANGUAGES by the Accept-Language q-values, else the default."""
    best, best_q = DEFAULT_LANGUAGE, 0.0
    for part in (header or "").split(","):
        tag, *params = (piece.strip() for piece in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        primary = tag.lower().partition("-")[0]
        if primary in LANGUAGES and q > best_q:
            best, best_q = primary, q
    return best


def _integer(query: dict[str, str], name: str, default: int) -> int:
    raw = query.get(name)
    if raw is None:
        return default
    text = raw.strip()
    if not re.fullmatch(r"[+-]?\d+", text):
        raise FakeError(400, f'The "{name}" parameter must be an integer, "{raw}" given.')
    return int(text)


def _paging(query: dict[str, str]) -> tuple[int, int]:
    """(page, itemsPerPage) as API Platform's Pagination reads them."""
    page = _integer(query, "page", 1)
    if page < 1:
        raise FakeError(400, "Page should not be less than 1")
    limit = min(_integer(query, "itemsPerPage", DEFAULT_ITEMS_PER_PAGE), MAX_ITEMS_PER_PAGE)
    if limit < 0:
        raise FakeError(400, "Limit should not be less than 0")
    if limit == 0 and page > 1:
        raise FakeError(400, "Page should not be greater than 1 if limit is equal to 0")
    return page, limit


def _build_query(params: Iterable[tuple[str, str]]) -> str:
    """PHP's http_build_query(..., PHP_QUERY_RFC3986) of the parsed parameters: `a[x]` keys are
    grouped under `a` at its first appearance, and everything is percent-encoded."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for key, value in params:
        base, bracket, _ = key.partition("[")
        groups.setdefault(base if bracket else key, []).append((key, value))
    parts = []
    for entries in groups.values():
        for key, value in entries:
            base, bracket, rest = key.partition("[")
            if bracket:
                names = [base, *(piece.rstrip("]") for piece in ("[" + rest).split("[")[1:])]
                encoded = quote(names[0], safe="") + "".join(
                    f"%5B{quote(name, safe='')}%5D" for name in names[1:]
                )
            else:
                encoded = quote(key, safe="")
            parts.append(f"{encoded}={quote(value, safe='')}")
    return "&".join(parts)


def _iri(path: str, params: list[tuple[str, str]], page: int | None = None) -> str:
    if page is not None:
        params = [*params, ("page", str(page))]
    query = _build_query(params)
    return f"{path}?{query}" if query else path


def _view(path: str, query: dict[str, str], page: int, last_page: int) -> Record | None:
    """API Platform 4's PartialCollectionView for a page-number paginated collection."""
    params = [(key, value) for key, value in query.items() if key != "page"]
    filtered = any(key != "pagination" for key, _ in params)
    paginated = last_page != 1
    if not paginated:
        if not filtered:
            return None
        return {"@id": _iri(path, params), "@type": "PartialCollectionView"}
    view: Record = {
        "@id": _iri(path, params, page),
        "@type": "PartialCollectionView",
        "first": _iri(path, params, 1),
        "last": _iri(path, params, last_page),
    }
    if page != 1:
        view["previous"] = _iri(path, params, page - 1)
    if page < last_page:
        view["next"] = _iri(path, params, page + 1)
    return view


def _search(path: str, filters: Sequence[tuple[str, str]]) -> Record:
    return {
        "@type": "IriTemplate",
        "template": f"{path}{{?{','.join(variable for variable, _ in filters)}}}",
        "variableRepresentation": "BasicRepresentation",
        "mapping": [
            {
                "@type": "IriTemplateMapping",
                "variable": variable,
                "property": prop,
                "required": False,
            }
            for variable, prop in filters
        ],
    }


def _oauth_error(status: int, error: str, description: str) -> Response:
    return Response(
        status,
        {"error": error, "error_description": description},
        {"Content-Type": "application/json", "Cache-Control": "no-store"},
    )


def _checked_id(raw: str) -> str:
    record_id = raw.lower()
    if not UUID_RE.fullmatch(record_id):
        raise FakeError(404, NOT_FOUND)
    return record_id


class _ById:
    """Records ascending by id (UUIDv7, so by creation), with the ids alongside to bisect."""

    __slots__ = ("ids", "items")

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.items: list[Record] = []

    def __len__(self) -> int:
        return len(self.items)

    def add(self, record: Record) -> None:
        i = bisect_right(self.ids, record["id"])
        self.ids.insert(i, record["id"])
        self.items.insert(i, record)

    def extend(self, records: Iterable[Record]) -> None:
        merged = sorted([*self.items, *records], key=lambda record: record["id"])
        self.items = merged
        self.ids = [record["id"] for record in merged]

    def span(self, low: int | None, high: int | None) -> tuple[int, int]:
        """The index range of records created in the seconds [low, high]."""
        start = 0 if low is None else bisect_left(self.ids, _id_floor(max(0, low * 1000)))
        stop = (
            len(self.ids)
            if high is None
            else bisect_left(self.ids, _id_floor(max(0, (high + 1) * 1000)))
        )
        return start, max(start, stop)


EMPTY = _ById()  # the children of an unknown parent: never add to it


class KorusTicketFake(FakeServer):
    """KorusTicket's catalog and booking GET endpoints, behind a Keycloak client-credentials
    token endpoint; see the module docstring for every assumption."""

    token_path = TOKEN_PATH

    def __init__(
        self,
        client_id: str = "korus-test-client",
        client_secret: str = "korus-test-secret",
        now: float | None = None,
        seed: int = 0,
        token_ttl: int = 1800,
    ) -> None:
        super().__init__(seed)
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_ttl = token_ttl
        self.refresh_tokens = False
        self.refresh_ttl = 1800
        self.token_requests = 0
        self._fixed_now = now
        self._advanced = 0.0
        self._offset = 0.0 if now is None else now - time.time()
        self.rng = random.Random(seed)
        self._token_rng = random.Random(f"korusticket-tokens-{seed}")
        self._tokens: dict[str, float] = {}  # access token -> expiry on the fake's clock
        self._refresh: dict[str, float] = {}
        self.catalogs: dict[str, Record] = {}
        self.product_bases: dict[str, Record] = {}
        self.products: dict[str, Record] = {}
        self.offers: dict[str, Record] = {}
        self.orders: dict[str, Record] = {}
        self.documents: dict[str, Record] = {}
        self.reservations: dict[str, Record] = {}
        self._catalogs = _ById()
        self._bases_by_catalog: dict[str, _ById] = {}
        self._products_by_catalog: dict[str, _ById] = {}
        self._products_by_base: dict[str, _ById] = {}
        self._offers_by_catalog: dict[str, _ById] = {}
        # per catalog: (date, id) pairs and offers in that order, to pick offers for orders
        self._offers_by_date: dict[str, tuple[list[tuple[int, str]], list[Record]]] = {}
        self._orders = _ById()
        self._orders_by_reference: dict[str, list[Record]] = {}
        self._documents_by_order: dict[str, _ById] = {}
        self._reservations = _ById()
        self._holds: list[tuple[int, str]] = []  # heap of (expiresAt, id) of holding ones
        # non-default languages: id -> language -> field -> text
        self._i18n: dict[str, dict[str, Record]] = {}
        self._prices: dict[str, int] = {}  # product id -> list price in cents
        self._sessions: dict[str, str] = {}  # offer id -> the session IRI reservations use
        self._external_seq = 0
        self._url_serial = 0
        self.organization_id = self._new_id(int(self._anchor() - 400 * DAY) * 1000)
        self.organization = f"{API}/organizations/{self.organization_id}"

        for pattern, handler in (
            (CATALOGS, self._list_catalogs),
            (rf"{CATALOGS}/{UUID}", self._get_catalog),
            (rf"{CATALOGS}/{UUID}/product_bases", self._list_product_bases),
            (rf"{CATALOGS}/{UUID}/product_bases/{UUID}", self._get_product_base),
            (rf"{CATALOGS}/{UUID}/product_bases/{UUID}/products", self._list_base_products),
            (rf"{CATALOGS}/{UUID}/products", self._list_products),
            (rf"{CATALOGS}/{UUID}/products/{UUID}", self._get_product),
            (rf"{CATALOGS}/{UUID}/offers", self._list_offers),
            (rf"{CATALOGS}/{UUID}/offers/{UUID}", self._get_offer),
            (ORDERS, self._list_orders),
            (rf"{ORDERS}/{UUID}", self._get_order),
            (rf"{ORDERS}/{UUID}/documents", self._list_documents),
            (rf"{ORDERS}/{UUID}/documents/{UUID}", self._get_document),
            (RESERVATIONS, self._list_reservations),
            (rf"{RESERVATIONS}/{UUID}", self._get_reservation),
        ):
            self.route("GET", pattern, handler)
        self.route("POST", re.escape(TOKEN_PATH), self._token)

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

    def _localize(self, record: Record, language: str) -> Record:
        if language == DEFAULT_LANGUAGE:
            return record
        texts = self._i18n.get(record["id"], {}).get(language)
        return {**record, **texts} if texts else record

    # -- data generation

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
        with self.lock, _gc_paused():
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
            stamps = [_between(rng, recent, now - 1) for _ in range(holding)]
            late = min(first, expired_before - 1)
            stamps += [
                _between(rng, late, expired_before - 1) for _ in range(reservations - holding)
            ]
            made_reservations = []
            for stamp in sorted(stamps):
                ms = stamp * 1000 + _between(rng, 0, 999)
                catalog = _pick(rng, made)
                lines = self._lines(catalog["id"], stamp)
                made_reservations.append(
                    self._make_reservation(self._new_id(ms), catalog, stamp, lines)
                )
            self._reservations.extend(made_reservations)

            expired = [r for r in made_reservations if _second(r["expiresAt"]) <= now]
            converted = rng.sample(expired, min(len(expired) // 2, orders // 2))
            # (ms, catalog, lines, reservation) of each order
            specs: list[tuple[int, Record, list[tuple[Record, int]], Record | None]] = []
            for reservation in converted:
                stamp = _second(reservation["createdAt"]) + _between(rng, 30, HOLD - 60)
                catalog = self.catalogs[_iri_id(reservation["catalog"])]
                lines = [
                    (self.offers[_iri_id(item["offer"])], item["quantity"])
                    for item in reservation["items"]
                ]
                specs.append((stamp * 1000 + _between(rng, 0, 999), catalog, lines, reservation))
            rest = sorted(_between(rng, first, now - 1) for _ in range(orders - len(converted)))
            tied = False
            for i in range(1, len(rest)):
                if rng.random() < 0.05:
                    rest[i], tied = rest[i - 1], True
            if not tied and len(rest) >= 2:
                rest[1] = rest[0]
            for stamp in rest:
                catalog = _pick(rng, made)
                ms = stamp * 1000 + _between(rng, 0, 999)
                specs.append((ms, catalog, self._lines(catalog["id"], stamp), None))
            specs.sort(key=lambda spec: spec[0])
            made_orders = []
            for ms, catalog, lines, reservation in specs:
                order = self._make_order(self._new_id(ms), catalog, lines, reservation)
                created = ms // 1000
                for _ in range(documents_per_order):
                    doc_ms = min(now * 1000, ms + _between(rng, 1_000, 120_000))
                    if rng.random() < 0.1:
                        downloadable = now + _between(rng, DAY, 30 * DAY)
                    else:
                        downloadable = doc_ms // 1000 + _between(rng, 0, 60)
                    self._make_document(self._new_id(doc_ms), order, downloadable)
                if rng.random() < 0.06:
                    self._cancel(order, _between(rng, created, now))
                made_orders.append(order)
            if len(made_orders) >= 2 and not any(o["cancelledAt"] for o in made_orders):
                order = _pick(rng, made_orders)
                self._cancel(order, _between(rng, _second(order["createdAt"]), now))
            self._orders.extend(made_orders)
            self._expire_due()

    def _seed_catalog(
        self, number: int, now: int, bases: int, products_per_base: int, offers_per_product: int
    ) -> Record:
        rng = self.rng
        created = now - _between(rng, 120 * DAY, 400 * DAY)
        catalog_id = self._new_id(created * 1000 + _between(rng, 0, 999))
        name = CATALOG_NAMES[number % len(CATALOG_NAMES)]
        if number >= len(CATALOG_NAMES):
            name = f"{name} {number // len(CATALOG_NAMES) + 1}"
        iri = f"{CATALOGS}/{catalog_id}"
        synced = now - _between(rng, 60, 6 * HOUR)
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
                for i in range(_between(rng, 0, 4))
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
        self._bases_by_catalog[catalog_id] = _ById()
        self._products_by_catalog[catalog_id] = _ById()
        self._offers_by_catalog[catalog_id] = _ById()
        self._offers_by_date[catalog_id] = ([], [])
        disabled = set(rng.sample(range(bases), max(1, round(bases / 4)))) if bases >= 2 else set()
        today = _midnight(now)
        for b in range(bases):
            base_ms = (created + _between(rng, 0, DAY)) * 1000 + _between(rng, 0, 999)
            base = self._make_base(catalog, base_ms, b, venue, b in disabled)
            price = _pick(rng, BASE_PRICES)
            for p in range(products_per_base):
                product_ms = base_ms + _between(rng, 1, 60_000)
                product = self._make_product(catalog, base, product_ms, p, price)
                day_offsets = (
                    rng.sample(range(-30, 61), offers_per_product)
                    if offers_per_product <= 91
                    else [_between(rng, -30, 60) for _ in range(offers_per_product)]
                )
                for offset in day_offsets:
                    offer_ms = _between(rng, product_ms, synced * 1000)
                    self._make_offer(catalog, product, offer_ms, today + offset * DAY)
        return catalog

    def _venue(self, name: str) -> Record:
        rng = self.rng
        city, postal_code, latitude, longitude = _pick(rng, CITIES)
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        slug = re.sub(r"[^a-z]+", "-", ascii_name.lower()).strip("-")
        return {
            "name": name,
            "line1": f"{_between(rng, 1, 120)} {_pick(rng, STREETS)}",
            "line2": None,
            "postalCode": postal_code,
            "city": city,
            "country": "FR",
            "phone": f"+33 {_between(rng, 1, 5)} {_between(rng, 10, 99)} "
            f"{_between(rng, 10, 99)} {_between(rng, 10, 99)} {_between(rng, 10, 99)}",
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
        self._products_by_base[base_id] = _ById()
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
            "availableQuantity": _between(rng, 0, 200),
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
        candidates = offers[bisect_left(keys, (_midnight(created), "")) :] or offers
        if not candidates:
            return []
        roll = rng.random()
        count = min(len(candidates), 1 if roll < 0.6 else 2 if roll < 0.9 else 3)
        chosen: dict[str, Record] = {}
        while len(chosen) < count:
            offer = _pick(rng, candidates)
            chosen[offer["id"]] = offer
        return [(offer, _between(rng, 1, 4)) for offer in chosen.values()]

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
        first_name, last_name = _pick(rng, FIRST_NAMES), _pick(rng, LAST_NAMES)
        self._external_seq += 1
        external = f"EXT-{self._external_seq:07d}"
        order: Record = {
            "@id": iri,
            "@type": "BookingOrder",
            "id": order_id,
            "createdAt": iso(ms // 1000),
            "catalog": catalog["@id"],
            "organization": self.organization,
            "reference": "KT" + "".join(_pick(rng, CODE_CHARS) for _ in range(8)),
            "externalReference": external,
            "connectorReference": None if rng.random() < 0.6 else f"CNX-{rng.getrandbits(40):010X}",
            "totalAmountInclTax": _money(total),
            "totalAmountExclTax": _money(_excluding_tax(total)),
            "reservation": None if reservation is None else reservation["@id"],
            "customer": {
                "firstName": first_name,
                "lastName": last_name,
                "email": f"{first_name}.{last_name}.{_between(rng, 1, 9999)}@example.com".lower(),
                "phone": None
                if rng.random() < 0.2
                else f"+33 6 {_between(rng, 10, 99)} {_between(rng, 10, 99)} "
                f"{_between(rng, 10, 99)} {_between(rng, 10, 99)}",
            },
            "status": "confirmed",
            "cancelledAt": None,
            "items": items,
        }
        self.orders[order_id] = order
        self._orders_by_reference.setdefault(external, []).append(order)
        self._documents_by_order[order_id] = _ById()
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
        self.catalogs[_iri_id(catalog_iri)]["lastSyncedAt"] = iso(self.now())

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

    def expire_tokens(self) -> None:
        """Every token issued so far (access and refresh) expires now."""
        with self.lock:
            now = self.now()
            for tokens in (self._tokens, self._refresh):
                for token, expiry in tokens.items():
                    tokens[token] = min(expiry, now)

    def issued_tokens(self) -> list[str]:
        """Every access token, then every refresh token, issued so far (expired or not), in the
        order they were issued: for checking that none leaks into logs or state."""
        with self.lock:
            return [*self._tokens, *self._refresh]

    def add_orders(self, n: int, created_at: float | None = None) -> list[Record]:
        """Makes n confirmed orders at `created_at` (unix; default now()) in random catalogs,
        without a reservation, each with items and one document downloadable at once."""
        with self.lock:
            catalogs = self._catalog_list()
            when = self.now() if created_at is None else created_at
            ms = int(when * 1000)
            made = []
            for order_id in self._new_ids(ms, n):
                catalog = _pick(self.rng, catalogs)
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
                catalog = _pick(self.rng, catalogs)
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
                product = _pick(self.rng, products)
            else:
                product = self.products[product_id]
                if product["catalog"] != catalog["@id"]:
                    raise KeyError(f"product {product_id} is not in catalog {catalog_id}")
            if date is None:
                day = now + 7 * DAY
            elif isinstance(date, str):
                parsed = _instant(date)
                if parsed is None:
                    raise ValueError(f"not an ISO date: {date!r}")
                day = parsed
            else:
                day = date
            offer = self._make_offer(catalog, product, int(now * 1000), _midnight(day))
            self._touch(catalog["@id"])
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

    # -- HTTP: auth

    def credentials(self) -> str:
        return (
            f"client id {self.client_id}, client secret {self.client_secret},"
            f" token URL {self.url}{TOKEN_PATH}"
        )

    def authorize(self, request: Request) -> Response | None:
        if request.path == TOKEN_PATH:
            return None
        scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return self._unauthorized("JWT Token not found")
        expiry = self._tokens.get(token)
        if expiry is None:
            return self._unauthorized("Invalid JWT Token")
        if self.now() >= expiry:
            return self._unauthorized("Expired JWT Token")
        return None

    def _unauthorized(self, message: str) -> Response:
        return Response(
            401,
            {"code": 401, "message": message},
            {"Content-Type": "application/json", "WWW-Authenticate": "Bearer"},
        )

    def _token(self, request: Request) -> Response:
        form = dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))
        grant = form.get("grant_type")
        if not grant:
            return _oauth_error(400, "invalid_request", "Missing form parameter: grant_type")
        if grant not in ("client_credentials", "refresh_token"):
            return _oauth_error(400, "unsupported_grant_type", "Unsupported grant_type")
        client_id, secret = form.get("client_id"), form.get("client_secret")
        scheme, _, credentials = request.headers.get("Authorization", "").strip().partition(" ")
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credentials.strip(), validate=True).decode()
            except (ValueError, UnicodeDecodeError):
                decoded = ""
            raw_id, _, raw_secret = decoded.partition(":")
            client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
        if client_id != self.client_id or secret != self.client_secret:
            return _oauth_error(401, "invalid_client", INVALID_CLIENT)
        if grant == "refresh_token":
            refresh = form.get("refresh_token")
            if not refresh:
                return _oauth_error(400, "invalid_request", "Missing parameter: refresh_token")
            expiry = self._refresh.get(refresh)
            if not self.refresh_tokens or expiry is None or self.now() >= expiry:
                return _oauth_error(400, "invalid_grant", "Invalid refresh token")
        return self._grant()

    def _grant(self) -> Response:
        now = self.now()
        token = self._jwt(now)
        self._tokens[token] = now + self.token_ttl
        self.token_requests += 1
        body: Record = {"access_token": token, "expires_in": self.token_ttl}
        if self.refresh_tokens:
            refresh = _b64url(self._token_rng.randbytes(48))
            self._refresh[refresh] = now + self.refresh_ttl
            body.update(refresh_expires_in=self.refresh_ttl, refresh_token=refresh)
        else:
            body["refresh_expires_in"] = 0
        body.update({"token_type": "Bearer", "not-before-policy": 0, "scope": SCOPE})
        headers = {"Content-Type": "application/json", "Cache-Control": "no-store"}
        return Response(200, body, {**headers, "Pragma": "no-cache"})

    def _jwt(self, now: float) -> str:
        rng = self._token_rng
        header = {"alg": "RS256", "typ": "JWT", "kid": "korusticket-fake"}
        claims = {
            "exp": int(now + self.token_ttl),
            "iat": int(now),
            "jti": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "iss": f"{self.url}/realms/korusticket",
            "aud": "account",
            "sub": self.organization_id,
            "typ": "Bearer",
            "azp": self.client_id,
            "scope": SCOPE,
            "clientId": self.client_id,
        }
        signature = _b64url(rng.randbytes(256))
        return f"{_b64url(orjson.dumps(header))}.{_b64url(orjson.dumps(claims))}.{signature}"

    # -- HTTP: responses

    def error(self, status: int, message: str) -> Response:
        body = {
            "@context": f"{API}/contexts/Error",
            "@id": f"{API}/errors/{status}",
            "@type": "Error",
            "title": "An error occurred",
            "detail": message,
            "status": status,
            "type": f"/errors/{status}",
            "description": message,
        }
        return Response(status, body, {"Content-Type": PROBLEM})

    def rate_limit_headers(
        self, limit: int, remaining: int, reset_seconds: int, limited: bool
    ) -> dict[str, str]:
        """None are published: only a refused request says when to come back."""
        return {"Retry-After": str(reset_seconds)} if limited else {}

    def _ok(self, body: Record, language: str) -> Response:
        return Response(
            200,
            body,
            {
                "Content-Type": JSONLD,
                "Content-Language": language,
                "Vary": "Accept, Accept-Language",
                "Link": f'<{self.url}{API}/docs.jsonld>; rel="{DOCS_REL}"',
            },
        )

    def _collection(
        self,
        request: Request,
        type_name: str,
        records: Sequence[Record],
        span: tuple[int, int] | None = None,
        descending: bool = False,
        filters: Sequence[tuple[str, str]] = (),
        serve: Serve | None = None,
    ) -> Response:
        """One page of records[start:stop] (reversed if `descending`) as a Hydra collection."""
        language = _language(request.headers.get("Accept-Language"))
        page, limit = _paging(request.query)
        start, stop = (0, len(records)) if span is None else span
        total = stop - start
        offset = (page - 1) * limit
        if offset >= total or limit == 0:
            rows: Sequence[Record] = []
        elif descending:
            rows = records[max(start, stop - offset - limit) : stop - offset][::-1]
        else:
            rows = records[start + offset : min(stop, start + offset + limit)]
        members = [self._localize(record, language) for record in rows]
        if serve is not None:
            members = [serve(member) for member in members]
        body: Record = {
            "@context": f"{API}/contexts/{type_name}",
            "@id": request.path,
            "@type": "Collection",
            "totalItems": total,
            "member": members,
        }
        last_page = max(1, math.ceil(total / limit)) if limit else 1
        view = _view(request.path, request.query, page, last_page)
        if view is not None:
            body["view"] = view
        if filters:
            body["search"] = _search(request.path, filters)
        return self._ok(body, language)

    def _item(
        self, request: Request, type_name: str, record: Record | None, serve: Serve | None = None
    ) -> Response:
        if record is None:
            raise FakeError(404, NOT_FOUND)
        language = _language(request.headers.get("Accept-Language"))
        member = self._localize(record, language)
        if serve is not None:
            member = serve(member)
        return self._ok({"@context": f"{API}/contexts/{type_name}", **member}, language)

    def _child(
        self, records: dict[str, Record], raw_id: str, field: str, parent_iri: str
    ) -> Record | None:
        """The record if it exists and belongs to the parent named in the path."""
        record = records.get(_checked_id(raw_id))
        return record if record is not None and record[field] == parent_iri else None

    # -- HTTP: catalog endpoints

    def _list_catalogs(self, request: Request) -> Response:
        return self._collection(request, "TicketingCatalog", self._catalogs.items)

    def _get_catalog(self, request: Request, catalog_id: str) -> Response:
        return self._item(request, "TicketingCatalog", self.catalogs.get(_checked_id(catalog_id)))

    def _list_product_bases(self, request: Request, catalog_id: str) -> Response:
        bases = self._bases_by_catalog.get(_checked_id(catalog_id), EMPTY).items
        flag = request.query.get("withDisabled", "").strip().lower()
        if flag not in ("true", "1"):
            bases = [base for base in bases if not base["disabled"]]
        return self._collection(request, "TicketingProductBase", bases, filters=BASE_FILTERS)

    def _get_product_base(self, request: Request, catalog_id: str, base_id: str) -> Response:
        iri = f"{CATALOGS}/{_checked_id(catalog_id)}"
        base = self._child(self.product_bases, base_id, "catalog", iri)
        return self._item(request, "TicketingProductBase", base)

    def _list_products(self, request: Request, catalog_id: str) -> Response:
        products = self._products_by_catalog.get(_checked_id(catalog_id), EMPTY).items
        return self._collection(request, "TicketingProduct", products)

    def _list_base_products(self, request: Request, catalog_id: str, base_id: str) -> Response:
        catalog_iri = f"{CATALOGS}/{_checked_id(catalog_id)}"
        base = self.product_bases.get(_checked_id(base_id))
        products = (
            self._products_by_base[base["id"]].items
            if base is not None and base["catalog"] == catalog_iri
            else []
        )
        return self._collection(request, "TicketingProduct", products)

    def _get_product(self, request: Request, catalog_id: str, product_id: str) -> Response:
        iri = f"{CATALOGS}/{_checked_id(catalog_id)}"
        product = self._child(self.products, product_id, "catalog", iri)
        return self._item(request, "TicketingProduct", product)

    def _list_offers(self, request: Request, catalog_id: str) -> Response:
        query = request.query
        offers: Sequence[Record] = self._offers_by_catalog.get(_checked_id(catalog_id), EMPTY).items
        low, high = _second_bounds(query, "date")
        base_filter = query.get("productBaseId")
        if low is not None or high is not None or base_filter is not None:
            base = self.product_bases.get(_iri_id(base_filter)) if base_filter else None
            base_iri = None if base is None else base["@id"]
            offers = [
                offer
                for offer in offers
                if (low is None or _second(offer["date"]) >= low)
                and (high is None or _second(offer["date"]) <= high)
                and (base_filter is None or self._base_of(offer) == base_iri)
            ]
        descending = False
        direction = query.get("order[date]", "").strip().lower()
        if direction in ("asc", "desc"):
            offers = sorted(offers, key=lambda offer: (offer["date"], offer["id"]))
            descending = direction == "desc"
        return self._collection(
            request, "TicketingOffer", offers, descending=descending, filters=OFFER_FILTERS
        )

    def _base_of(self, offer: Record) -> str:
        return self.products[_iri_id(offer["product"])]["productBase"]

    def _get_offer(self, request: Request, catalog_id: str, offer_id: str) -> Response:
        iri = f"{CATALOGS}/{_checked_id(catalog_id)}"
        return self._item(
            request, "TicketingOffer", self._child(self.offers, offer_id, "catalog", iri)
        )

    # -- HTTP: booking endpoints

    def _list_orders(self, request: Request) -> Response:
        query = request.query
        orders = self._orders
        reference = query.get("external_reference")
        if reference is not None:
            orders = _ById()
            orders.extend(self._orders_by_reference.get(reference, ()))
        span = orders.span(*_second_bounds(query, "createdAt"))
        return self._collection(
            request,
            "BookingOrder",
            orders.items,
            span,
            _descending(query, "createdAt"),
            ORDER_FILTERS,
        )

    def _get_order(self, request: Request, order_id: str) -> Response:
        return self._item(request, "BookingOrder", self.orders.get(_checked_id(order_id)))

    def _list_documents(self, request: Request, order_id: str) -> Response:
        documents = self._documents_by_order.get(_checked_id(order_id), EMPTY).items
        return self._collection(
            request, "BookingOrderDocument", documents, serve=self._serve_document
        )

    def _get_document(self, request: Request, order_id: str, document_id: str) -> Response:
        iri = f"{ORDERS}/{_checked_id(order_id)}"
        document = self._child(self.documents, document_id, "order", iri)
        return self._item(request, "BookingOrderDocument", document, self._serve_document)

    def _serve_document(self, document: Record) -> Record:
        """The document with a freshly signed temporaryUrl, once it is downloadable."""
        now = self.now()
        if now < _second(document["downloadableAt"]):
            return document
        self._url_serial += 1
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
        signature = hashlib.sha256(
            f"{document['id']}:{self._url_serial}:{now}".encode()
        ).hexdigest()
        url = (
            f"https://storage.korusticket.com/documents/{document['id']}.pdf"
            f"?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date={stamp}"
            f"&X-Amz-Expires={URL_TTL}&X-Amz-Signature={signature}"
        )
        return {**document, "temporaryUrl": url}

    def _list_reservations(self, request: Request) -> Response:
        self._expire_due()
        query = request.query
        span = self._reservations.span(*_second_bounds(query, "createdAt"))
        return self._collection(
            request,
            "BookingReservation",
            self._reservations.items,
            span,
            _descending(query, "createdAt"),
            RESERVATION_FILTERS,
        )

    def _get_reservation(self, request: Request, reservation_id: str) -> Response:
        self._expire_due()
        reservation = self.reservations.get(_checked_id(reservation_id))
        return self._item(request, "BookingReservation", reservation)


def _second(timestamp: str) -> int:
    """A served timestamp as a unix second."""
    return int(datetime.fromisoformat(timestamp).timestamp())


def main(argv: list[str] | None = None) -> None:
    parser = command_line("KorusTicket", port=8767)
    parser.add_argument("--orders", type=int, default=500, help="orders generated")
    parser.add_argument("--reservations", type=int, default=100, help="reservations generated")
    parser.add_argument("--client-id", default="korus-test-client", help="OAuth2 client accepted")
    parser.add_argument("--client-secret", default="korus-test-secret", help="its secret")
    parser.add_argument("--token-ttl", type=int, default=1800, help="seconds an access token lasts")
    args = parser.parse_args(argv)
    fake = KorusTicketFake(
        client_id=args.client_id,
        client_secret=args.client_secret,
        seed=args.seed,
        token_ttl=args.token_ttl,
    )
    fake.latency = args.latency
    fake.seed_data(orders=args.orders, reservations=args.reservations)
    fake.run(args.port)


if __name__ == "__main__":
    main()
