"""Ticket Tailor webhooks end to end: signed deliveries over loopback to
`python -m pipelines.webhooks`, then `python -m pipelines.sync` applying what they name."""

from __future__ import annotations

import copy
import json
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn

from fakes.ticket_tailor import DAY
from fakes.ticket_tailor.webhooks import SIGNATURE_HEADER, send, signature_header
from pipelines import webhooks
from pipelines.config import Target
from pipelines.webhooks.receiver import Account, Refused, create_app, delivery_of, verify
from pipelines.webhooks.store import RETENTION_DAYS, Delivery, DeliveryStore
from sources.ticket_tailor.changes import Change, ChangedRecords
from tests.conftest import (
    ROOT,
    WEBHOOK_SECRET,
    Receiver,
    Sync,
    snapshot,
    start_receiver,
    wait_for,
)
from tests.test_ticket_tailor_sync import TABLES, assert_matches_fake

# in a refused body: it must never reach the log
MARKER = "PayloadMarker-9d1c"
BY_ID = re.compile(r"/v1/(orders|issued_tickets|issued_memberships)/.+")


def envelope(**payload) -> dict:
    return {
        "id": "wh_1",
        "created_at": "2026-11-30 12:00:00",
        "event": "ORDER.UPDATED",
        "resource_url": "https://api.tickettailor.com/v1/orders/or_1",
        "payload": {"object": "order", "id": "or_1", "note": MARKER, **payload},
    }


def post(receiver: Receiver, body: bytes, header: str | None, path: str = "") -> int:
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers[SIGNATURE_HEADER] = header
    url = f"{receiver.url}/webhooks/ticket_tailor{path}"
    return httpx.post(url, content=body, headers=headers).status_code


def applied_lines(result: subprocess.CompletedProcess) -> list[str]:
    return re.findall(r"webhook deliveries applied: ([\d,]+)", result.stdout)


def reads_by_id(fake) -> list[str]:
    return [path for _, path, _ in fake.requests if BY_ID.fullmatch(path)]


def old_event_with_orders(fake, orders: int = 3) -> tuple[dict, list[dict]]:
    """An event that ended a year ago, with orders: far outside every sweep."""
    event = fake.add_event(start=fake.now - 365 * DAY)
    made = fake.add_orders(orders, event_id=event["id"], created_at=fake.now - 400 * DAY)
    fake.take_webhooks()  # made before the first sync, which reads them anyway
    return event, made


def test_signed_delivery_is_stored_once_however_often_it_comes(duckdb_receiver) -> None:
    first = duckdb_receiver.send(envelope())
    again = duckdb_receiver.send(envelope())

    assert (first.status_code, first.json()["repeated"]) == (200, False)
    assert (again.status_code, again.json()["repeated"]) == (200, True)
    assert duckdb_receiver.stored() == {"wh_1": None}
    health = httpx.get(duckdb_receiver.url + "/healthz").json()
    assert health == {
        "status": "ok",
        "accounts": ["ticket_tailor"],
        "pending": {"ticket_tailor": 1},
    }


def test_unverified_or_malformed_deliveries_are_refused_unstored_and_logged_in_a_line(
    duckdb_receiver,
) -> None:
    body = httpx.Request("POST", "/", json=envelope()).content
    now = int(time.time())
    not_envelope = b'{"id": "wh_2", "event": "ORDER.UPDATED", "note": "' + MARKER.encode() + b'"}'
    huge = b'{"pad": "' + b"x" * (1024 * 1024) + b'"}'
    refusals = {
        "forged": (body, signature_header("not-the-secret", body), 401),
        "unsigned": (body, None, 401),
        "header without v1": (body, f"t={now}", 401),
        "body changed after signing": (body + b" ", signature_header(WEBHOOK_SECRET, body), 401),
        # 30 s past the 300 s allowed: the receiver may read its clock seconds later
        "stale": (body, signature_header(WEBHOOK_SECRET, body, now - 330), 401),
        "future": (body, signature_header(WEBHOOK_SECRET, body, now + 330), 401),
        "not JSON": (MARKER.encode(), signature_header(WEBHOOK_SECRET, MARKER.encode()), 400),
        "not an envelope": (not_envelope, signature_header(WEBHOOK_SECRET, not_envelope), 400),
        "oversized": (huge, signature_header(WEBHOOK_SECRET, huge), 413),
    }
    for name, (content, header, status) in refusals.items():
        assert post(duckdb_receiver, content, header) == status, name
    assert post(duckdb_receiver, body, signature_header(WEBHOOK_SECRET, body), "/paris") == 404

    log = duckdb_receiver.stop()
    assert duckdb_receiver.stored() == {}
    refused = [line for line in log.splitlines() if "refused a delivery" in line]
    assert len(refused) == len(refusals) + 1
    assert MARKER not in log and WEBHOOK_SECRET not in log and "x" * 100 not in log
    assert "stored delivery" not in log


