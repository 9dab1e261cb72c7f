"""End to end: the sync CLI over real HTTP to the fake Ticket Tailor, into DuckDB and Postgres."""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import (
    API_KEY,
    ROOT,
    Sync,
    Warehouse,
    snapshot,
    summary_retries,
    summary_rows,
    wait_for,
)

TABLES = (
    "events",
    "ticket_types",
    "event_series",
    "orders",
    "issued_tickets",
    "check_ins",
    "holds",
    "products",
    "membership_types",
    "issued_memberships",
    "waitlist_signups",
    "discounts",
    "vouchers",
    "voucher_codes",
)


def truth(fake, table: str) -> dict[str, dict]:
    """The fake's current records of one table, by id."""
    if table == "ticket_types":
        return {t["id"]: t for e in fake.events.values() for t in e["ticket_types"]}
    return getattr(fake, table)


def long_past_event(fake) -> dict:
    """The event that ended longest ago: its records are swept no more."""
    return min(fake.events.values(), key=lambda e: e["end"]["unix"])


def current_series(fake) -> str:
    """A series with an event still to come: its waitlist is re-read every run."""
    return next(e["event_series_id"] for e in fake.events.values() if e["end"]["unix"] > fake.now)


def ticket_requests(fake) -> list[dict]:
    return [query for _, path, query in fake.requests if path == "/v1/issued_tickets"]


def order_of_upcoming_event(fake) -> dict:
    """The oldest order of an event yet to come: its changes are swept every run."""
    upcoming = {i for i, e in fake.events.items() if e["start"]["unix"] > fake.now + 2 * 86400}
    return min(
        (o for o in fake.orders.values() if o["event_summary"]["id"] in upcoming),
        key=lambda o: o["created_at"],
    )


def assert_matches_fake(warehouse: Warehouse, fake) -> None:
    """Every table holds exactly the fake's records, once each, with their current state (a
    table that never had a record is not created)."""
    loaded = warehouse.tables()
    for table in TABLES:
        if table in loaded or truth(fake, table):
            warehouse.assert_holds_once(table, truth(fake, table))
    orders = fake.orders
    assert warehouse.column("orders", "status") == {i: o["status"] for i, o in orders.items()}
    assert warehouse.column("orders", "refund_amount") == {
        i: o["refund_amount"] for i, o in orders.items()
    }
    tickets = fake.issued_tickets
    assert warehouse.column("issued_tickets", "status") == {
        i: t["status"] for i, t in tickets.items()
    }
    assert warehouse.column("issued_tickets", "checked_in") == {
        i: t["checked_in"] for i, t in tickets.items()
    }
    codes = fake.voucher_codes
    assert warehouse.column("voucher_codes", "used__unix is not null") == {
        i: c["used"] is not None for i, c in codes.items()
    }
    assert warehouse.column("holds", "total_on_hold") == {
        i: h["total_on_hold"] for i, h in fake.holds.items()
    }
    assert warehouse.column("issued_memberships", "is_valid") == {
        i: m["is_valid"] for i, m in fake.issued_memberships.items()
    }
    assert warehouse.column("products", "name") == {i: p["name"] for i, p in fake.products.items()}
    if fake.waitlist_signups:
        assert warehouse.column("waitlist_signups", "notified_date is not null") == {
            i: w["notified_date"] is not None for i, w in fake.waitlist_signups.items()
        }
    assert warehouse.column("events", "event_series_id") == {
        i: e["event_series_id"] for i, e in fake.events.items()
    }


def test_full_sync_loads_every_record_once(sync: Sync, fake) -> None:
    result = sync.run()

    assert_matches_fake(sync.warehouse, fake)
    # the summary counts what landed: every row of every table, nested ones too
    loaded = {table: n for table, n in sync.warehouse.counts().items() if n}
    assert summary_rows(result) == loaded
    tables = sync.warehouse.tables()
    assert "orders__line_items" in tables
    assert not any(t.startswith("orders__issued_tickets") for t in tables)


