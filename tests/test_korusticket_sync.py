"""End to end: the sync CLI over real HTTP to the fake KorusTicket, into DuckDB and Postgres."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from fakes.korusticket import KorusTicketFake
from tests.conftest import (
    KORUS_ID,
    KORUS_SECRET,
    Sync,
    Warehouse,
    korusticket_sync,
    snapshot,
    summary_retries,
    summary_rows,
    wait_for,
)

TABLES = (
    "catalogs",
    "product_bases",
    "products",
    "offers",
    "orders",
    "order_documents",
    "reservations",
)
TRUTH = {"order_documents": "documents"}
CATALOG_TABLES = ("catalogs", "product_bases", "products", "offers")
DAY = 86_400


def truth(fake, table: str) -> dict[str, dict]:
    return getattr(fake, TRUTH.get(table, table))


def iri_id(iri: str | None) -> str | None:
    return iri.rsplit("/", 1)[1] if iri else None


def assert_matches_fake(warehouse: Warehouse, fake) -> None:
    """Every table holds exactly the API's records, once each, with current values."""
    for table in TABLES:
        warehouse.assert_holds_once(table, truth(fake, table))
    orders = fake.orders
    assert warehouse.column("orders", "status") == {i: o["status"] for i, o in orders.items()}
    assert warehouse.column("orders", "cancelled_at is not null") == {
        i: o["cancelledAt"] is not None for i, o in orders.items()
    }
    assert warehouse.column("orders", "catalog_id") == {
        i: iri_id(o["catalog"]) for i, o in orders.items()
    }
    assert warehouse.column("orders", "reservation_id") == {
        i: iri_id(o["reservation"]) for i, o in orders.items()
    }
    items = warehouse.rows(
        "select count(*) from korusticket.orders__items i join korusticket.orders o "
        "on i._dlt_parent_id = o._dlt_id"
    )[0][0]
    assert items == sum(len(o["items"]) for o in orders.values())
    reservations = fake.reservations
    assert warehouse.column("reservations", "expired") == {
        i: r["expired"] for i, r in reservations.items()
    }
    documents = warehouse.column("order_documents", "order_id")
    assert documents == {i: iri_id(d["order"]) for i, d in fake.documents.items()}
    products = warehouse.column("products", "product_base_id")
    assert products == {i: iri_id(p["productBase"]) for i, p in fake.products.items()}
    offers = warehouse.column("offers", "product_id")
    assert offers == {i: iri_id(o["product"]) for i, o in fake.offers.items()}


def unix(timestamp: str) -> float:
    return datetime.fromisoformat(timestamp).timestamp()


def documents_read(fake) -> list[str]:
    """The order ids whose documents were listed since the fake's log was last reset."""
    return [p.split("/")[-2] for _, p, _ in fake.requests if p.endswith("/documents")]


def test_full_sync_loads_every_record_once(kt_sync: Sync, korusticket) -> None:
    result = kt_sync.run()

    assert_matches_fake(kt_sync.warehouse, korusticket)
    assert summary_rows(result) == kt_sync.warehouse.counts()
    columns = {
        name
        for (name,) in kt_sync.warehouse.rows(
            "select column_name from information_schema.columns "
            "where table_schema = 'korusticket' and table_name = 'orders'"
        )
    }
    assert {"catalog_id", "reservation_id", "organization_id", "total_amount_incl_tax"} <= columns
    assert not {name for name in columns if "@" in name or name.endswith("_type")}
    walks = [q for _, path, q in korusticket.requests if path == "/v1/booking/orders"]
    assert walks and all(q.get("itemsPerPage") == "50" for q in walks if "page" not in q)


def test_incremental_run_merges_new_cancelled_and_expired(kt_sync: Sync, korusticket) -> None:
    fake = korusticket
    kt_sync.run()
    recent = max(fake.orders.values(), key=lambda o: o["createdAt"])
    active = next(r for r in fake.reservations.values() if not r["expired"])

    new_orders = fake.add_orders(4)
    fake.cancel_order(recent["id"])
    fake.expire_reservation(active["id"])
    fake.add_reservations(2)
    fake.reset_log()
    kt_sync.run()

    assert_matches_fake(kt_sync.warehouse, fake)
    documents = [p for _, p, _ in fake.requests if p.endswith("/documents")]
    assert len(documents) == len(new_orders) + 1  # the new orders and the cancelled one


