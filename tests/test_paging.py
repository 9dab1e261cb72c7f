"""The paginators: every API style's walk is complete, or it fails instead of coming up short."""

from __future__ import annotations

import pytest

from fakes.server import FakeServer, Response
from sources.client import (
    ApiClient,
    CursorPaging,
    HydraPaging,
    IncompleteWalk,
    PageNumberPaging,
    Paging,
    ResponseShapeError,
)


class ScriptedPages(FakeServer):
    """Answers every GET with the given pages in turn."""

    def __init__(self, pages: list[dict]) -> None:
        super().__init__()
        self.pages = iter(pages)
        self.route("GET", r"/.*", lambda request: Response(200, next(self.pages)))


def walk(paging: Paging, pages: list[dict], filters: dict | None = None) -> tuple[list, list]:
    """The pages a walk yields, and the queries it sent."""
    server = ScriptedPages(pages)
    with server.serve() as url:
        walked = list(ApiClient("test", url).walk(paging, "/list", filters))
    return walked, [query for _, _, query in server.requests]


def rows(*ids: str) -> list[dict]:
    return [{"id": record_id} for record_id in ids]


# -- Ticket Tailor: cursor paging


def test_cursor_walk_keeps_filters_and_ignores_the_cursor_only_next_link() -> None:
    pages = [
        {"data": rows("or_9", "or_8"), "links": {"next": "/v1/orders?starting_after=or_8"}},
        {"data": rows("or_7"), "links": {"next": None}},
    ]
    walked, queries = walk(CursorPaging("test", 2), pages, {"created_at.gte": "100"})
    assert [len(page) for page in walked] == [2, 1]
    assert queries == [
        {"created_at.gte": "100", "limit": "2"},
        {"created_at.gte": "100", "limit": "2", "starting_after": "or_8"},
    ]


def test_cursor_walk_without_links_ends_on_a_short_page() -> None:
    walked, queries = walk(CursorPaging("test", 2), [{"data": rows("a", "b")}, {"data": rows("c")}])
    assert len(walked) == 2 and len(queries) == 2


def test_a_full_page_without_a_next_link_is_checked_with_one_more_request() -> None:
    pages = [
        {"data": rows("a", "b"), "links": {"next": None}},
        {"data": rows("c"), "links": {"next": None}},
    ]
    walked, queries = walk(CursorPaging("test", 2), pages)
    assert [row["id"] for page in walked for row in page] == ["a", "b", "c"]
    assert queries[1]["starting_after"] == "b"


def test_a_short_page_that_names_a_next_page_fails_the_walk() -> None:
    pages = [{"data": rows("a"), "links": {"next": "/list?starting_after=a"}}]
    with pytest.raises(IncompleteWalk, match="1 records where 2 were asked for"):
        walk(CursorPaging("test", 2), pages)


def test_an_empty_page_after_a_promised_next_one_fails_the_walk() -> None:
    pages = [
        {"data": rows("a", "b"), "links": {"next": "/list?starting_after=b"}},
        {"data": [], "links": {"next": None}},
    ]
    with pytest.raises(IncompleteWalk, match="empty although the page before it named a next"):
        walk(CursorPaging("test", 2), pages)


def test_cursor_walk_refuses_to_loop_on_an_api_that_ignores_the_cursor() -> None:
    same = {"data": rows("a", "b"), "links": {"next": "/list?x"}}
    with pytest.raises(IncompleteWalk, match="record a came again on page 2"):
        walk(CursorPaging("test", 2), [same, same, same])


def test_a_page_without_its_list_is_a_shape_error() -> None:
    with pytest.raises(ResponseShapeError, match="no `data` list"):
        walk(CursorPaging("test", 2), [{"items": []}])


# -- TicketSource: page numbers, Laravel's simplePaginate


def laravel(page: int, ids: list[str], per_page: int = 2, next_page: bool = False) -> dict:
    first = (page - 1) * per_page + 1
    return {
        "data": rows(*ids),
        "links": {"next": f"https://api.example/list?page={page + 1}" if next_page else None},
        "meta": {
            "current_page": page,
            "per_page": per_page,
            "from": first if ids else None,
            "to": first + len(ids) - 1 if ids else None,
        },
    }


