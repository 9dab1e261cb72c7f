"""The TicketSource fake over real HTTP, held to the vendor's OpenAPI file: shapes, paging, auth,
rate limits, and what each mutation helper changes as served."""

from __future__ import annotations

import copy
import math
import time
from collections import Counter
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import httpx
import orjson
import pytest
import yaml
from openapi_core import OpenAPI
from openapi_core.exceptions import OpenAPIError
from openapi_core.testing import MockRequest, MockResponse
from openapi_core.validation.response.exceptions import InvalidData
from openapi_schema_validator import OAS31Validator, oas31_format_checker
from openapi_schema_validator import validate as validate_schema

from fakes.ticketsource import LINK_HOST, RATE_LIMIT_DETAIL, TicketSourceFake, iso
from tests.vendored import vendored

KEY = "skl-T3st-fake-ticketsource"
AUTH = {"Authorization": f"Bearer {KEY}"}
NOW = 1_750_000_000  # a fixed clock: the seeded account is the same run after run
MISSING = "AAAAAAAAAAAAAAAA"
PREFIXES = {
    "events": "evt",
    "venues": "ven",
    "dates": "dat",
    "bookings": "bkg",
    "seats": "sea",
    "customers": "cst",
    "notes": "csn",
}
LISTS = (
    "/events",
    "/events/{event}/venues",
    "/events/{event}/dates",
    "/venues/{venue}/dates",
    "/dates/{date}/bookings",
    "/customers",
    "/customers/{noted}/notes",
    "/customers/{customer}/bookings",
    "/bookings/{booking}/seats",
)
RECORDS = (
    "/events/{event}",
    "/venues/{venue}",
    "/dates/{date}",
    "/customers/{customer}",
    "/customers/{noted}/notes/{note}",
    "/bookings/{booking}",
    "/seats/{seat}",
)
# resource type -> the ground-truth dict and a list endpoint whose items have that schema
KINDS = {
    "event": ("events", "/events"),
    "venue": ("venues", "/events/{event}/venues"),
    "date": ("dates", "/events/{event}/dates"),
    "booking": ("bookings", "/dates/{date}/bookings"),
    "seat": ("seats", "/bookings/{booking}/seats"),
    "customer": ("customers", "/customers"),
    "customer_note": ("notes", "/customers/{noted}/notes"),
}


# -- the vendor's spec, and the fake held to it


def raw_spec() -> dict[str, Any]:
    return yaml.safe_load(vendored("ticketsource-openapi.yaml").read_text())


@cache
def vendor_api() -> OpenAPI:
    """The spec as published: requests the tests send must satisfy it."""
    return OpenAPI.from_dict(raw_spec())


@cache
def strict_spec() -> dict[str, Any]:
    """The spec as the fake's responses are held to it.

    Tighter than published: a resource must carry every field its schema declares (bar
    deprecated ones, and `donation`, which only DONATION lines have) and nothing undeclared, so
    a renamed, missing or invented field fails. Looser in two places where the vendor's guides
    show what the API really does: paging links and `from`/`to` may be null (Laravel's
    simplePaginate; the spec types them string/integer), and a 204 has no body (the spec gives
    NoContent a JSON body, which HTTP forbids).
    """
    spec = raw_spec()
    for schema in spec["components"]["schemas"].values():
        tighten(schema, require=True)
    for response in spec["components"]["responses"].values():
        for content in response.get("content", {}).values():
            tighten(content["schema"], require=False)
    del spec["components"]["responses"]["NoContent"]["content"]
    for path in spec["paths"].values():
        for operation in path.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            ok = operation["responses"].get("200", {}).get("content", {})
            envelope = ok.get("application/json", {}).get("schema", {}).get("properties", {})
            for name in ("first", "last", "prev", "next"):
                if "links" in envelope:
                    envelope["links"]["properties"][name]["type"] = ["string", "null"]
            for name in ("from", "to"):
                if "meta" in envelope:
                    envelope["meta"]["properties"][name]["type"] = ["integer", "null"]
    return spec


def tighten(schema: dict[str, Any], require: bool) -> None:
    for sub in schema.get("allOf", []):
        tighten(sub, require)
    if "items" in schema:
        tighten(schema["items"], require)
    properties = schema.get("properties")
    if properties is None:
        return
    schema.setdefault("additionalProperties", False)
    if require:
        schema["required"] = [
            name
            for name, sub in properties.items()
            if not sub.get("deprecated") and name != "donation"
        ]
    for sub in properties.values():
        tighten(sub, require)


