"""End to end: the sync CLI over real HTTP to the fake TicketSource, into DuckDB and Postgres."""

from __future__ import annotations

import re
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dlt.common.versioned_state import decompress_state

from tests.conftest import (
    TICKETSOURCE_KEY,
    Sync,
    Warehouse,
    snapshot,
    summary_retries,
    summary_rows,
)

TABLES = ("events", "venues", "dates", "bookings", "seats", "customers", "customer_notes")
# table -> (fake's ground truth, the foreign keys its rows carry, from links)
FOREIGN_KEYS = {
    "events": (),
    "venues": ("event_id",),
    "dates": ("event_id", "venue_id"),
    "bookings": ("date_id", "customer_id"),
    "seats": ("booking_id",),
    "customers": (),
    "customer_notes": ("customer_id",),
}
TRUTH = {"customer_notes": "notes"}
CHILD_PATH = re.compile(
    r"/(events|dates|bookings|customers)/[^/]+/(venues|dates|bookings|seats|notes)"
)


def truth(fake, table: str) -> dict[str, dict]:
    return getattr(fake, TRUTH.get(table, table))


def link_id(resource: dict, name: str) -> str | None:
    url = resource["links"].get(name.removesuffix("_id"))
    return url.rsplit("/", 1)[1] if url else None


def assert_matches_fake(warehouse: Warehouse, fake) -> None:
    """Every table holds exactly the API's records, once each, with current values."""
    for table in TABLES:
        warehouse.assert_holds_once(table, truth(fake, table))
        for key in FOREIGN_KEYS[table]:
            expected = {i: link_id(r, key) for i, r in truth(fake, table).items()}
            assert warehouse.column(table, key) == expected, f"{table}.{key}"
    seats = {i: s["attributes"]["is_cancelled"] for i, s in fake.seats.items()}
    assert warehouse.column("seats", "is_cancelled") == seats
    lines = dict(
        warehouse.rows(
            "select b.id, count(l._dlt_id) from ticketsource.bookings b left join "
            "ticketsource.bookings__lines l on l._dlt_parent_id = b._dlt_id group by b.id"
        )
    )
    assert lines == {i: len(b["attributes"]["lines"]) for i, b in fake.bookings.items()}
    last_names = {i: c["attributes"]["last_name"] for i, c in fake.customers.items()}
    assert warehouse.column("customers", "last_name") == last_names
    assert warehouse.column("dates", "cancelled") == {
        i: d["attributes"]["cancelled"] for i, d in fake.dates.items()
    }


def child_requests(fake) -> list[str]:
    return [path for _, path, _ in fake.requests if CHILD_PATH.fullmatch(path)]


def parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def upcoming_date(fake) -> dict:
    """The soonest date, at least two days ahead, that has bookings."""
    now = datetime.now(UTC)
    booked = {link_id(b, "date_id") for b in fake.bookings.values()}
    return min(
        (
            d
            for d in fake.dates.values()
            if parse(d["attributes"]["start"]) > now + timedelta(days=2) and d["id"] in booked
        ),
        key=lambda d: d["attributes"]["start"],
    )


def booking_of_date(fake, date: dict) -> dict:
    return next(b for b in fake.bookings.values() if link_id(b, "date_id") == date["id"])


def long_past_date(fake) -> dict:
    """A date ended long ago, with bookings: only the sweep re-reads it."""
    cutoff = datetime.now(UTC) - timedelta(days=30)
    booked = {link_id(b, "date_id") for b in fake.bookings.values()}
    return next(
        d
        for d in fake.dates.values()
        if parse(d["attributes"]["end"]) < cutoff and d["id"] in booked
    )


def test_full_sync_flattens_every_record_once(ts_sync: Sync, ticketsource) -> None:
    result = ts_sync.run()

    assert_matches_fake(ts_sync.warehouse, ticketsource)
    assert summary_rows(result) == ts_sync.warehouse.counts()
    columns = {
        name
        for (name,) in ts_sync.warehouse.rows(
            "select column_name from information_schema.columns "
            "where table_schema = 'ticketsource' and table_name = 'dates'"
        )
    }
    assert {"start", "end", "cancelled", "event_id", "venue_id"} <= columns
    assert not columns & {"type", "links", "attributes__start"}
    # page walks keep per_page=100; the API's next links (which drop it) are not followed
    lists = [query for _, path, query in ticketsource.requests if path in ("/events", "/customers")]
    assert lists and all(query.get("per_page") == "100" for query in lists)