def test_page_number_walk_asks_page_after_page() -> None:
    pages = [laravel(1, ["a", "b"], next_page=True), laravel(2, ["c"])]
    walked, queries = walk(PageNumberPaging("test", 2), pages)
    assert [len(page) for page in walked] == [2, 1]
    assert queries == [{"page": "1", "per_page": "2"}, {"page": "2", "per_page": "2"}]


def test_a_list_without_links_or_meta_pages_by_length() -> None:
    pages = [{"data": rows("a", "b")}, {"data": rows("c", "d")}, {"data": []}]
    walked, queries = walk(PageNumberPaging("test", 2), pages)
    assert sum(len(page) for page in walked) == 4 and len(queries) == 3


def test_a_page_that_answers_another_window_fails_the_walk() -> None:
    shifted = laravel(2, ["c", "d"])
    shifted["meta"]["from"], shifted["meta"]["to"] = 2, 3
    with pytest.raises(IncompleteWalk, match="from = 2 where 3 was expected"):
        walk(PageNumberPaging("test", 2), [laravel(1, ["a", "b"], next_page=True), shifted])


def test_a_record_met_again_on_the_next_page_fails_the_walk() -> None:
    # a record inserted before the read position pushes the last of page 1 onto page 2
    pages = [laravel(1, ["a", "b"], next_page=True), laravel(2, ["b", "c"], next_page=True)]
    with pytest.raises(IncompleteWalk, match="record b came again on page 2"):
        walk(PageNumberPaging("test", 2), pages)


# -- KorusTicket: API Platform's Hydra collections


def hydra(ids: list[str], total: int, following: str | None = None) -> dict:
    view = {"@id": "/list"} | ({"next": following} if following else {})
    return {"member": rows(*ids), "totalItems": total, "view": view}


def test_hydra_walk_follows_view_next() -> None:
    pages = [hydra(["a", "b"], 3, "/list?itemsPerPage=2&page=2"), hydra(["c"], 3)]
    walked, queries = walk(HydraPaging("test", 2), pages, {"order[createdAt]": "asc"})
    assert [len(page) for page in walked] == [2, 1]
    assert queries == [
        {"order[createdAt]": "asc", "itemsPerPage": "2"},
        {"itemsPerPage": "2", "page": "2"},
    ]


def test_a_record_removed_during_the_walk_fails_it_by_the_falling_count() -> None:
    # "b" was deleted after page 1: "d" moved up to page 2's start, "c" went unread
    pages = [hydra(["a", "b"], 4, "/list?page=2"), hydra(["d"], 3)]
    with pytest.raises(IncompleteWalk, match="counted 4 members before page 2 and 3 on it"):
        walk(HydraPaging("test", 2), pages)


def test_a_hydra_walk_that_stops_at_a_full_page_fails_by_the_count() -> None:
    with pytest.raises(IncompleteWalk, match="counts 5 members but the walk found 2"):
        walk(HydraPaging("test", 2), [hydra(["a", "b"], 5)])


# -- reading a whole list


def test_a_whole_list_read_again_when_the_walk_came_up_short() -> None:
    pages = [
        {"data": rows("a"), "links": {"next": "/list?starting_after=a"}},
        {"data": rows("a", "b"), "links": {"next": None}},
        {"data": [], "links": {"next": None}},
    ]
    server = ScriptedPages(pages)
    with server.serve() as url:
        found = ApiClient("test", url).read_all(CursorPaging("test", 2), "/list")
    assert [row["id"] for row in found] == ["a", "b"]


def test_a_whole_list_short_every_time_fails() -> None:
    short = {"data": rows("a"), "links": {"next": "/list?starting_after=a"}}
    server = ScriptedPages([short] * 3)
    with server.serve() as url, pytest.raises(IncompleteWalk, match="no rows were lost"):
        ApiClient("test", url).read_all(CursorPaging("test", 2), "/list")
