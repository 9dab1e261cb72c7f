"""`--full-refresh` rebuilds in staging and swaps at the end: views on the tables survive, a
refresh that fails or is stopped leaves tables and cursors as they were, and a good one ends
with exactly what a first sync gives."""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import duckdb
import psycopg2
import pytest
from dlt.common.versioned_state import json_decode_state

from tests.conftest import Sync, Warehouse, snapshot, wait_for

VIEW = "analytics.order_items"
# analysts' view on orders and their nested line items, in a schema of their own
VIEW_SQL = f"""
create view {VIEW} as
select o.id, o.status, o.refund_amount, count(li._dlt_id) as items
from ticket_tailor.orders o
left join ticket_tailor.orders__line_items li on li._dlt_parent_id = o._dlt_id
group by o.id, o.status, o.refund_amount
"""
DAY = 86400


def execute(warehouse: Warehouse, *statements: str) -> None:
    """Runs DDL as an analyst would (Warehouse.rows reads only)."""
    if warehouse.destination == "duckdb":
        with duckdb.connect(str(warehouse.duckdb_path)) as con:
            for sql in statements:
                con.execute(sql)
        return
    con = psycopg2.connect(warehouse.postgres_dsn)
    con.autocommit = True
    try:
        with con.cursor() as cur:
            for sql in statements:
                cur.execute(sql)
    finally:
        con.close()


def create_view(warehouse: Warehouse) -> None:
    execute(warehouse, "create schema if not exists analytics", VIEW_SQL)


def view_rows(warehouse: Warehouse) -> dict[str, tuple]:
    return {row[0]: row[1:] for row in warehouse.rows(f"select * from {VIEW}")}


def data_tables(warehouse: Warehouse) -> tuple[str, ...]:
    return tuple(sorted(t for t in warehouse.tables() if not t.startswith("_dlt")))


def state_of(sync: Sync) -> dict:
    """The source's dlt state (cursors and marks) as the next run will find it."""
    path = Path(sync.env["DLT_DATA_DIR"]) / "pipelines" / sync.source / "state.json"
    return json_decode_state(path.read_text())["sources"].get(sync.source, {})


def cursors_of(sync: Sync) -> dict:
    """The state less the marks that only say when a run started (the same in no two runs)."""
    state = state_of(sync)
    memberships = state.get("resources", {}).get("issued_memberships")
    if memberships:
        memberships.update(dict.fromkeys(memberships, "<when the run started>"))
    return state


def forget_everything(sync: Sync) -> None:
    """Drops the dataset and the local state, so that the next run is a first sync."""
    warehouse = sync.warehouse
    if warehouse.destination == "duckdb":
        warehouse.duckdb_path.unlink()
    else:
        execute(
            warehouse,
            f"drop schema {warehouse.dataset} cascade",
            f"drop schema if exists _staging_{warehouse.dataset} cascade",
        )
    shutil.rmtree(Path(sync.env["DLT_DATA_DIR"]) / "pipelines" / sync.source)


def old_order(fake) -> dict:
    """The oldest order of an event long over: no incremental run re-reads it."""
    newest = max(o["created_at"] for o in fake.orders.values())
    return min(
        (
            o
            for o in fake.orders.values()
            if fake.events[o["event_summary"]["id"]]["end"]["unix"] < fake.now - 10 * DAY
            and o["created_at"] < newest - 10 * DAY
        ),
        key=lambda o: o["created_at"],
    )


def walk_started_at(fake) -> list[str | None]:
    """Where each read of the orders' created_at walk started (the sweeps filter on events)."""
    return [
        query.get("created_at.gte")
        for _, path, query in fake.requests
        if path == "/v1/orders" and "event_id" not in query
    ]


def assert_matches_fake(warehouse: Warehouse, fake) -> None:
    for table in ("events", "orders", "issued_tickets", "discounts", "vouchers", "voucher_codes"):
        warehouse.assert_holds_once(table, getattr(fake, table))
    assert view_rows(warehouse) == {
        i: (o["status"], o["refund_amount"], len(o["line_items"])) for i, o in fake.orders.items()
    }


def test_view_on_orders_survives_full_refresh(sync: Sync, fake) -> None:
    sync.run()
    create_view(sync.warehouse)
    cancelled, refunded = old_order(fake), next(iter(fake.orders.values()))
    fake.cancel_order(cancelled["id"])
    fake.refund_order(refunded["id"], 300)
    fake.delete_discount(next(iter(fake.discounts)))
    fake.delete_voucher(next(iter(fake.vouchers)))
    fake.add_orders(3)

    full_refresh(sync)

    assert_matches_fake(sync.warehouse, fake)
    assert view_rows(sync.warehouse)[cancelled["id"]][0] == "cancelled"
    # the view still resolves after a second one, too
    sync.run("--full-refresh")
    assert_matches_fake(sync.warehouse, fake)