@cache
def strict_api() -> OpenAPI:
    return OpenAPI.from_dict(strict_spec())


def vendor_request(response: httpx.Response) -> MockRequest:
    """The request as the vendor's host would have received it (the spec's only server)."""
    request = response.request
    return MockRequest(
        LINK_HOST,
        request.method,
        request.url.path,
        args=dict(request.url.params),
        headers=dict(request.headers),
        data=request.content or None,
        content_type=request.headers.get("content-type", "application/json"),
    )


def assert_valid(response: httpx.Response, check_request: bool = True) -> None:
    """The response (and the request that got it) as the OpenAPI file describes them."""
    request = vendor_request(response)
    if check_request:
        vendor_api().validate_request(request)
    served = MockResponse(
        response.content,
        response.status_code,
        headers=dict(response.headers),
        content_type=response.headers.get("content-type", ""),
    )
    strict_api().validate_response(request, served)


def assert_error_shape(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """An error the spec documents for no operation here (e.g. a 400 on a list, a 401), checked
    against its errors schema: BadRequest's, or TooManyRequests' for a 429."""
    name = "TooManyRequests" if status == 429 else "BadRequest"
    schema = strict_spec()["components"]["responses"][name]["content"]["application/json"]
    body = response.json()
    validate_schema(body, schema["schema"], cls=OAS31Validator, format_checker=oas31_format_checker)
    assert response.status_code == status
    (error,) = body["errors"]
    assert error["status"] == status and error["code"] == code and error["id"]
    return error


# -- fixtures and helpers


def seeded(seed: int = 3, link_host: str = LINK_HOST, **overrides: Any) -> TicketSourceFake:
    fake = TicketSourceFake(api_key=KEY, now=NOW, seed=seed, link_host=link_host)
    shape = dict(
        events=8,
        dates_per_event=5,
        bookings_per_date=5,
        customers=30,
        notes_per_customer=1.5,
        past_days=120,
        future_days=30,
    )
    fake.seed_data(**{**shape, **overrides})
    return fake


@pytest.fixture(scope="module")
def account() -> Iterator[TicketSourceFake]:
    """One account for the read-only tests."""
    fake = seeded()
    with fake.serve():
        yield fake


@pytest.fixture(scope="module")
def api(account: TicketSourceFake) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=account.url, headers=AUTH, timeout=5) as client:
        yield client


@pytest.fixture
def fresh() -> Iterator[tuple[TicketSourceFake, httpx.Client]]:
    """A small account of its own, for a test that changes it."""
    fake = seeded(seed=5, events=3, dates_per_event=3, customers=8)
    with fake.serve() as url, httpx.Client(base_url=url, headers=AUTH, timeout=5) as client:
        yield fake, client


def link_id(record: dict[str, Any], name: str) -> str:
    return record["links"][name].rsplit("/", 1)[1]


def busiest(records: dict[str, dict[str, Any]], link: str) -> str:
    """The parent that most of `records` link to."""
    return Counter(link_id(record, link) for record in records.values()).most_common(1)[0][0]


@pytest.fixture(scope="module")
def ids(account: TicketSourceFake) -> dict[str, str]:
    """Ids to fill the endpoint templates with: parents with the longest lists."""
    noted = busiest(account.notes, "customer")
    booking = busiest(account.seats, "booking")
    return {
        "event": busiest(account.dates, "event"),
        "venue": busiest(account.dates, "venue"),
        "date": busiest(account.bookings, "date"),
        "customer": busiest(account.bookings, "customer"),
        "noted": noted,
        "note": next(n for n, note in account.notes.items() if link_id(note, "customer") == noted),
        "booking": booking,
        "seat": next(s for s, seat in account.seats.items() if link_id(seat, "booking") == booking),
    }


def ordered(records: Any) -> list[str]:
    """Ids in the order every list is served: ascending (created_at, id)."""
    return [
        r["id"] for r in sorted(records, key=lambda r: (r["attributes"]["created_at"], r["id"]))
    ]


