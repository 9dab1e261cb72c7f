"""The Ticket Tailor fake's webhooks: which mutation fires which envelope, payloads as the API
serves them at that moment, and signed delivery."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from typing import Any

import httpx
import pytest

from fakes.ticket_tailor import DAY, TicketTailorFake
from fakes.ticket_tailor.webhooks import API_URL, SIGNATURE_HEADER, send, signature_header

# the vendor's example envelope ("Webhooks"), payload cut short
EXAMPLE = {
    "id": "wh_15",
    "created_at": "2025-01-01 10:00:00",
    "event": "ISSUED_TICKET.CREATED",
    "resource_url": "https://api.tickettailor.com/v1/issued_tickets/it_50198",
    "payload": {"object": "issued_ticket", "id": "it_50198"},
}


def served(fake: TicketTailorFake, resource_url: str) -> httpx.Response:
    """GET of a webhook's resource_url on the running fake."""
    path = resource_url.removeprefix(API_URL)
    return httpx.get(f"{fake.url}/v1{path}", auth=(fake.api_key, ""), timeout=5)


def assert_fired(fake: TicketTailorFake, expected: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Drains the outbox, checking it holds (event, resource path) in that order, each payload
    as GET of its resource_url serves it now."""
    fired = fake.take_webhooks()
    assert [(w["event"], w["resource_url"]) for w in fired] == [
        (event, f"{API_URL}/{path}") for event, path in expected
    ]
    for webhook in fired:
        assert webhook["payload"] == served(fake, webhook["resource_url"]).json()
    return fired


def upcoming_event(fake: TicketTailorFake) -> str:
    return next(e["id"] for e in fake.events.values() if e["start"]["unix"] > fake.now)


def valid_membership(fake: TicketTailorFake) -> str:
    return fake.issue_membership(next(iter(fake.membership_types)))["id"]


def test_seeding_fires_nothing(fake: TicketTailorFake) -> None:
    assert fake.webhooks == []
    assert fake.take_webhooks() == []


def test_orders_fire_order_then_ticket_webhooks(fake: TicketTailorFake) -> None:
    orders = fake.add_orders(2, event_id=upcoming_event(fake))
    expected = []
    for order in orders:
        expected.append(("ORDER.CREATED", f"orders/{order['id']}"))
        expected += [
            ("ISSUED_TICKET.CREATED", f"issued_tickets/{ticket['id']}")
            for ticket in order["issued_tickets"]
        ]
    assert_fired(fake, expected)


def test_cancel_refund_and_void_fire_updates(fake: TicketTailorFake) -> None:
    orders = fake.add_orders(6, event_id=upcoming_event(fake))
    order = next(order for order in orders if len(order["issued_tickets"]) > 1)
    fake.take_webhooks()
    fake.advance(60)
    fake.refund_order(order["id"], 100)
    assert_fired(fake, [("ORDER.UPDATED", f"orders/{order['id']}")])

    already_void, *rest = order["issued_tickets"]
    fake.void_ticket(already_void["id"])
    assert_fired(fake, [("ISSUED_TICKET.UPDATED", f"issued_tickets/{already_void['id']}")])

    fake.cancel_order(order["id"])  # voids only the tickets still valid
    tickets = [("ISSUED_TICKET.UPDATED", f"issued_tickets/{ticket['id']}") for ticket in rest]
    assert tickets
    fired = assert_fired(fake, [("ORDER.UPDATED", f"orders/{order['id']}"), *tickets])
    assert fired[0]["payload"]["status"] == "cancelled"
    assert all(webhook["payload"]["status"] == "void" for webhook in fired[1:])


def test_issued_ticket_fires_created(fake: TicketTailorFake) -> None:
    ticket = fake.issue_ticket(upcoming_event(fake))
    assert_fired(fake, [("ISSUED_TICKET.CREATED", f"issued_tickets/{ticket['id']}")])


def test_events_fire_created_updated_deleted(fake: TicketTailorFake) -> None:
    event = fake.add_event(fake.now + 10 * DAY)
    path = f"events/{event['id']}"
    assert_fired(fake, [("EVENT.CREATED", path)])

    fake.update_event(event["id"], name="Renamed", start=fake.now + 11 * DAY)
    fired = assert_fired(fake, [("EVENT.UPDATED", path)])
    assert fired[0]["payload"]["name"] == "Renamed"

    before = served(fake, f"{API_URL}/{path}").json()
    fake.delete_event(event["id"])
    deleted = fake.take_webhooks()
    assert [(w["event"], w["resource_url"]) for w in deleted] == [
        ("EVENT.DELETED", f"{API_URL}/{path}")
    ]
    assert deleted[0]["payload"] == before
    assert served(fake, deleted[0]["resource_url"]).status_code == 404


def test_event_payload_follows_the_counter_knob(fake: TicketTailorFake) -> None:
    fake.counter_excludes_voids = True
    event_id = upcoming_event(fake)
    ticket = fake.issue_ticket(event_id)
    fake.void_ticket(ticket["id"])
    fake.take_webhooks()
    fake.update_event(event_id, name="Counted")
    fired = assert_fired(fake, [("EVENT.UPDATED", f"events/{event_id}")])
    stored = fake.events[event_id]["total_issued_tickets"]
    assert fired[0]["payload"]["total_issued_tickets"] < stored


def test_memberships_fire_created_and_updated(fake: TicketTailorFake) -> None:
    membership_id = valid_membership(fake)
    path = f"issued_memberships/{membership_id}"
    assert_fired(fake, [("ISSUED_MEMBERSHIP.CREATED", path)])

    fake.redeem_membership(membership_id, upcoming_event(fake))
    fired = assert_fired(fake, [("ISSUED_MEMBERSHIP.UPDATED", path)])
    assert fired[0]["payload"]["redemptions"] == 1

    fake.void_membership(membership_id)
    fired = assert_fired(fake, [("ISSUED_MEMBERSHIP.UPDATED", path)])
    assert fired[0]["payload"]["is_valid"] == "false"


def test_waitlist_signup_fires_created_with_its_series(fake: TicketTailorFake) -> None:
    series_id = next(iter(fake.event_series))
    signup = fake.add_waitlist_signup(series_id, email="wait@example.com")
    (webhook,) = fake.take_webhooks()
    assert webhook["event"] == "WAITLIST_SIGNUP.CREATED"
    assert webhook["resource_url"] == f"{API_URL}/waitlist_signups/{signup['id']}"
    assert webhook["payload"]["event_series_id"] == series_id
    listed = httpx.get(
        f"{fake.url}/v1/event_series/{series_id}/waitlist_signups",
        auth=(fake.api_key, ""),
        timeout=5,
    ).json()["data"]
    assert webhook["payload"] in listed


def test_kinds_without_webhooks_fire_nothing(fake: TicketTailorFake) -> None:
    event_id = upcoming_event(fake)
    ticket_id = next(iter(fake.issued_tickets))
    fake.check_in(ticket_id)
    fake.check_out(ticket_id)
    hold = fake.add_hold(event_id)
    fake.update_hold(hold["id"], note="changed")
    fake.release_hold(hold["id"])
    product = fake.add_product()
    fake.update_product(product["id"], name="Renamed")
    fake.delete_product(product["id"])
    fake.delete_discount(fake.add_discount()["id"])
    voucher = fake.add_voucher(2)
    code_id = next(c["id"] for c in fake.voucher_codes.values() if c["voucher_id"] == voucher["id"])
    fake.use_voucher_code(code_id)
    fake.delete_voucher(voucher["id"])
    series = fake.add_event_series()
    fake.update_event_series(series["id"], name="Renamed")
    fake.delete_event_series(series["id"])
    assert fake.webhooks == []


def test_payloads_are_snapshots(fake: TicketTailorFake) -> None:
    order = fake.add_orders(1, event_id=upcoming_event(fake))[0]
    created = fake.webhooks[0]
    before = json.loads(json.dumps(created))
    fake.refund_order(order["id"], 50)
    fake.cancel_order(order["id"])
    assert created == before
    assert created["payload"]["status"] == "completed"
    assert created["payload"]["issued_tickets"][0]["status"] == "valid"


def test_created_at_is_the_fakes_clock_in_utc(fake: TicketTailorFake) -> None:
    fake.advance(3 * DAY + 17)
    fake.issue_ticket(upcoming_event(fake))
    (webhook,) = fake.webhooks
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", webhook["created_at"])
    assert webhook["created_at"] == time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(fake.now))


def test_ids_increase_per_fake(fake: TicketTailorFake) -> None:
    event_id = upcoming_event(fake)
    fake.add_orders(3, event_id=event_id)
    first = fake.take_webhooks()
    fake.issue_ticket(event_id)
    fake.update_event(event_id, name="Again")
    ids = [webhook["id"] for webhook in first + fake.webhooks]
    assert ids == [f"wh_{n}" for n in range(1, len(ids) + 1)]
    other = TicketTailorFake(now=fake.now, seed=1)
    other.seed_data(orders=5, events=2, upcoming_events=1, days=5)
    other.add_event(other.now + DAY)
    assert [webhook["id"] for webhook in other.webhooks] == ["wh_1"]


def test_concurrent_mutations_fire_every_webhook_once(fake: TicketTailorFake) -> None:
    event_id = upcoming_event(fake)
    threads = [threading.Thread(target=fake.issue_ticket, args=(event_id,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fired = fake.take_webhooks()
    assert sorted(int(w["id"][3:]) for w in fired) == list(range(1, 9))
    assert len({w["payload"]["id"] for w in fired}) == 8


def test_signature_header_is_the_documented_hmac() -> None:
    body = json.dumps(EXAMPLE).encode()
    expected = hmac.new(b"ABCD123", b"1735725600" + body, hashlib.sha256).hexdigest()
    assert signature_header("ABCD123", body, 1735725600) == f"t=1735725600,v1={expected}"
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", signature_header("ABCD123", body))
    stamp = int(signature_header("ABCD123", body).split(",")[0][2:])
    assert abs(stamp - time.time()) < 5  # the wall clock, not a fake's


@pytest.mark.parametrize("timestamp", [1735725600, None])
def test_send_posts_the_signed_bytes(timestamp: int | None) -> None:
    seen: list[httpx.Request] = []

    def receive(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    with httpx.Client(transport=httpx.MockTransport(receive)) as client:
        response = send(
            "https://receiver.example/hooks", EXAMPLE, "ABCD123", timestamp=timestamp, client=client
        )
    assert response.status_code == 204
    (request,) = seen
    assert request.method == "POST"
    assert str(request.url) == "https://receiver.example/hooks"
    assert request.headers["Content-Type"] == "application/json"
    body = request.content
    assert json.loads(body) == EXAMPLE
    header = request.headers[SIGNATURE_HEADER]
    stamp = header.split(",")[0].removeprefix("t=")
    if timestamp is not None:
        assert stamp == str(timestamp)
    digest = hmac.new(b"ABCD123", stamp.encode() + body, hashlib.sha256).hexdigest()
    assert header == f"t={stamp},v1={digest}"
