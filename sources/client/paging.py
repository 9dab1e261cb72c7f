"""Page walks that are complete or fail: one paginator per API style.

Child tables are replaced per parent and small lists are replaced whole, so whatever a walk
missed would be deleted. A paginator therefore checks every page against what the API reports
(the page it was asked for, the items it counts, the link to a next page) and raises
`IncompleteWalk` when a walk comes up short, so that the run fails and loads nothing. What each
style can check:

- `CursorPaging` (Ticket Tailor): `limit` and `starting_after` = the last id. A page shorter
  than asked ends the walk; a full one never does, even when `links.next` is null. A short page
  that still links a next one, or an empty page after one that did, is a walk come up short.
- `PageNumberPaging` (TicketSource, Laravel's simplePaginate): `page` and `per_page`, with
  `meta.current_page` / `per_page` / `from` / `to` checked against what was asked. The same
  length rules as above; `links` are optional (the vendor declares none for some lists).
- `HydraPaging` (KorusTicket, API Platform): `itemsPerPage`, then `view.next`. `totalItems`
  must not drop from one page to the next (a record removed during the walk shifts the pages
  after it, so one record goes unread), and at the end the walk must have found that many.

A record met twice on adjacent pages also fails the walk: the list shifted under it, so another
record was skipped (or the API ignores the paging parameters, and the walk would never end).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NoReturn

from .accounts import config_key
from .errors import IncompleteWalk, ResponseShapeError

Params = dict[str, Any]


@dataclass
class Walk:
    """One walk over a list: the request for the next page, and what the pages so far said."""

    path: str
    params: Params | None
    page: int = 0
    rows: int = 0
    # the API said more pages follow
    more_promised: bool = False
    previous_ids: set[Any] = field(default_factory=set)
    # the number of records the API last said the whole list holds
    total: int | None = None
    done: bool = False


class Paging:
    """How one API pages its lists; `advance` reads a page and moves the walk on."""

    records_key = "data"
    page_size_param = "limit"

    def __init__(self, source: str, page_size: int) -> None:
        self.source = source
        self.page_size = page_size

    def start(self, path: str, filters: Params | None = None) -> Walk:
        return Walk(path, {**(filters or {}), self.page_size_param: self.page_size})

    def advance(self, walk: Walk, document: Any) -> list[Any]:
        """This page's records; sets up the next request or marks the walk done."""
        walk.page += 1
        rows = self.records(document, walk)
        if len(rows) > self.page_size:
            self._short(
                walk,
                f"page {walk.page} has {len(rows)} records, more than the "
                f"{self.page_size} asked for",
            )
        if not rows and walk.more_promised:
            self._short(
                walk, f"page {walk.page} is empty although the page before it named a next page"
            )
        self.check_page(document, walk, rows)
        ids = {row.get("id") for row in rows if isinstance(row, dict)}
        if repeated := ids & walk.previous_ids:
            self._short(
                walk,
                f"record {sorted(map(str, repeated))[0]} came again on page "
                f"{walk.page}: the list shifted while it was read, so another record "
                "was skipped",
            )
        walk.previous_ids = ids
        walk.rows += len(rows)
        promised = self.next_promised(document)
        if len(rows) < self.page_size:
            if promised:
                self._short(
                    walk,
                    f"page {walk.page} has {len(rows)} records where "
                    f"{self.page_size} were asked for, yet it names a next page",
                )
            self.finish(document, walk)
            walk.done = True
        else:
            walk.more_promised = promised
            self.follow(document, walk, rows)
        return rows

    def records(self, document: Any, walk: Walk) -> list[Any]:
        if not isinstance(document, dict) or not isinstance(document.get(self.records_key), list):
            raise ResponseShapeError(
                f"{self.source}: GET {walk.path} answered with JSON that has no "
                f"`{self.records_key}` list. Check that `{config_key(self.source, 'base_url')}` "
                "points at the API."
            )
        return document[self.records_key]

    def check_page(self, document: Any, walk: Walk, rows: list[Any]) -> None:
        """Raises IncompleteWalk when the page is not the one asked for."""

    def next_promised(self, document: Any) -> bool:
        links = document.get("links")
        return isinstance(links, dict) and bool(links.get("next"))

    def follow(self, document: Any, walk: Walk, rows: list[Any]) -> None:
        """Sets the walk's request to the next page after a full one."""
        raise NotImplementedError

    def finish(self, document: Any, walk: Walk) -> None:
        """Raises IncompleteWalk when the walk found less than the API reports."""

    def _short(self, walk: Walk, problem: str) -> NoReturn:
        raise IncompleteWalk(self.source, walk.path, problem)


class CursorPaging(Paging):
    """Ticket Tailor: `limit` and `starting_after` = the last id.

    The API's `links.next` carries the cursor only, dropping our filters, so the next request
    is ours: the same filters plus `starting_after`.
    """

    def follow(self, document: Any, walk: Walk, rows: list[Any]) -> None:
        assert walk.params is not None
        walk.params = {**walk.params, "starting_after": rows[-1].get("id")}


class PageNumberPaging(Paging):
    """TicketSource (Laravel's simplePaginate): `page` from 1 and `per_page`.

    The API's `links.next` points at the vendor's host and drops `per_page`, so the next request
    is ours too.
    """

    page_size_param = "per_page"

    def start(self, path: str, filters: Params | None = None) -> Walk:
        return Walk(path, {**(filters or {}), "page": 1, self.page_size_param: self.page_size})

    def check_page(self, document: Any, walk: Walk, rows: list[Any]) -> None:
        meta = document.get("meta")
        if not isinstance(meta, dict):
            return
        first = (walk.page - 1) * self.page_size + 1
        expected = {"current_page": walk.page, "per_page": self.page_size}
        if rows:
            expected |= {"from": first, "to": first + len(rows) - 1}
        for key, value in expected.items():
            if key in meta and meta[key] != value:
                self._short(
                    walk,
                    f"asked for page {walk.page} of {self.page_size}, the answer "
                    f"says {key} = {meta[key]} where {value} was expected",
                )

    def follow(self, document: Any, walk: Walk, rows: list[Any]) -> None:
        assert walk.params is not None
        walk.params = {**walk.params, "page": walk.page + 1}


class HydraPaging(Paging):
    """KorusTicket (API Platform, JSON-LD): `itemsPerPage`, then the `view.next` IRI, which
    keeps our filters; `totalItems` says how many members the whole walk must find."""

    records_key = "member"
    page_size_param = "itemsPerPage"

    def next_promised(self, document: Any) -> bool:
        return bool(_view_next(document))

    def follow(self, document: Any, walk: Walk, rows: list[Any]) -> None:
        following = _view_next(document)
        if not following:
            self.finish(document, walk)
            walk.done = True
            return
        walk.path, walk.params = following, None

    def check_page(self, document: Any, walk: Walk, rows: list[Any]) -> None:
        total = document.get("totalItems")
        if not isinstance(total, int):
            return
        if walk.total is not None and total < walk.total:
            self._short(
                walk,
                f"the collection counted {walk.total} members before page {walk.page} and "
                f"{total} on it: records were removed while it was read, which shifts the "
                "pages after them",
            )
        walk.total = total

    def finish(self, document: Any, walk: Walk) -> None:
        total = document.get("totalItems")
        if isinstance(total, int) and total != walk.rows:
            self._short(
                walk,
                f"the collection counts {total} members but the walk found "
                f"{walk.rows} (records were added or removed while it was read)",
            )


def _view_next(document: Any) -> str | None:
    view = document.get("view")
    following = view.get("next") if isinstance(view, dict) else None
    return following if isinstance(following, str) and following else None