def walk(client: httpx.Client, path: str, per_page: int | None) -> list[str]:
    """Every id of a list, page by page until links.next is null."""
    found: list[str] = []
    for page in range(1, 1_000):
        params = {"page": page} if per_page is None else {"page": page, "per_page": per_page}
        body = client.get(path, params=params).raise_for_status().json()
        found += [record["id"] for record in body["data"]]
        if body["links"]["next"] is None:
            return found
    raise AssertionError("paging never ended")


def served(client: httpx.Client, path: str) -> dict[str, Any]:
    return client.get(path).raise_for_status().json()["data"]


def last_page(client: httpx.Client, path: str) -> list[dict[str, Any]]:
    first = client.get(path, params={"per_page": 100}).raise_for_status().json()
    assert first["links"]["next"] is None, "expected one page"
    return first["data"]


# -- the OpenAPI file


@pytest.mark.parametrize("template", LISTS)
def test_list_pages_match_the_openapi(
    api: httpx.Client, ids: dict[str, str], template: str
) -> None:
    path = template.format(**ids)
    total = len(walk(api, path, 100))
    last = max(1, math.ceil(total / 2))
    for page in sorted({1, 2, last, last + 1}):
        response = api.get(path, params={"page": page, "per_page": 2})
        assert_valid(response)
        assert len(response.json()["data"]) == max(0, min(2, total - 2 * (page - 1)))
    assert_valid(api.get(path))  # the defaults


@pytest.mark.parametrize("template", RECORDS)
def test_single_records_match_the_openapi(
    api: httpx.Client, ids: dict[str, str], template: str
) -> None:
    assert_valid(api.get(template.format(**ids)))


@pytest.mark.parametrize("kind", KINDS)
def test_every_seeded_record_matches_the_openapi(
    account: TicketSourceFake, ids: dict[str, str], kind: str
) -> None:
    """All of them, the refunded and the null-laden too: served as one list page, without
    fetching each (the fake serves these very dicts)."""
    truth, template = KINDS[kind]
    records = list(getattr(account, truth).values())
    assert records and all(record["type"] == kind for record in records)
    path = template.format(**ids)
    request = MockRequest(LINK_HOST, "GET", path, headers=AUTH)
    body = orjson.dumps({"data": records})
    strict_api().validate_response(request, MockResponse(body))


@pytest.mark.parametrize("template", [t for t in LISTS + RECORDS if "{" in t])
def test_unknown_ids_answer_404_in_the_openapi_shape(
    api: httpx.Client, ids: dict[str, str], template: str
) -> None:
    # every id in the path unknown; a note also 404s under another customer
    missing = {name: f"{value[:4]}{MISSING}" for name, value in ids.items()}
    paths = [template.format(**{**ids, **missing})]
    if "{note}" in template:
        paths.append(template.format(**{**ids, "noted": ids["customer"]}))
    for path in paths:
        response = api.get(path)
        assert response.status_code == 404
        assert_valid(response)
        (error,) = response.json()["errors"]
        assert error["code"] == "not_found" and error["title"] == "Not Found"
        assert error["detail"] == "The item you are looking for can't be found."


def test_unknown_paths_and_methods_answer_in_the_errors_shape(api: httpx.Client) -> None:
    assert_error_shape(api.get("/orders"), 404, "not_found")
    assert_error_shape(api.put("/customers/cst-x", json={}), 405, "method_not_allowed")


@pytest.mark.parametrize(
    "params", [{"per_page": 0}, {"per_page": 101}, {"per_page": "ten"}, {"page": 0}, {"page": "x"}]
)
def test_bad_paging_parameters_answer_400(api: httpx.Client, params: dict[str, Any]) -> None:
    response = api.get("/customers", params=params)
    error = assert_error_shape(response, 400, "validation_failed")
    assert next(iter(params)).replace("_", " ") in error["detail"]
    # the spec refuses them too
    with pytest.raises(OpenAPIError):
        vendor_api().validate_request(vendor_request(response))