def test_no_change_run_reads_little_and_changes_nothing(kt_duckdb_sync: Sync, korusticket) -> None:
    fake = korusticket
    kt_duckdb_sync.run()
    full = len(fake.requests)
    before = snapshot(kt_duckdb_sync.warehouse, TABLES)
    fake.reset_log()

    kt_duckdb_sync.run()

    assert snapshot(kt_duckdb_sync.warehouse, TABLES) == before
    paths = [path for _, path, _ in fake.requests]
    assert not any(path.startswith("/v1/ticketing") for path in paths)  # catalog interval
    assert not any(path.endswith("/documents") for path in paths)
    assert len(paths) <= 0.05 * full


def test_catalog_tables_are_read_again_after_the_interval(
    kt_duckdb_sync: Sync, korusticket
) -> None:
    fake = korusticket
    kt_duckdb_sync.run()
    catalog_id = next(iter(fake.catalogs))
    offer = fake.add_offer(catalog_id)
    base_id = next(iter(fake.product_bases))
    fake.disable_product_base(base_id)
    kt_duckdb_sync.run()
    assert offer["id"] not in kt_duckdb_sync.warehouse.ids("offers")

    kt_duckdb_sync.run(SOURCES__KORUSTICKET__CATALOG_INTERVAL_HOURS="0")
    assert offer["id"] in kt_duckdb_sync.warehouse.ids("offers")
    assert kt_duckdb_sync.warehouse.column("product_bases", "disabled")[base_id] is True
    assert_matches_fake(kt_duckdb_sync.warehouse, fake)


def test_expiring_token_costs_one_token_request(kt_duckdb_sync: Sync, korusticket) -> None:
    fake = korusticket
    kt_duckdb_sync.run()
    fake.add_orders(3)
    tokens = fake.token_requests
    fake.expire_tokens()  # the token cached by nobody: a new run needs one anyway
    kt_duckdb_sync.run()
    assert fake.token_requests == tokens + 1

    # mid-run: every token issued so far dies while the documents are being read
    fake.latency = 0.01
    process = kt_duckdb_sync.start("--full-refresh")
    wait_for(lambda: sum(p.endswith("/documents") for _, p, _ in fake.requests) > 20)
    tokens = fake.token_requests
    fake.expire_tokens()
    assert process.wait(timeout=300) == 0, process.stderr.read()
    fake.latency = 0
    assert fake.token_requests == tokens + 1
    assert_matches_fake(kt_duckdb_sync.warehouse, fake)


# faults are the API's: what they test does not depend on the destination
@pytest.mark.parametrize("destination", ["duckdb"])
def test_fault_storm_ends_exact(kt_sync: Sync, korusticket) -> None:
    fake = korusticket
    fake.fault_rate = 0.2
    result = kt_sync.run()
    assert fake.faults_served > 0 and summary_retries(result) > 0
    fake.add_orders(3)
    fake.cancel_order(max(fake.orders.values(), key=lambda o: o["createdAt"])["id"])
    kt_sync.run()
    fake.fault_rate = 0
    assert_matches_fake(kt_sync.warehouse, fake)


def test_killed_runs_resume_exactly(kt_sync: Sync, korusticket) -> None:
    fake = korusticket
    kt_sync.kill_repeatedly(fake, after_requests=(5, 60))
    fake.add_orders(2)
    kt_sync.run()
    assert_matches_fake(kt_sync.warehouse, fake)


def test_translated_fields_come_in_the_configured_language(
    kt_duckdb_sync: Sync, korusticket
) -> None:
    kt_duckdb_sync.run(SOURCES__KORUSTICKET__ACCEPT_LANGUAGE="en")
    token = httpx.post(
        korusticket.url + korusticket.token_path,
        data={
            "grant_type": "client_credentials",
            "client_id": KORUS_ID,
            "client_secret": KORUS_SECRET,
        },
    ).json()["access_token"]
    catalog_id = next(iter(korusticket.catalogs))
    english = httpx.get(
        f"{korusticket.url}/v1/ticketing/catalogs/{catalog_id}/products",
        params={"itemsPerPage": 50},
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
    ).json()["member"]
    names = kt_duckdb_sync.warehouse.column("products", "name")
    assert names == {product["id"]: product["name"] for product in english}
    assert names != {i: p["name"] for i, p in korusticket.products.items()}  # French by default


def test_wrong_secret_names_the_keys_to_check(kt_duckdb_sync: Sync) -> None:
    result = kt_duckdb_sync.run(check=False, SOURCES__KORUSTICKET__CLIENT_SECRET="wrong-secret-1")
    assert result.returncode != 0
    assert "sources.korusticket.client_id" in result.stderr
    assert "sources.korusticket.client_secret" in result.stderr
    assert "Traceback" not in result.stderr
    assert "wrong-secret-1" not in result.stderr + result.stdout


