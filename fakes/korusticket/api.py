"""The KorusTicket fake's HTTP side: API Platform 4 JSON-LD collections and items over the model,
behind the Keycloak of `auth`.

What is known of the vendor is its endpoint list and published facts, summarised in
sources/korusticket/README.md; response schemas are not published. Where those are silent the
fake follows API Platform 4 defaults (JSON-LD, unprefixed Hydra keys), read from API Platform's
own source. A single GET serves a member as a collection does, with `"@context"` added first.

Assumptions, as this fake answers them:

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

Endpoints
- Only GETs and the token POST are served: the bulk POSTs, PATCHes, tickets, sessions, options,
  availability and price sub-resources are not.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import quote

from fakes.data import Record
from fakes.korusticket.auth import KeycloakAuth
from fakes.korusticket.ids import ById
from fakes.korusticket.model import (
    API,
    CATALOGS,
    DEFAULT_LANGUAGE,
    LANGUAGES,
    ORDERS,
    RESERVATIONS,
    iri_id,
    parse_instant,
    unix_second,
)
from fakes.korusticket.seed import SeededKorusTicket
from fakes.server import FakeError, Request, Response

Serve = Callable[[Record], Record]

UUID = r"([^/]+)"  # checked by the handlers: a malformed id is a 404, as API Platform answers
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
JSONLD = "application/ld+json; charset=utf-8"
PROBLEM = "application/problem+json; charset=utf-8"
DOCS_REL = "http://www.w3.org/ns/hydra/core#apiDocumentation"
DEFAULT_ITEMS_PER_PAGE = 10
MAX_ITEMS_PER_PAGE = 50
URL_TTL = 300  # a document's temporaryUrl
NOT_FOUND = "Not Found"
DATE_OPERATORS = ("before", "strictly_before", "after", "strictly_after")
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


# -- requests


def _second_bounds(query: dict[str, str], name: str) -> tuple[int | None, int | None]:
    """The inclusive range of whole-second times that `name[after|...]` filters let through."""
    lows: list[int] = []
    highs: list[int] = []
    for operator in DATE_OPERATORS:
        raw = query.get(f"{name}[{operator}]")
        value = None if raw is None else parse_instant(raw)
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


def _checked_id(raw: str) -> str:
    record_id = raw.lower()
    if not UUID_RE.fullmatch(record_id):
        raise FakeError(404, NOT_FOUND)
    return record_id


EMPTY = ById()  # the children of an unknown parent: never add to it


class KorusTicketFake(KeycloakAuth, SeededKorusTicket):
    """KorusTicket's catalog and booking GET endpoints, behind a Keycloak client-credentials
    token endpoint; see the modules' docstrings for every assumption."""

    def __init__(
        self,
        client_id: str = "korus-test-client",
        client_secret: str = "korus-test-secret",
        now: float | None = None,
        seed: int = 0,
        token_ttl: int = 1800,
    ) -> None:
        KeycloakAuth.__init__(self, client_id, client_secret, seed, token_ttl)
        SeededKorusTicket.__init__(self, now, seed, self.lock)
        self._url_serial = 0

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

    def _localize(self, record: Record, language: str) -> Record:
        if language == DEFAULT_LANGUAGE:
            return record
        texts = self._i18n.get(record["id"], {}).get(language)
        return {**record, **texts} if texts else record

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
            base = self.product_bases.get(iri_id(base_filter)) if base_filter else None
            base_iri = None if base is None else base["@id"]
            offers = [
                offer
                for offer in offers
                if (low is None or unix_second(offer["date"]) >= low)
                and (high is None or unix_second(offer["date"]) <= high)
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
        return self.products[iri_id(offer["product"])]["productBase"]

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
            orders = ById()
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
        if now < unix_second(document["downloadableAt"]):
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
