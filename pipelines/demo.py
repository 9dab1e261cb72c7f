"""`make demo`: the real syncs against the bundled fake APIs, into ./demo.duckdb.

Seeds a fake Ticket Tailor box office, TicketSource account and KorusTicket account on loopback,
runs a full sync of each, changes a few things at the "APIs" (new orders and bookings,
cancellations, a void, a refund, an edited customer, an expired reservation), runs again
incrementally; sends Ticket Tailor's signed webhooks for a months-old cancellation to the real
receiver (`python -m pipelines.webhooks`) and syncs once more; then builds the analysts' models
and their data dictionary and answers three questions across the platforms. Needs no
credentials and leaves the real pipelines' state alone.
"""

from __future__ import annotations

import os
import sys
import time
from itertools import cycle
from pathlib import Path

import duckdb

from fakes.korusticket import KorusTicketFake
from fakes.ticket_tailor import TicketTailorFake
from fakes.ticket_tailor.webhooks import send
from fakes.ticketsource import TicketSourceFake, iso
from pipelines import models, sync
from pipelines.webhooks.process import ReceiverFailed, start_receiver

ROOT = Path(__file__).resolve().parent.parent
WAREHOUSE = ROOT / "demo.duckdb"
DEMO_KEY = "sk_demo_0000_not_a_real_key"
DEMO_WEBHOOK_SECRET = "whsec_demo_not_a_real_secret"
TICKETSOURCE_DEMO_KEY = "skl-demo-0000-not-a-real-key"
KORUS_DEMO_ID, KORUS_DEMO_SECRET = "korus-demo-client", "korus-demo-secret-not-real"
# buyers who also buy on the other platforms (the fakes' own buyers never meet), so that the
# customers model has people to match across platforms by e-mail
SHARED_BUYERS = ["amira.shah@example.com", "Tom.Evans@Example.com ", "lea.martin@example.com"]


def main() -> int:
    WAREHOUSE.unlink(missing_ok=True)
    os.environ.update(
        DESTINATION__DUCKDB__CREDENTIALS=str(WAREHOUSE),
        DLT_DATA_DIR=str(ROOT / ".demo"),
    )
    if demo_ticket_tailor() != 0 or demo_ticketsource() != 0 or demo_korusticket() != 0:
        return 1
    print("\nthe analysts' side: dbt models across the three platforms (schema analytics)")
    if models.main([]) != 0 or models.main(["--docs"]) != 0:
        return 1
    with duckdb.connect(str(WAREHOUSE), read_only=True) as con:
        for title, sql in ANSWERS:
            print(f"\n{title}")
            con.sql(sql).show(max_width=120)
    print(
        "\nNext: query demo.duckdb yourself (duckdb demo.duckdb, or any DuckDB client): "
        "analytics.events, orders, order_lines, tickets, customers and daily_sales are "
        f"described in the data dictionary, {models.DOCS.relative_to(ROOT)}."
    )
    return 0


ANSWERS = [
    (
        "revenue per month and currency (completed orders, net of refunds):",
        "select strftime(created_at at time zone 'UTC', '%Y-%m') as month, currency, "
        "count(*) as orders, sum(net_amount) as net_revenue from analytics.orders "
        "where status = 'completed' group by all order by month desc, currency limit 8",
    ),
    (
        "tickets sold per upcoming occurrence, every platform:",
        "select e.platform, e.name, cast(e.starts_at at time zone 'UTC' as date) as starts_on, "
        "count(t.ticket_key) filter (where t.status = 'valid') as tickets_sold, e.capacity "
        "from analytics.events e left join analytics.tickets t on t.event_key = e.event_key "
        "where e.starts_at > now() group by all order by starts_on, e.name limit 8",
    ),
    (
        "top customers across platforms (matched by e-mail), by orders:",
        "select c.email, c.platforms, c.order_count, sum(o.net_amount) as spent, o.currency "
        "from analytics.customers c join analytics.orders o on o.customer_key = c.customer_key "
        "group by all order by c.order_count desc, c.email, spent desc limit 6",
    ),
]