def test_foreign_keys_and_timestamps_are_columns(sync: Sync, fake) -> None:
    sync.run()
    warehouse = sync.warehouse

    orders = fake.orders
    assert warehouse.column("orders", "event_id") == {
        i: o["event_summary"]["id"] for i, o in orders.items()
    }
    ticket_types = {
        ticket_type["id"]: event_id
        for event_id, event in fake.events.items()
        for ticket_type in event["ticket_types"]
    }
    assert ticket_types and warehouse.column("ticket_types", "event_id") == ticket_types
    codes = warehouse.column("voucher_codes", "voucher_id")
    assert set(codes.values()) == set(fake.vouchers)
    order_id, order = next(iter(orders.items()))
    [(created_at,)] = warehouse.rows(
        f"select extract(epoch from created_at) from ticket_tailor.orders where id = '{order_id}'"
    )
    assert int(created_at) == order["created_at"]


def test_incremental_run_picks_up_new_and_changed_records(sync: Sync, fake) -> None:
    now, long_ago = fake.now, fake.now - 40 * 86400  # long before any lookback window
    doors_open = fake.add_event(start=now - 2 * 3600, end=now + 3600)
    upcoming = fake.add_event(start=now + 20 * 86400)
    at_the_door = fake.add_orders(2, event_id=doors_open["id"], created_at=long_ago)
    booked_early = fake.add_orders(3, event_id=upcoming["id"], created_at=long_ago)
    sync.run()
    assert_matches_fake(sync.warehouse, fake)

    newest = max(o["created_at"] for o in fake.orders.values())
    fake.add_orders(3, created_at=newest)  # ties with the cursor's second
    fake.cancel_order(booked_early[0]["id"])
    fake.void_ticket(booked_early[1]["issued_tickets"][0]["id"])
    recent = max(fake.orders.values(), key=lambda o: o["created_at"])
    fake.refund_order(recent["id"], 500)
    fake.refund_order(at_the_door[1]["id"], 700)
    fake.check_in(at_the_door[0]["issued_tickets"][0]["id"])
    fake.delete_discount(next(iter(fake.discounts)))
    voucher_id = next(iter(fake.vouchers))
    used = next(c for c in fake.voucher_codes.values() if c["used"] is None)
    fake.use_voucher_code(used["id"])
    fake.delete_voucher(voucher_id)
    fake.add_voucher(codes=4)
    fake.check_in(at_the_door[1]["issued_tickets"][0]["id"], when=fake.now - 600)
    fake.issue_ticket(doors_open["id"])  # a comp at the door: no order carries it
    fake.issue_ticket(long_past_event(fake)["id"], created_at=long_ago)  # one committed late
    fake.update_product(next(iter(fake.products)), name="Tote bag, blue")
    changed_hold, released_hold = list(fake.holds)[:2]
    held_type = fake.events[fake.holds[changed_hold]["event_id"]]["ticket_types"][0]["id"]
    fake.update_hold(changed_hold, quantities={held_type: 5}, note="for the band")
    fake.release_hold(released_hold)
    fake.add_hold(upcoming["id"])
    fake.add_waitlist_signup(current_series(fake))
    valid = [m for m in fake.issued_memberships.values() if m["is_valid"] == "true"]
    fake.void_membership(valid[-1]["id"])  # the oldest issued: far outside any window
    fake.issue_membership(next(iter(fake.membership_types)))
    sync.run()
    assert_matches_fake(sync.warehouse, fake)
    assert released_hold not in sync.warehouse.ids("holds")

    fake.add_orders(2, created_at=newest)  # more arrive in a second already loaded
    sync.run()
    assert_matches_fake(sync.warehouse, fake)


# what a run reads does not depend on the destination
@pytest.mark.parametrize("destination", ["duckdb"])
def test_no_change_run_reads_little_and_changes_nothing(sync: Sync, fake) -> None:
    sync.run()
    full_requests = len(fake.requests)
    before = snapshot(sync.warehouse, TABLES)
    fake.reset_log()

    sync.run()

    assert snapshot(sync.warehouse, TABLES) == before
    paths = [path for _, path, _ in fake.requests]
    assert not any(path.endswith("/codes") for path in paths)
    # one page per list (events twice), the lookback windows, a sweep or two per upcoming or
    # active event, and the waitlists of series with such events
    assert len(paths) <= 20 < full_requests
    unfiltered = [q for _, p, q in fake.requests if p == "/v1/orders" and "event_id" not in q]
    assert unfiltered and all("created_at.gte" in query for query in unfiltered)
    # tickets come with their orders: only upcoming events' voided ones are asked for
    assert all(query.get("status") == "voided" for query in ticket_requests(fake))


