"""The Ticket Tailor fake over real HTTP: paging, filters, auth, rate limits, faults, mutations."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from fakes.ticket_tailor import DAY, TicketTailorFake, date_object

NOW = 1_750_000_000
KEY = "sk_test_fake"

# field names of the vendor's example payloads (tests/vendor/tickettailor-examples)
DATE_KEYS = {"date", "formatted", "iso", "time", "timezone", "unix"}
ORDER_KEYS = {
    "object", "id", "buyer_details", "created_at", "currency", "event_summary", "issued_tickets",
    "line_items", "payment_method", "referral_tag", "refund_amount", "status", "status_message",
    "subtotal", "tax", "total", "txn_id",
}  # fmt: skip
BUYER_KEYS = {"address", "custom_questions", "email", "first_name", "last_name", "name", "phone"}
ADDRESS_KEYS = {"address_1", "address_2", "address_3", "postal_code"}
SUMMARY_KEYS = {"id", "end_date", "name", "start_date"}
LINE_ITEM_KEYS = {
    "object",
    "id",
    "booking_fee",
    "description",
    "type",
    "total",
    "value",
    "quantity",
}
PAYMENT_METHOD_KEYS = {"external_id", "id", "instructions", "name", "type"}
TICKET_KEYS = {
    "object", "id", "barcode", "barcode_url", "checked_in", "created_at", "custom_questions",
    "description", "email", "event_id", "reference", "full_name", "first_name", "last_name",
    "status", "source", "ticket_type_id", "updated_at", "voided_at", "order_id", "qr_code_url",
}  # fmt: skip
EVENT_KEYS = {
    "object", "id", "access_code", "call_to_action", "created_at", "currency", "description",
    "end", "hidden", "images", "name", "online_event", "payment_methods", "private", "start",
    "status", "ticket_groups", "ticket_types", "tickets_available", "timezone", "total_holds",
    "total_issued_tickets", "total_orders", "unavailable", "unavailable_status", "url", "venue",
}  # fmt: skip
TICKET_TYPE_KEYS = {
    "object", "id", "access_code", "booking_fee", "description", "group_id", "max_per_order",
    "min_per_order", "name", "price", "status", "sort_order", "type", "quantity", "quantity_held",
    "quantity_issued", "quantity_total",
}  # fmt: skip
TICKET_GROUP_KEYS = {"id", "max_per_order", "name", "sort_order", "ticket_ids"}
DISCOUNT_KEYS = {
    "object", "id", "code", "max_redemptions", "name", "ticket_types", "times_redeemed", "type",
}  # fmt: skip
VOUCHER_KEYS = {
    "object", "id", "available_codes", "event_series_ids", "expiry", "name", "total_codes",
    "value", "created_at",
}  # fmt: skip
CODE_KEYS = {"object", "id", "code", "expiry", "used", "value", "voucher_id", "created_at"}


def make_fake(seed: int = 7, orders: int = 400) -> TicketTailorFake:
    fake = TicketTailorFake(api_key=KEY, now=NOW, seed=seed)
    fake.seed_data(
        orders=orders,
        events=12,
        upcoming_events=3,
        discounts=6,
        vouchers=3,
        codes_per_voucher=30,
        same_second_every=10,
    )
    return fake


@pytest.fixture
def fake() -> TicketTailorFake:
    return make_fake()


@pytest.fixture
def client(fake: TicketTailorFake) -> Iterator[httpx.Client]:
    with fake.serve() as url, httpx.Client(base_url=url, auth=(KEY, ""), timeout=5) as client:
        yield client


def num(record_id: str) -> int:
    return int(record_id.rpartition("_")[2])


def newest_first(records: Iterable[dict[str, Any]]) -> list[str]:
    ordered = sorted(records, key=lambda r: (r.get("created_at", 0), num(r["id"])), reverse=True)
    return [record["id"] for record in ordered]


def walk(client: httpx.Client, path: str, **params: Any) -> tuple[list[str], int]:
    """Follows links.next, sending the filters again (the links carry only the cursor)."""
    ids: list[str] = []
    query = dict(params)
    for requests in range(1, 10_000):
        body = client.get(path, params=query).raise_for_status().json()
        ids += [record["id"] for record in body["data"]]
        if body["links"]["next"] is None:
            return ids, requests
        query = {**params, **link_query(body["links"]["next"])}
    raise AssertionError("paging never ended")


def follow(client: httpx.Client, link: str, **params: Any) -> dict[str, Any]:
    """GETs a links.next / links.previous path with extra query parameters."""
    query = {**link_query(link), **params}
    return client.get(urlsplit(link).path, params=query).raise_for_status().json()


def link_query(link: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(link).query).items()}


def data(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    return client.get(path, params=params).raise_for_status().json()["data"]


# -- auth, routing, errors


def test_ping_and_basic_auth(fake: TicketTailorFake, client: httpx.Client) -> None:
    assert client.get("/v1/ping").json() == {"version": "pong"}
    for auth in (None, ("sk_wrong", ""), ("", KEY)):
        response = httpx.get(f"{fake.url}/v1/orders", auth=auth)
        assert response.status_code == 401
        body = response.json()
        assert body["status"] == 401 and body["error_code"] == "UNAUTHORIZED" and body["message"]


def test_unknown_paths_and_ids_are_404(client: httpx.Client) -> None:
    for path in ("/v1/nope", "/v1/orders/or_999999", "/v1/vouchers/vo_999/codes", "/v2/orders"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error_code"] == "NOT_FOUND"
    assert client.post("/v1/orders").status_code == 405


def test_retrieve_endpoints_return_the_listed_records(
    fake: TicketTailorFake, client: httpx.Client
) -> None:
    for path, records in (
        ("/v1/events", fake.events),
        ("/v1/orders", fake.orders),
        ("/v1/issued_tickets", fake.issued_tickets),
        ("/v1/discounts", fake.discounts),
        ("/v1/vouchers", fake.vouchers),
    ):
        record_id = next(iter(records))
        assert client.get(f"{path}/{record_id}").json() == records[record_id]


# -- paging


def test_orders_walk_newest_first_with_cursor_only_links(
    fake: TicketTailorFake, client: httpx.Client
) -> None:
    ids, requests = walk(client, "/v1/orders", limit=37)
    assert ids == newest_first(fake.orders.values())
    assert requests == -(-len(fake.orders) // 37)
    first = client.get("/v1/orders", params={"limit": 37, "status": "completed"}).json()
    assert first["links"] == {
        "next": f"/v1/orders?starting_after={first['data'][-1]['id']}",
        "previous": None,
    }


def test_same_second_orders_are_ordered_by_id(fake: TicketTailorFake, client: httpx.Client) -> None:
    seconds = Counter(order["created_at"] for order in fake.orders.values())
    tied = [second for second, count in seconds.items() if count > 1]
    assert len(tied) >= len(fake.orders) // 10 - 1
    for second in tied[:5]:
        page = data(client, "/v1/orders", created_at=second)
        numbers = [num(order["id"]) for order in page]
        assert len(numbers) == seconds[second] and numbers == sorted(numbers, reverse=True)


def test_ending_before_returns_the_previous_page(client: httpx.Client) -> None:
    first = client.get("/v1/orders", params={"limit": 20}).json()
    second = follow(client, first["links"]["next"], limit=20)
    assert second["links"]["previous"] == f"/v1/orders?ending_before={second['data'][0]['id']}"
    back = follow(client, second["links"]["previous"], limit=20)
    assert back["data"] == first["data"]
    assert back["links"]["previous"] is None
    assert back["links"]["next"] == first["links"]["next"]
    # ending_before wins when both cursors are given
    both = {"limit": 20, "ending_before": second["data"][0]["id"], "starting_after": "or_1"}
    assert client.get("/v1/orders", params=both).json()["data"] == first["data"]
    # the page closest to the cursor, still newest-first
    third_first = data(client, "/v1/orders", limit=5, starting_after=second["data"][-1]["id"])[0]
    near = data(client, "/v1/orders", limit=5, ending_before=third_first["id"])
    assert near == second["data"][-5:]


def test_limit_default_cap_and_validation(client: httpx.Client) -> None:
    assert len(data(client, "/v1/orders")) == 100
    assert len(data(client, "/v1/orders", limit=500)) == 100
    assert len(data(client, "/v1/orders", limit=3)) == 3
    for bad in ("0", "-1", "abc", "2.5"):
        response = client.get("/v1/orders", params={"limit": bad})
        assert response.status_code == 400, bad
        assert response.json()["error_code"] == "BAD_REQUEST"


def test_unknown_cursor_is_400(client: httpx.Client) -> None:
    for cursor in ("or_999999", "it_1", "nonsense"):
        for param in ("starting_after", "ending_before"):
            response = client.get("/v1/orders", params={param: cursor})
            assert response.status_code == 400
            assert cursor in response.json()["message"]


def test_created_at_filters_and_paging(fake: TicketTailorFake, client: httpx.Client) -> None:
    stamps = sorted(order["created_at"] for order in fake.orders.values())
    low, high = stamps[100], stamps[300]
    cases = {
        "created_at.gte": lambda t: t >= low,
        "created_at.gt": lambda t: t > low,
        "created_at.lte": lambda t: t <= low,
        "created_at.lt": lambda t: t < low,
        "created_at": lambda t: t == low,
    }
    for param, keep in cases.items():
        ids, _ = walk(client, "/v1/orders", limit=30, **{param: low})
        expected = [o for o in fake.orders.values() if keep(o["created_at"])]
        assert ids == newest_first(expected), param
    ids, _ = walk(client, "/v1/orders", limit=30, **{"created_at.gte": low, "created_at.lt": high})
    assert ids == newest_first(o for o in fake.orders.values() if low <= o["created_at"] < high)
    bad = client.get("/v1/orders", params={"created_at.gte": "yesterday"})
    assert bad.status_code == 400


def test_cursor_outside_the_filter_is_placed_by_sort_key(
    fake: TicketTailorFake, client: httpx.Client
) -> None:
    cancelled = [o for o in fake.orders.values() if o["status"] == "cancelled"]
    completed = newest_first(o for o in fake.orders.values() if o["status"] == "completed")
    cursor = completed[len(completed) // 2]
    key = (fake.orders[cursor]["created_at"], num(cursor))
    ids, _ = walk(client, "/v1/orders", limit=2, status="cancelled", starting_after=cursor)
    older = [o for o in cancelled if (o["created_at"], num(o["id"])) < key]
    assert ids == newest_first(older) and ids
    newer = data(client, "/v1/orders", limit=100, status="cancelled", ending_before=cursor)
    assert [o["id"] for o in newer] == newest_first(o for o in cancelled if o not in older)


def test_order_filters(fake: TicketTailorFake, client: httpx.Client) -> None:
    event_id = Counter(o["event_summary"]["id"] for o in fake.orders.values()).most_common(1)[0][0]
    expected = newest_first(o for o in fake.orders.values() if o["event_summary"]["id"] == event_id)
    assert walk(client, "/v1/orders", limit=7, event_id=event_id)[0] == expected
    assert walk(client, "/v1/orders", limit=7, event_id=num(event_id))[0] == expected
    for status in ("cancelled", "pending", "completed"):
        ids, _ = walk(client, "/v1/orders", limit=50, status=status)
        assert ids == newest_first(o for o in fake.orders.values() if o["status"] == status)
        assert ids or status == "pending"
    assert data(client, "/v1/orders", event_id="ev_999999") == []


def test_issued_ticket_status_filter_takes_only_the_documented_values(
    fake: TicketTailorFake, client: httpx.Client
) -> None:
    # the docs enumerate valid and voided, while a voided ticket's record says "void"
    voided = newest_first(t for t in fake.issued_tickets.values() if t["status"] == "void")
    assert voided and walk(client, "/v1/issued_tickets", status="voided")[0] == voided
    for bad in ("void", "VOIDED", "valid,voided", ""):
        response = client.get("/v1/issued_tickets", params={"status": bad})
        assert response.status_code == 400, bad
        body = response.json()
        assert body["status"] == 400 and body["error_code"] == "BAD_REQUEST", bad
        assert "valid, voided" in body["message"], bad


def test_issued_ticket_filters(fake: TicketTailorFake, client: httpx.Client) -> None:
    tickets = fake.issued_tickets.values()
    valid = walk(client, "/v1/issued_tickets", status="valid")[0]
    assert valid == newest_first(t for t in tickets if t["status"] == "valid")
    order = next(o for o in fake.orders.values() if len(o["issued_tickets"]) > 1)
    by_order = data(client, "/v1/issued_tickets", order_id=order["id"])
    assert by_order == sorted(order["issued_tickets"], key=lambda t: num(t["id"]), reverse=True)
    assert data(client, "/v1/issued_tickets", order_id=num(order["id"])) == by_order
    event_id = order["event_summary"]["id"]
    ids, _ = walk(client, "/v1/issued_tickets", limit=9, event_id=event_id, status="valid")
    assert ids == newest_first(
        t for t in tickets if t["event_id"] == event_id and t["status"] == "valid"
    )
    low = order["created_at"]
    ids, _ = walk(client, "/v1/issued_tickets", **{"created_at.gte": low})
    assert ids == newest_first(t for t in tickets if t["created_at"] >= low)


def test_embedded_tickets_match_the_issued_tickets_endpoint(client: httpx.Client) -> None:
    for order in data(client, "/v1/orders", limit=30):
        for ticket in order["issued_tickets"]:
            assert client.get(f"/v1/issued_tickets/{ticket['id']}").json() == ticket
            assert ticket["order_id"] == order["id"]
            assert ticket["created_at"] == order["created_at"]


def test_event_filters(fake: TicketTailorFake, client: httpx.Client) -> None:
    events = fake.events.values()
    assert walk(client, "/v1/events", limit=5)[0] == newest_first(events)
    upcoming = walk(client, "/v1/events", **{"start_at.gt": NOW})[0]
    assert upcoming == newest_first(e for e in events if e["start"]["unix"] > NOW)
    assert len(upcoming) == 3
    ended = walk(client, "/v1/events", **{"end_at.lte": NOW - DAY})[0]
    assert ended == newest_first(e for e in events if e["end"]["unix"] <= NOW - DAY)
    assert len(data(client, "/v1/events", status="draft,published")) == len(fake.events)
    assert data(client, "/v1/events", status="draft") == []
    assert client.get("/v1/events", params={"start_at.lt": "soon"}).status_code == 400


def test_discount_and_voucher_lists(fake: TicketTailorFake, client: httpx.Client) -> None:
    assert walk(client, "/v1/discounts", limit=4)[0] == newest_first(fake.discounts.values())
    discount = next(iter(fake.discounts.values()))
    assert data(client, "/v1/discounts", code=discount["code"]) == [discount]
    assert data(client, "/v1/discounts", code="NO-SUCH-CODE") == []

    vouchers = fake.vouchers.values()
    assert walk(client, "/v1/vouchers", limit=2)[0] == newest_first(vouchers)
    expiring = walk(client, "/v1/vouchers", **{"expiry_date.gte": NOW})[0]
    assert expiring == newest_first(v for v in vouchers if v["expiry"])
    voucher_id = next(iter(fake.vouchers))
    codes = [c for c in fake.voucher_codes.values() if c["voucher_id"] == voucher_id]
    path = f"/v1/vouchers/{voucher_id}/codes"
    ids, requests = walk(client, path, limit=7)
    assert ids == newest_first(codes) and requests == 5
    page = client.get(path, params={"limit": 7}).json()
    assert page["links"]["next"] == f"{path}?starting_after={page['data'][-1]['id']}"
    created = fake.vouchers[voucher_id]["created_at"]
    assert len(data(client, path, created_at=created)) == 30
    assert data(client, path, **{"created_at.gt": created}) == []


# -- records


def test_records_have_the_vendor_example_shapes(fake: TicketTailorFake) -> None:
    for order in fake.orders.values():
        assert order.keys() == ORDER_KEYS
        assert order["buyer_details"].keys() == BUYER_KEYS
        assert order["buyer_details"]["address"].keys() == ADDRESS_KEYS
        assert order["currency"].keys() == {"base_multiplier", "code"}
        assert order["event_summary"].keys() == SUMMARY_KEYS
        assert order["event_summary"]["start_date"].keys() == DATE_KEYS
        assert order["payment_method"].keys() == PAYMENT_METHOD_KEYS
        assert all(item.keys() == LINE_ITEM_KEYS for item in order["line_items"])
        assert 1 <= len(order["line_items"]) <= 2 and 1 <= len(order["issued_tickets"]) <= 3
        assert sum(item["quantity"] for item in order["line_items"]) == len(order["issued_tickets"])
        assert order["total"] == sum(item["total"] for item in order["line_items"])
    assert all(ticket.keys() == TICKET_KEYS for ticket in fake.issued_tickets.values())
    for event in fake.events.values():
        assert event.keys() == EVENT_KEYS
        assert event["start"].keys() == event["end"].keys() == DATE_KEYS
        assert 2 <= len(event["ticket_types"]) <= 4
        assert all(t.keys() == TICKET_TYPE_KEYS for t in event["ticket_types"])
        assert all(g.keys() == TICKET_GROUP_KEYS for g in event["ticket_groups"])
        assert all(p.keys() == PAYMENT_METHOD_KEYS for p in event["payment_methods"])
    for discount in fake.discounts.values():
        price_key = {"fixed_amount": "price", "percentage": "price_percent"}[discount["type"]]
        assert discount.keys() - {"expires"} == DISCOUNT_KEYS | {price_key}
    assert all(voucher.keys() == VOUCHER_KEYS for voucher in fake.vouchers.values())
    assert all(code.keys() == CODE_KEYS for code in fake.voucher_codes.values())


def test_date_objects_match_the_vendor_format() -> None:
    assert date_object(1588368600) == {
        "date": "2020-05-01",
        "formatted": "Fri 1 May 2020 9:30 PM",
        "iso": "2020-05-01T21:30:00+00:00",
        "time": "21:30",
        "timezone": "+00:00",
        "unix": 1588368600,
    }


def test_seeded_history_is_plausible(fake: TicketTailorFake) -> None:
    orders, tickets = fake.orders.values(), fake.issued_tickets.values()
    assert all(NOW - 365 * DAY <= o["created_at"] < NOW for o in orders)
    for event in fake.events.values():
        start, end = event["start"]["unix"], event["end"]["unix"]
        assert end > start and event["created_at"] < NOW
        assert end < NOW - DAY or NOW + 7 * DAY <= start <= NOW + 60 * DAY
    statuses = Counter(o["status"] for o in orders)
    assert 0 < statuses["cancelled"] < len(orders) * 0.06
    for order in orders:
        if order["status"] == "cancelled":
            assert all(t["status"] == "void" for t in order["issued_tickets"])
    for ticket in tickets:
        assert ticket["created_at"] <= ticket["updated_at"] < NOW
        assert (ticket["voided_at"] is None) == (ticket["status"] == "valid")
        if ticket["checked_in"] == "true":
            assert fake.events[ticket["event_id"]]["end"]["unix"] < NOW
    past = [t for t in tickets if fake.events[t["event_id"]]["end"]["unix"] < NOW]
    checked_in = sum(t["checked_in"] == "true" for t in past)
    assert 0.4 < checked_in / len(past) < 0.6
    upcoming_orders = [o for o in orders if o["event_summary"]["start_date"]["unix"] > NOW]
    assert upcoming_orders and max(o["created_at"] for o in orders) in {
        o["created_at"] for o in upcoming_orders
    }


def test_seed_is_deterministic() -> None:
    def snapshot(fake: TicketTailorFake) -> str:
        collections = ("events", "orders", "issued_tickets", "discounts", "vouchers")
        return json.dumps([getattr(fake, name) for name in (*collections, "voucher_codes")])

    assert snapshot(make_fake(seed=3)) == snapshot(make_fake(seed=3))
    assert snapshot(make_fake(seed=3)) != snapshot(make_fake(seed=4))


# -- rate limiting


RATE_HEADERS = ("X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset")


def test_rate_limit_headers_on_every_response(fake: TicketTailorFake, client: httpx.Client) -> None:
    fake.inject(503)
    responses = [
        client.get("/v1/ping"),  # the injected 503
        client.get("/v1/ping"),
        client.get("/v1/nope"),
        httpx.get(f"{fake.url}/v1/orders"),  # no auth
        client.get("/v1/orders", params={"limit": 1}),
    ]
    assert [r.status_code for r in responses] == [503, 200, 404, 401, 200]
    for response in responses:
        assert all(name in response.headers for name in RATE_HEADERS)
        assert response.headers["X-Rate-Limit-Limit"] == "1000000"
        assert 0 < int(response.headers["X-Rate-Limit-Reset"]) <= 3600
    remaining = [int(r.headers["X-Rate-Limit-Remaining"]) for r in responses]
    assert remaining == sorted(remaining, reverse=True) and len(set(remaining)) == len(remaining)


def test_rate_limit_exhaustion_and_window_reset(
    fake: TicketTailorFake, client: httpx.Client
) -> None:
    fake.rate_limit, fake.rate_window = 3, 1.0
    fake.reset_rate_limit()
    remaining = [client.get("/v1/ping").headers["X-Rate-Limit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    refused = client.get("/v1/ping")
    assert refused.status_code == 429
    assert refused.json()["error_code"] == "TOO_MANY_REQUESTS"
    assert refused.headers["Retry-After"] == refused.headers["X-Rate-Limit-Reset"] == "1"
    assert refused.headers["X-Rate-Limit-Remaining"] == "0"
    time.sleep(1.05)
    again = client.get("/v1/ping")
    assert again.status_code == 200 and again.headers["X-Rate-Limit-Remaining"] == "2"


# -- faults


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_injected_status_faults(fake: TicketTailorFake, client: httpx.Client, status: int) -> None:
    fake.inject(status)
    response = client.get("/v1/orders")
    assert response.status_code == status
    assert response.json()["status"] == status and response.json()["error_code"]
    assert response.headers.get("Retry-After") == ("1" if status == 429 else None)
    assert client.get("/v1/orders").status_code == 200
    assert fake.faults_served == 1


def test_truncated_fault_cuts_the_real_body(fake: TicketTailorFake, client: httpx.Client) -> None:
    fake.inject("truncated")
    cut = client.get("/v1/orders", params={"limit": 10})
    whole = client.get("/v1/orders", params={"limit": 10})
    assert cut.status_code == 200
    assert int(cut.headers["Content-Length"]) == len(cut.content) == len(whole.content) // 2
    assert whole.content.startswith(cut.content)
    with pytest.raises(json.JSONDecodeError):
        cut.json()


def test_malformed_fault_is_html(fake: TicketTailorFake, client: httpx.Client) -> None:
    fake.inject("malformed")
    response = client.get("/v1/orders")
    assert response.status_code == 200 and response.content.startswith(b"<html>")
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_disconnect_fault_closes_without_a_response(
    fake: TicketTailorFake, client: httpx.Client
) -> None:
    before = json.dumps(fake.orders)
    client.get("/v1/ping")  # so the fault hits a reused keep-alive connection
    fake.inject("disconnect")
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/v1/orders")
    assert client.get("/v1/orders").status_code == 200
    assert json.dumps(fake.orders) == before and fake.faults_served == 1


def test_slow_fault_delays_the_response(fake: TicketTailorFake, client: httpx.Client) -> None:
    fake.slow_seconds = 0.3
    fake.inject("slow", "slow")
    with pytest.raises(httpx.ReadTimeout):
        client.get("/v1/ping", timeout=0.1)
    started = time.monotonic()
    assert client.get("/v1/ping").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_faults_queue_in_order_and_can_target_a_path(
    fake: TicketTailorFake, client: httpx.Client
) -> None:
    fake.inject(500, 503, path="/v1/issued_tickets")
    assert client.get("/v1/orders").status_code == 200
    statuses = [client.get("/v1/issued_tickets").status_code for _ in range(3)]
    assert statuses == [500, 503, 200] and fake.faults_served == 2
    with pytest.raises(ValueError):
        fake.inject("explode")


def test_fault_storm_is_deterministic() -> None:
    def outcomes(seed: int) -> list[object]:
        fake = make_fake(seed=seed, orders=50)
        fake.fault_rate, fake.fault_kinds = 0.5, (500, 503, "truncated", "disconnect")
        seen: list[object] = []
        with fake.serve() as url, httpx.Client(base_url=url, auth=(KEY, "")) as client:
            for _ in range(40):
                try:
                    response = client.get("/v1/orders", params={"limit": 2})
                    seen.append((response.status_code, len(response.content)))
                except httpx.RemoteProtocolError:
                    seen.append("disconnect")
        assert 5 < fake.faults_served < 35
        return seen

    assert outcomes(11) == outcomes(11)
    assert outcomes(11) != outcomes(12)


def test_latency_is_added_to_every_response(fake: TicketTailorFake, client: httpx.Client) -> None:
    fake.latency = 0.2
    started = time.monotonic()
    client.get("/v1/ping")
    httpx.get(f"{fake.url}/v1/ping")  # a 401
    assert time.monotonic() - started >= 0.4


def test_request_log(fake: TicketTailorFake, client: httpx.Client) -> None:
    client.get("/v1/orders", params={"limit": 5, "created_at.gte": 1})
    client.get("/v1/orders/or_1")
    client.get("/v1/events")
    assert fake.requests[0] == ("GET", "/v1/orders", {"limit": "5", "created_at.gte": "1"})
    assert fake.request_count() == 3
    assert fake.request_count("/v1/orders") == 2
    fake.reset_log()
    assert fake.request_count() == 0 and fake.requests == []


def test_concurrent_requests_during_mutations(fake: TicketTailorFake) -> None:
    failures: list[object] = []

    def reader(url: str) -> None:
        with httpx.Client(base_url=url, auth=(KEY, "")) as client:
            for _ in range(15):
                response = client.get("/v1/orders", params={"limit": 100})
                if response.status_code != 200 or len(response.json()["data"]) != 100:
                    failures.append(response.status_code)

    with fake.serve() as url:
        threads = [threading.Thread(target=reader, args=(url,)) for _ in range(4)]
        for thread in threads:
            thread.start()
        for _ in range(30):
            fake.add_orders(2)
            fake.advance(1)
        for thread in threads:
            thread.join()
    assert failures == []


def test_serve_stops_cleanly() -> None:
    fake = make_fake(orders=10)
    with fake.serve() as url, httpx.Client(base_url=url, auth=(KEY, "")) as client:
        assert client.get("/v1/ping").status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/v1/ping")


# -- mutation helpers


def test_add_orders_now_and_same_second(fake: TicketTailorFake, client: httpx.Client) -> None:
    event = next(e for e in fake.events.values() if e["start"]["unix"] > NOW)
    before = event["total_orders"]
    added = fake.add_orders(3, event_id=event["id"])
    assert [o["created_at"] for o in added] == [NOW] * 3
    assert event["total_orders"] == before + 3
    newest = data(client, "/v1/orders", limit=3)
    assert [o["id"] for o in newest] == [o["id"] for o in reversed(added)]
    assert newest[0]["event_summary"]["id"] == event["id"]
    tickets = data(client, "/v1/issued_tickets", **{"created_at.gte": NOW})
    assert {t["id"] for t in tickets} == {t["id"] for o in added for t in o["issued_tickets"]}
    # orders from another second slot into place by created_at, not by id
    old = fake.add_orders(1, created_at=NOW - 30 * DAY)[0]
    ids = walk(client, "/v1/orders", limit=100)[0]
    assert ids == newest_first(fake.orders.values()) and ids.index(old["id"]) > 3
    assert fake.advance(60) == NOW + 60 and fake.add_orders(1)[0]["created_at"] == NOW + 60


def test_cancel_and_refund_orders(fake: TicketTailorFake, client: httpx.Client) -> None:
    order_id = next(o["id"] for o in fake.orders.values() if o["status"] == "completed")
    fake.advance(100)
    cancelled = fake.cancel_order(order_id)
    assert cancelled["status"] == "cancelled" and cancelled["created_at"] < NOW
    served = client.get(f"/v1/orders/{order_id}").json()
    assert served["status"] == "cancelled"
    for ticket in served["issued_tickets"]:
        assert ticket["status"] == "void" and ticket["voided_at"] == NOW + 100
        assert client.get(f"/v1/issued_tickets/{ticket['id']}").json() == ticket
    assert order_id in walk(client, "/v1/orders", status="cancelled")[0]

    other = next(o["id"] for o in fake.orders.values() if o["status"] == "completed")
    assert fake.refund_order(other, 250)["refund_amount"] == 250
    refunded = client.get(f"/v1/orders/{other}").json()
    assert refunded["refund_amount"] == 250 and refunded["status"] == "completed"


def test_void_and_check_in_tickets(fake: TicketTailorFake, client: httpx.Client) -> None:
    order = next(o for o in fake.orders.values() if len(o["issued_tickets"]) > 1)
    first, second = (t["id"] for t in order["issued_tickets"][:2])
    fake.advance(5)
    fake.void_ticket(first)
    fake.check_in(second)
    served = {t["id"]: t for t in client.get(f"/v1/orders/{order['id']}").json()["issued_tickets"]}
    assert served[first]["status"] == "void" and served[first]["voided_at"] == NOW + 5
    assert served[first]["updated_at"] == NOW + 5
    assert served[second]["checked_in"] == "true" and served[second]["updated_at"] == NOW + 5
    assert client.get(f"/v1/issued_tickets/{second}").json() == served[second]


def test_event_helpers(fake: TicketTailorFake, client: httpx.Client) -> None:
    event = fake.add_event(start=NOW + 10 * DAY)
    assert event["created_at"] == NOW and event["end"]["unix"] == NOW + 10 * DAY + 3 * 3600
    assert data(client, "/v1/events", limit=1) == [event]
    order = fake.add_orders(1, event_id=event["id"])[0]
    fake.update_event(event["id"], name="Renamed", start=NOW + 11 * DAY, status="draft")
    served = client.get(f"/v1/orders/{order['id']}").json()["event_summary"]
    assert served["name"] == "Renamed" and served["start_date"]["unix"] == NOW + 11 * DAY
    assert [e["id"] for e in data(client, "/v1/events", status="draft")] == [event["id"]]
    with pytest.raises(KeyError):
        fake.update_event(event["id"], colour="red")
    fake.delete_event(event["id"])
    assert client.get(f"/v1/events/{event['id']}").status_code == 404
    assert event["id"] not in walk(client, "/v1/events")[0]
    assert client.get(f"/v1/orders/{order['id']}").status_code == 200


def test_discount_helpers(fake: TicketTailorFake, client: httpx.Client) -> None:
    percent = fake.add_discount(code="HALF", price_percent=50, expires=NOW + DAY)
    fixed = fake.add_discount(ticket_types=["tt_1"])
    assert percent["type"] == "percentage" and percent["expires"]["unix"] == NOW + DAY
    assert fixed["type"] == "fixed_amount" and fixed["price"] == 500 and "expires" not in fixed
    assert data(client, "/v1/discounts", limit=2) == [fixed, percent]
    assert data(client, "/v1/discounts", code="HALF") == [percent]
    fake.delete_discount(percent["id"])
    assert client.get(f"/v1/discounts/{percent['id']}").status_code == 404


def test_voucher_helpers(fake: TicketTailorFake, client: httpx.Client) -> None:
    voucher = fake.add_voucher(codes=4, value=750, expiry=NOW + 30 * DAY)
    path = f"/v1/vouchers/{voucher['id']}/codes"
    codes = data(client, path)
    assert len(codes) == 4 and all(c["used"] is None and c["created_at"] == NOW for c in codes)
    fake.advance(10)
    used = fake.use_voucher_code(codes[0]["id"])
    assert used["used"]["unix"] == NOW + 10
    assert client.get(f"/v1/vouchers/{voucher['id']}").json()["available_codes"] == 3
    assert data(client, path)[0]["used"]["unix"] == NOW + 10
    with pytest.raises(ValueError):
        fake.use_voucher_code(codes[0]["id"])
    fake.delete_voucher(voucher["id"])
    assert client.get(path).status_code == 404
    assert codes[1]["id"] not in fake.voucher_codes