def demo_ticket_tailor() -> int:
    fake = TicketTailorFake(api_key=DEMO_KEY, seed=1)
    fake.seed_data(orders=5000, events=20, upcoming_events=3, days=180)
    for order, email in zip(list(fake.orders.values())[-30:], cycle(SHARED_BUYERS)):
        order["buyer_details"]["email"] = email
    with fake.serve() as base_url:
        os.environ.update(
            SOURCES__TICKET_TAILOR__API_KEY=DEMO_KEY, SOURCES__TICKET_TAILOR__BASE_URL=base_url
        )
        print(f"fake Ticket Tailor at {base_url}: full sync", flush=True)
        if sync.main(["ticket_tailor", "--full-refresh", "--no-models"]) != 0:
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
        if sync.main(["ticket_tailor", "--no-models"]) != 0:
            return 1
        return demo_webhooks(fake)


def demo_webhooks(fake: TicketTailorFake) -> int:
    """An order of the oldest event cancelled: no sweep looks there, its webhook does."""
    oldest = min(fake.events.values(), key=lambda e: e["end"]["unix"])
    order = next(
        o
        for o in fake.orders.values()
        if o["event_summary"]["id"] == oldest["id"] and o["status"] == "completed"
    )
    fake.take_webhooks()  # the changes above: the incremental sync has them already
    fake.cancel_order(order["id"])
    os.environ["SOURCES__TICKET_TAILOR__WEBHOOK_SECRET"] = DEMO_WEBHOOK_SECRET
    (ROOT / ".demo" / "pipelines" / "webhooks.sqlite").unlink(missing_ok=True)
    try:
        receiver = start_receiver(os.environ)
    except ReceiverFailed as exc:
        print(exc, file=sys.stderr)
        return 1
    try:
        webhooks = fake.take_webhooks()
        url = f"{receiver.url}/webhooks/ticket_tailor"
        answers = [send(url, webhook, DEMO_WEBHOOK_SECRET) for webhook in webhooks]
    finally:
        receiver.stop()
    if any(answer.status_code != 200 for answer in answers):
        print("the webhook receiver refused a delivery", file=sys.stderr)
        return 1
    print(
        f"\nan order of the oldest event ({order['id']}) cancelled, far outside every sweep: "
        f"{len(webhooks)} signed webhooks to the receiver, then an incremental sync",
        flush=True,
    )
    return sync.main(["ticket_tailor", "--no-models"])


def demo_ticketsource() -> int:
    fake = TicketSourceFake(api_key=TICKETSOURCE_DEMO_KEY, seed=1)
    fake.seed_data(events=30, dates_per_event=8, bookings_per_date=6)
    for customer, email in zip(fake.customers.values(), SHARED_BUYERS, strict=False):
        customer["attributes"]["email"] = email
    with fake.serve() as base_url:
        os.environ.update(
            SOURCES__TICKETSOURCE__API_KEY=TICKETSOURCE_DEMO_KEY,
            SOURCES__TICKETSOURCE__BASE_URL=base_url,
        )
        print(f"\nfake TicketSource at {base_url}: full sync", flush=True)
        if sync.main(["ticketsource", "--full-refresh", "--no-models"]) != 0:
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
        return sync.main(["ticketsource", "--no-models"])


def demo_korusticket() -> int:
    fake = KorusTicketFake(client_id=KORUS_DEMO_ID, client_secret=KORUS_DEMO_SECRET, seed=1)
    fake.seed_data(orders=2000, reservations=300, days=60)
    for order, email in zip(list(fake.orders.values())[-30:], cycle(SHARED_BUYERS)):
        order["customer"]["email"] = email
    with fake.serve() as base_url:
        os.environ.update(
            SOURCES__KORUSTICKET__CLIENT_ID=KORUS_DEMO_ID,
            SOURCES__KORUSTICKET__CLIENT_SECRET=KORUS_DEMO_SECRET,
            SOURCES__KORUSTICKET__BASE_URL=base_url,
            SOURCES__KORUSTICKET__TOKEN_URL=base_url + fake.token_path,
        )
        print(f"\nfake KorusTicket at {base_url}: full sync", flush=True)
        if sync.main(["korusticket", "--full-refresh", "--no-models"]) != 0:
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
        return sync.main(["korusticket", "--no-models"])


if __name__ == "__main__":
    sys.exit(main())