def test_full_sync_reads_tickets_only_where_orders_lack_them(duckdb_sync: Sync, fake) -> None:
    duckdb_sync.run()

    assert_matches_fake(duckdb_sync.warehouse, fake)
    orderless = {t["event_id"] for t in fake.issued_tickets.values() if t["order_id"] is None}
    assert orderless, "the seeded box office has tickets without an order"
    walked = {query["event_id"] for query in ticket_requests(fake)}
    assert walked == orderless
    assert all(
        set(query) <= {"event_id", "limit", "starting_after"} for query in ticket_requests(fake)
    )


def test_counter_without_voids_costs_requests_not_rows(duckdb_sync: Sync, fake) -> None:
    """If `total_issued_tickets` left voided tickets out, counters fall below the tickets known:
    the sync must notice, read more, and still load every ticket."""
    fake.counter_excludes_voids = True
    result = duckdb_sync.run()
    assert "counter leaves some out" in result.stderr
    assert_matches_fake(duckdb_sync.warehouse, fake)

    fake.issue_ticket(long_past_event(fake)["id"], created_at=fake.now - 3600)
    upcoming = max(fake.events.values(), key=lambda e: e["start"]["unix"])
    fake.void_ticket(fake.issue_ticket(upcoming["id"])["id"])
    fake.add_orders(3)
    fake.reset_log()
    duckdb_sync.run()
    assert_matches_fake(duckdb_sync.warehouse, fake)
    assert any("created_at.gte" in query for query in ticket_requests(fake))


# which records a run reads does not depend on the destination
@pytest.mark.parametrize("destination", ["duckdb"])
def test_check_in_on_a_long_past_events_ticket_is_loaded(sync: Sync, fake) -> None:
    sync.run()
    old_event = long_past_event(fake)
    ticket = next(
        t
        for t in fake.issued_tickets.values()
        if t["event_id"] == old_event["id"] and t["checked_in"] == "false"
    )
    fake.check_in(ticket["id"], when=old_event["end"]["unix"] - 60)  # a scanner that was offline
    [check_in] = fake.ticket_check_ins(ticket["id"])
    fake.check_out(next(t for t in fake.issued_tickets.values() if t["checked_in"] == "true")["id"])

    sync.run()

    sync.warehouse.assert_holds_once("check_ins", fake.check_ins)
    [(check_in_at, ticket_id)] = sync.warehouse.rows(
        "select extract(epoch from check_in_at), issued_ticket_id from ticket_tailor.check_ins "
        f"where id = '{check_in['id']}'"
    )
    assert (int(check_in_at), ticket_id) == (check_in["check_in_at"], ticket["id"])


def test_hold_release_deletes_it_whatever_the_update_field_is_called(
    duckdb_sync: Sync, fake
) -> None:
    fake.hold_updated_key = "update_at"  # as in the vendor's example
    duckdb_sync.run()
    assert_matches_fake(duckdb_sync.warehouse, fake)
    released = fake.release_hold(next(iter(fake.holds)))
    fake.reset_log()

    duckdb_sync.run()

    assert_matches_fake(duckdb_sync.warehouse, fake)
    assert released["id"] not in duckdb_sync.warehouse.ids("holds")
    hold_reads = [q for _, p, q in fake.requests if p == "/v1/holds"]
    # the changed-since walk, and the released hold's event read whole
    assert {q.get("event_id") for q in hold_reads} == {None, released["event_id"]}
    assert duckdb_sync.warehouse.column("holds", "updated_at is not null") == {
        i: True for i in fake.holds
    }


