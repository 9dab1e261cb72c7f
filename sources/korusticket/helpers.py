"""KorusTicket collection walks and JSON-LD record shaping."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from sources.client import ApiClient, ApiError, AsyncApiClient, Params, fan_out

from . import settings

Record = dict[str, Any]

IRI = re.compile(settings.IRI_PATTERN)
CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
MONEY = re.compile(r"amount", re.IGNORECASE)


class Korus:
    """One account's API for one run: JSON-LD collection walks, blocking and concurrent."""

    def __init__(self, client: ApiClient, concurrency: int, page_size: int) -> None:
        self.client = client
        self.concurrent = AsyncApiClient(client, concurrency)
        self.page_size = page_size

    def members(self, path: str, filters: Params | None = None) -> Iterator[list[Record]]:
        """Every member of a collection, shaped, a page at a time, following `view.next`."""
        target: str = path
        params: Params | None = {**(filters or {}), "itemsPerPage": self.page_size}
        while True:
            document = self.client.get_json(target, params)
            rows = [record(member) for member in _members(document, path)]
            if rows:
                yield rows
            following = _next(document, target if params is None else None)
            if following is None:
                return
            target, params = following, None

    def members_of_catalogs(
        self, path: str, catalogs: list[Record], filters: Params | None = None
    ) -> Iterator[list[Record]]:
        """Every member of `path` (templated on catalog_id) for each catalog, with its id."""
        for catalog in catalogs:
            catalog_path = path.format(catalog_id=catalog["id"])
            for rows in self.members(catalog_path, filters):
                yield [{**row, "catalog_id": catalog["id"]} for row in rows]

    async def members_of_each(
        self, path: str, parent_key: str, parent_ids: list[str]
    ) -> AsyncIterator[list[Record]]:
        """Every member under each parent (one list per parent, concurrently); a parent with
        none gets one flagged row, which deletes those loaded before."""

        async def read(parent_id: str) -> list[Record]:
            target: str = path.format(**{parent_key: parent_id})
            params: Params | None = {"itemsPerPage": self.page_size}
            rows: list[Record] = []
            while True:
                document = await self.concurrent.get_json(target, params)
                rows += [{**record(m), parent_key: parent_id} for m in _members(document, path)]
                following = _next(document, target if params is None else None)
                if following is None:
                    break
                target, params = following, None
            return rows or [{"id": parent_id, parent_key: parent_id, settings.DELETED_FLAG: True}]

        async for rows in fan_out(parent_ids, read, window=2 * self.concurrent.concurrency):
            yield rows


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


def _members(document: Any, path: str) -> list[Record]:
    if not isinstance(document, dict) or not isinstance(document.get("member"), list):
        raise ApiError(
            f"korusticket: GET {path} answered with JSON that has no `member` list. Check that "
            "`sources.korusticket.base_url` points at the KorusTicket API."
        )
    return document["member"]


def _next(document: Record, current: str | None) -> str | None:
    """`view.next`, a relative IRI that keeps our filters, or None on the last page."""
    view = document.get("view")
    following = view.get("next") if isinstance(view, dict) else None
    if not following:
        return None
    if following == current:
        raise ApiError(
            f"korusticket: {current} names itself as the next page, so paging would never end. "
            "Check that `sources.korusticket.base_url` points at the KorusTicket API."
        )
    return following
