"""KorusTicket collection walks, which orders' documents are due, and JSON-LD record shaping."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import pendulum

from sources.client import ApiClient, AsyncApiClient, HydraPaging, Params, fan_out
from sources.records import DELETED_FLAG, Record, replace_children
from sources.timestamps import parse_timestamp
from sources.warehouse import loaded

from . import settings

IRI = re.compile(settings.IRI_PATTERN)
CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
MONEY = re.compile(r"amount", re.IGNORECASE)


class Korus:
    """One account's API for one run: JSON-LD collection walks, blocking and concurrent."""

    def __init__(self, client: ApiClient, concurrency: int, page_size: int) -> None:
        self.client = client
        self.concurrent = AsyncApiClient(client, concurrency)
        self.paging = HydraPaging(client.source, page_size)

    def members(self, path: str, filters: Params | None = None) -> Iterator[list[Record]]:
        """Every member of a collection, shaped, a page at a time; a walk that comes up short
        raises."""
        for members in self.client.walk(self.paging, path, filters):
            yield [record(member) for member in members]

    def all_members(self, path: str) -> list[Record]:
        """Every member of a collection, shaped, read whole (again, if the walk came up short)."""
        return [record(member) for member in self.client.read_all(self.paging, path)]

    def members_of_catalogs(
        self, path: str, catalogs: list[Record], filters: Params | None = None
    ) -> Iterator[list[Record]]:
        """Every member of `path` (templated on catalog_id) for each catalog, replacing those
        loaded before (see `replace_children`); a deleted catalog's all go."""
        for catalog in catalogs:
            catalog_id = catalog["id"]
            members = []
            if not catalog.get(DELETED_FLAG):
                catalog_path = path.format(catalog_id=catalog_id)
                members = self.client.read_all(self.paging, catalog_path, filters)
            yield replace_children("catalog_id", catalog_id, [record(m) for m in members])

    async def members_of_each(
        self, path: str, parent_key: str, parent_ids: list[str]
    ) -> AsyncIterator[list[Record]]:
        """Every member under each parent (one list per parent, concurrently), replacing those
        loaded before (see `replace_children`)."""

        async def read(parent_id: str) -> list[Record]:
            members_path = path.format(**{parent_key: parent_id})
            members = await self.concurrent.read_all(self.paging, members_path)
            return replace_children(parent_key, parent_id, [record(m) for m in members])

        async for rows in fan_out(parent_ids, read, window=2 * self.concurrent.concurrency):
            yield rows


@dataclass
class DocumentMarks:
    """What decides, per order, whether a run reads its documents: the warehouse's record of
    them, taken before the orders walk starts, not the walk's cursor.

    An order's documents are due unless they were read in full: loaded for it (an order listed
    with none has none loaded) and each downloadable when read (a `temporary_url`), or not
    downloadable yet. They are due again once a document without a URL reaches its
    `downloadable_at`, and when the order is cancelled; never just because the order was
    re-read by the lookback.
    """

    # the last run's start less 5 minutes of slack for clock skew: orders cancelled since then
    # are due, and documents that became downloadable since then make theirs due (the ripe)
    since: pendulum.DateTime | None = None
    # orders of the walk's window whose documents were read in full
    settled: set[str] = field(default_factory=set)
    # orders of any age with a document that was not downloadable when read and is now
    ripe: set[str] = field(default_factory=set)
    # orders whose documents this run reads
    read: set[str] = field(default_factory=set)


def documents_due(order: Record, marks: DocumentMarks) -> bool:
    """Not read in full yet, or cancelled since the last run started."""
    if order["id"] not in marks.settled:
        return True
    cancelled = parse_timestamp(order.get("cancelled_at"))
    return cancelled is not None and (marks.since is None or cancelled >= marks.since)


def documents_loaded(
    after: pendulum.DateTime, since: pendulum.DateTime | None, now: pendulum.DateTime
) -> tuple[set[str], set[str]]:
    """From the warehouse: the orders created from `after` on (the walk's window) whose
    documents were read in full, and the ripe ones of any age (see `DocumentMarks`). Nothing
    when there is no warehouse to ask (no pipeline, or nothing loaded yet): every order's
    documents are then due."""
    ripe = (
        "d.temporary_url is null and d.downloadable_at > cast(%s as timestamp with time zone) "
        "and d.downloadable_at <= cast(%s as timestamp with time zone)"
    )
    bounds = ((since or pendulum.from_timestamp(0)).isoformat(), now.isoformat())
    rows = loaded(
        f"select d.order_id, max(case when {ripe} then 1 else 0 end) "
        "from {order_documents} d join {orders} o on o.id = d.order_id "
        f"where o.created_at >= cast(%s as timestamp with time zone) or ({ripe}) "
        "group by d.order_id",
        ("order_documents", "orders"),
        *bounds,
        after.isoformat(),
        *bounds,
    )
    return (
        {order_id for order_id, due in rows if not due},
        {order_id for order_id, due in rows if due},
    )


def record(member: Record) -> Record:
    """A JSON-LD member as a row: `@` keys dropped, references to other resources as
    `<name>_id` (lists of references as lists of ids), amounts as decimals, snake_case keys."""
    row: Record = {}
    for key, value in member.items():
        if key in settings.JSON_LD_KEYS:
            continue
        name = CAMEL.sub("_", key).lower()
        if isinstance(value, str) and (match := IRI.match(value)):
            row[f"{name}_id"] = match.group(1)
        elif isinstance(value, dict):
            row[name] = record(value)
        elif isinstance(value, list):
            row[name] = [_item(item) for item in value]
        elif isinstance(value, str) and MONEY.search(key):
            row[name] = _decimal(value)
        else:
            row[name] = value
    return row


def _item(value: Any) -> Any:
    if isinstance(value, dict):
        return record(value)
    if isinstance(value, str) and (match := IRI.match(value)):
        return match.group(1)
    return value


def _decimal(value: str) -> Decimal | str:
    try:
        return Decimal(value)
    except InvalidOperation:
        return value