def test_memberships_stay_exact_when_the_api_ignores_their_filters(duckdb_sync: Sync, fake) -> None:
    duckdb_sync.run()
    fake.ignore_membership_filters = True
    oldest = min(fake.issued_memberships, key=lambda i: int(i.split("_")[1]))
    fake.void_membership(oldest)
    fake.redeem_membership(
        next(m for m in fake.issued_memberships if m != oldest), long_past_event(fake)["id"]
    )

    duckdb_sync.run()

    assert_matches_fake(duckdb_sync.warehouse, fake)
    [(redemptions,)] = duckdb_sync.warehouse.rows(
        "select count(*) from ticket_tailor.issued_memberships__redemption_collection"
    )
    assert redemptions == sum(
        len(m["redemption_collection"]) for m in fake.issued_memberships.values()
    )


def test_waitlists_of_changed_and_deleted_series(duckdb_sync: Sync, fake) -> None:
    lonely = fake.add_event_series()
    fake.add_waitlist_signup(lonely["id"])
    duckdb_sync.run()
    assert_matches_fake(duckdb_sync.warehouse, fake)

    fake.update_event_series(lonely["id"], name="Renamed")
    fake.add_waitlist_signup(lonely["id"])
    duckdb_sync.run()
    assert_matches_fake(duckdb_sync.warehouse, fake)

    for signup in [
        w for w in fake.waitlist_signups.values() if w["event_series_id"] == lonely["id"]
    ]:
        fake.delete_waitlist_signup(signup["id"])
    fake.delete_event_series(lonely["id"])
    fake.reset_log()
    duckdb_sync.run()
    assert_matches_fake(duckdb_sync.warehouse, fake)
    assert not any(lonely["id"] in path for _, path, _ in fake.requests)


# faults are the API's: what they test does not depend on the destination
@pytest.mark.parametrize("destination", ["duckdb"])
def test_fault_storm_ends_exact(sync: Sync, fake) -> None:
    fake.fault_rate = 0.3
    fake.fault_kinds = (429, 500, 502, 503, 504, "truncated", "malformed", "disconnect")
    result = sync.run()
    assert fake.faults_served > 0
    assert summary_retries(result) > 0

    fake.cancel_order(order_of_upcoming_event(fake)["id"])
    fake.add_orders(5)
    sync.run()
    fake.fault_rate = 0
    assert_matches_fake(sync.warehouse, fake)


def test_failed_run_leaves_warehouse_and_cursors_unchanged(duckdb_sync: Sync, fake) -> None:
    duckdb_sync.run()
    before = snapshot(duckdb_sync.warehouse, TABLES)
    fake.add_orders(5)
    fake.cancel_order(order_of_upcoming_event(fake)["id"])

    fake.fault_rate, fake.fault_kinds = 1.0, (503,)
    result = duckdb_sync.run(check=False, SOURCES__TICKET_TAILOR__MAX_ATTEMPTS="2")

    assert result.returncode != 0
    assert "gave up" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(duckdb_sync.warehouse, TABLES) == before
    fake.fault_rate = 0
    duckdb_sync.run()
    assert_matches_fake(duckdb_sync.warehouse, fake)


def test_killed_runs_resume_exactly(sync: Sync, fake) -> None:
    fake.add_orders(1500, created_at=fake.now - 3600)
    sync.kill_repeatedly(fake, after_requests=(3, 25))
    fake.add_orders(3)
    sync.run()
    assert_matches_fake(sync.warehouse, fake)


def test_overlapping_run_exits_at_once(duckdb_sync: Sync, fake) -> None:
    fake.latency = 0.05
    first = duckdb_sync.start()
    wait_for(lambda: len(fake.requests) >= 2)
    started = time.monotonic()
    second = duckdb_sync.run(check=False)
    assert second.returncode == 75  # "skipped", not "failed", for schedulers
    assert "another sync" in second.stderr
    assert time.monotonic() - started < 30
    fake.latency = 0
    assert first.wait(timeout=300) == 0
    assert_matches_fake(duckdb_sync.warehouse, fake)


def test_wrong_api_key_names_the_config_key(duckdb_sync: Sync) -> None:
    result = duckdb_sync.run(check=False, SOURCES__TICKET_TAILOR__API_KEY="sk_wrong_key_123")
    assert result.returncode != 0
    assert "sources.ticket_tailor.api_key" in result.stderr
    assert "SOURCES__TICKET_TAILOR__API_KEY" in result.stderr
    assert "Traceback" not in result.stderr
    assert "sk_wrong_key_123" not in result.stderr + result.stdout