def test_secrets_and_tokens_never_reach_logs_or_state(
    kt_duckdb_sync: Sync, korusticket, tmp_path
) -> None:
    korusticket.fault_rate = 0.2
    kt_duckdb_sync.run(LOG_LEVEL="DEBUG", RUNTIME__LOG_LEVEL="DEBUG")
    korusticket.fault_rate = 0
    tokens = korusticket.issued_tokens()
    for output in kt_duckdb_sync.outputs:
        text = output.stdout + output.stderr
        assert KORUS_SECRET not in text
        assert not any(token in text for token in tokens)
    for path in Path(tmp_path / "dlt").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert KORUS_SECRET.encode() not in data, f"secret in {path}"
            assert not any(token.encode() in data for token in tokens), f"token in {path}"


def test_orders_tied_with_the_newest_get_their_documents(kt_sync: Sync, korusticket) -> None:
    """Orders created in the newest second of the last run, but listed only after it."""
    fake = korusticket
    kt_sync.run()
    newest = max(fake.orders.values(), key=lambda o: o["createdAt"])
    tied = fake.add_orders(2, created_at=unix(newest["createdAt"]) + 0.999)
    assert {o["createdAt"] for o in tied} == {newest["createdAt"]}
    fake.reset_log()

    kt_sync.run()

    assert_matches_fake(kt_sync.warehouse, fake)
    assert sorted(documents_read(fake)) == sorted(o["id"] for o in tied)


def test_orders_committed_late_get_their_documents(kt_sync: Sync, korusticket) -> None:
    """Orders listed after a run although created before its newest one, within the lookback;
    once read, their documents are not read again."""
    fake = korusticket
    kt_sync.run()
    newest = max(unix(o["createdAt"]) for o in fake.orders.values())
    late = fake.add_orders(2, created_at=newest - DAY)
    fake.reset_log()

    kt_sync.run()

    assert_matches_fake(kt_sync.warehouse, fake)
    assert sorted(documents_read(fake)) == sorted(o["id"] for o in late)
    fake.reset_log()
    kt_sync.run()
    assert documents_read(fake) == []


@pytest.mark.parametrize("newer_days", [1, 4], ids=["in-lookback", "past-lookback"])
def test_documents_are_read_again_once_downloadable(
    kt_sync: Sync, korusticket, newer_days: int
) -> None:
    """A document not downloadable yet when read (no temporaryUrl) is read again once its
    downloadableAt has passed, whether or not the walk still lists its order; then no more."""
    fake = korusticket
    kt_sync.run()
    # add_orders makes each document downloadable from its order's createdAt: with the fake's
    # clock a minute behind, an order made at real time has one downloadable a minute later
    fake.advance(-60)
    [order] = fake.add_orders(1, created_at=time.time())
    fake.add_orders(1, created_at=time.time() + newer_days * DAY)  # the newest: moves the walk
    kt_sync.run()
    pending = kt_sync.warehouse.column("order_documents", "temporary_url is null", "order_id")
    assert pending[order["id"]]
    fake.advance(60)
    fake.reset_log()

    kt_sync.run()

    assert_matches_fake(kt_sync.warehouse, fake)
    assert documents_read(fake) == [order["id"]]
    pending = kt_sync.warehouse.column("order_documents", "temporary_url is null", "order_id")
    assert not pending[order["id"]]
    fake.reset_log()
    kt_sync.run()
    assert documents_read(fake) == []


def test_documents_that_appear_on_an_order_later_are_read(tmp_path) -> None:
    """An order listed with no documents has them read again while the walk re-reads it, until
    it has some; an order whose documents were read, all downloadable, is not read again."""
    fake = KorusTicketFake(client_id=KORUS_ID, client_secret=KORUS_SECRET, seed=9)
    fake.seed_data(orders=40, reservations=4, days=10, documents_per_order=0)
    with fake.serve():
        sync = korusticket_sync(tmp_path, fake, "duckdb", None)
        sync.run()
        newest = max(fake.orders.values(), key=lambda o: o["createdAt"])
        fake.add_document(newest["id"])
        fake.reset_log()

        sync.run()

        assert_matches_fake(sync.warehouse, fake)
        assert newest["id"] in documents_read(fake)
        fake.reset_log()
        sync.run()
        read = documents_read(fake)
        assert read and newest["id"] not in read  # the others still have none


def test_summary_counts_token_requests(kt_duckdb_sync: Sync, korusticket) -> None:
    result = kt_duckdb_sync.run()
    assert korusticket.token_requests >= 1
    assert f"and {korusticket.token_requests} for tokens" in result.stdout