def test_deliveries_survive_a_kill_right_after_their_200(duckdb_sync: Sync, tmp_path) -> None:
    duckdb_sync.env["SOURCES__TICKET_TAILOR__WEBHOOK_SECRET"] = WEBHOOK_SECRET
    receiver = start_receiver(duckdb_sync.env, tmp_path / "receiver.log")
    envelopes = [{**envelope(), "id": f"wh_{n}"} for n in range(1, 41)]
    with ThreadPoolExecutor(8) as senders:
        answers = list(senders.map(receiver.send, envelopes))
    receiver.stop(signal.SIGKILL)

    assert [answer.status_code for answer in answers] == [200] * len(envelopes)
    assert set(receiver.stored()) == {e["id"] for e in envelopes}
    again = start_receiver(duckdb_sync.env, tmp_path / "receiver.log")
    try:
        assert again.send(envelopes[0]).json()["repeated"] is True
    finally:
        again.stop()


def test_each_account_has_its_own_path_and_secret(duckdb_sync: Sync, tmp_path) -> None:
    env = {
        **duckdb_sync.env,
        "SOURCES__TICKET_TAILOR__ACCOUNTS": '["london"]',
        "SOURCES__TICKET_TAILOR__LONDON__WEBHOOK_SECRET": "whsec_london_S3cret",
    }
    receiver = start_receiver(env, tmp_path / "receiver.log")
    try:
        signed_for_london = receiver.send(envelope(), "whsec_london_S3cret", "london")
        signed_for_another = receiver.send({**envelope(), "id": "wh_2"}, "other", "london")
        default_has_no_secret = receiver.send(envelope(), "whsec_london_S3cret")
    finally:
        receiver.stop()

    assert signed_for_london.status_code == 200
    assert (signed_for_another.status_code, default_has_no_secret.status_code) == (401, 404)
    assert receiver.stored("ticket_tailor_london") == {"wh_1": None}
    assert receiver.stored("ticket_tailor") == {}


def test_receiver_without_a_secret_names_the_key(duckdb_sync: Sync) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.webhooks", "--port", "0"],
        cwd=ROOT,
        env=duckdb_sync.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "sources.ticket_tailor.webhook_secret" in result.stderr
    assert "Traceback" not in result.stderr


def test_old_cancellation_void_and_deleted_event_reach_the_warehouse(
    sync: Sync, receiver: Receiver, fake
) -> None:
    _, (cancelled, voided, refunded) = old_event_with_orders(fake)
    gone = min(
        (e for e in fake.events.values() if e["end"]["unix"] < fake.now - 30 * DAY),
        key=lambda e: e["end"]["unix"],
    )
    sync.run()
    fake.cancel_order(cancelled["id"])
    fake.void_ticket(voided["issued_tickets"][0]["id"])
    fake.refund_order(refunded["id"], 500)
    fake.delete_event(gone["id"])
    fake.advance(60)

    # polling alone cannot see the year-old changes
    sync.run()
    assert sync.warehouse.column("orders", "status")[cancelled["id"]] == "completed"

    webhooks = fake.take_webhooks()
    receiver.deliver(webhooks)
    fake.reset_log()
    result = sync.run()

    assert_matches_fake(sync.warehouse, fake)
    assert gone["id"] not in sync.warehouse.ids("events")
    assert applied_lines(result) == [str(len(webhooks))]
    named = {w["resource_url"].split("/v1")[1] for w in webhooks if "EVENT." not in w["event"]}
    assert sorted(reads_by_id(fake)) == sorted(f"/v1{path}" for path in named)
    assert set(receiver.stored().values()) != {None}

    fake.reset_log()
    quiet = sync.run()
    assert applied_lines(quiet) == [] and reads_by_id(fake) == []
    assert_matches_fake(sync.warehouse, fake)