def test_validator_rejects_payloads_that_break_the_spec(
    api: httpx.Client, ids: dict[str, str]
) -> None:
    """The OpenAPI checks above can fail: each of these breaks the spec one way."""
    response = api.get(f"/seats/{ids['seat']}")
    request = vendor_request(response)
    seat = response.json()
    breakages: list[Callable[[dict[str, Any]], None]] = [
        lambda s: s["attributes"]["reference"].update(seat=26),  # the guide's sample has this
        lambda s: s["attributes"].update(created_at="26/09/2022 09:00"),
        lambda s: s["attributes"].update(colour="red"),
        lambda s: s["attributes"].pop("is_cancelled"),
        lambda s: s.update(type="place"),
    ]
    strict_api().validate_response(request, MockResponse(orjson.dumps(seat)))
    for breakage in breakages:
        broken = copy.deepcopy(seat)
        breakage(broken["data"])
        with pytest.raises(InvalidData):
            strict_api().validate_response(request, MockResponse(orjson.dumps(broken)))


# -- paging


@pytest.mark.parametrize("per_page", [100, None])
def test_paging_walks_every_record_exactly_once_in_order(
    account: TicketSourceFake, api: httpx.Client, per_page: int | None
) -> None:
    assert walk(api, "/customers", per_page) == ordered(account.customers.values())
    assert walk(api, "/events", per_page) == ordered(account.events.values())
    for date_id in account.dates:
        expected = ordered(b for b in account.bookings.values() if link_id(b, "date") == date_id)
        assert walk(api, f"/dates/{date_id}/bookings", per_page) == expected


def test_page_links_are_on_the_vendor_host_and_carry_only_the_page(api: httpx.Client) -> None:
    body = api.get("/customers", params={"page": 2, "per_page": 3}).json()
    base = f"{LINK_HOST}/customers"
    assert body["links"] == {
        "first": f"{base}?page=1",
        "last": None,
        "prev": f"{base}?page=1",
        "next": f"{base}?page=3",
    }
    assert body["meta"] == {"current_page": 2, "from": 4, "path": base, "per_page": 3, "to": 6}
    first = api.get("/customers").json()
    assert first["links"]["prev"] is None and first["meta"]["per_page"] == 10


def test_a_page_past_the_end_is_empty(account: TicketSourceFake, api: httpx.Client) -> None:
    past = len(account.customers) // 10 + 2
    body = api.get("/customers", params={"page": past}).json()
    assert body["data"] == []
    assert body["links"]["next"] is None
    assert body["links"]["prev"] == f"{LINK_HOST}/customers?page={past - 1}"
    assert body["meta"]["from"] is None and body["meta"]["to"] is None


def test_record_links_point_at_the_link_host_never_the_fake() -> None:
    fake = seeded(events=2, dates_per_event=2, customers=4, link_host="https://ts.example")
    with fake.serve() as url, httpx.Client(base_url=url, headers=AUTH) as client:
        date_id = busiest(fake.bookings, "date")
        texts = [client.get(path).text for path in ("/events", "/customers")]
        texts.append(client.get(f"/dates/{date_id}/bookings").text)
    assert all(url not in text for text in texts)
    booking = next(b for b in fake.bookings.values() if link_id(b, "date") == date_id)
    assert booking["links"] == {
        "self": f"https://ts.example/bookings/{booking['id']}",
        "seats": f"https://ts.example/bookings/{booking['id']}/seats",
        "customer": f"https://ts.example/customers/{link_id(booking, 'customer')}",
        "date": f"https://ts.example/dates/{date_id}",
    }
    for kind in PREFIXES:
        for record in getattr(fake, kind).values():
            for name, link in record["links"].items():
                host = (
                    "https://www.ticketsource.co.uk/"
                    if name == "book_now"
                    else "https://ts.example/"
                )
                assert link.startswith(host), (kind, name, link)


# -- auth and rate limits


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer skl-wrong"},
        {"Authorization": KEY},
        {"Authorization": "Basic x"},
    ],
)
def test_requests_without_the_bearer_key_answer_401(
    account: TicketSourceFake, headers: dict[str, str]
) -> None:
    response = httpx.get(f"{account.url}/events", headers=headers)
    error = assert_error_shape(response, 401, "unauthenticated")
    assert error["title"] == "Unauthorized"


def test_every_response_carries_laravel_rate_limit_headers(api: httpx.Client) -> None:
    for response in (api.get("/events"), api.get("/events/evt-x"), httpx.get(str(api.base_url))):
        assert response.headers["X-RateLimit-Limit"] == "1000000"
        assert int(response.headers["X-RateLimit-Remaining"]) > 0
        assert "X-Rate-Limit-Limit" not in response.headers
        assert "Retry-After" not in response.headers


