"""KorusTicket: catalogs with their product bases, products and offers; orders, their
documents, and reservations.

How each table stays fresh (README has the guarantees in full):
- catalogs, product_bases, products, offers: read whole at most once per
  `catalog_interval_hours` (the vendor advises caching catalog data about a day).
- orders (with their items), reservations: walked oldest first from `createdAt[after]` = the
  newest one loaded less `lookback_days`, so cancellations (`status`, `cancelledAt`) and
  reservation expiry within the lookback are merged; ties in the newest second are re-read.
- order_documents: read for orders that are new since the last run, or cancelled since then;
  the documents read for an order replace the ones loaded for it.
Requests carry an OAuth2 client-credentials token, renewed before it expires and after a 401.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence

import dlt
import pendulum
from dlt.sources import DltResource

from sources.client import ApiClient, ClientCredentials, RetryPolicy
from sources.timestamps import parse_timestamp

from . import settings
from .helpers import Korus, Record


def columns(table: str, deletes: bool = False) -> dict[str, dict]:
    hints = {name: {"data_type": "timestamp"} for name in settings.TIMESTAMP_COLUMNS[table]}
    if deletes:
        hints[settings.DELETED_FLAG] = {"data_type": "bool", "hard_delete": True}
    return hints


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
) -> Sequence[DltResource]:
    auth = ClientCredentials("korusticket", token_url, client_id, client_secret)
    client = ApiClient(
        "korusticket",
        base_url,
        auth=auth,
        headers={"Accept": "application/ld+json", "Accept-Language": accept_language},
        credential_keys=settings.CREDENTIAL_KEYS,
        secrets=(client_secret,),
        max_connections=concurrency + 4,  # the documents' threads, the walks and the catalogs
        retry=RetryPolicy(max_attempts=max_attempts, backoff_base=backoff_seconds),
    )
    api = Korus(client, concurrency, page_size)
    lookback = pendulum.duration(days=lookback_days)
    # what the orders walk found out, for the documents: filled before its first page
    marks: dict[str, pendulum.DateTime | None] = {}

    @dlt.resource(primary_key="id", write_disposition="merge", columns=columns("catalogs"))
    def catalogs() -> Iterator[list[Record]]:
        """GET /v1/ticketing/catalogs, when `catalog_interval_hours` have passed since the last
        read (the catalog-side tables below hang off it)."""
        state = dlt.current.resource_state()
        now = pendulum.now("UTC")
        read_at = state.get("read_at")
        if read_at and now - pendulum.parse(read_at) < pendulum.duration(
            hours=catalog_interval_hours
        ):
            return
        yield from api.members(settings.CATALOGS_PATH)
        state["read_at"] = now.isoformat()

    @dlt.transformer(
        data_from=catalogs,
        primary_key="id",
        write_disposition="merge",
        columns=columns("product_bases"),
    )
    def product_bases(page: list[Record]) -> Iterator[list[Record]]:
        """GET .../product_bases?withDisabled=true: disabled ones too, flagged `disabled`."""
        yield from api.members_of_catalogs(
            settings.PRODUCT_BASES_PATH, page, {"withDisabled": "true"}
        )

    @dlt.transformer(
        data_from=catalogs, primary_key="id", write_disposition="merge", columns=columns("products")
    )
    def products(page: list[Record]) -> Iterator[list[Record]]:
        yield from api.members_of_catalogs(settings.PRODUCTS_PATH, page)

    @dlt.transformer(
        data_from=catalogs, primary_key="id", write_disposition="merge", columns=columns("offers")
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
        started = state.get("started_at")
        marks["newest"] = parse_timestamp(state.get("created_at"))
        marks["since"] = (
            parse_timestamp(started) - pendulum.duration(minutes=5) if started else None
        )
        state["started_at"] = pendulum.now("UTC").isoformat()
        yield from created_walk(settings.ORDERS_PATH)

    @dlt.transformer(
        data_from=orders,
        primary_key="id",
        merge_key="order_id",
        write_disposition="merge",
        columns=columns("order_documents", deletes=True),
    )
    async def order_documents(page: list[Record]) -> AsyncIterator[list[Record]]:
        """GET /v1/booking/orders/{id}/documents for orders new or cancelled since last run."""
        due = [order["id"] for order in page if _documents_due(order, marks)]
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


def _documents_due(order: Record, marks: dict[str, pendulum.DateTime | None]) -> bool:
    """New since the last run's newest order, or cancelled since that run started (5 minutes
    of slack for clock skew)."""
    newest, since = marks.get("newest"), marks.get("since")
    if newest is None or since is None:
        return True
    created, cancelled = (
        parse_timestamp(order.get("created_at")),
        parse_timestamp(order.get("cancelled_at")),
    )
    return (created is not None and created > newest) or (
        cancelled is not None and cancelled >= since
    )


def _stamp(row: Record) -> str:
    """`createdAt` normalised to UTC, so that stamps compare as text."""
    moment = parse_timestamp(row.get("created_at"))
    return moment.in_tz("UTC").isoformat() if moment else ""
