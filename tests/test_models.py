"""The analysts' dbt models (transform/), built by the sync from what it loaded."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from decimal import Decimal

import duckdb
import pytest

from pipelines import models
from tests.conftest import (
    KORUS_ID,
    KORUS_SECRET,
    ROOT,
    TICKETSOURCE_KEY,
    Sync,
    Warehouse,
    box_office,
    sync_env,
)
from tests.test_sync_cli import assert_one_paragraph

TT_STATUS = {"completed": "completed", "pending": "pending", "cancelled": "cancelled"}
KT_STATUS = {"confirmed": "completed", "cancelled": "cancelled"}


@pytest.fixture
def london():
    with (fake := box_office(seed=31)).serve():
        yield fake


@pytest.fixture
def everything(request, fake, london, ticketsource, korusticket, tmp_path, destination) -> Sync:
    """Every platform, and a second Ticket Tailor box office, synced with the models built."""
    env = sync_env(tmp_path, fake.url)
    env.update(
        SOURCES__TICKET_TAILOR__ACCOUNTS='["london"]',
        SOURCES__TICKET_TAILOR__LONDON__BASE_URL=london.url,
        SOURCES__TICKETSOURCE__BASE_URL=ticketsource.url,
        SOURCES__TICKETSOURCE__API_KEY=TICKETSOURCE_KEY,
        SOURCES__TICKETSOURCE__CURRENCY="eur",
        SOURCES__KORUSTICKET__BASE_URL=korusticket.url,
        SOURCES__KORUSTICKET__TOKEN_URL=korusticket.url + korusticket.token_path,
        SOURCES__KORUSTICKET__CLIENT_ID=KORUS_ID,
        SOURCES__KORUSTICKET__CLIENT_SECRET=KORUS_SECRET,
    )
    dsn = None
    if destination == "postgres":
        dsn = request.getfixturevalue("postgres_database")
        env["DESTINATION__POSTGRES__CREDENTIALS"] = dsn
    warehouse = Warehouse(destination, tmp_path / "warehouse.duckdb", dsn, "analytics")
    return Sync(env, destination, warehouse, source="", models=True)


def by_key(warehouse: Warehouse, model: str, columns: str, key: str) -> dict:
    return {row[0]: row[1:] for row in warehouse.rows(f"select {key}, {columns} from {model}")}


def test_models_match_every_platform_and_account(
    everything: Sync, fake, london, ticketsource, korusticket
) -> None:
    fake.cancel_order(next(iter(fake.orders)))
    fake.refund_order(list(fake.orders)[5], 250)
    fake.void_ticket(next(iter(fake.issued_tickets)))
    result = everything.run()
    assert "models: built in" in result.stdout
    warehouse = everything.warehouse

    orders = by_key(
        warehouse,
        "analytics.orders",
        "status, gross_amount, refund_amount, net_amount, currency, ticket_count",
        "order_key",
    )
    for account, box in [("default", fake), ("london", london)]:
        tickets_per_order = Counter(t["order_id"] for t in box.issued_tickets.values())
        for order_id, order in box.orders.items():
            multiplier = Decimal(order["currency"]["base_multiplier"])
            gross = Decimal(order["total"]) / multiplier
            refund = Decimal(order["refund_amount"] or 0) / multiplier
            assert orders[f"ticket_tailor:{account}:{order_id}"] == (
                TT_STATUS[order["status"]],
                gross,
                refund,
                gross - refund,
                order["currency"]["code"].upper(),
                tickets_per_order[order_id],
            )
    for booking_id, booking in ticketsource.bookings.items():
        lines = booking["attributes"]["lines"]
        gross = sum(Decimal(str(x["amount"]["gross"])) for x in lines if not x["is_refund"])
        refund = -sum(Decimal(str(x["amount"]["gross"])) for x in lines if x["is_refund"])
        status, order_gross, order_refund, _, currency, _ = orders[
            f"ticketsource:default:{booking_id}"
        ]
        assert (order_gross, abs(order_refund), currency) == (gross, abs(refund), "EUR")
        assert status in ("completed", "cancelled")
    for order_id, order in korusticket.orders.items():
        status, gross, refund, _, currency, ticket_count = orders[f"korusticket:default:{order_id}"]
        assert (status, gross, refund) == (
            KT_STATUS[order["status"]],
            Decimal(order["totalAmountInclTax"]),
            0,
        )
        assert ticket_count == sum(item["quantity"] for item in order["items"])
    expected_orders = (
        len(fake.orders) + len(london.orders) + len(ticketsource.bookings) + len(korusticket.orders)
    )
    assert len(orders) == expected_orders

    tickets = by_key(warehouse, "analytics.tickets", "status, checked_in", "ticket_key")
    for account, box in [("default", fake), ("london", london)]:
        for ticket_id, ticket in box.issued_tickets.items():
            order = box.orders.get(ticket["order_id"])  # None: a ticket without an order
            status = "cancelled" if order and order["status"] == "cancelled" else ticket["status"]
            assert tickets[f"ticket_tailor:{account}:{ticket_id}"] == (
                status,
                ticket["checked_in"] == "true",
            )
    for seat_id, seat in ticketsource.seats.items():
        status, checked_in = tickets[f"ticketsource:default:{seat_id}"]
        assert checked_in is None
        assert status == "cancelled" or not seat["attributes"]["is_cancelled"]
    korus_tickets = sum(i["quantity"] for o in korusticket.orders.values() for i in o["items"])
    assert len(tickets) == (
        len(fake.issued_tickets)
        + len(london.issued_tickets)
        + len(ticketsource.seats)
        + korus_tickets
    )

    emails = {
        email.strip().lower()
        for email in [
            *(o["buyer_details"]["email"] for box in (fake, london) for o in box.orders.values()),
            *(o["customer"]["email"] for o in korusticket.orders.values()),
        ]
        if email and email.strip()
    }
    customers = {key for (key,) in warehouse.rows("select customer_key from analytics.customers")}
    assert emails <= customers
    assert warehouse.rows("select count(*) from analytics.daily_sales")[0][0] > 0


def test_late_check_ins_and_series_names_reach_the_models(duckdb_sync: Sync, fake) -> None:
    sync = duckdb_sync
    sync.models, sync.warehouse.dataset = True, "analytics"
    sync.run()
    oldest = min(fake.events.values(), key=lambda e: e["end"]["unix"])
    tickets = [t for t in fake.issued_tickets.values() if t["event_id"] == oldest["id"]]
    came_late = next(t for t in tickets if t["checked_in"] == "false" and t["status"] == "valid")
    left = next(t for t in tickets if t["checked_in"] == "true")
    fake.check_in(came_late["id"], when=oldest["end"]["unix"] - 600)  # uploaded just now
    fake.check_out(left["id"])

    sync.run()

    checked_in = by_key(sync.warehouse, "analytics.tickets", "checked_in", "ticket_key")
    assert checked_in[f"ticket_tailor:default:{came_late['id']}"] == (True,)
    assert checked_in[f"ticket_tailor:default:{left['id']}"] == (False,)
    series = by_key(sync.warehouse, "analytics.events", "series_name", "event_key")
    for event_id, event in fake.events.items():
        name = fake.event_series[event["event_series_id"]]["name"]
        assert series[f"ticket_tailor:default:{event_id}"] == (name,)


@pytest.mark.parametrize("destination", ["duckdb"])
def test_a_failing_model_test_fails_the_sync_after_loading(everything: Sync, fake) -> None:
    everything.run("--no-models")
    oldest = min(fake.orders.values(), key=lambda o: o["created_at"])["id"]
    raw = Warehouse("duckdb", everything.warehouse.duckdb_path)
    # a duplicate that no merge of this run touches: the models' unique test must catch it
    with duckdb.connect(str(raw.duckdb_path)) as con:
        con.execute(
            "insert into ticket_tailor.orders select * from ticket_tailor.orders where id = ?",
            [oldest],
        )
    fake.add_orders(3)

    result = everything.run(check=False)

    error = assert_one_paragraph(result, 1, "models: the analytics models were not all built")
    assert "test unique_stg_ticket_tailor__order_records_order_key (fail" in error
    assert "The loaded data is unchanged" in error
    new = {o["id"] for o in sorted(fake.orders.values(), key=lambda o: o["created_at"])[-3:]}
    assert new <= set(raw.ids("orders"))


@pytest.mark.parametrize("destination", ["duckdb"])
def test_docs_write_one_self_contained_data_dictionary(everything: Sync) -> None:
    # the dictionary documents the models whether or not they were built since
    everything.run("--no-models")
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.models", "--docs"],
        cwd=ROOT,
        env=everything.env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    html = models.DOCS.read_text()
    # the manifest and catalog are inlined: every model with its columns' descriptions
    for model in ("events", "orders", "order_lines", "tickets", "customers", "daily_sales"):
        assert f'"model.ticketing.{model}"' in html
    assert "The lower-cased, trimmed e-mail" in html


def test_ticketsource_currency_is_configured_per_account(tmp_path) -> None:
    """`sources.ticketsource.NAME.currency` wins for that account, the platform's key for the
    rest; anything but a three-letter code is a configuration error (exit 2)."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "DESTINATION"))},
        "DESTINATION__DUCKDB__CREDENTIALS": str(tmp_path / "warehouse.duckdb"),
        "DLT_DATA_DIR": str(tmp_path / "dlt"),
        "SOURCES__TICKETSOURCE__ACCOUNTS": '["box"]',
        "SOURCES__TICKETSOURCE__CURRENCY": "usd",
        "SOURCES__TICKETSOURCE__BOX__CURRENCY": "eur",
    }
    with duckdb.connect(str(tmp_path / "warehouse.duckdb")) as con:
        for schema in ("ticketsource", "ticketsource_box"):
            con.execute(f"create schema {schema}")
            con.execute(f"create table {schema}.dates (id varchar, start timestamptz)")
            con.execute(f"insert into {schema}.dates values ('dat-1', now())")

    command = [sys.executable, "-m", "pipelines.models"]
    built = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)

    assert built.returncode == 0, built.stderr
    warehouse = Warehouse("duckdb", tmp_path / "warehouse.duckdb", dataset="analytics")
    assert dict(warehouse.rows("select account, currency from analytics.events")) == {
        "default": "USD",
        "box": "EUR",
    }
    wrong = subprocess.run(
        command,
        cwd=ROOT,
        env={**env, "SOURCES__TICKETSOURCE__BOX__CURRENCY": "euro"},
        capture_output=True,
        text=True,
    )
    assert wrong.returncode == 2
    assert "sources.ticketsource.box.currency" in wrong.stderr
    assert "three-letter ISO currency code" in wrong.stderr