def test_missing_api_key_names_the_setting(duckdb_sync: Sync) -> None:
    env = {k: v for k, v in duckdb_sync.env.items() if k != "SOURCES__TICKET_TAILOR__API_KEY"}
    result = Sync(env, "duckdb", duckdb_sync.warehouse).run(check=False)
    assert result.returncode != 0
    assert "SOURCES__TICKET_TAILOR__API_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_api_says_what_to_check(duckdb_sync: Sync) -> None:
    result = duckdb_sync.run(
        check=False,
        SOURCES__TICKET_TAILOR__BASE_URL="http://127.0.0.1:9",
        SOURCES__TICKET_TAILOR__MAX_ATTEMPTS="2",
    )
    assert result.returncode != 0
    assert "sources.ticket_tailor.base_url" in result.stderr
    assert "Traceback" not in result.stderr


def test_secret_never_appears_in_logs_or_traces(duckdb_sync: Sync, fake, tmp_path) -> None:
    fake.fault_rate = 0.3
    fake.fault_kinds = (429, 500, "truncated", "disconnect")
    duckdb_sync.run(LOG_LEVEL="DEBUG", RUNTIME__LOG_LEVEL="DEBUG")
    duckdb_sync.run(check=False, LOG_LEVEL="DEBUG", SOURCES__TICKET_TAILOR__MAX_ATTEMPTS="1")
    fake.fault_rate = 0
    for output in duckdb_sync.outputs:
        assert API_KEY not in output.stdout + output.stderr
    for path in Path(tmp_path / "dlt").rglob("*"):
        if path.is_file():
            assert API_KEY.encode() not in path.read_bytes(), f"secret in {path}"


def test_full_refresh_rebuilds_from_scratch(duckdb_sync: Sync, fake) -> None:
    duckdb_sync.run()
    fake.reset_log()
    duckdb_sync.run("--full-refresh")
    assert_matches_fake(duckdb_sync.warehouse, fake)
    orders_requests = [q for _, path, q in fake.requests if path == "/v1/orders"]
    assert any("created_at.gte" not in q for q in orders_requests)


def test_duckdb_file_defaults_to_ticketing_duckdb_where_run(duckdb_sync: Sync, tmp_path) -> None:
    env = {k: v for k, v in duckdb_sync.env.items() if k != "DESTINATION__DUCKDB__CREDENTIALS"}
    env["PYTHONPATH"] = str(ROOT)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    warehouse = Warehouse("duckdb", elsewhere / "ticketing.duckdb")
    Sync(env, "duckdb", warehouse, cwd=elsewhere).run()
    assert len(warehouse.ids("orders")) == 400


@pytest.mark.postgres
def test_switching_to_an_empty_destination_loads_everything(
    duckdb_sync: Sync, fake, postgres_database: str
) -> None:
    duckdb_sync.run()
    env = {**duckdb_sync.env, "DESTINATION__POSTGRES__CREDENTIALS": postgres_database}
    postgres = Sync(env, "postgres", Warehouse("postgres", Path(), postgres_database))
    postgres.run()
    assert_matches_fake(postgres.warehouse, fake)


def test_sync_slows_down_instead_of_hitting_the_rate_limit(duckdb_sync: Sync, fake) -> None:
    fake.rate_limit, fake.rate_window = 12, 2
    fake.reset_rate_limit()
    result = duckdb_sync.run()
    assert "retries 0," in result.stdout  # no request was refused with a 429
    assert len(fake.requests) > fake.rate_limit  # it needed more than one window
    assert_matches_fake(duckdb_sync.warehouse, fake)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bars_on_a_terminal_plain_lines_otherwise(duckdb_sync: Sync, monkeypatch) -> None:
    from pipelines import sync

    plain = duckdb_sync.run()
    assert "it/s" not in plain.stderr  # cron logs get no bar redraws

    for key, value in duckdb_sync.env.items():
        monkeypatch.setenv(key, value)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert sync.main(["ticket_tailor", "--no-models"]) == 0
    assert "Extract ticket_tailor" in terminal.getvalue()
    assert "it/s" in terminal.getvalue()
