"""Walks that come up short fail the run and delete nothing; a record read twice in one load
keeps its fresher read. Every source, over real HTTP to its fake, into DuckDB."""

from __future__ import annotations

from typing import Any

from fakes.server import Request
from tests.conftest import Sync, snapshot

TT_TABLES = ("events", "orders", "issued_tickets", "discounts", "vouchers", "voucher_codes")
TS_TABLES = ("events", "venues", "dates", "bookings", "seats", "customers", "customer_notes")
KT_TABLES = ("catalogs", "product_bases", "products", "offers", "orders", "reservations")


def assert_failed_short_and_kept(sync: Sync, tables: tuple[str, ...], before: dict, **env) -> None:
    result = sync.run(check=False, **env)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "came up short" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(sync.warehouse, tables) == before


def drop_one_keep_next(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    """A page that lost a record but still names a next page: a short page in the middle."""
    for key in ("data", "member"):
        if isinstance(body.get(key), list) and body[key]:
            body[key] = body[key][1:]
    return body


# -- Ticket Tailor


def test_a_list_read_whole_that_comes_up_short_deletes_nothing(duckdb_sync: Sync, fake) -> None:
    duckdb_sync.run()
    before = snapshot(duckdb_sync.warehouse, TT_TABLES)
    fake.delete_discount(next(iter(fake.discounts)))
    fake.alter(drop_one_keep_next, path="/v1/vouchers")

    assert_failed_short_and_kept(
        duckdb_sync, TT_TABLES, before, SOURCES__TICKET_TAILOR__PAGE_SIZE="2"
    )

    fake.clear_alterations()
    duckdb_sync.run(SOURCES__TICKET_TAILOR__PAGE_SIZE="2")
    assert sorted(duckdb_sync.warehouse.ids("vouchers")) == sorted(fake.vouchers)
    assert sorted(duckdb_sync.warehouse.ids("discounts")) == sorted(fake.discounts)


def test_voucher_codes_cut_short_keep_the_codes_loaded_before(duckdb_sync: Sync, fake) -> None:
    duckdb_sync.run()
    before = snapshot(duckdb_sync.warehouse, TT_TABLES)
    voucher_id = next(iter(fake.vouchers))
    code = next(c for c in fake.voucher_codes.values() if c["voucher_id"] == voucher_id)
    fake.use_voucher_code(code["id"])  # the voucher's counts change: its codes are re-read

    def middle_page_short(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        return drop_one_keep_next(request, body) if "starting_after" in request.query else body

    fake.alter(middle_page_short, path=f"/v1/vouchers/{voucher_id}/codes")
    result = duckdb_sync.run(check=False, SOURCES__TICKET_TAILOR__PAGE_SIZE="5")

    assert result.returncode == 1 and "came up short" in result.stderr
    assert snapshot(duckdb_sync.warehouse, TT_TABLES) == before


def test_links_missing_from_every_page_still_read_everything(duckdb_sync: Sync, fake) -> None:
    def no_links(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        body.pop("links", None)
        return body

    fake.alter(no_links)
    duckdb_sync.run(SOURCES__TICKET_TAILOR__PAGE_SIZE="4")

    for table in ("orders", "issued_tickets", "vouchers", "voucher_codes", "discounts"):
        duckdb_sync.warehouse.assert_holds_once(table, getattr(fake, table))


def test_a_voucher_whose_codes_all_went_keeps_none(duckdb_sync: Sync, fake) -> None:
    duckdb_sync.run()
    voucher_id = next(iter(fake.vouchers))
    fake.delete_voucher_codes(voucher_id)

    duckdb_sync.run()

    codes = duckdb_sync.warehouse.column("voucher_codes", "voucher_id")
    assert voucher_id not in codes.values()
    assert sorted(codes) == sorted(fake.voucher_codes)


def test_an_order_read_twice_in_one_load_keeps_the_later_read(duckdb_sync: Sync, fake) -> None:
    # Orders of an event about to start are read by the created_at walk and by the event's
    # sweep after it. The walk's copies are made stale: the sweep's, read later, must win.
    duckdb_sync.run()  # a first run has no sweeps: its walk reads everything
    event = fake.add_event(start=fake.now + 3600)
    read_twice = [order["id"] for order in fake.add_orders(6, event_id=event["id"])]

    def stale_walk(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        if "event_id" not in request.query:
            for order in body["data"]:
                order["status"] = "stale"
        return body

    fake.alter(stale_walk, path="/v1/orders")
    duckdb_sync.run()

    statuses = duckdb_sync.warehouse.column("orders", "status")
    assert {statuses[order_id] for order_id in read_twice} == {"completed"}


# -- TicketSource


def test_a_child_list_that_shifted_while_read_deletes_nothing(
    ts_duckdb_sync: Sync, ticketsource
) -> None:
    ts_duckdb_sync.run(SOURCES__TICKETSOURCE__PAGE_SIZE="2")
    before = snapshot(ts_duckdb_sync.warehouse, TS_TABLES)
    last_of_first_page: dict[str, Any] = {}

    def shifted(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        # a date inserted ahead of the read position pushes page 1's last onto page 2
        if not request.path.endswith("/dates") or not body["data"]:
            return body
        if request.query.get("page") == "1":
            last_of_first_page[request.path] = body["data"][-1]
        elif request.query.get("page") == "2" and request.path in last_of_first_page:
            body["data"] = [last_of_first_page[request.path], *body["data"][:-1]]
        return body

    ticketsource.alter(shifted)
    assert_failed_short_and_kept(
        ts_duckdb_sync, TS_TABLES, before, SOURCES__TICKETSOURCE__PAGE_SIZE="2"
    )


def test_a_short_page_in_the_middle_deletes_nothing(ts_duckdb_sync: Sync, ticketsource) -> None:
    ts_duckdb_sync.run(SOURCES__TICKETSOURCE__PAGE_SIZE="2")
    before = snapshot(ts_duckdb_sync.warehouse, TS_TABLES)

    def short_first_page(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        if request.path.endswith("/dates") and request.query.get("page") == "1":
            return drop_one_keep_next(request, body)
        return body

    ticketsource.alter(short_first_page)
    assert_failed_short_and_kept(
        ts_duckdb_sync, TS_TABLES, before, SOURCES__TICKETSOURCE__PAGE_SIZE="2"
    )


# -- KorusTicket


def test_orders_removed_during_the_walk_fail_it(kt_duckdb_sync: Sync, korusticket) -> None:
    kt_duckdb_sync.run()
    before = snapshot(kt_duckdb_sync.warehouse, KT_TABLES)
    korusticket.add_orders(3)

    def shifted(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        if request.query.get("page") == "2":
            body["member"], body["totalItems"] = body["member"][1:], body["totalItems"] - 1
        return body

    korusticket.alter(shifted, path="/v1/booking/orders")
    assert_failed_short_and_kept(
        kt_duckdb_sync,
        KT_TABLES,
        before,
        SOURCES__KORUSTICKET__PAGE_SIZE="5",
        SOURCES__KORUSTICKET__LOOKBACK_DAYS="30",
    )


def test_a_catalog_list_cut_short_deletes_no_offer(kt_duckdb_sync: Sync, korusticket) -> None:
    kt_duckdb_sync.run()
    before = snapshot(kt_duckdb_sync.warehouse, KT_TABLES)
    korusticket.alter(drop_one_keep_next, path="/v1/ticketing/catalogs/", times=3)

    assert_failed_short_and_kept(
        kt_duckdb_sync,
        KT_TABLES,
        before,
        SOURCES__KORUSTICKET__PAGE_SIZE="5",
        SOURCES__KORUSTICKET__CATALOG_INTERVAL_HOURS="0",
    )


def test_offers_gone_from_a_catalog_are_deleted(kt_duckdb_sync: Sync, korusticket) -> None:
    kt_duckdb_sync.run()
    offer_id = next(iter(korusticket.offers))
    korusticket.delete_offer(offer_id)

    kt_duckdb_sync.run(SOURCES__KORUSTICKET__CATALOG_INTERVAL_HOURS="0")

    assert sorted(kt_duckdb_sync.warehouse.ids("offers")) == sorted(korusticket.offers)
    assert offer_id not in kt_duckdb_sync.warehouse.ids("offers")


def test_a_catalog_gone_from_the_list_is_deleted_with_its_lists(
    kt_duckdb_sync: Sync, korusticket
) -> None:
    kt_duckdb_sync.run()

    def no_catalogs(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        if request.path == "/v1/ticketing/catalogs":
            body["member"], body["totalItems"] = [], 0
        return body

    korusticket.alter(no_catalogs, path="/v1/ticketing/catalogs")
    kt_duckdb_sync.run(SOURCES__KORUSTICKET__CATALOG_INTERVAL_HOURS="0")

    counts = kt_duckdb_sync.warehouse.counts()
    assert [counts.get(table, 0) for table in KT_TABLES[:4]] == [0, 0, 0, 0]
    assert counts["orders"] == len(korusticket.orders)