def test_full_refresh_ends_as_a_first_sync_would(sync: Sync, fake) -> None:
    sync.run()
    stale = old_order(fake)
    fake.cancel_order(stale["id"])
    fake.delete_event(next(iter(fake.events)))
    fake.delete_voucher(next(iter(fake.vouchers)))
    fake.add_orders(4)
    sync.run()
    # a change that no incremental run sees: what a full refresh is for
    assert sync.warehouse.column("orders", "status")[stale["id"]] != "cancelled"
    fake.reset_log()

    sync.run("--full-refresh")

    assert None in walk_started_at(fake)  # the walk started over
    tables = data_tables(sync.warehouse)
    refreshed, refreshed_state = snapshot(sync.warehouse, tables), cursors_of(sync)
    counts = sync.warehouse.counts()
    forget_everything(sync)
    sync.run()
    assert data_tables(sync.warehouse) == tables
    assert snapshot(sync.warehouse, tables) == refreshed  # no row too many, none missing
    assert sync.warehouse.counts() == counts
    assert refreshed_state == cursors_of(sync)  # the cursors started from scratch
    assert sync.warehouse.column("orders", "status")[stale["id"]] == "cancelled"


@pytest.mark.postgres
@pytest.mark.parametrize("destination", ["postgres"])
def test_old_rows_stay_readable_while_the_new_ones_load(sync: Sync, fake) -> None:
    """The load is held up (a lock on a staging table) after reading is done: meanwhile
    the view still gives every old row, and once the load goes on it gives the new ones."""
    sync.run()
    warehouse = sync.warehouse
    create_view(warehouse)
    before = view_rows(warehouse)
    fake.cancel_order(old_order(fake)["id"])
    fake.add_orders(2)
    blocker = psycopg2.connect(warehouse.postgres_dsn)
    try:
        with blocker.cursor() as cur:
            cur.execute("lock table _staging_ticket_tailor.orders in access exclusive mode")
        process = sync.start("--full-refresh")
        wait_for(lambda: waiting_for_a_lock(warehouse) or process.poll() is not None)
        assert process.poll() is None, process.communicate()[1]
        assert view_rows(warehouse) == before
    finally:
        blocker.rollback()
        blocker.close()
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    assert_matches_fake(warehouse, fake)


def waiting_for_a_lock(warehouse: Warehouse) -> bool:
    [(waiting,)] = warehouse.rows(
        "select count(*) from pg_locks where not granted and database = "
        "(select oid from pg_database where datname = current_database())"
    )
    return waiting > 0


def test_next_runs_merge_and_delete_again_after_full_refresh(duckdb_sync: Sync, fake) -> None:
    full_refresh(duckdb_sync)  # the very first run, even
    voucher = next(iter(fake.vouchers))
    fake.delete_voucher(voucher)
    new = fake.add_orders(2)
    fake.reset_log()
    duckdb_sync.run()
    assert walk_started_at(fake) and None not in walk_started_at(fake)
    create_view(duckdb_sync.warehouse)
    assert_matches_fake(duckdb_sync.warehouse, fake)  # the voucher's codes were deleted
    assert {o["id"] for o in new} <= set(duckdb_sync.warehouse.ids("orders"))


def test_full_refresh_refuses_a_replace_strategy_that_empties_tables_first(
    duckdb_sync: Sync, fake
) -> None:
    duckdb_sync.run()
    tables = data_tables(duckdb_sync.warehouse)
    before = snapshot(duckdb_sync.warehouse, tables)

    result = duckdb_sync.run(
        "--full-refresh", check=False, DESTINATION__REPLACE_STRATEGY="truncate-and-insert"
    )

    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert 'replace_strategy = "insert-from-staging"' in result.stderr
    assert snapshot(duckdb_sync.warehouse, tables) == before


FAILURES = ("api-error", "storm", "sigint", "sigterm", "sigkill")
# how a run stops does not depend on the destination: Postgres gets one failure of each side
# (the API's, the process's)
FAILURE_CASES = [("duckdb", failure) for failure in FAILURES] + [
    pytest.param("postgres", failure, marks=pytest.mark.postgres)
    for failure in ("api-error", "sigkill")
]


