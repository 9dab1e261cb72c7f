"""The Ticket Tailor fake over real HTTP: paging, filters, auth, rate limits, faults, mutations,
and the endpoints beyond orders (series, check-ins, products, waitlists, memberships, holds)."""

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
SUMMARY_KEYS = {"id", "end_date", "event_series_id", "name", "start_date"}
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
    "event_series_id",
}  # fmt: skip
EVENT_KEYS = {
    "object", "id", "access_code", "call_to_action", "created_at", "currency", "description",
    "end", "hidden", "images", "name", "online_event", "payment_methods", "private", "start",
    "status", "ticket_groups", "ticket_types", "tickets_available", "timezone", "total_holds",
    "total_issued_tickets", "total_orders", "unavailable", "unavailable_status", "url", "venue",
    "event_series_id",
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
# field names seen in real responses (tickettailor-more-endpoints.md)
SERIES_KEYS = {
    "object", "id", "access_code", "bundles", "call_to_action", "created_at", "currency",
    "default_max_tickets_sold_per_occurrence", "default_ticket_groups", "default_ticket_types",
    "description", "images", "name", "next_occurrence_date", "online_event", "payment_methods",
    "private", "revenue", "sales_tax_label", "sales_tax_percentage", "sales_tax_treatment",
    "show_map", "status", "tickets_available_at", "tickets_available_at_message",
    "tickets_unavailable_at", "tickets_unavailable_at_message", "timezone",
    "total_issued_tickets", "total_occurrences", "upcoming_occurrences", "url", "venue",
    "voucher_ids", "waitlist_active", "waitlist_call_to_action", "waitlist_confirmation_message",
    "waitlist_event_page_text",
}  # fmt: skip
CHECK_IN_KEYS = {
    "object", "id", "check_in_at", "created_at", "event_id", "event_series_id",
    "issued_ticket_id", "quantity",
}  # fmt: skip
PRODUCT_KEYS = {
    "object", "id", "booking_fee", "created_at", "currency", "description", "event_series_ids",
    "fulfilment_reference_id", "fulfilment_type", "image", "instructions", "issued_count",
    "linked_to_all_event_series", "name", "price", "quantity", "quantity_per_event_occurrence",
    "sell_in_store", "status", "updated_at", "variant",
}  # fmt: skip
WAITLIST_KEYS = {
    "object", "id", "created_at", "email", "event_id", "event_series_id", "notified_date",
}  # fmt: skip
MEMBERSHIP_TYPE_KEYS = {
    "object", "id", "conditions_and_benefits", "max_redemptions", "name", "photo_required",
    "valid_from_date", "valid_from_type", "valid_to_date", "valid_to_relative_days",
    "valid_to_type",
}  # fmt: skip
MEMBERSHIP_KEYS = {
    "object", "id", "benefits", "code", "email", "first_name", "full_name", "is_valid",
    "issue_date", "last_name", "max_redemptions", "membership_type_id", "membership_type_name",
    "redemption_collection", "redemptions", "valid_from", "valid_to", "voided_at",
}  # fmt: skip
REDEMPTION_KEYS = {
    "object", "id", "created_at", "description", "issued_membership_id", "linked_event_id",
    "linked_order_id",
}  # fmt: skip
HOLD_KEYS = {
    "object", "id", "created_at", "note", "total_on_hold", "updated_at", "quantities", "event_id",
}  # fmt: skip


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
        orderless_tickets=40,
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


def created(record: dict[str, Any]) -> int:
    """When a record was created, as unix: memberships by issue date; 0 if it does not say."""
    if record.get("object") == "issued_membership":
        return int(record["issue_date"]["unix"])
    value = record.get("created_at", 0)
    return int(value["unix"] if isinstance(value, dict) else value)


def newest_first(records: Iterable[dict[str, Any]]) -> list[str]:
    ordered = sorted(records, key=lambda r: (created(r), num(r["id"])), reverse=True)
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


def everything(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every record of a list, as served, following links.next."""
    records: list[dict[str, Any]] = []
    query = dict(params)
    while True:
        body = client.get(path, params=query).raise_for_status().json()
        records += body["data"]
        if body["links"]["next"] is None:
            return records
        query = {**params, **link_query(body["links"]["next"])}


def assert_time_filters(
    client: httpx.Client,
    path: str,
    records: Iterable[dict[str, Any]],
    name: str,
    value_of: Any,
    pivots: Iterable[int],
    **params: Any,
) -> None:
    """`name`, `name.gt`, `.gte`, `.lt` and `.lte` at each pivot list what they should."""
    records = list(records)
    cases = {
        "": lambda t, p: t == p,
        ".gt": lambda t, p: t > p,
        ".gte": lambda t, p: t >= p,
        ".lt": lambda t, p: t < p,
        ".lte": lambda t, p: t <= p,
    }
    for pivot in pivots:
        for suffix, keep in cases.items():
            ids, _ = walk(client, path, limit=7, **params, **{name + suffix: pivot})
            expected = newest_first(r for r in records if keep(value_of(r), pivot))
            assert ids == expected, (name + suffix, pivot)
    assert client.get(path, params={f"{name}.gte": "soon"}).status_code == 400


# -- auth, routing, errors


def test_ping_and_basic_auth(fake: TicketTailorFake, client: httpx.Client) -> None:
    assert client.get("/v1/ping").json() == {"version": "pong"}
    for auth in (None, ("sk_wrong", ""), ("", KEY)):
        response = httpx.get(f"{fake.url}/v1/orders", auth=auth)
        assert response.status_code == 401
        body = response.json()
        assert body["status"] == 401 and body["error_code"] == "UNAUTHORIZED" and body["message"]


def test_unknown_paths_and_ids_are_404(client: httpx.Client) -> None:
    for path in (
        "/v1/nope",
        "/v1/orders/or_999999",
        "/v1/vouchers/vo_999/codes",
        "/v2/orders",
        "/v1/event_series/es_999",
        "/v1/event_series/es_999/events",
        "/v1/event_series/es_999/waitlist_signups",
        "/v1/check_ins/ci_999999",
        "/v1/products/pr_999",
        "/v1/membership_types/mt_999",
        "/v1/issued_memberships/im_999",
        "/v1/holds/ho_999",
    ):
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
        ("/v1/check_ins", fake.check_ins),
        ("/v1/products", fake.products),
        ("/v1/membership_types", fake.membership_types),
        ("/v1/issued_memberships", fake.issued_memberships),
        ("/v1/holds", fake.holds),
    ):
        for record_id in (next(iter(records)), next(reversed(records))):
            assert client.get(f"{path}/{record_id}").json() == records[record_id]
    for series_id in fake.event_series:
        served = client.get(f"/v1/event_series/{series_id}").json()
        assert served == fake.event_series_view(series_id)


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
    for series_id in fake.event_series:
        series = fake.event_series_view(series_id)
        assert series.keys() == SERIES_KEYS
        assert series["venue"].keys() == {"name", "postal_code", "country"}
        assert series["images"].keys() == {"header", "thumbnail"}
        assert series["next_occurrence_date"] is None or series["next_occurrence_date"].keys() == (
            DATE_KEYS
        )
        assert series["currency"] == series["currency"].lower()
        assert {series[k] for k in ("online_event", "private", "show_map")} <= {"true", "false"}
        assert series["waitlist_active"] in ("true", "false")
    assert all(c.keys() == CHECK_IN_KEYS for c in fake.check_ins.values())
    assert {c["quantity"] for c in fake.check_ins.values()} == {1}
    for product in fake.products.values():
        assert product.keys() == PRODUCT_KEYS
        assert product["created_at"].keys() == product["updated_at"].keys() == DATE_KEYS
        assert product["currency"] == product["currency"].upper()
        assert product["status"] in ("ON_SALE", "HIDDEN", "SOLD_OUT")
        assert product["linked_to_all_event_series"] in ("true", "false")
    for signup in fake.waitlist_signups.values():
        assert signup.keys() == WAITLIST_KEYS and signup["created_at"].keys() == DATE_KEYS
    assert all(t.keys() == MEMBERSHIP_TYPE_KEYS for t in fake.membership_types.values())
    for membership in fake.issued_memberships.values():
        assert membership.keys() == MEMBERSHIP_KEYS
        assert membership["issue_date"].keys() == membership["valid_to"].keys() == DATE_KEYS
        assert len(membership["code"]) == 9 and membership["code"] == membership["code"].upper()
        assert membership["redemptions"] == len(membership["redemption_collection"])
        assert all(r.keys() == REDEMPTION_KEYS for r in membership["redemption_collection"])
    for hold in fake.holds.values():
        assert hold.keys() == HOLD_KEYS and hold["created_at"].keys() == DATE_KEYS
        assert all(q.keys() == {"ticket_type_id", "quantity"} for q in hold["quantities"])


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
        collections = (
            "event_series",
            "events",
            "orders",
            "issued_tickets",
            "check_ins",
            "discounts",
            "vouchers",
            "voucher_codes",
            "products",
            "waitlist_signups",
            "membership_types",
            "issued_memberships",
            "membership_changed",
            "holds",
        )
        return json.dumps([getattr(fake, name) for name in collections])

    assert snapshot(make_fake(seed=3)) == snapshot(make_fake(seed=3))
    assert snapshot(make_fake(seed=3)) != snapshot(make_fake(seed=4))


def test_the_extras_leave_the_older_records_as_they_were() -> None:
    """What came after orders draws from its own RNG: a seed's orders, their tickets,
    discounts and voucher codes are the same whatever is seeded besides."""
    bare = TicketTailorFake(api_key=KEY, now=NOW, seed=3)
    bare.seed_data(
        orders=400,
        events=12,
        upcoming_events=3,
        discounts=6,
        vouchers=3,
        codes_per_voucher=30,
        same_second_every=10,
        orderless_tickets=0,
        products=0,
        membership_types=0,
        issued_memberships=0,
        holds=0,
    )
    full = make_fake(seed=3)
    for name in ("orders", "discounts", "voucher_codes", "event_series"):
        assert json.dumps(getattr(bare, name)) == json.dumps(getattr(full, name)), name
    assert all(full.issued_tickets[i] == ticket for i, ticket in bare.issued_tickets.items())
    assert bare.holds == {} and full.holds
    assert len(full.issued_tickets) == len(bare.issued_tickets) + 40


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


# -- event series


def series_counters(fake: TicketTailorFake, series_id: str) -> dict[str, Any]:
    """A series' live counters, worked out from the fake's events and orders."""
    events = [e for e in fake.events.values() if e["event_series_id"] == series_id]
    event_ids = {event["id"] for event in events}
    orders = [o for o in fake.orders.values() if o["event_summary"]["id"] in event_ids]
    upcoming = sorted(e["start"]["unix"] for e in events if e["start"]["unix"] > fake.now)
    return {
        "next_occurrence_date": date_object(upcoming[0]) if upcoming else None,
        "revenue": sum(o["total"] for o in orders if o["status"] == "completed"),
        "total_issued_tickets": sum(e["total_issued_tickets"] for e in events),
        "total_occurrences": len(events),
        "upcoming_occurrences": len(upcoming),
    }


def test_event_series_list_retrieve_and_live_counters(
    fake: TicketTailorFake, client: httpx.Client
) -> None:
    ids, requests = walk(client, "/v1/event_series", limit=2)
    assert ids == newest_first(fake.event_series.values())
    assert requests == -(-len(fake.event_series) // 2)
    page = client.get("/v1/event_series", params={"limit": 2}).json()
    assert page["links"] == {
        "next": f"/v1/event_series?starting_after={page['data'][-1]['id']}",
        "previous": None,
    }
    served = everything(client, "/v1/event_series")
    for series in served:
        expected = series_counters(fake, series["id"])
        assert {name: series[name] for name in expected} == expected
        assert series == client.get(f"/v1/event_series/{series['id']}").json()
    assert sum(s["total_occurrences"] for s in served) == len(fake.events)
    assert sum(s["total_issued_tickets"] for s in served) == len(fake.issued_tickets)
    completed = [o for o in fake.orders.values() if o["status"] == "completed"]
    assert sum(s["revenue"] for s in served) == sum(o["total"] for o in completed)
    assert any(s["upcoming_occurrences"] for s in served)
    stamps = sorted(s["created_at"] for s in fake.event_series.values())
    assert_time_filters(
        client,
        "/v1/event_series",
        fake.event_series.values(),
        "created_at",
        lambda s: s["created_at"],
        [stamps[len(stamps) // 2], stamps[0]],
    )


def test_seeded_event_series_group_the_events() -> None:
    fake = TicketTailorFake(api_key=KEY, now=NOW, seed=5)
    fake.seed_data(orders=300, events=60, upcoming_events=12)
    sizes = Counter(event["event_series_id"] for event in fake.events.values())
    assert set(sizes) == set(fake.event_series)
    assert set(sizes.values()) <= {1, 2, 3, 4} and max(sizes.values()) > 1
    assert 60 / 3 < len(fake.event_series) < 60 / 1.5
    for series_id, series in fake.event_series.items():
        events = [e for e in fake.events.values() if e["event_series_id"] == series_id]
        assert all(series["created_at"] <= event["created_at"] for event in events)
        assert {event["currency"] for event in events} == {series["currency"]}
        assert all(event["venue"]["name"] == series["venue"]["name"] for event in events)
    upcoming = {e["event_series_id"]: 0 for e in fake.events.values()}
    for event in fake.events.values():
        upcoming[event["event_series_id"]] += event["start"]["unix"] > NOW
    # upcoming events share series with past ones
    assert any(0 < upcoming[series_id] < count for series_id, count in sizes.items())
    by_id = sorted(fake.event_series.values(), key=lambda s: num(s["id"]))
    assert [s["created_at"] for s in by_id] == sorted(s["created_at"] for s in by_id)
    active = sum(s["waitlist_active"] == "true" for s in fake.event_series.values())
    assert 0 < active < len(fake.event_series) * 0.6
    for order in fake.orders.values():
        currency = fake.events[order["event_summary"]["id"]]["currency"]
        assert order["currency"]["code"] == currency


def test_records_carry_their_event_series(fake: TicketTailorFake, client: httpx.Client) -> None:
    for event in fake.events.values():
        assert event["event_series_id"] in fake.event_series
    for order in data(client, "/v1/orders"):
        event = fake.events[order["event_summary"]["id"]]
        assert order["event_summary"]["event_series_id"] == event["event_series_id"]
        for ticket in order["issued_tickets"]:
            assert ticket["event_series_id"] == event["event_series_id"]
    for ticket in fake.issued_tickets.values():
        assert ticket["event_series_id"] == fake.events[ticket["event_id"]]["event_series_id"]
    for voucher in fake.vouchers.values():
        assert voucher["event_series_ids"]
        assert set(voucher["event_series_ids"]) <= set(fake.event_series)
        assert len(set(voucher["event_series_ids"])) == len(voucher["event_series_ids"])


def test_events_of_a_series(fake: TicketTailorFake, client: httpx.Client) -> None:
    series_id = Counter(e["event_series_id"] for e in fake.events.values()).most_common(1)[0][0]
    events = [e for e in fake.events.values() if e["event_series_id"] == series_id]
    assert len(events) > 1
    path = f"/v1/event_series/{series_id}/events"
    ids, requests = walk(client, path, limit=1)
    assert ids == newest_first(events) and requests == len(events)
    first = client.get(path, params={"limit": 1}).json()
    assert first["links"] == {"next": f"{path}?starting_after={ids[0]}", "previous": None}
    assert first["data"] == [fake.events[ids[0]]]
    assert everything(client, path) == [fake.events[event_id] for event_id in ids]
    start = sorted(e["start"]["unix"] for e in events)[0]
    later = walk(client, path, **{"start_at.gt": start})[0]
    assert later == newest_first(e for e in events if e["start"]["unix"] > start)
    assert data(client, path, status="draft") == []


def test_series_counters_follow_changes(fake: TicketTailorFake, client: httpx.Client) -> None:
    event = next(e for e in fake.events.values() if e["start"]["unix"] > NOW)
    series_id = event["event_series_id"]
    path = f"/v1/event_series/{series_id}"
    before = client.get(path).json()
    order = fake.add_orders(1, event_id=event["id"])[0]
    bought = len(order["issued_tickets"])
    after = client.get(path).json()
    assert after["revenue"] == before["revenue"] + order["total"]
    assert after["total_issued_tickets"] == before["total_issued_tickets"] + bought
    fake.cancel_order(order["id"])
    after = client.get(path).json()
    assert after["revenue"] == before["revenue"]  # only completed orders count
    assert after["total_issued_tickets"] == before["total_issued_tickets"] + bought
    added = fake.add_event(start=NOW + 2 * DAY, event_series_id=series_id)
    assert added["currency"] == fake.event_series[series_id]["currency"]
    after = client.get(path).json()
    assert after["total_occurrences"] == before["total_occurrences"] + 1
    assert after["upcoming_occurrences"] == before["upcoming_occurrences"] + 1
    assert after["next_occurrence_date"] == date_object(NOW + 2 * DAY)
    fake.advance(3 * DAY)
    after = client.get(path).json()
    assert after["upcoming_occurrences"] == before["upcoming_occurrences"]
    assert after["next_occurrence_date"] == before["next_occurrence_date"]
    assert after == fake.event_series_view(series_id)
    assert "revenue" not in fake.event_series[series_id]  # worked out when served


def test_event_series_helpers(fake: TicketTailorFake, client: httpx.Client) -> None:
    series = fake.add_event_series(name="Summer Series")
    path = f"/v1/event_series/{series['id']}"
    assert series["created_at"] == NOW and series["currency"] == "gbp"
    served = client.get(path).json()
    assert served["name"] == "Summer Series" and served["revenue"] == 0
    assert served["total_occurrences"] == 0 and served["next_occurrence_date"] is None
    assert data(client, "/v1/event_series", limit=1) == [served]
    event = fake.add_event(start=NOW + 5 * DAY, event_series_id=series["id"])
    assert event["event_series_id"] == series["id"] and event["currency"] == "gbp"
    assert event["venue"]["name"] == series["venue"]["name"]
    assert data(client, f"{path}/events") == [event]
    own = fake.add_event(start=NOW + 6 * DAY)
    own_series = fake.event_series[own["event_series_id"]]
    assert own["event_series_id"] != series["id"] and own_series["created_at"] == NOW
    assert own_series["currency"] == own["currency"]
    assert fake.update_event_series(series["id"], name="Renamed", status="draft") is series
    assert client.get(path).json()["status"] == "draft"
    with pytest.raises(KeyError):
        fake.update_event_series(series["id"], revenue=5)
    with pytest.raises(ValueError):
        fake.update_event(event["id"], event_series_id=own["event_series_id"])
    with pytest.raises(KeyError):
        fake.add_event(start=NOW + DAY, event_series_id="es_999")
    signup = fake.add_waitlist_signup(series["id"])
    with pytest.raises(ValueError):
        fake.delete_event_series(series["id"])
    fake.delete_event(event["id"])
    assert client.get(path).json()["total_occurrences"] == 0
    assert fake.delete_event_series(series["id"]) is series
    assert client.get(path).status_code == 404
    assert signup["id"] not in fake.waitlist_signups
    assert series["id"] not in walk(client, "/v1/event_series")[0]


# -- check-ins


def test_check_in_list_and_filters(fake: TicketTailorFake, client: httpx.Client) -> None:
    # two scans uploaded late by a scanner that was offline
    waiting = [
        t
        for t in fake.issued_tickets.values()
        if t["checked_in"] == "false" and t["status"] == "valid"
    ]
    fake.advance(100)
    fake.check_in(waiting[0]["id"], when=NOW - 5 * DAY)
    fake.check_in(waiting[1]["id"], when=NOW - 2 * DAY)
    check_ins = list(fake.check_ins.values())
    ids, requests = walk(client, "/v1/check_ins", limit=50)
    assert ids == newest_first(check_ins) and requests == -(-len(check_ins) // 50)
    page = client.get("/v1/check_ins", params={"limit": 50}).json()
    assert page["links"] == {
        "next": f"/v1/check_ins?starting_after={page['data'][-1]['id']}",
        "previous": None,
    }
    assert page["data"][0]["check_in_at"] == NOW - 2 * DAY < page["data"][0]["created_at"]
    some = check_ins[len(check_ins) // 2]
    for name, prefix in (("event_id", "ev"), ("event_series_id", "es"), ("issued_ticket_id", "it")):
        expected = newest_first(c for c in check_ins if c[name] == some[name])
        assert walk(client, "/v1/check_ins", limit=9, **{name: some[name]})[0] == expected
        assert walk(client, "/v1/check_ins", **{name: num(some[name])})[0] == expected, prefix
        assert data(client, "/v1/check_ins", **{name: f"{prefix}_999999"}) == []
    both = {"event_series_id": some["event_series_id"], "event_id": some["event_id"]}
    assert walk(client, "/v1/check_ins", limit=9, **both)[0] == newest_first(
        c for c in check_ins if c["event_id"] == some["event_id"]
    )
    other = next(c for c in check_ins if c["event_id"] != some["event_id"])
    mismatched = {"event_id": some["event_id"], "issued_ticket_id": other["issued_ticket_id"]}
    assert data(client, "/v1/check_ins", **mismatched) == []
    seeded = sorted(c["created_at"] for c in check_ins)
    pivots = [seeded[len(seeded) // 3], NOW - 5 * DAY, NOW + 100]
    for name in ("created_at", "check_in_at"):
        assert_time_filters(
            client, "/v1/check_ins", check_ins, name, lambda c, n=name: c[n], pivots
        )
    window = {"check_in_at.gte": NOW - 6 * DAY, "check_in_at.lt": NOW - 2 * DAY}
    assert walk(client, "/v1/check_ins", **window)[0] == [
        fake.ticket_check_ins(waiting[0]["id"])[0]["id"]
    ]
    scoped = walk(client, "/v1/check_ins", event_id=some["event_id"], **{"check_in_at.lte": 1})
    assert scoped[0] == []


def test_check_in_and_check_out_helpers(fake: TicketTailorFake, client: httpx.Client) -> None:
    ticket = next(
        t
        for t in fake.issued_tickets.values()
        if t["checked_in"] == "false" and t["status"] == "valid"
    )
    fake.advance(60)
    assert fake.check_in(ticket["id"], when=NOW + 10) is ticket
    assert ticket["checked_in"] == "true" and ticket["updated_at"] == NOW + 60
    [record] = fake.ticket_check_ins(ticket["id"])
    assert record == {
        "object": "check_in",
        "id": record["id"],
        "check_in_at": NOW + 10,
        "created_at": NOW + 60,
        "event_id": ticket["event_id"],
        "event_series_id": ticket["event_series_id"],
        "issued_ticket_id": ticket["id"],
        "quantity": 1,
    }
    assert data(client, "/v1/check_ins", limit=1) == [record]
    assert client.get(f"/v1/check_ins/{record['id']}").json() == record
    fake.advance(60)
    assert fake.check_out(ticket["id"]) is ticket
    out = fake.ticket_check_ins(ticket["id"])[-1]
    assert out["quantity"] == -1 and out["check_in_at"] == out["created_at"] == NOW + 120
    assert client.get(f"/v1/issued_tickets/{ticket['id']}").json()["checked_in"] == "false"
    assert ticket["updated_at"] == NOW + 120
    assert data(client, "/v1/check_ins", issued_ticket_id=ticket["id"]) == [out, record]
    fake.check_in(ticket["id"])
    latest = fake.ticket_check_ins(ticket["id"])[-1]
    assert latest["check_in_at"] == latest["created_at"] == NOW + 120 and latest["quantity"] == 1
    with pytest.raises(ValueError):
        fake.check_in(ticket["id"], when=NOW + DAY)
    by_event = walk(client, "/v1/check_ins", event_id=ticket["event_id"])[0]
    assert by_event[:3] == [latest["id"], out["id"], record["id"]]


def test_seeded_check_ins_match_the_checked_in_tickets(fake: TicketTailorFake) -> None:
    checked = {t["id"]: t for t in fake.issued_tickets.values() if t["checked_in"] == "true"}
    per_ticket = Counter(c["issued_ticket_id"] for c in fake.check_ins.values())
    assert set(per_ticket) == set(checked) and set(per_ticket.values()) == {1}
    for check_in in fake.check_ins.values():
        ticket = checked[check_in["issued_ticket_id"]]
        event = fake.events[ticket["event_id"]]
        assert check_in["check_in_at"] == check_in["created_at"] == ticket["updated_at"]
        assert ticket["created_at"] <= check_in["check_in_at"] <= event["end"]["unix"]
        assert check_in["event_id"] == ticket["event_id"]
        assert check_in["event_series_id"] == event["event_series_id"]
    by_id = sorted(fake.check_ins.values(), key=lambda c: num(c["id"]))
    assert [c["created_at"] for c in by_id] == sorted(c["created_at"] for c in by_id)
    assert any(checked[c["issued_ticket_id"]]["order_id"] is None for c in by_id)


# -- tickets without an order


def test_total_issued_tickets_counts_every_ticket_voids_included(fake: TicketTailorFake) -> None:
    by_event: dict[str, list[dict[str, Any]]] = {}
    for ticket in fake.issued_tickets.values():
        by_event.setdefault(ticket["event_id"], []).append(ticket)
    tickets = fake.issued_tickets.values()
    assert any(t["status"] == "void" and t["order_id"] is None for t in tickets)
    for event in fake.events.values():
        tickets = by_event.get(event["id"], [])
        assert event["total_issued_tickets"] == len(tickets)
        for ticket_type in event["ticket_types"]:
            issued = sum(t["ticket_type_id"] == ticket_type["id"] for t in tickets)
            assert ticket_type["quantity_issued"] == issued
            assert ticket_type["quantity"] == ticket_type["quantity_total"] - issued


def test_seeded_tickets_without_orders() -> None:
    fake = TicketTailorFake(api_key=KEY, now=NOW, seed=9)
    fake.seed_data(orders=3000, events=40, upcoming_events=6)
    tickets = fake.issued_tickets.values()
    orderless = [t for t in tickets if t["order_id"] is None]
    assert len(orderless) == 30  # a hundredth of the orders by default
    assert {t["source"] for t in orderless} == {"api"}
    assert {t["source"] for t in tickets if t["order_id"] is not None} == {None}
    assert len({t["event_id"] for t in orderless}) <= 4

    fake = TicketTailorFake(api_key=KEY, now=NOW, seed=9)
    fake.seed_data(orders=100, events=40, upcoming_events=6, orderless_tickets=600)
    orderless = [t for t in fake.issued_tickets.values() if t["order_id"] is None]
    assert len(orderless) == 600 and 1 < len({t["event_id"] for t in orderless}) <= 4
    for ticket in orderless:
        event = fake.events[ticket["event_id"]]
        assert event["created_at"] <= ticket["created_at"] <= event["start"]["unix"]
        assert ticket["created_at"] <= ticket["updated_at"] < NOW
        assert (ticket["voided_at"] is None) == (ticket["status"] == "valid")
        if ticket["checked_in"] == "true":
            assert event["end"]["unix"] < NOW and ticket["status"] == "valid"
            [check_in] = fake.ticket_check_ins(ticket["id"])
            assert check_in["check_in_at"] == ticket["updated_at"]
    assert 0.02 < sum(t["status"] == "void" for t in orderless) / 600 < 0.1
    past = [t for t in orderless if fake.events[t["event_id"]]["end"]["unix"] < NOW]
    assert past and 0.35 < sum(t["checked_in"] == "true" for t in past) / len(past) < 0.65

    none = TicketTailorFake(api_key=KEY, now=NOW, seed=9)
    none.seed_data(orders=99, events=5, upcoming_events=1)
    assert all(t["order_id"] for t in none.issued_tickets.values())


def test_issue_ticket_without_an_order(fake: TicketTailorFake, client: httpx.Client) -> None:
    event = next(e for e in fake.events.values() if e["start"]["unix"] > NOW)
    ticket_type = event["ticket_types"][1]
    totals = event["total_issued_tickets"], event["total_orders"]
    issued, left = ticket_type["quantity_issued"], ticket_type["quantity"]
    ticket = fake.issue_ticket(event["id"], ticket_type["id"])
    assert ticket.keys() == TICKET_KEYS and ticket["status"] == "valid"
    assert ticket["order_id"] is None and ticket["source"] == "api"
    assert ticket["created_at"] == ticket["updated_at"] == NOW
    assert ticket["ticket_type_id"] == ticket_type["id"]
    assert ticket["event_series_id"] == event["event_series_id"]
    assert (event["total_issued_tickets"], event["total_orders"]) == (totals[0] + 1, totals[1])
    assert (ticket_type["quantity_issued"], ticket_type["quantity"]) == (issued + 1, left - 1)
    assert data(client, "/v1/issued_tickets", limit=1) == [ticket]
    assert client.get(f"/v1/issued_tickets/{ticket['id']}").json() == ticket
    older = fake.issue_ticket(event["id"], created_at=NOW - DAY)
    assert older["ticket_type_id"] == event["ticket_types"][0]["id"]
    ids = walk(client, "/v1/issued_tickets", limit=50, event_id=event["id"])[0]
    tickets = fake.issued_tickets.values()
    assert ids == newest_first(t for t in tickets if t["event_id"] == event["id"])
    assert ids[0] == ticket["id"] and older["id"] in ids
    assert client.get(f"/v1/events/{event['id']}").json()["total_issued_tickets"] == totals[0] + 2
    fake.void_ticket(ticket["id"])
    assert event["total_issued_tickets"] == totals[0] + 2  # a void never lowers it
    assert walk(client, "/v1/issued_tickets", status="voided")[0][0] == ticket["id"]
    with pytest.raises(KeyError):
        fake.issue_ticket(event["id"], "tt_999999")


def test_counter_excludes_voids_knob(fake: TicketTailorFake, client: httpx.Client) -> None:
    voided = Counter(t["event_id"] for t in fake.issued_tickets.values() if t["status"] == "void")
    event_id = voided.most_common(1)[0][0]
    stored = fake.events[event_id]["total_issued_tickets"]
    assert client.get(f"/v1/events/{event_id}").json() == fake.events[event_id]
    fake.counter_excludes_voids = True
    served = client.get(f"/v1/events/{event_id}").json()
    assert served["total_issued_tickets"] == stored - voided[event_id]
    assert {**served, "total_issued_tickets": stored} == fake.events[event_id]
    listed = {e["id"]: e["total_issued_tickets"] for e in everything(client, "/v1/events")}
    expected = {i: e["total_issued_tickets"] - voided[i] for i, e in fake.events.items()}
    assert listed == expected
    series_id = fake.events[event_id]["event_series_id"]
    in_series = everything(client, f"/v1/event_series/{series_id}/events")
    assert {e["id"]: e["total_issued_tickets"] for e in in_series} == {
        e["id"]: expected[e["id"]] for e in in_series
    }
    series = client.get(f"/v1/event_series/{series_id}").json()
    assert series["total_issued_tickets"] == sum(expected[e["id"]] for e in in_series)
    assert fake.events[event_id]["total_issued_tickets"] == stored  # stored data unchanged
    fake.counter_excludes_voids = False
    assert client.get(f"/v1/events/{event_id}").json()["total_issued_tickets"] == stored


# -- products


def test_products_list_filter_and_helpers(fake: TicketTailorFake, client: httpx.Client) -> None:
    products = fake.products.values()
    assert walk(client, "/v1/products", limit=4)[0] == newest_first(products)
    page = client.get("/v1/products", params={"limit": 4}).json()
    assert page["links"]["next"] == f"/v1/products?starting_after={page['data'][-1]['id']}"
    for series_id in fake.event_series:
        expected = newest_first(
            p
            for p in products
            if p["linked_to_all_event_series"] == "true"
            or series_id in (p["event_series_ids"] or [])
        )
        assert walk(client, "/v1/products", limit=2, event_series_id=series_id)[0] == expected
        assert walk(client, "/v1/products", event_series_id=num(series_id))[0] == expected
    series_id, other = list(fake.event_series)[:2]
    product = fake.add_product(name="Programme", price=500, event_series_ids=[series_id])
    assert product["created_at"] == product["updated_at"] == date_object(NOW)
    assert product["currency"] == product["currency"].upper() and product["price"] == 500
    assert product["status"] == "ON_SALE" and product["linked_to_all_event_series"] == "false"
    assert data(client, "/v1/products", limit=1) == [product]
    assert product["id"] in walk(client, "/v1/products", event_series_id=series_id)[0]
    assert product["id"] not in walk(client, "/v1/products", event_series_id=other)[0]
    fake.advance(30)
    assert fake.update_product(product["id"], status="SOLD_OUT", issued_count=20) is product
    served = client.get(f"/v1/products/{product['id']}").json()
    assert served["status"] == "SOLD_OUT" and served["updated_at"]["unix"] == NOW + 30
    assert served["created_at"]["unix"] == NOW
    fake.update_product(product["id"], linked_to_all_event_series="true", event_series_ids=None)
    assert product["id"] in walk(client, "/v1/products", event_series_id=other)[0]
    with pytest.raises(KeyError):
        fake.update_product(product["id"], colour="red")
    with pytest.raises(KeyError):
        fake.add_product(event_series_ids=["es_999"])
    assert fake.delete_product(product["id"]) is product
    assert client.get(f"/v1/products/{product['id']}").status_code == 404


# -- waitlist signups


def test_waitlist_signups_of_a_series(fake: TicketTailorFake, client: httpx.Client) -> None:
    series_id = next(iter(fake.event_series))
    event = next(e for e in fake.events.values() if e["event_series_id"] == series_id)
    path = f"/v1/event_series/{series_id}/waitlist_signups"
    seeded = [s for s in fake.waitlist_signups.values() if s["event_series_id"] == series_id]
    added = [fake.add_waitlist_signup(series_id, email=f"w{i}@example.com") for i in range(3)]
    added.append(fake.add_waitlist_signup(series_id, event_id=event["id"]))
    assert added[0]["created_at"] == date_object(NOW) and added[0]["notified_date"] is None
    assert added[-1]["event_id"] == event["id"] and added[0]["event_id"] is None
    ids, requests = walk(client, path, limit=2)
    assert requests == -(-len(seeded + added) // 2)
    assert ids == newest_first(seeded + added) and ids[0] == added[-1]["id"]
    page = client.get(path, params={"limit": 2}).json()
    assert page["links"] == {"next": f"{path}?starting_after={ids[1]}", "previous": None}
    other = list(fake.event_series)[1]
    others = walk(client, f"/v1/event_series/{other}/waitlist_signups")[0]
    assert others == newest_first(
        s for s in fake.waitlist_signups.values() if s["event_series_id"] == other
    )
    fake.advance(5)
    assert fake.notify_waitlist_signup(added[0]["id"]) is added[0]
    served = {s["id"]: s for s in data(client, path)}
    assert served[added[0]["id"]]["notified_date"] == date_object(NOW + 5)
    with pytest.raises(ValueError):
        other_event = next(e for e in fake.events.values() if e["event_series_id"] != series_id)
        fake.add_waitlist_signup(series_id, event_id=other_event["id"])
    with pytest.raises(KeyError):
        fake.add_waitlist_signup("es_999")
    assert fake.delete_waitlist_signup(added[1]["id"]) is added[1]
    assert added[1]["id"] not in walk(client, path)[0]


def test_seeded_waitlist_signups() -> None:
    fake = TicketTailorFake(api_key=KEY, now=NOW, seed=13)
    fake.seed_data(orders=200, events=40, upcoming_events=6)
    signups = fake.waitlist_signups.values()
    assert signups
    per_series = Counter(s["event_series_id"] for s in signups)
    assert max(per_series.values()) <= 8
    for signup in signups:
        series = fake.event_series[signup["event_series_id"]]
        assert series["waitlist_active"] == "true"
        assert series["created_at"] <= signup["created_at"]["unix"] < NOW
        if signup["event_id"] is not None:
            assert fake.events[signup["event_id"]]["event_series_id"] == series["id"]
        notified = signup["notified_date"]
        assert notified is None or signup["created_at"]["unix"] <= notified["unix"] < NOW
    assert any(s["event_id"] for s in signups) and any(s["notified_date"] for s in signups)
    by_id = sorted(signups, key=lambda s: num(s["id"]))
    assert [created(s) for s in by_id] == sorted(created(s) for s in by_id)


# -- memberships


def test_membership_types_endpoint_and_helpers(
    fake: TicketTailorFake, client: httpx.Client
) -> None:
    types = fake.membership_types
    assert walk(client, "/v1/membership_types", limit=1)[0] == sorted(types, key=num)[::-1]
    new = fake.add_membership_type(name="Family")
    assert new.keys() == MEMBERSHIP_TYPE_KEYS and new["name"] == "Family"
    assert data(client, "/v1/membership_types", limit=1) == [new]
    fake.update_membership_type(new["id"], max_redemptions=2, valid_to_date=NOW + 30 * DAY)
    served = client.get(f"/v1/membership_types/{new['id']}").json()
    assert served["max_redemptions"] == 2 and served["valid_to_date"] == date_object(NOW + 30 * DAY)
    with pytest.raises(KeyError):
        fake.update_membership_type(new["id"], colour="red")
    membership = fake.issue_membership(new["id"])
    with pytest.raises(ValueError):
        fake.delete_membership_type(new["id"])
    fake.advance(10)
    fake.update_membership_type(new["id"], name="Family plus")
    assert membership["membership_type_name"] == "Family plus"
    assert fake.membership_changed[membership["id"]] == NOW + 10
    spare = fake.add_membership_type()
    product = fake.add_product()
    fake.update_product(
        product["id"], fulfilment_type="ISSUED_MEMBERSHIP", fulfilment_reference_id=num(spare["id"])
    )
    with pytest.raises(ValueError):
        fake.delete_membership_type(spare["id"])
    fake.delete_product(product["id"])
    assert fake.delete_membership_type(spare["id"]) is spare
    assert client.get(f"/v1/membership_types/{spare['id']}").status_code == 404


def test_issued_membership_list_and_filters(fake: TicketTailorFake, client: httpx.Client) -> None:
    path = "/v1/issued_memberships"
    fake.advance(100)
    memberships = list(fake.issued_memberships.values())
    valid = [m for m in memberships if m["is_valid"] == "true"]
    fake.void_membership(valid[3]["id"])
    redeemable = next(
        m
        for m in valid[5:]
        if (fake.membership_types[m["membership_type_id"]]["max_redemptions"] or 99)
        > m["redemptions"]
    )
    fake.redeem_membership(redeemable["id"], next(iter(fake.events)))
    ids, requests = walk(client, path, limit=7)
    assert ids == newest_first(memberships) and requests == -(-len(memberships) // 7)
    page = client.get(path, params={"limit": 7}).json()
    assert page["links"] == {"next": f"{path}?starting_after={ids[6]}", "previous": None}
    one = memberships[len(memberships) // 2]
    for name in ("email", "first_name", "last_name", "code"):
        expected = newest_first(m for m in memberships if m[name].lower() == one[name].lower())
        assert one["id"] in expected
        for value in (one[name], one[name].lower(), one[name].upper()):
            assert walk(client, path, limit=5, **{name: value})[0] == expected, name
    assert data(client, path, email="nobody@example.com") == []
    part = one["last_name"][1:4].upper()
    assert walk(client, path, limit=5, search=part)[0] == newest_first(
        m
        for m in memberships
        if part.lower() in m["full_name"].lower() or part.lower() in m["email"].lower()
    )
    assert walk(client, path, search="@EXAMPLE.com")[0] == ids
    assert data(client, path, search="zzz") == []
    statuses = {"valid": ("true",), "invalid": ("false",), "both": ("true", "false")}
    for status, values in statuses.items():
        expected = newest_first(m for m in memberships if m["is_valid"] in values)
        assert walk(client, path, status=status)[0] == expected and expected
    for bad in ("void", "VALID", ""):
        response = client.get(path, params={"status": bad})
        assert response.status_code == 400 and "valid, invalid, both" in response.json()["message"]
    issued = sorted(created(m) for m in memberships)
    assert_time_filters(
        client, path, memberships, "created_at", created, [issued[len(issued) // 2], issued[0]]
    )
    changed = fake.membership_changed
    assert changed[valid[3]["id"]] == changed[redeemable["id"]] == NOW + 100
    assert_time_filters(
        client,
        path,
        memberships,
        "updated_at",
        lambda m: changed[m["id"]],
        [NOW + 100, sorted(changed.values())[len(changed) // 3]],
    )
    both = {"updated_at.gte": NOW + 100, "status": "invalid"}
    assert walk(client, path, **both)[0] == [valid[3]["id"]]


def test_ignore_membership_filters_knob(fake: TicketTailorFake, client: httpx.Client) -> None:
    path = "/v1/issued_memberships"
    fake.ignore_membership_filters = True
    ignored = {
        "email": "nobody@example.com",
        "search": "zzz",
        "status": "nonsense",
        "code": "X",
        "created_at.gt": str(NOW * 2),
        "updated_at.lt": "0",
    }
    ids, requests = walk(client, path, limit=9, **ignored)
    assert ids == newest_first(fake.issued_memberships.values()) and requests == 5
    fake.ignore_membership_filters = False
    assert client.get(path, params=ignored).status_code == 400


def test_issued_membership_helpers(fake: TicketTailorFake, client: httpx.Client) -> None:
    path = "/v1/issued_memberships"
    type_id = next(iter(fake.membership_types))
    fake.update_membership_type(type_id, max_redemptions=2)
    membership = fake.issue_membership(type_id, email="new.member@example.com")
    assert membership.keys() == MEMBERSHIP_KEYS and membership["email"] == "new.member@example.com"
    assert membership["issue_date"] == date_object(NOW) and membership["is_valid"] == "true"
    assert membership["redemptions"] == 0 and membership["voided_at"] is None
    assert membership["membership_type_name"] == fake.membership_types[type_id]["name"]
    assert data(client, path, limit=1) == [membership]
    fake.advance(60)
    order = next(iter(fake.orders.values()))
    event = fake.events[order["event_summary"]["id"]]
    assert fake.redeem_membership(membership["id"], event["id"], order["id"]) is membership
    assert membership["redemption_collection"] == [
        {
            "object": "issued_membership_redemption",
            "id": membership["redemption_collection"][0]["id"],
            "created_at": date_object(NOW + 60)["iso"],
            "description": f"Redeemed at {event['name']}",
            "issued_membership_id": membership["id"],
            "linked_event_id": event["id"],
            "linked_order_id": order["id"],
        }
    ]
    assert membership["redemption_collection"][0]["id"].startswith("ir_")
    assert membership["redemptions"] == 1 and fake.membership_changed[membership["id"]] == NOW + 60
    assert walk(client, path, **{"updated_at.gte": NOW + 60})[0] == [membership["id"]]
    fake.redeem_membership(membership["id"], event["id"])
    assert membership["redemptions"] == 2
    assert membership["redemption_collection"][-1]["linked_order_id"] is None
    with pytest.raises(ValueError):
        fake.redeem_membership(membership["id"], event["id"])  # the type allows two
    with pytest.raises(KeyError):
        fake.redeem_membership(membership["id"], event["id"], "or_999999")
    fake.advance(60)
    assert fake.void_membership(membership["id"]) is membership
    assert membership["is_valid"] == "false" and membership["voided_at"] == NOW + 120
    assert fake.membership_changed[membership["id"]] == NOW + 120
    assert client.get(f"{path}/{membership['id']}").json() == membership
    with pytest.raises(ValueError):
        fake.void_membership(membership["id"])
    with pytest.raises(ValueError):
        fake.delete_membership_type(type_id)


# -- holds


def test_hold_list_filters_and_updated_key_knob(
    fake: TicketTailorFake, client: httpx.Client
) -> None:
    holds = list(fake.holds.values())
    ids, _ = walk(client, "/v1/holds", limit=2)
    assert ids == newest_first(holds)
    page = client.get("/v1/holds", params={"limit": 2}).json()
    assert page["links"] == {"next": f"/v1/holds?starting_after={ids[1]}", "previous": None}
    for event_id in {hold["event_id"] for hold in holds}:
        expected = newest_first(h for h in holds if h["event_id"] == event_id)
        assert walk(client, "/v1/holds", limit=1, event_id=event_id)[0] == expected
        assert walk(client, "/v1/holds", event_id=num(event_id))[0] == expected
    assert data(client, "/v1/holds", event_id="ev_999999") == []
    stamps = sorted(created(h) for h in holds)
    assert_time_filters(client, "/v1/holds", holds, "created_at", created, stamps[::2])
    updated = sorted(h["updated_at"]["unix"] for h in holds)
    assert updated != stamps
    assert_time_filters(
        client, "/v1/holds", holds, "updated_at", lambda h: h["updated_at"]["unix"], updated[1::2]
    )
    hold = holds[0]
    assert client.get(f"/v1/holds/{hold['id']}").json() == hold
    fake.hold_updated_key = "update_at"  # the vendor example's spelling
    served = client.get(f"/v1/holds/{hold['id']}").json()
    assert list(served) == [
        "object", "id", "created_at", "note", "total_on_hold", "update_at", "quantities",
        "event_id",
    ]  # fmt: skip
    assert served["update_at"] == hold["updated_at"]
    assert all("update_at" in h and "updated_at" not in h for h in data(client, "/v1/holds"))
    pivot = updated[len(updated) // 2]
    ids = walk(client, "/v1/holds", **{"updated_at.gte": pivot})[0]
    assert ids == newest_first(h for h in holds if h["updated_at"]["unix"] >= pivot)
    assert "updated_at" in fake.holds[hold["id"]]  # stored data unchanged


def test_hold_helpers_move_the_counters(fake: TicketTailorFake, client: httpx.Client) -> None:
    event = next(e for e in fake.events.values() if e["start"]["unix"] > NOW)
    first, second = event["ticket_types"][:2]
    total, held = event["total_holds"], (first["quantity_held"], second["quantity_held"])
    left = first["quantity"]
    hold = fake.add_hold(event["id"])  # two of the first ticket type
    assert hold["quantities"] == [{"ticket_type_id": first["id"], "quantity": 2}]
    assert hold["total_on_hold"] == 2 and hold["event_id"] == event["id"] and hold["note"] is None
    assert hold["created_at"] == hold["updated_at"] == date_object(NOW)
    assert event["total_holds"] == total + 2 and first["quantity_held"] == held[0] + 2
    assert first["quantity"] == left  # holds do not lower quantity
    assert data(client, "/v1/holds", limit=1) == [hold]
    assert client.get(f"/v1/events/{event['id']}").json()["total_holds"] == total + 2
    fake.advance(30)
    assert fake.update_hold(hold["id"], {first["id"]: 1, second["id"]: 4}, "Press") is hold
    assert hold["total_on_hold"] == 5 and hold["note"] == "Press"
    assert hold["updated_at"]["unix"] == NOW + 30 and hold["created_at"]["unix"] == NOW
    assert event["total_holds"] == total + 5
    assert (first["quantity_held"], second["quantity_held"]) == (held[0] + 1, held[1] + 4)
    assert walk(client, "/v1/holds", **{"updated_at.gt": NOW})[0] == [hold["id"]]
    fake.advance(30)
    issued = first["quantity_issued"]
    ticket = fake.issue_ticket(event["id"], hold_id=hold["id"])
    assert ticket["ticket_type_id"] == first["id"] and ticket["order_id"] is None
    assert hold["quantities"] == [{"ticket_type_id": second["id"], "quantity": 4}]
    assert hold["total_on_hold"] == 4 and hold["updated_at"]["unix"] == NOW + 60
    assert event["total_holds"] == total + 4 and first["quantity_held"] == held[0]
    assert first["quantity_issued"] == issued + 1
    with pytest.raises(ValueError):
        fake.issue_ticket(event["id"], first["id"], hold_id=hold["id"])  # none of it held now
    other = next(e for e in fake.events.values() if e["id"] != event["id"])
    with pytest.raises(ValueError):
        fake.issue_ticket(other["id"], hold_id=hold["id"])
    with pytest.raises(KeyError):
        fake.add_hold(event["id"], {"tt_999999": 1})
    with pytest.raises(ValueError):
        fake.add_hold(event["id"], {first["id"]: 0})
    assert fake.release_hold(hold["id"]) is hold
    assert event["total_holds"] == total
    assert (first["quantity_held"], second["quantity_held"]) == held
    assert client.get(f"/v1/holds/{hold['id']}").status_code == 404


# -- the extras' seeded history


def test_seeded_extras_are_plausible() -> None:
    fake = TicketTailorFake(api_key=KEY, now=NOW, seed=11)
    fake.seed_data(
        orders=1000,
        events=20,
        upcoming_events=4,
        products=40,
        membership_types=4,
        issued_memberships=120,
        holds=30,
    )
    first = NOW - 365 * DAY
    products = list(fake.products.values())
    assert len(products) == 40
    kinds = Counter(
        "all"
        if p["linked_to_all_event_series"] == "true"
        else "membership"
        if p["fulfilment_type"]
        else "some"
        if p["event_series_ids"]
        else "none"
        for p in products
    )
    assert set(kinds) == {"all", "membership", "some", "none"}
    for product in products:
        assert first <= product["created_at"]["unix"] <= product["updated_at"]["unix"] < NOW
        assert set(product["event_series_ids"] or []) <= set(fake.event_series)
        sold_out = product["status"] == "SOLD_OUT"
        assert (product["issued_count"] == product["quantity"]) == sold_out
        if product["fulfilment_type"]:
            assert product["fulfilment_type"] == "ISSUED_MEMBERSHIP"
            assert f"mt_{product['fulfilment_reference_id']}" in fake.membership_types
        else:
            assert product["fulfilment_reference_id"] is None
    assert {p["status"] for p in products} == {"ON_SALE", "HIDDEN", "SOLD_OUT"}

    memberships = list(fake.issued_memberships.values())
    assert len(memberships) == 120 and len(fake.membership_types) == 4
    voided = [m for m in memberships if m["voided_at"] is not None]
    assert 0.03 < len(voided) / 120 < 0.2
    redeemed = [m for m in memberships if m["redemptions"]]
    assert 0.15 < len(redeemed) / 120 < 0.6
    for membership in memberships:
        issued = membership["issue_date"]["unix"]
        assert (membership["is_valid"] == "false") == (membership["voided_at"] is not None)
        until = membership["voided_at"] or NOW
        limit = fake.membership_types[membership["membership_type_id"]]["max_redemptions"]
        assert limit is None or membership["redemptions"] <= limit
        assert membership["valid_to"]["unix"] > membership["valid_from"]["unix"]
        times = [issued]
        for redemption in membership["redemption_collection"]:
            event = fake.events[redemption["linked_event_id"]]
            when = event["start"]["unix"]
            assert redemption["created_at"] == date_object(when)["iso"]
            assert issued <= when <= until
            assert redemption["issued_membership_id"] == membership["id"]
            order_id = redemption["linked_order_id"]
            assert order_id is None or fake.orders[order_id]["event_summary"]["id"] == event["id"]
            times.append(when)
        times.append(membership["voided_at"] or issued)
        assert fake.membership_changed[membership["id"]] == max(times)
    by_id = sorted(memberships, key=lambda m: num(m["id"]))
    assert [created(m) for m in by_id] == sorted(created(m) for m in by_id)

    holds = list(fake.holds.values())
    assert len(holds) == 30
    upcoming = [h for h in holds if fake.events[h["event_id"]]["start"]["unix"] > NOW]
    assert len(upcoming) > len(holds) / 2
    for hold in holds:
        assert hold["created_at"]["unix"] <= hold["updated_at"]["unix"] < NOW
        assert hold["total_on_hold"] == sum(q["quantity"] for q in hold["quantities"])
    for event in fake.events.values():
        mine = [h for h in holds if h["event_id"] == event["id"]]
        assert event["total_holds"] == sum(h["total_on_hold"] for h in mine)
        for ticket_type in event["ticket_types"]:
            assert ticket_type["quantity_held"] == sum(
                q["quantity"] for h in mine for q in h["quantities"]
                if q["ticket_type_id"] == ticket_type["id"]
            )  # fmt: skip
