"""Ticket Tailor paging rules, and the vendor's own example payloads going all the way through."""

from __future__ import annotations

import json
from typing import ClassVar

import pytest

from fakes.server import FakeServer, Response
from sources.client import ApiClient, ApiError
from sources.ticket_tailor.helpers import BoxOffice
from tests.conftest import Sync, Warehouse, sync_env
from tests.vendored import vendored


class ScriptedPages(FakeServer):
    """Answers /v1/orders with the given pages in turn."""

    def __init__(self, pages: list[dict]) -> None:
        super().__init__()
        self.pages = iter(pages)
        self.route("GET", r"/v1/orders", lambda request: Response(200, next(self.pages)))


def walk(pages: list[dict], filters: dict) -> tuple[list[list[dict]], list[dict]]:
    server = ScriptedPages(pages)
    with server.serve() as url:
        box_office = BoxOffice(ApiClient("ticket_tailor", url), page_size=2)
        walked = list(box_office.pages("/v1/orders", filters))
    return walked, [query for _, _, query in server.requests]


def test_next_page_keeps_filters_and_ignores_the_cursor_only_next_link() -> None:
    pages = [
        {
            "data": [{"id": "or_9"}, {"id": "or_8"}],
            "links": {"next": "/v1/orders?starting_after=or_8"},
        },
        {"data": [{"id": "or_7"}], "links": {"next": None}},
    ]
    walked, queries = walk(pages, {"created_at.gte": "100"})
    assert [len(page) for page in walked] == [2, 1]
    assert queries == [
        {"created_at.gte": "100", "limit": "2"},
        {"created_at.gte": "100", "limit": "2", "starting_after": "or_8"},
    ]


def test_paging_without_links_stops_on_a_short_page() -> None:
    pages = [
        {"data": [{"id": "or_9"}, {"id": "or_8"}]},
        {"data": [{"id": "or_7"}]},
    ]
    walked, queries = walk(pages, {})
    assert len(walked) == 2 and len(queries) == 2


def test_paging_stops_on_an_empty_page() -> None:
    walked, queries = walk([{"data": [], "links": {"next": "/v1/orders?starting_after=x"}}], {})
    assert walked == [] and len(queries) == 1


def test_paging_refuses_to_loop_on_an_api_that_ignores_the_cursor() -> None:
    same = {"data": [{"id": "or_9"}, {"id": "or_8"}], "links": {"next": "/v1/orders?x"}}
    with pytest.raises(ApiError, match="paging would never end"):
        walk([same, same, same], {})


class VendorExamples(FakeServer):
    """Serves the vendor's example list responses as they stand, one page each."""

    LISTS: ClassVar[dict[str, str]] = {
        "/v1/events": "events.json",
        "/v1/orders": "orders.json",
        "/v1/issued_tickets": "issued_tickets.json",
        "/v1/discounts": "discounts.json",
        "/v1/vouchers": "vouchers.json",
    }

    def __init__(self) -> None:
        super().__init__()
        for path, name in self.LISTS.items():
            self.route("GET", path, self.example(name))
        self.route("GET", r"/v1/vouchers/vo_123/codes", self.example("voucher_codes.json"))
        self.route("GET", r"/v1/vouchers/[^/]+/codes", lambda request: Response(200, {"data": []}))

    @staticmethod
    def example(name: str):
        document = json.loads(vendored(f"tickettailor-examples/{name}").read_text())

        def handler(request, *groups) -> Response:
            # the examples' next links point at pages that do not exist: end the walk there
            if "starting_after" in request.query:
                return Response(200, {"data": [], "links": {"next": None, "previous": None}})
            return Response(200, document)

        return handler


def test_vendor_example_payloads_load(tmp_path) -> None:
    warehouse = Warehouse("duckdb", tmp_path / "warehouse.duckdb")
    with VendorExamples().serve() as url:
        Sync(sync_env(tmp_path, url), "duckdb", warehouse).run()

    assert warehouse.ids("orders") == ["or_737352"]
    assert warehouse.column("orders", "event_id") == {"or_737352": "ev_40980"}
    assert warehouse.ids("issued_tickets") == ["it_50198"]
    assert sorted(warehouse.ids("ticket_types")) == [
        "tt_230625",
        "tt_230626",
        "tt_230631",
        "tt_230632",
    ]
    assert sorted(warehouse.ids("discounts")) == ["di_123", "di_234"]
    assert sorted(warehouse.ids("voucher_codes")) == ["vc_123", "vc_345"]
    # the parent's id, taken from the path we asked
    assert warehouse.column("voucher_codes", "voucher_id") == {
        "vc_123": "vo_123",
        "vc_345": "vo_123",
    }