def test_incremental_run_picks_up_changes(ts_sync: Sync, ticketsource) -> None:
    fake = ticketsource
    ts_sync.run()
    date = upcoming_date(fake)
    recent = booking_of_date(fake, date)
    edited, untouched = list(fake.customers)[:2]
    gone = list(fake.customers)[-1]

    new_bookings = fake.add_bookings(date["id"], 3, seats=2)
    fake.refund_booking(recent["id"])
    fake.update_customer(edited, last_name="Renamed")
    fake.add_note(edited, "Prefers the aisle")
    fake.delete_customer(gone)
    new_event = fake.add_event(dates=2, start_in_days=10)
    ts_sync.run()

    assert_matches_fake(ts_sync.warehouse, fake)
    assert {b["id"] for b in new_bookings} <= set(ts_sync.warehouse.ids("bookings"))
    assert new_event["id"] in ts_sync.warehouse.ids("events")
    assert gone not in ts_sync.warehouse.column("customer_notes", "customer_id").values()
    assert untouched in ts_sync.warehouse.ids("customers")


def test_no_change_run_reads_only_what_may_have_changed(ts_duckdb_sync: Sync, ticketsource) -> None:
    fake = ticketsource
    ts_duckdb_sync.run()
    full = len(child_requests(fake))
    before = snapshot(ts_duckdb_sync.warehouse, TABLES)
    fake.reset_log()

    ts_duckdb_sync.run(SOURCES__TICKETSOURCE__LOOKBACK_HOURS="0")

    assert snapshot(ts_duckdb_sync.warehouse, TABLES) == before
    requests = child_requests(fake)
    assert len(requests) < full / 3
    # run 2 sweeps slot 1 of 24: every other event's past dates and bookings are left alone
    swept = {e for e in fake.events if zlib.crc32(e.encode()) % 24 == 1}
    cutoff = datetime.now(UTC) - timedelta(days=3)
    for path in requests:
        if path.endswith("/seats"):
            booking = fake.bookings[path.split("/")[2]]
            date = fake.dates[link_id(booking, "date_id")]
            assert link_id(date, "event_id") in swept, f"{path} re-read for no reason"
        if path.endswith("/bookings"):
            date = fake.dates[path.split("/")[2]]
            live = parse(date["attributes"]["end"]) >= cutoff
            assert live or link_id(date, "event_id") in swept, f"{path} re-read for no reason"


def test_sweep_catches_unsignalled_changes_within_sweep_runs(
    ts_duckdb_sync: Sync, ticketsource
) -> None:
    fake = ticketsource
    sweep = {"SOURCES__TICKETSOURCE__SWEEP_RUNS": "3"}
    ts_duckdb_sync.run(**sweep)
    old_booking = booking_of_date(fake, long_past_date(fake))
    customer = next(iter(fake.customers))
    fake.add_note(customer, "Called about a refund")  # the customer's updated_at stays put
    fake.refund_booking(old_booking["id"])  # a date long over: no run re-reads it but the sweep

    for _ in range(3):
        ts_duckdb_sync.run(**sweep)
    assert_matches_fake(ts_duckdb_sync.warehouse, fake)


# faults are the API's: what they test does not depend on the destination
def test_fault_storm_ends_exact(ts_duckdb_sync: Sync, ticketsource) -> None:
    fake = ticketsource
    fake.fault_rate = 0.2
    result = ts_duckdb_sync.run()
    assert fake.faults_served > 0 and summary_retries(result) > 0

    fake.add_bookings(upcoming_date(fake)["id"], 2)
    ts_duckdb_sync.run()
    fake.fault_rate = 0
    assert_matches_fake(ts_duckdb_sync.warehouse, fake)


def test_failed_run_leaves_warehouse_and_state_unchanged(
    ts_duckdb_sync: Sync, ticketsource
) -> None:
    fake = ticketsource
    ts_duckdb_sync.run()
    before = snapshot(ts_duckdb_sync.warehouse, TABLES)
    [new, _] = fake.add_bookings(upcoming_date(fake)["id"], 2)
    fake.delete_customer(next(iter(fake.customers)))

    fake.inject(503, 503, path=f"/bookings/{new['id']}/seats")  # deep in the fan-out
    result = ts_duckdb_sync.run(check=False, SOURCES__TICKETSOURCE__MAX_ATTEMPTS="2")

    assert result.returncode != 0
    assert "gave up" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(ts_duckdb_sync.warehouse, TABLES) == before
    ts_duckdb_sync.run()
    assert_matches_fake(ts_duckdb_sync.warehouse, fake)


