"""TicketSource record flattening, page numbers and the rules for what a run re-reads."""

from __future__ import annotations

import zlib
from decimal import Decimal

import pendulum

from sources.ticketsource.helpers import Freshness, flatten

# the guide's sample booking and seat, as they stand
BOOKING = {
    "id": "bkg-xxxxxxxxxx1",
    "type": "booking",
    "attributes": {
        "ref": "ABC123",
        "lines": [
            {
                "line_type": "TICKETS",
                "payment_method": "STRIPE",
                "is_refund": False,
                "amount": {
                    "gross": 1,
                    "fee": 0.38,
                    "fee_vat": 0.08,
                    "discounts": {"automatic": 0, "code": {"description": "", "amount": 0}},
                    "net": 0.54,
                },
                "created_at": "2019-02-12T10:58:34+00:00",
                "updated_at": None,
            }
        ],
        "created_at": "2019-02-12T10:58:34+00:00",
        "updated_at": "2019-02-12T10:58:34+00:00",
    },
    "links": {
        "self": "https://api.ticketsource.io/bookings/bkg-xxxxxxxxxxxxxxx1",
        "seats": "https://api.ticketsource.io/bookings/bkg-xxxxxxxxxxxxxxx1/seats",
        "customer": "https://api.ticketsource.io/customers/cst-xxxxxxxxxxxxxxx1",
        "date": "https://api.ticketsource.io/dates/dat-xxxxxxxxxxxxxxx1",
    },
}
SEAT = {
    "id": "sea-xxxxxxxxxxxxxxx1",
    "type": "seat",
    "attributes": {"is_booked": True, "reference": {"row": "A", "seat": 26}},
    "links": {"booking": "https://api.ticketsource.io/bookings/bkg-xxxxxxxxxxxxxxx1"},
}
NOW = pendulum.datetime(2026, 6, 1, 12)


def plan(runs: int | None = None, sweep_runs: int = 24) -> Freshness:
    freshness = Freshness(pendulum.duration(days=3), pendulum.duration(hours=1), sweep_runs)
    state = {} if runs is None else {"runs": runs, "started_at": NOW.isoformat()}
    freshness.start(state, set(), {})
    freshness.now = NOW.add(hours=1)
    return freshness


def stamped(record_id: str, created: pendulum.DateTime, **attributes) -> dict:
    return {"id": record_id, "created_at": created.isoformat(), "updated_at": None, **attributes}


def test_attributes_become_columns_and_links_parent_ids() -> None:
    row = flatten(BOOKING)
    assert row["ref"] == "ABC123"
    assert row["date_id"] == "dat-xxxxxxxxxxxxxxx1"
    assert row["customer_id"] == "cst-xxxxxxxxxxxxxxx1"
    assert "type" not in row and "links" not in row and "attributes" not in row
    assert row["lines"][0]["amount"]["fee"] == Decimal("0.38")
    assert row["lines"][0]["amount"]["discounts"]["code"]["amount"] == Decimal("0")


def test_seat_references_are_text_and_missing_parent_links_fall_back() -> None:
    row = flatten(SEAT)
    assert row["reference"] == {"row": "A", "seat": "26"}
    orphan = flatten({"id": "csn-1", "attributes": {}, "links": {}}, "customer_id", "cst-9")
    assert orphan["customer_id"] == "cst-9"


def test_first_run_reads_everything() -> None:
    freshness = plan()
    old = stamped("evt-1", NOW.subtract(years=2))
    assert freshness.event_due(old)
    assert freshness.bookings_due({**old, "id": "dat-1", "end": NOW.subtract(years=2).isoformat()})
    assert freshness.seats_due({**old, "id": "bkg-1"})
    assert freshness.notes_due({**old, "id": "cst-1"})


def test_later_runs_read_new_changed_and_live_parents_only() -> None:
    freshness = plan(runs=5)
    ended = NOW.subtract(days=40).isoformat()
    old = NOW.subtract(days=60)
    quiet = next(f"cst-{n}" for n in range(100) if not freshness.swept(f"cst-{n}"))
    assert not freshness.notes_due(stamped(quiet, old))
    assert freshness.notes_due(stamped(quiet, old, updated_at=NOW.subtract(minutes=30).isoformat()))
    assert freshness.notes_due(stamped(quiet, NOW.add(minutes=5)))

    freshness.event_ends["evt-quiet"] = ended
    event = stamped("evt-quiet", old)
    assert freshness.event_due(event) == freshness.swept("evt-quiet")
    assert freshness.event_due(stamped("evt-unknown", old))  # no dates known yet

    date = stamped("dat-1", old, end=ended, event_id="evt-quiet")
    assert freshness.bookings_due(date) == freshness.swept("evt-quiet")
    assert freshness.bookings_due({**date, "end": NOW.subtract(days=2).isoformat()})
    assert freshness.bookings_due({**date, "end": NOW.add(days=20).isoformat()})


def test_state_keeps_only_the_run_marks() -> None:
    state = {
        "runs": 3,
        "started_at": NOW.isoformat(),
        "customer_ids": ["cst-1"],  # kept by earlier versions
        "event_ends": {"evt-1": NOW.isoformat()},
    }
    freshness = Freshness(pendulum.duration(days=3), pendulum.duration(hours=1), 24)
    freshness.start(state, {"cst-1"}, {"evt-1": NOW.isoformat()})
    assert set(state) == {"runs", "started_at"} and state["runs"] == 4
    assert freshness.known_customers == {"cst-1"}
    assert freshness.event_ends == {"evt-1": NOW.isoformat()}


def test_a_refund_line_marks_its_booking_changed() -> None:
    freshness = plan(runs=5)
    booking = flatten(BOOKING)
    booking["created_at"] = booking["updated_at"] = NOW.subtract(days=90).isoformat()
    booking["lines"][0]["created_at"] = NOW.subtract(days=90).isoformat()
    booking["date_id"] = "dat-not-swept"
    assert not freshness.seats_due(booking)
    booking["lines"].append({"is_refund": True, "created_at": NOW.isoformat()})
    assert freshness.seats_due(booking)


def test_every_parent_is_swept_once_in_sweep_runs() -> None:
    ids = [f"evt-{n}" for n in range(200)]
    slices = [{i for i in ids if plan(runs=run, sweep_runs=7).swept(i)} for run in range(7)]
    assert set().union(*slices) == set(ids)
    assert sum(map(len, slices)) == len(ids)
    assert all(i in slices[zlib.crc32(i.encode()) % 7] for i in ids)