def test_a_forged_or_stale_cancellation_changes_nothing(
    duckdb_sync: Sync, duckdb_receiver: Receiver, fake
) -> None:
    _, (order, *_) = old_event_with_orders(fake, orders=1)
    duckdb_sync.run()
    before = snapshot(duckdb_sync.warehouse, TABLES)
    claim = {
        "id": "wh_900",
        "created_at": "2026-11-30 12:00:00",
        "event": "ORDER.UPDATED",
        # another host: only the path counts, read on the configured base_url
        "resource_url": f"https://elsewhere.example/v1/orders/{order['id']}",
        "payload": {**copy.deepcopy(order), "status": "cancelled"},
    }

    forged = duckdb_receiver.send(claim, secret="guessed")
    # signed, but the API says otherwise: the record read again wins over the payload
    signed = duckdb_receiver.send({**claim, "id": "wh_901"})
    fake.reset_log()
    result = duckdb_sync.run()

    assert (forged.status_code, signed.status_code) == (401, 200)
    assert set(duckdb_receiver.stored()) == {"wh_901"}
    assert applied_lines(result) == ["1"]
    assert reads_by_id(fake) == [f"/v1/orders/{order['id']}"]
    assert duckdb_sync.warehouse.column("orders", "status")[order["id"]] == "completed"
    assert snapshot(duckdb_sync.warehouse, TABLES) == before


def test_deliveries_of_a_failed_sync_are_applied_by_the_next(
    duckdb_sync: Sync, duckdb_receiver: Receiver, fake
) -> None:
    _, (order, *_) = old_event_with_orders(fake, orders=1)
    duckdb_sync.run()
    before = snapshot(duckdb_sync.warehouse, TABLES)
    fake.cancel_order(order["id"])
    duckdb_receiver.deliver(fake.take_webhooks())

    fake.inject(*[503] * 4, path=f"/v1/orders/{order['id']}")
    failed = duckdb_sync.run(check=False, SOURCES__TICKET_TAILOR__MAX_ATTEMPTS="2")

    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert snapshot(duckdb_sync.warehouse, TABLES) == before
    assert set(duckdb_receiver.stored().values()) == {None}
    result = duckdb_sync.run()
    assert applied_lines(result) == [str(len(duckdb_receiver.stored()))]
    assert None not in duckdb_receiver.stored().values()
    assert_matches_fake(duckdb_sync.warehouse, fake)


def test_a_first_sync_reads_everything_and_only_marks_deliveries(
    duckdb_sync: Sync, duckdb_receiver: Receiver, fake
) -> None:
    order = next(iter(fake.orders.values()))
    fake.cancel_order(order["id"])
    duckdb_receiver.deliver(fake.take_webhooks())

    result = duckdb_sync.run()

    assert applied_lines(result) == [str(len(duckdb_receiver.stored()))]
    assert reads_by_id(fake) == []
    assert None not in duckdb_receiver.stored().values()
    assert_matches_fake(duckdb_sync.warehouse, fake)