def test_killed_runs_resume_exactly(ts_sync: Sync, ticketsource) -> None:
    fake = ticketsource
    ts_sync.kill_repeatedly(fake, after_requests=(5, 60))
    fake.add_bookings(upcoming_date(fake)["id"], 2)
    ts_sync.run()
    assert_matches_fake(ts_sync.warehouse, fake)


def test_rate_limit_is_honoured_without_hammering(ts_duckdb_sync: Sync, ticketsource) -> None:
    fake = ticketsource
    fake.rate_limit, fake.rate_window = 100, 2
    fake.reset_rate_limit()
    result = ts_duckdb_sync.run(SOURCES__TICKETSOURCE__RATE_LIMIT_WINDOW_SECONDS="2")
    refused = int(re.search(r"retries (\d+)", result.stdout).group(1))
    assert len(fake.requests) > 3 * fake.rate_limit  # it needed several windows
    assert refused <= 20  # at most one 429 per request in flight
    assert_matches_fake(ts_duckdb_sync.warehouse, fake)


def test_child_requests_run_concurrently_up_to_the_cap(ts_duckdb_sync: Sync, ticketsource) -> None:
    fake = ticketsource
    fake.latency = 0.02
    ts_duckdb_sync.run(SOURCES__TICKETSOURCE__CONCURRENCY="6")
    assert fake.peak_in_flight == 6

    fake.reset_log()
    fake.add_bookings(upcoming_date(fake)["id"], 30)
    ts_duckdb_sync.run(SOURCES__TICKETSOURCE__CONCURRENCY="1")
    assert fake.peak_in_flight == 1
    fake.latency = 0
    assert_matches_fake(ts_duckdb_sync.warehouse, fake)


def test_wrong_api_key_names_the_config_key(ts_duckdb_sync: Sync) -> None:
    result = ts_duckdb_sync.run(check=False, SOURCES__TICKETSOURCE__API_KEY="skl-wrong-key-123")
    assert result.returncode != 0
    assert "sources.ticketsource.api_key" in result.stderr
    assert "Traceback" not in result.stderr
    assert "skl-wrong-key-123" not in result.stderr + result.stdout


def test_missing_api_key_names_the_setting(ts_duckdb_sync: Sync) -> None:
    env = {k: v for k, v in ts_duckdb_sync.env.items() if k != "SOURCES__TICKETSOURCE__API_KEY"}
    result = Sync(env, "duckdb", ts_duckdb_sync.warehouse, source="ticketsource").run(check=False)
    assert result.returncode != 0
    assert "SOURCES__TICKETSOURCE__API_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_secret_never_appears_in_logs_or_state(
    ts_duckdb_sync: Sync, ticketsource, tmp_path
) -> None:
    ticketsource.fault_rate = 0.2
    ts_duckdb_sync.run(LOG_LEVEL="DEBUG", RUNTIME__LOG_LEVEL="DEBUG")
    ticketsource.fault_rate = 0
    for output in ts_duckdb_sync.outputs:
        assert TICKETSOURCE_KEY not in output.stdout + output.stderr
    for path in Path(tmp_path / "dlt").rglob("*"):
        if path.is_file():
            assert TICKETSOURCE_KEY.encode() not in path.read_bytes(), f"secret in {path}"


def newest_state(warehouse: Warehouse) -> str:
    """The pipeline state dlt stored with the last load (compressed, base64)."""
    [(state,)] = warehouse.rows(
        "select state from ticketsource._dlt_pipeline_state order by version desc limit 1"
    )
    return state


def test_state_does_not_grow_run_after_run(ts_duckdb_sync: Sync, ticketsource) -> None:
    """dlt stores the whole state again every run, so it holds only the run's marks: the
    customers and date ends known come from the warehouse."""
    fake = ticketsource
    sizes = []
    for run in range(8):
        for n in range(3):
            fake.add_customer(first_name=f"Run {run}", last_name=f"Customer {n}")
        if run == 4:
            fake.delete_customer(next(iter(fake.customers)))
        ts_duckdb_sync.run()
        sizes.append(len(newest_state(ts_duckdb_sync.warehouse)))

    assert abs(sizes[-1] - sizes[1]) <= 8, sizes
    state = decompress_state(newest_state(ts_duckdb_sync.warehouse))
    assert set(state["sources"]["ticketsource"]) == {"started_at", "runs"}
    assert_matches_fake(ts_duckdb_sync.warehouse, fake)
