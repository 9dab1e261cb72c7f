"""KorusTicket: catalogs with their product bases, products and offers; orders, their
documents, and reservations.

How each table stays fresh (README has the guarantees in full):
- catalogs, product_bases, products, offers: read whole at most once per
  `catalog_interval_hours` (the vendor advises caching catalog data about a day).
- orders (with their items), reservations: walked oldest first from `createdAt[after]` = the
  newest one loaded less `lookback_days`, so cancellations (`status`, `cancelledAt`) and
  reservation expiry within the lookback are merged; ties in the newest second are re-read.
- order_documents: read for each order the walk lists that has none in the warehouse (new,
  tied with or committed after the last run's newest, or listed with none so far), for orders
  cancelled since the last run and, whatever the order's age, once a document loaded without
  a URL (not downloadable yet) has reached its `downloadable_at`. The warehouse says what was
  read, not the cursor. The documents read for an order replace the ones loaded for it.
Requests carry an OAuth2 client-credentials token, renewed before it expires and after a 401.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence

import dlt
import pendulum
from dlt.sources import DltResource

from sources import warehouse
from sources.client import ApiClient, ClientCredentials, RetryPolicy, Run, source_label
from sources.records import Record, column_hints, deletion
from sources.timestamps import parse_timestamp

from . import settings
from .helpers import DocumentMarks, Korus, documents_due, documents_loaded


def columns(table: str, deletes: bool = False) -> dict[str, dict]:
    return column_hints(settings.TIMESTAMP_COLUMNS[table], deletes)


@dlt.source(name="korusticket")
def korusticket_source(
    client_id: str = dlt.secrets.value,
    client_secret: str = dlt.secrets.value,
    base_url: str = settings.BASE_URL,
    token_url: str = settings.TOKEN_URL,
    accept_language: str = settings.ACCEPT_LANGUAGE,
    lookback_days: float = settings.LOOKBACK_DAYS,
    catalog_interval_hours: float = settings.CATALOG_INTERVAL_HOURS,
    concurrency: int = settings.CONCURRENCY,
    page_size: int = settings.PAGE_SIZE,
    max_attempts: int = RetryPolicy.max_attempts,
    backoff_seconds: float = RetryPolicy.backoff_base,
    run: Run | None = None,
) -> Sequence[DltResource]:
    label = source_label("korusticket")
    auth = ClientCredentials(label, token_url, client_id, client_secret)
    client = ApiClient(
        label,
        base_url,
        run=run,
        auth=auth,
        headers={"Accept": "application/ld+json", "Accept-Language": accept_language},
        credential_keys=settings.CREDENTIAL_KEYS,
        secrets=(client_secret,),
        max_connections=concurrency + 4,  # the documents' threads, the walks and the catalogs
        retry=RetryPolicy(max_attempts=max_attempts, backoff_base=backoff_seconds),
    )
    api = Korus(client, concurrency, page_size)
    lookback = pendulum.duration(days=lookback_days)
    # what the warehouse holds of the orders' documents: filled before the walk's first page
    marks = DocumentMarks()

    @dlt.resource(
        primary_key="id", write_disposition="merge", columns=columns("catalogs", deletes=True)
    )
    def catalogs() -> Iterator[list[Record]]:
        """GET /v1/ticketing/catalogs, when `catalog_interval_hours` have passed since the last
        read (the catalog-side tables below hang off it); a catalog gone from the list is
        deleted, and so is everything below it."""
        state = dlt.current.resource_state()
        now = pendulum.now("UTC")
        read_at = state.get("read_at")
        if read_at and now - pendulum.parse(read_at) < pendulum.duration(
            hours=catalog_interval_hours
        ):
            return
        rows = api.all_members(settings.CATALOGS_PATH)
        found = {row["id"] for row in rows}
        loaded_ids = warehouse.loaded("select id from {catalogs}", ("catalogs",))
        gone = [deletion(catalog_id) for (catalog_id,) in loaded_ids if catalog_id not in found]
        yield rows + gone
        state["read_at"] = now.isoformat()

    @dlt.transformer(
        data_from=catalogs,
        primary_key="id",
        write_disposition="merge",
        merge_key="catalog_id",
        columns=columns("product_bases", deletes=True),
    )
    def product_bases(page: list[Record]) -> Iterator[list[Record]]:
        """GET .../product_bases?withDisabled=true: disabled ones too, flagged `disabled`."""
        yield from api.members_of_catalogs(
            settings.PRODUCT_BASES_PATH, page, {"withDisabled": "true"}
        )

    @dlt.transformer(
        data_from=catalogs,
        primary_key="id",
        write_disposition="merge",
        merge_key="catalog_id",
        columns=columns("products", deletes=True),
    )
    def products(page: list[Record]) -> Iterator[list[Record]]:
        yield from api.members_of_catalogs(settings.PRODUCTS_PATH, page)

    @dlt.transformer(
        data_from=catalogs,
        primary_key="id",
        write_disposition="merge",
        merge_key="catalog_id",
        columns=columns("offers", deletes=True),
    )
    def offers(page: list[Record]) -> Iterator[list[Record]]:
        yield from api.members_of_catalogs(settings.OFFERS_PATH, page, {"order[date]": "asc"})

    def created_walk(path: str) -> Iterator[list[Record]]:
        """Oldest first from the newest `createdAt` loaded less the lookback; moves the cursor."""
        state = dlt.current.resource_state()
        newest = state.get("created_at")
        filters = {"order[createdAt]": "asc"}
        if newest:
            filters["createdAt[after]"] = (pendulum.parse(newest) - lookback).isoformat()
        for rows in api.members(path, filters):
            newest = max([newest or "", *(_stamp(row) for row in rows)])
            yield rows
        state["created_at"] = newest or None

    @dlt.resource(
        primary_key="id",
        write_disposition="merge",
        columns=columns("orders"),
        parallelized=True,
    )
    def orders() -> Iterator[list[Record]]:
        """GET /v1/booking/orders; `items` become the child table orders__items."""
        state = dlt.current.resource_state()
        started, newest = state.get("started_at"), parse_timestamp(state.get("created_at"))
        since = parse_timestamp(started) - pendulum.duration(minutes=5) if started else None
        now = pendulum.now("UTC")
        marks.since, marks.settled, marks.ripe, marks.read = since, set(), set(), set()
        if newest is not None:  # else a first run or --full-refresh: every order's documents
            marks.settled, marks.ripe = documents_loaded(newest - lookback, since, now)
        state["started_at"] = now.isoformat()
        yield from created_walk(settings.ORDERS_PATH)

    @dlt.transformer(
        data_from=orders,
        primary_key="id",
        merge_key="order_id",
        write_disposition="merge",
        # `temporary_url` even while every value read is null: `documents_loaded` asks for it
        columns={
            **columns("order_documents", deletes=True),
            "temporary_url": {"data_type": "text"},
        },
    )
    async def order_documents(page: list[Record]) -> AsyncIterator[list[Record]]:
        """GET /v1/booking/orders/{id}/documents for the orders whose documents are due (see
        `DocumentMarks`); the ripe ones, of any age, with the first page."""
        ripe, marks.ripe = sorted(marks.ripe), set()
        wanted = [*ripe, *(order["id"] for order in page if documents_due(order, marks))]
        due = [order_id for order_id in dict.fromkeys(wanted) if order_id not in marks.read]
        marks.read.update(due)
        async for rows in api.members_of_each(settings.DOCUMENTS_PATH, "order_id", due):
            yield rows

    @dlt.resource(
        primary_key="id",
        write_disposition="merge",
        columns=columns("reservations"),
        parallelized=True,
    )
    def reservations() -> Iterator[list[Record]]:
        """GET /v1/booking/reservations; expiry within the lookback is merged."""
        yield from created_walk(settings.RESERVATIONS_PATH)

    return (catalogs, product_bases, products, offers, orders, order_documents, reservations)


def _stamp(row: Record) -> str:
    """`createdAt` normalised to UTC, so that stamps compare as text."""
    moment = parse_timestamp(row.get("created_at"))
    return moment.in_tz("UTC").isoformat() if moment else ""