def test_rate_limit_answers_429_with_retry_after_and_reset(
    fresh: tuple[TicketSourceFake, httpx.Client],
) -> None:
    fake, client = fresh
    fake.rate_limit, fake.rate_window = 3, 30
    fake.reset_rate_limit()
    remaining = [client.get("/events").headers["X-RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]

    refused = client.get("/events")
    error = assert_error_shape(refused, 429, "rate_limit")
    assert error["title"] == "Too Many Requests" and error["detail"] == RATE_LIMIT_DETAIL
    retry_after = int(refused.headers["Retry-After"])
    assert 0 < retry_after <= 30
    assert refused.headers["X-RateLimit-Limit"] == "3"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert abs(int(refused.headers["X-RateLimit-Reset"]) - (time.time() + retry_after)) <= 2

    fake.reset_rate_limit()
    assert client.get("/events").status_code == 200


def test_injected_429_carries_retry_after(fresh: tuple[TicketSourceFake, httpx.Client]) -> None:
    fake, client = fresh
    fake.inject(429, path="/customers")
    refused = client.get("/customers")
    assert_error_shape(refused, 429, "rate_limit")
    assert refused.headers["Retry-After"] == "1"
    assert client.get("/customers").status_code == 200


# -- seeded data


def test_seeded_account_has_the_edge_cases_a_sync_meets(account: TicketSourceFake) -> None:
    now = iso(account.now())
    dates = [d["attributes"] for d in account.dates.values()]
    three_days_ago = iso(account.now() - 3 * 86_400)
    assert any(d["start"] > now for d in dates), "upcoming dates"
    assert any(three_days_ago <= d["end"] < now for d in dates), "dates just over"
    assert any(d["cancelled"] for d in dates)
    booked = Counter(link_id(b, "date") for b in account.bookings.values())
    assert any(date_id not in booked for date_id in account.dates), "dates without bookings"
    events = [e["attributes"] for e in account.events.values()]
    assert any(e["archived"] for e in events)
    lines = [line for b in account.bookings.values() for line in b["attributes"]["lines"]]
    assert {line["line_type"] for line in lines} >= {"TICKETS", "DONATION"}
    assert any(line["is_refund"] and line["amount"]["gross"] < 0 for line in lines)
    seats = [s["attributes"] for s in account.seats.values()]
    assert any(s["is_cancelled"] for s in seats)
    assert any(s["reference"]["seat"] is None for s in seats)
    assert any(isinstance(s["reference"]["seat"], str) for s in seats)
    customers = [c["attributes"] for c in account.customers.values()]
    assert any(c["address"] is None for c in customers)
    assert any(c["membership"] is None for c in customers)
    assert any(c["membership"] and c["membership"]["identifier"] is None for c in customers)
    assert any(c["updated_at"] is None for c in customers)
    noted = {link_id(note, "customer") for note in account.notes.values()}
    assert any(customer_id not in noted for customer_id in account.customers)


def test_seeded_history_is_consistent(account: TicketSourceFake) -> None:
    now = iso(account.now())
    for kind, prefix in PREFIXES.items():
        for record_id, record in getattr(account, kind).items():
            attributes = record["attributes"]
            assert record_id == record["id"] and len(record_id) == 20
            assert record_id.startswith(f"{prefix}-") and record_id[4:].isalnum()
            assert attributes["created_at"] <= now
            assert (
                attributes["updated_at"] is None
                or attributes["updated_at"] >= attributes["created_at"]
            )
    for booking in account.bookings.values():
        date = account.dates[link_id(booking, "date")]["attributes"]
        created = booking["attributes"]["created_at"]
        assert date["created_at"] <= created <= date["start"]
        customer = account.customers[link_id(booking, "customer")]
        assert customer["attributes"]["created_at"] <= created
    for seat in account.seats.values():
        booking = account.bookings[link_id(seat, "booking")]["attributes"]
        assert seat["attributes"]["created_at"] == booking["created_at"]
        assert seat["attributes"]["is_cancelled"] == (seat["attributes"]["updated_at"] is not None)
    for event_id, event in account.events.items():
        if event["attributes"]["archived"]:
            ends = [
                d["attributes"]["end"]
                for d in account.dates.values()
                if link_id(d, "event") == event_id
            ]
            assert max(ends) < now


def test_seed_is_deterministic() -> None:
    first, again, other = seeded(events=3), seeded(events=3), seeded(seed=4, events=3)
    assert orjson.dumps(first.bookings) == orjson.dumps(again.bookings)
    assert orjson.dumps(first.customers) == orjson.dumps(again.customers)
    assert set(first.seats) == set(again.seats)
    assert not set(first.bookings) & set(other.bookings)


def test_clock_starts_at_now_and_advances() -> None:
    fake = TicketSourceFake(now=NOW)
    assert abs(fake.now() - NOW) < 1
    assert abs(fake.advance(3_600) - (NOW + 3_600)) < 1
    assert abs(TicketSourceFake().now() - time.time()) < 1


# -- mutation helpers, as served


def test_refund_booking_adds_a_refund_line_and_cancels_the_seats(
    fresh: tuple[TicketSourceFake, httpx.Client],
) -> None:
    fake, client = fresh
    booking_id = next(
        b["id"]
        for b in fake.bookings.values()
        if len(b["attributes"]["lines"]) == 1
        and sum(link_id(s, "booking") == b["id"] for s in fake.seats.values()) >= 2
    )
    first, second, *_ = served(client, f"/bookings/{booking_id}/seats")
    paid = served(client, f"/bookings/{booking_id}")["attributes"]["lines"][0]["amount"]
    fake.advance(60)
    stamp = iso(fake.now())

    fake.refund_booking(booking_id, [first["id"]])

    response = client.get(f"/bookings/{booking_id}")
    assert_valid(response)
    booking = response.json()["data"]["attributes"]
    refund = booking["lines"][-1]
    assert refund["is_refund"] is True and refund["line_type"] == "TICKETS"
    assert refund["amount"]["gross"] < 0 and -refund["amount"]["gross"] < paid["gross"]
    assert booking["updated_at"] == refund["created_at"] >= stamp
    seats = {
        seat["id"]: seat["attributes"] for seat in served(client, f"/bookings/{booking_id}/seats")
    }
    assert seats[first["id"]]["is_cancelled"] and seats[first["id"]]["updated_at"] >= stamp
    assert seats[second["id"]] == second["attributes"]

    fake.refund_booking(booking_id)  # the rest
    assert all(
        seat["attributes"]["is_cancelled"]
        for seat in served(client, f"/bookings/{booking_id}/seats")
    )
    assert len(served(client, f"/bookings/{booking_id}")["attributes"]["lines"]) == 3
    with pytest.raises(ValueError):
        fake.refund_booking(booking_id)


def test_add_bookings_land_last_in_their_lists(
    fresh: tuple[TicketSourceFake, httpx.Client],
) -> None:
    fake, client = fresh
    date_id = next(iter(fake.dates))
    customer_id = next(iter(fake.customers))
    fake.advance(60)

    made = fake.add_bookings(date_id, 3, seats=2, customer_id=customer_id)

    new_ids = [booking["id"] for booking in made]
    assert sorted(new_ids) == [
        b["id"] for b in last_page(client, f"/dates/{date_id}/bookings")[-3:]
    ]
    assert [
        b["id"] for b in last_page(client, f"/customers/{customer_id}/bookings")[-3:]
    ] == sorted(new_ids)
    for booking_id in new_ids:
        response = client.get(f"/bookings/{booking_id}/seats")
        assert_valid(response)
        assert len(response.json()["data"]) == 2
    anyone = fake.add_bookings(date_id, 1)[0]
    assert link_id(anyone, "customer") in fake.customers


def test_add_date_leaves_the_event_alone_and_update_date_bumps_the_date(
    fresh: tuple[TicketSourceFake, httpx.Client],
) -> None:
    fake, client = fresh
    event_id = next(iter(fake.events))
    event_before = served(client, f"/events/{event_id}")
    fake.advance(60)

    date = fake.add_date(event_id, start=fake.now() + 86_400)

    assert last_page(client, f"/events/{event_id}/dates")[-1] == date
    assert served(client, f"/events/{event_id}") == event_before
    assert date["attributes"]["updated_at"] is None
    fake.advance(60)
    fake.update_date(date["id"], cancelled=True)
    response = client.get(f"/dates/{date['id']}")
    assert_valid(response)
    attributes = response.json()["data"]["attributes"]
    assert attributes["cancelled"] is True and attributes["updated_at"] > attributes["created_at"]


def test_add_event_and_update_event(fresh: tuple[TicketSourceFake, httpx.Client]) -> None:
    fake, client = fresh
    fake.advance(60)
    event = fake.add_event(dates=2, start_in_days=10)

    assert last_page(client, "/events")[-1]["id"] == event["id"]
    (venue,) = served(client, f"/events/{event['id']}/venues")
    dates = served(client, f"/venues/{venue['id']}/dates")
    assert [d["id"] for d in dates] == [
        d["id"] for d in served(client, f"/events/{event['id']}/dates")
    ]
    assert len(dates) == 2 and dates[0]["attributes"]["start"] > iso(fake.now() + 9 * 86_400)

    fake.advance(60)
    fake.update_event(event["id"], archived=True)
    attributes = served(client, f"/events/{event['id']}")["attributes"]
    assert attributes["archived"] is True and attributes["updated_at"] > attributes["created_at"]
    with pytest.raises(KeyError):
        fake.update_event(event["id"], colour="red")


def test_add_note_leaves_the_customer_untouched(
    fresh: tuple[TicketSourceFake, httpx.Client],
) -> None:
    fake, client = fresh
    customer_id = next(iter(fake.customers))
    before = served(client, f"/customers/{customer_id}")
    fake.advance(60)

    note = fake.add_note(customer_id, "Prefers the aisle")

    assert served(client, f"/customers/{customer_id}") == before
    assert last_page(client, f"/customers/{customer_id}/notes")[-1] == note
    response = client.get(f"/customers/{customer_id}/notes/{note['id']}")
    assert_valid(response)
    assert response.json()["data"]["attributes"]["created_by"] == "Box Office"
    fake.delete_note(customer_id, note["id"])
    assert client.get(f"/customers/{customer_id}/notes/{note['id']}").status_code == 404
    assert served(client, f"/customers/{customer_id}") == before


def test_deleted_customer_404s_and_leaves_the_list(
    fresh: tuple[TicketSourceFake, httpx.Client],
) -> None:
    fake, client = fresh
    customer_id = busiest(fake.bookings, "customer")
    bookings = [b for b in fake.bookings.values() if link_id(b, "customer") == customer_id]

    fake.delete_customer(customer_id)

    for path in ("", "/notes", "/bookings"):
        response = client.get(f"/customers/{customer_id}{path}")
        assert response.status_code == 404
        assert_valid(response)
    assert customer_id not in walk(client, "/customers", 100)
    assert all(link_id(note, "customer") != customer_id for note in fake.notes.values())
    for booking in bookings:  # bookings stay, still linking to it
        assert served(client, f"/bookings/{booking['id']}")["links"]["customer"].endswith(
            customer_id
        )


def test_update_customer_merges_and_bumps_updated_at(
    fresh: tuple[TicketSourceFake, httpx.Client],
) -> None:
    fake, client = fresh
    customer_id = next(iter(fake.customers))
    fake.advance(60)
    stamp = iso(fake.now())

    fake.update_customer(customer_id, last_name="Renamed", consent={"sms": True})

    attributes = served(client, f"/customers/{customer_id}")["attributes"]
    assert attributes["last_name"] == "Renamed" and attributes["consent"]["sms"] is True
    assert attributes["updated_at"] >= stamp


# -- the write endpoints


def test_customer_create_update_delete_over_http(
    fresh: tuple[TicketSourceFake, httpx.Client],
) -> None:
    fake, client = fresh
    attributes = {
        "first_name": "Karl",
        "last_name": "Jenkins",
        "address": {
            "line_1": "1 A Street",
            "line_2": "A Town",
            "line_3": "",
            "postcode": "AB123CD",
        },
        "email": "karl@example.com",
        "phone": "01234555678",
        "membership": {
            "identifier": "A12345BCD",
            "start_date": "2020-01-01T00:00:00+00:00",
            "end_date": "2021-12-31T00:00:00+00:00",
        },
        "consent": {"email": True, "post": False, "sms": False},
    }
    created = client.post(
        "/customers", json={"data": {"type": "customer", "attributes": attributes}}
    )
    assert created.status_code == 201
    assert_valid(created)
    customer = created.json()["data"]
    customer_id = customer["id"]
    assert customer == fake.customers[customer_id]
    assert customer["attributes"]["telephone"] == "01234555678"  # `phone` is its old name
    assert customer["attributes"]["address"]["line_3"] is None  # empty strings become null
    assert customer["attributes"]["updated_at"] is None
    assert last_page(client, f"/customers/{customer_id}/notes") == []
    fake.advance(60)

    patch = {
        "type": "customer",
        "id": customer_id,
        "attributes": {"last_name": "Jenkin", "address": {"postcode": "CF64 3EE"}},
    }
    updated = client.patch(f"/customers/{customer_id}", json={"data": patch})
    assert updated.status_code == 200
    assert_valid(updated)
    changed = updated.json()["data"]["attributes"]
    assert changed["last_name"] == "Jenkin" and changed["first_name"] == "Karl"
    assert (
        changed["address"]["postcode"] == "CF64 3EE"
        and changed["address"]["line_1"] == "1 A Street"
    )
    assert changed["updated_at"] > changed["created_at"]

    deleted = client.delete(f"/customers/{customer_id}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert_valid(deleted)
    assert client.get(f"/customers/{customer_id}").status_code == 404
    assert client.delete(f"/customers/{customer_id}").status_code == 404


def test_note_create_and_delete_over_http(fresh: tuple[TicketSourceFake, httpx.Client]) -> None:
    fake, client = fresh
    customer_id = next(iter(fake.customers))
    before = served(client, f"/customers/{customer_id}")
    payload = {"data": {"type": "customer_note", "attributes": {"description": "Needs a ramp"}}}

    created = client.post(f"/customers/{customer_id}/notes", json=payload)

    assert created.status_code == 201
    assert_valid(created)
    note = created.json()["data"]
    assert note == fake.notes[note["id"]]
    assert note["links"]["customer"] == f"{LINK_HOST}/customers/{customer_id}"
    deleted = client.delete(f"/customers/{customer_id}/notes/{note['id']}")
    assert deleted.status_code == 204
    assert_valid(deleted)
    assert note["id"] not in fake.notes
    assert served(client, f"/customers/{customer_id}") == before
    missing = client.post(f"/customers/cst-{MISSING}/notes", json=payload)
    assert missing.status_code == 404
    assert_valid(missing)


@pytest.mark.parametrize(
    "data",
    [
        {"type": "customer_note", "attributes": {"first_name": "Karl"}},
        {"type": "customer", "attributes": {"shoe_size": 9}},
        {"type": "customer", "attributes": {"customer_id": "cst-x"}},
        {"type": "customer", "attributes": {"first_name": 7}},
        {"type": "customer", "attributes": {"consent": None}},
        {"type": "customer", "attributes": {"membership": {"identifier": "X" * 21}}},
        {"type": "customer", "attributes": {"membership": {"start_date": "soon"}}},
    ],
)
def test_customer_payloads_are_checked_like_the_api(
    fresh: tuple[TicketSourceFake, httpx.Client], data: dict[str, Any]
) -> None:
    fake, client = fresh
    count = len(fake.customers)
    response = client.post("/customers", json={"data": data})
    assert response.status_code == 400
    assert_valid(response, check_request=False)
    assert len(fake.customers) == count


def test_customer_writes_take_the_guides_forms(
    fresh: tuple[TicketSourceFake, httpx.Client],
) -> None:
    """The guide sends membership dates as plain dates; the spec serves date-times."""
    fake, client = fresh
    guide = {"membership": {"identifier": "A1", "start_date": "2020-01-01", "end_date": ""}}
    created = client.post("/customers", json={"data": {"type": "customer", "attributes": guide}})
    assert created.status_code == 201
    assert_valid(created, check_request=False)
    membership = created.json()["data"]["attributes"]["membership"]
    assert membership == {
        "identifier": "A1",
        "start_date": "2020-01-01T00:00:00+00:00",
        "end_date": None,
    }
    customer_id = created.json()["data"]["id"]
    mismatch = {"type": "customer", "id": next(iter(fake.customers)), "attributes": {}}
    response = client.patch(f"/customers/{customer_id}", json={"data": mismatch})
    assert response.status_code == 400
    assert_valid(response, check_request=False)