@pytest.mark.parametrize(("destination", "failure"), FAILURE_CASES)
def test_failed_full_refresh_leaves_tables_and_cursors(sync: Sync, fake, failure: str) -> None:
    sync.run()
    warehouse = sync.warehouse
    create_view(warehouse)
    tables = data_tables(warehouse)
    before, cursors, view_before = snapshot(warehouse, tables), state_of(sync), view_rows(warehouse)
    stale = old_order(fake)
    fake.cancel_order(stale["id"])
    fake.delete_discount(next(iter(fake.discounts)))
    new = fake.add_orders(2)

    fake.latency = 0.02
    fake.reset_log()
    process = sync.start("--full-refresh", SOURCES__TICKET_TAILOR__MAX_ATTEMPTS="2")
    wait_for(lambda: len(fake.requests) >= 8)  # partway through reading
    assert process.poll() is None, "the full refresh finished before it could be stopped"
    if warehouse.destination == "postgres":
        assert view_rows(warehouse) == view_before  # readers see the old rows meanwhile
    if failure == "api-error":
        fake.inject(400)  # not retryable
    elif failure == "storm":
        fake.fault_rate, fake.fault_kinds = 1.0, (503,)
    else:
        signum = {"sigint": signal.SIGINT, "sigterm": signal.SIGTERM}.get(failure, signal.SIGKILL)
        os.killpg(process.pid, signum)  # its own process group (Sync.start)
    _, stderr = process.communicate(timeout=300)
    status = process.returncode
    fake.latency, fake.fault_rate = 0, 0
    expected = {"sigkill": -9, "sigint": 130, "sigterm": 143}.get(failure, 1)
    assert status == expected, stderr

    assert data_tables(warehouse) == tables
    assert snapshot(warehouse, tables) == before
    assert view_rows(warehouse) == view_before
    assert state_of(sync) == cursors

    fake.reset_log()
    sync.run()  # the next normal run carries on from the last good one
    assert walk_started_at(fake) and None not in walk_started_at(fake)
    orders = warehouse.column("orders", "status")
    assert {o["id"] for o in new} <= orders.keys()
    assert orders[stale["id"]] != "cancelled"  # old orders were not re-read: cursors kept
    assert set(warehouse.ids("discounts")) == set(fake.discounts)

    sync.run("--full-refresh")
    assert_matches_fake(warehouse, fake)


def test_full_refresh_of_ticketsource_ends_as_a_first_sync_would(
    ts_duckdb_sync: Sync, ticketsource
) -> None:
    sync = ts_duckdb_sync
    never_swept = {"SOURCES__TICKETSOURCE__SWEEP_RUNS": "1000"}
    full_refresh(sync, **never_swept)  # the very first run, even
    sync.run(**never_swept)  # the merges after it work
    # notes deleted alone: incremental runs see that only when the sweep comes by
    notes = sync.warehouse.rows("select customer_id, id from ticketsource.customer_notes")
    assert notes
    for customer_id, note_id in notes:
        ticketsource.delete_note(customer_id, note_id)
    sync.run(**never_swept)
    assert len(sync.warehouse.ids("customer_notes")) == len(notes)

    full_refresh(sync, **never_swept)

    # no note left to load: the table is emptied all the same
    assert "customer_notes" in sync.warehouse.tables()
    assert sync.warehouse.ids("customer_notes") == []
    assert state_of(sync)["runs"] == 1  # source-level marks started over too
    assert_ends_as_a_first_sync(sync, **never_swept)


def test_full_refresh_of_korusticket_ends_as_a_first_sync_would(
    kt_duckdb_sync: Sync, korusticket
) -> None:
    sync = kt_duckdb_sync
    full_refresh(sync)  # the very first run, even
    sync.run()  # the merges after it work
    oldest = min(korusticket.orders.values(), key=lambda o: o["createdAt"])
    korusticket.cancel_order(oldest["id"])
    sync.run()
    assert sync.warehouse.column("orders", "status")[oldest["id"]] != "cancelled"

    full_refresh(sync)

    assert sync.warehouse.column("orders", "status")[oldest["id"]] == "cancelled"
    # document links are signed afresh on every read
    assert_ends_as_a_first_sync(sync, volatile=("temporary_url",))


def full_refresh(sync: Sync, **env: str) -> None:
    result = sync.run("--full-refresh", **env)
    # dlt's warnings about merge-only hints in a replace are not shown: the hints are off
    assert " WARNING " not in result.stderr


def assert_ends_as_a_first_sync(sync: Sync, volatile: tuple[str, ...] = (), **env: str) -> None:
    tables = data_tables(sync.warehouse)
    refreshed = snapshot(sync.warehouse, tables, volatile)
    forget_everything(sync)
    sync.run(**env)
    assert data_tables(sync.warehouse) == tables
    assert snapshot(sync.warehouse, tables, volatile) == refreshed
