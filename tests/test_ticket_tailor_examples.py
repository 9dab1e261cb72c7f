"""The vendor's own Ticket Tailor example payloads, going all the way through a sync."""

from __future__ import annotations

import json
from typing import ClassVar

from fakes.server import FakeServer, Response
from tests.conftest import Sync, Warehouse, sync_env
from tests.vendored import vendored


class VendorExamples(FakeServer):
    """Serves the vendor's example list responses as they stand, one page each."""

    LISTS: ClassVar[dict[str, str]] = {
        "/v1/events": "events.json",
        "/v1/orders": "orders.json",
        "/v1/issued_tickets": "issued_tickets.json",
        "/v1/discounts": "discounts.json",
        "/v1/vouchers": "vouchers.json",
        "/v1/holds": "holds.json",
    }
    # lists with no example of the vendor's: served empty
    EMPTY: ClassVar[tuple[str, ...]] = (
        "/v1/event_series",
        "/v1/check_ins",
        "/v1/products",
        "/v1/membership_types",
        "/v1/issued_memberships",
    )

    def __init__(self) -> None:
        super().__init__()
        for path, name in self.LISTS.items():
            self.route("GET", path, self.example(name))
        self.route("GET", r"/v1/vouchers/vo_123/codes", self.example("voucher_codes.json"))
        self.route("GET", r"/v1/vouchers/[^/]+/codes", lambda request: Response(200, {"data": []}))
        for path in self.EMPTY:
            self.route("GET", path, lambda request: Response(200, {"data": []}))

    @staticmethod
    def example(name: str):
        document = json.loads(vendored(f"tickettailor-examples/{name}").read_text())

        def handler(request, *groups) -> Response:
            # An example's `next` link names a page on a one-record page, which the walk would
            # take for a page cut short: these lists hold the example's records and no more.
            if "starting_after" in request.query:
                return Response(200, {"data": [], "links": {"next": None, "previous": None}})
            return Response(200, {**document, "links": {"next": None, "previous": None}})

        return handler


def test_vendor_example_payloads_load(tmp_path) -> None:
    warehouse = Warehouse("duckdb", tmp_path / "warehouse.duckdb")
    with VendorExamples().serve() as url:
        Sync(sync_env(tmp_path, url), "duckdb", warehouse).run()

    assert warehouse.ids("orders") == ["or_737352"]
    assert warehouse.column("orders", "event_id") == {"or_737352": "ev_40980"}
    # the order carries two tickets; the issued tickets example lists one of them
    assert sorted(warehouse.ids("issued_tickets")) == ["it_50198", "it_50199"]
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
    # the example's `update_at` loads as `updated_at`, its date objects as timestamps
    [(updated_at, total)] = warehouse.rows(
        "select extract(epoch from updated_at), total_on_hold from ticket_tailor.holds"
    )
    assert (int(updated_at), total) == (1588368600, 6)
