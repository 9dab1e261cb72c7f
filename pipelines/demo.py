"""`make demo`: the real sync against the bundled fake APIs, into ./demo.duckdb.

Seeds a fake Ticket Tailor box office on loopback, runs a full sync, changes a few things at
the "API" (new orders, a cancellation, a void), runs again incrementally and shows
what the warehouse holds. Needs no credentials and leaves the real pipelines' state alone.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import duckdb

from fakes.ticket_tailor import TicketTailorFake
from pipelines import sync

ROOT = Path(__file__).resolve().parent.parent
WAREHOUSE = ROOT / "demo.duckdb"
DEMO_KEY = "sk_demo_0000_not_a_real_key"


def main() -> int:
    fake = TicketTailorFake(api_key=DEMO_KEY, seed=1)
    fake.seed_data(orders=5000, events=20, upcoming_events=3, days=180)
    WAREHOUSE.unlink(missing_ok=True)
    with fake.serve() as base_url:
        os.environ.update(
            SOURCES__TICKET_TAILOR__API_KEY=DEMO_KEY,
            SOURCES__TICKET_TAILOR__BASE_URL=base_url,
            DESTINATION__DUCKDB__CREDENTIALS=str(WAREHOUSE),
            DLT_DATA_DIR=str(ROOT / ".demo"),
        )
        print(f"fake Ticket Tailor at {base_url}: full sync", flush=True)
        if sync.main(["ticket_tailor", "--full-refresh"]) != 0:
            return 1

        upcoming = {i for i, e in fake.events.items() if e["start"]["unix"] > fake.now}
        booked = sorted(
            (o for o in fake.orders.values() if o["event_summary"]["id"] in upcoming),
            key=lambda o: o["created_at"],
        )
        fake.add_orders(25)
        fake.cancel_order(booked[0]["id"])
        fake.void_ticket(booked[1]["issued_tickets"][0]["id"])
        print(
            "\n25 new orders; for an upcoming event an old order cancelled and a ticket "
            "voided: incremental sync"
        )
        if sync.main(["ticket_tailor"]) != 0:
            return 1

    with duckdb.connect(str(WAREHOUSE), read_only=True) as con:
        print("\nwhat the warehouse holds (demo.duckdb, schema ticket_tailor):")
        con.sql(
            "select status, count(*) as orders, sum(total) / 100.0 as revenue "
            "from ticket_tailor.orders group by status order by status"
        ).show()
        con.sql(
            "select e.name as event, count(t.id) as tickets, "
            "count(*) filter (where t.checked_in = 'true') as checked_in "
            "from ticket_tailor.events e join ticket_tailor.issued_tickets t on t.event_id = e.id "
            "group by e.name order by tickets desc limit 5"
        ).show()
    return 0


if __name__ == "__main__":
    sys.exit(main())
