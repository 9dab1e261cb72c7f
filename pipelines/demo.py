"""`make demo`: the real syncs against the bundled fake APIs, into ./demo.duckdb.

Seeds a fake Ticket Tailor box office, TicketSource account and KorusTicket account on loopback,
runs a full sync of each, changes a few things at the "APIs" (new orders and bookings,
cancellations, a void, a refund, an edited customer, an expired reservation), runs again
incrementally and shows what the warehouse holds. Needs no credentials and leaves the real
pipelines' state alone.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import duckdb

from fakes.korusticket import KorusTicketFake
from fakes.ticket_tailor import TicketTailorFake
from fakes.ticketsource import TicketSourceFake, iso
from pipelines import sync

ROOT = Path(__file__).resolve().parent.parent
WAREHOUSE = ROOT / "demo.duckdb"
DEMO_KEY = "sk_demo_0000_not_a_real_key"
TICKETSOURCE_DEMO_KEY = "skl-demo-0000-not-a-real-key"
KORUS_DEMO_ID, KORUS_DEMO_SECRET = "korus-demo-client", "korus-demo-secret-not-real"


def main() -> int:
    WAREHOUSE.unlink(missing_ok=True)
    os.environ.update(
        DESTINATION__DUCKDB__CREDENTIALS=str(WAREHOUSE),
        DLT_DATA_DIR=str(ROOT / ".demo"),
    )
    if demo_ticket_tailor() != 0 or demo_ticketsource() != 0 or demo_korusticket() != 0:
        return 1
    with duckdb.connect(str(WAREHOUSE), read_only=True) as con:
        print("\nwhat the warehouse holds (demo.duckdb):")
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
        con.sql(
            "select e.name as event, count(distinct d.id) as dates, count(s.id) as seats, "
            "count(*) filter (where s.is_cancelled) as cancelled "
            "from ticketsource.events e join ticketsource.dates d on d.event_id = e.id "
            "join ticketsource.bookings b on b.date_id = d.id "
            "join ticketsource.seats s on s.booking_id = b.id "
            "group by e.name order by seats desc limit 5"
        ).show()
        con.sql(
            "select status, count(*) as orders, sum(total_amount_incl_tax) as revenue "
            "from korusticket.orders group by status order by status"
        ).show()
    return 0


def demo_ticket_tailor() -> int:
    fake = TicketTailorFake(api_key=DEMO_KEY, seed=1)
    fake.seed_data(orders=5000, events=20, upcoming_events=3, days=180)
    with fake.serve() as base_url:
        os.environ.update(
            SOURCES__TICKET_TAILOR__API_KEY=DEMO_KEY, SOURCES__TICKET_TAILOR__BASE_URL=base_url
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
        return sync.main(["ticket_tailor"])


def demo_ticketsource() -> int:
    fake = TicketSourceFake(api_key=TICKETSOURCE_DEMO_KEY, seed=1)
    fake.seed_data(events=30, dates_per_event=8, bookings_per_date=6)
    with fake.serve() as base_url:
        os.environ.update(
            SOURCES__TICKETSOURCE__API_KEY=TICKETSOURCE_DEMO_KEY,
            SOURCES__TICKETSOURCE__BASE_URL=base_url,
        )
        print(f"\nfake TicketSource at {base_url}: full sync", flush=True)
        if sync.main(["ticketsource", "--full-refresh"]) != 0:
            return 1

        tomorrow = iso(time.time() + 86400)
        upcoming = min(
            (d for d in fake.dates.values() if d["attributes"]["start"] > tomorrow),
            key=lambda d: d["attributes"]["start"],
        )
        booked = fake.add_bookings(upcoming["id"], 5)
        fake.refund_booking(booked[0]["id"])
        fake.update_customer(next(iter(fake.customers)), last_name="Renamed")
        print(
            "\n5 new bookings on an upcoming date, one of them refunded, a customer renamed: "
            "incremental sync (only what may have changed is re-read)"
        )
        return sync.main(["ticketsource"])


def demo_korusticket() -> int:
    fake = KorusTicketFake(client_id=KORUS_DEMO_ID, client_secret=KORUS_DEMO_SECRET, seed=1)
    fake.seed_data(orders=2000, reservations=300, days=60)
    with fake.serve() as base_url:
        os.environ.update(
            SOURCES__KORUSTICKET__CLIENT_ID=KORUS_DEMO_ID,
            SOURCES__KORUSTICKET__CLIENT_SECRET=KORUS_DEMO_SECRET,
            SOURCES__KORUSTICKET__BASE_URL=base_url,
            SOURCES__KORUSTICKET__TOKEN_URL=base_url + fake.token_path,
        )
        print(f"\nfake KorusTicket at {base_url}: full sync", flush=True)
        if sync.main(["korusticket", "--full-refresh"]) != 0:
            return 1

        latest = max(fake.orders.values(), key=lambda o: o["createdAt"])
        fake.add_orders(10)
        fake.cancel_order(latest["id"])
        holding = [r for r in fake.reservations.values() if not r["expired"]]
        if holding:
            fake.expire_reservation(holding[0]["id"])
        print(
            "\n10 new orders, the latest old one cancelled, a reservation expired: incremental sync"
        )
        return sync.main(["korusticket"])


if __name__ == "__main__":
    sys.exit(main())