def test_a_sync_takes_the_oldest_deliveries_up_to_its_cap(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(webhooks, "MAX_PER_SYNC", 2)
    store = DeliveryStore()
    for n in range(3):  # one at a time: received in this order
        store.add(
            [Delivery("ticket_tailor", f"wh_{n}", "ORDER.UPDATED", "/v1/orders/or_1", None, b"{}")]
        )
    store.close()
    target = Target("ticket_tailor")

    first = webhooks.pending_deliveries(target)
    first.mark_applied()
    second = webhooks.pending_deliveries(target)

    assert ([d.id for d in first.deliveries], first.left) == (["wh_0", "wh_1"], 1)
    assert ([d.id for d in second.deliveries], second.left) == (["wh_2"], 0)
    assert webhooks.pending_deliveries(Target("ticketsource")).deliveries == []


def test_membership_and_waitlist_deliveries_are_applied(
    duckdb_sync: Sync, duckdb_receiver: Receiver, fake
) -> None:
    ended = {e["event_series_id"] for e in fake.events.values() if e["end"]["unix"] < fake.now}
    running = {e["event_series_id"] for e in fake.events.values() if e["end"]["unix"] >= fake.now}
    past_series = sorted(ended - running)[0]
    membership = next(m for m in fake.issued_memberships.values() if m["voided_at"] is None)
    duckdb_sync.run()
    duckdb_sync.run()  # past the first run's whole read of memberships
    # a signup changes nothing in its series' record: only its webhook says to look
    signup = fake.add_waitlist_signup(past_series)
    fake.void_membership(membership["id"])
    duckdb_receiver.deliver(fake.take_webhooks())
    fake.reset_log()

    result = duckdb_sync.run()

    assert applied_lines(result) == ["2"]
    assert reads_by_id(fake) == [f"/v1/issued_memberships/{membership['id']}"]
    assert signup["id"] in duckdb_sync.warehouse.ids("waitlist_signups")
    assert_matches_fake(duckdb_sync.warehouse, fake)


def test_signatures_are_good_for_300_seconds_either_way() -> None:
    body, now = b'{"id": "wh_1"}', 1_800_000_000
    for signed_at in (now - 300, now, now + 300):
        verify(signature_header(WEBHOOK_SECRET, body, signed_at), body, WEBHOOK_SECRET, now)
    for signed_at in (now - 301, now + 301):
        with pytest.raises(Refused, match="over 300 s"):
            verify(signature_header(WEBHOOK_SECRET, body, signed_at), body, WEBHOOK_SECRET, now)
    upper = signature_header(WEBHOOK_SECRET, body, now).upper().replace("T=", "t=")
    verify(upper.replace("V1=", "v1="), body, WEBHOOK_SECRET, now)


def test_what_counts_as_an_envelope() -> None:
    def taken(**fields) -> bool:
        body = json.dumps({**envelope(), **fields}).encode()
        try:
            delivery_of(body, "ticket_tailor")
        except Refused as refused:
            assert refused.status == 400
            return False
        return True

    assert taken()
    assert taken(created_at=1732960000)  # a unix time for the documented string
    assert taken(payload=None)  # a deleted record's, possibly
    assert not taken(id=15) and not taken(id="") and not taken(id="w" * 3000)
    assert not taken(event=None) and not taken(payload=[]) and not taken(created_at=True)
    assert not taken(resource_url={"path": "/v1/orders/or_1"})
    without_url = {name: value for name, value in envelope().items() if name != "resource_url"}
    with pytest.raises(Refused):
        delivery_of(json.dumps(without_url).encode(), "ticket_tailor")


def test_deliveries_name_records_by_the_end_of_their_url_path() -> None:
    api = "https://api.tickettailor.com"
    changed = ChangedRecords(
        [
            Change("ORDER.UPDATED", "https://proxy.example/tt/v1/orders/or_1"),
            Change("ORDER.CREATED", f"{api}/v1/orders/or_1"),
            Change("ISSUED_TICKET.UPDATED", f"{api}/v1/issued_tickets/it_2/"),
            Change("ISSUED_MEMBERSHIP.UPDATED", f"{api}/v1/issued_memberships/im_5"),
            Change("EVENT.DELETED", f"{api}/v1/events/ev_3"),
            Change("BASKET.EXPIRED", f"{api}/v1/baskets/ba_1"),
            Change("ORDER.UPDATED", f"{api}/v1/orders/or_9/notes"),
            Change(
                "WAITLIST_SIGNUP.CREATED",
                f"{api}/v1/waitlist_signups/ws_1",
                {"event_series_id": "es_4"},
            ),
        ]
    )
    assert changed.ids == {
        "orders": {"or_1"},
        "issued_tickets": {"it_2"},
        "issued_memberships": {"im_5"},
    }
    assert changed.series == {"es_4"}


def test_store_keeps_applied_deliveries_a_week_then_forgets_them(tmp_path) -> None:
    store = DeliveryStore(tmp_path / "webhooks.sqlite")
    deliveries = [
        Delivery(
            "ticket_tailor", f"wh_{n}", "ORDER.UPDATED", "https://x/v1/orders/or_1", None, b"{}"
        )
        for n in range(3)
    ]
    assert store.add(deliveries) == [True, True, True]
    assert store.add(deliveries[:1]) == [False]
    store.mark_applied("ticket_tailor", ["wh_0", "wh_1"])
    assert [d.id for d in store.pending("ticket_tailor", 10)] == ["wh_2"]

    week_ago = time.time() - (RETENTION_DAYS + 1) * 86400
    with sqlite3.connect(store.path) as db:
        db.execute("update deliveries set applied_at = ? where id = 'wh_0'", (week_ago,))
    store.mark_applied("ticket_tailor", [])

    assert store.add(deliveries) == [True, False, False]  # wh_0 was forgotten
    assert [d.id for d in store.pending("ticket_tailor", 1)] == ["wh_2"]  # oldest first
    store.close()


def test_receiver_answers_503_when_it_cannot_store(tmp_path) -> None:
    class FullDisk(DeliveryStore):
        def add(self, deliveries):
            raise sqlite3.OperationalError("database or disk is full")

    account = Account("ticket_tailor", "ticket_tailor", WEBHOOK_SECRET)
    app = create_app({"": account}, FullDisk(tmp_path / "webhooks.sqlite"))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None))
    thread = threading.Thread(target=server.run)
    thread.start()
    try:
        wait_for(lambda: server.started, timeout=30)
        [port] = [s.getsockname()[1] for server_ in server.servers for s in server_.sockets]
        answer = send(f"http://127.0.0.1:{port}/webhooks/ticket_tailor", envelope(), WEBHOOK_SECRET)
    finally:
        server.should_exit = True
        thread.join()
    assert answer.status_code == 503
