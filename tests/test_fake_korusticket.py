"""The KorusTicket fake over real HTTP: its Keycloak token endpoint, API Platform collections and
paging, filters, languages, errors, and what each mutation helper changes as served."""

from __future__ import annotations

import base64
import json
import math
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from fakes.data import iso
from fakes.korusticket import HOLD, KorusTicketFake, uuid7_ms

NOW = 1_750_000_000  # a fixed clock: the seeded data is the same run after run
CLIENT_ID = "korus-test-client"
SECRET = "korus-test-secret"
ORDERS = "/v1/booking/orders"
RESERVATIONS = "/v1/booking/reservations"
CATALOGS = "/v1/ticketing/catalogs"
MISSING = "01970000-0000-7000-8000-000000000000"
TOKEN_KEYS = {
    "access_token",
    "expires_in",
    "refresh_expires_in",
    "token_type",
    "not-before-policy",
    "scope",
}
ERROR_KEYS = {"@context", "@id", "@type", "title", "detail", "status", "type", "description"}
ORDER_KEYS = {
    "@id", "@type", "id", "createdAt", "catalog", "organization", "reference",
    "externalReference", "connectorReference", "totalAmountInclTax", "totalAmountExclTax",
    "reservation", "customer", "status", "cancelledAt", "items",
}  # fmt: skip
ITEM_KEYS = {
    "@id", "@type", "id", "offer", "product", "quantity", "unitAmountInclTax",
    "totalAmountInclTax", "tickets",
}  # fmt: skip
RESERVATION_KEYS = {
    "@id", "@type", "id", "createdAt", "expired", "expiresAt", "catalog", "totalAmountInclTax",
    "totalAmountExclTax", "items",
}  # fmt: skip


# -- fixtures and helpers


@pytest.fixture(scope="module")
def fake() -> KorusTicketFake:
    fake = KorusTicketFake(now=NOW, seed=7)
    fake.seed_data(catalogs=2, orders=400, reservations=80)
    return fake


@pytest.fixture(scope="module")
def client(fake: KorusTicketFake) -> Iterator[httpx.Client]:
    with fake.serve() as url, httpx.Client(base_url=url, timeout=5) as client:
        client.headers["Authorization"] = f"Bearer {grant(client)}"
        yield client


@contextmanager
def small(token_ttl: int = 1800) -> Iterator[tuple[KorusTicketFake, httpx.Client]]:
    """A fresh small fake of its own, for tests that move its clock or expire its tokens."""
    fake = KorusTicketFake(now=NOW, seed=3, token_ttl=token_ttl)
    fake.seed_data(orders=20, reservations=10)
    with fake.serve() as url, httpx.Client(base_url=url, timeout=5) as client:
        yield fake, client


def grant(client: httpx.Client, **form: str) -> str:
    data = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET}
    response = client.post(KorusTicketFake.token_path, data={**data, **form})
    return response.raise_for_status().json()["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def body(client: httpx.Client, path: str, **params: Any) -> dict[str, Any]:
    return client.get(path, params=params).raise_for_status().json()


def walk(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every member, following view.next (a relative IRI carrying the filters) to the end."""
    page = body(client, path, **params)
    members = list(page["member"])
    for _ in range(10_000):
        link = page.get("view", {}).get("next")
        if link is None:
            assert len(members) == page["totalItems"]
            return members
        assert link.startswith(path + "?")
        page = client.get(link).raise_for_status().json()
        members += page["member"]
    raise AssertionError("paging never ended")


def ids(members: list[dict[str, Any]]) -> list[str]:
    return [member["id"] for member in members]


def second(timestamp: str) -> int:
    return int(datetime.fromisoformat(timestamp).timestamp())


def tie_second(fake: KorusTicketFake) -> int:
    counts = Counter(order["createdAt"] for order in fake.orders.values())
    return second(next(stamp for stamp, n in sorted(counts.items()) if n >= 2))


def assert_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/problem+json")
    error = response.json()
    assert set(error) == ERROR_KEYS
    assert error["@context"] == "/v1/contexts/Error"
    assert error["@type"] == "Error"
    assert error["title"] == "An error occurred"
    assert error["status"] == status
    assert error["type"] == f"/errors/{status}"
    assert error["description"] == error["detail"]
    return error


# -- the token endpoint and bearer auth


def test_client_credentials_grant_by_form_or_basic_auth(
    fake: KorusTicketFake, client: httpx.Client
) -> None:
    granted, logged = fake.token_requests, fake.request_count(fake.token_path)
    form = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET}
    response = client.post(fake.token_path, data=form)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    answer = response.json()
    assert set(answer) == TOKEN_KEYS  # no refresh token for client credentials
    assert answer["expires_in"] == 1800
    assert answer["refresh_expires_in"] == 0
    assert answer["token_type"] == "Bearer"
    assert answer["not-before-policy"] == 0
    assert answer["scope"] == "profile email"
    _, claims, _ = answer["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    assert claims["azp"] == CLIENT_ID
    assert claims["exp"] - claims["iat"] == 1800

    basic = client.post(
        fake.token_path, data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, SECRET)
    )
    assert basic.status_code == 200
    token = basic.json()["access_token"]
    assert token != answer["access_token"]
    assert client.get(CATALOGS, headers=bearer(token)).status_code == 200
    assert fake.token_requests == granted + 2
    assert fake.request_count(fake.token_path) == logged + 2


def test_wrong_client_credentials_are_401_invalid_client(
    fake: KorusTicketFake, client: httpx.Client
) -> None:
    granted = fake.token_requests
    expected = {
        "error": "invalid_client",
        "error_description": "Invalid client or Invalid client credentials",
    }
    for form, auth in (
        ({"client_id": CLIENT_ID, "client_secret": "wrong"}, None),
        ({"client_id": "someone-else", "client_secret": SECRET}, None),
        ({}, None),
        ({}, (CLIENT_ID, "wrong")),
    ):
        data = {"grant_type": "client_credentials", **form}
        response = client.post(fake.token_path, data=data, auth=auth)
        assert response.status_code == 401
        assert response.json() == expected
    assert fake.token_requests == granted


def test_wrong_or_missing_grant_type_is_400(fake: KorusTicketFake, client: httpx.Client) -> None:
    credentials = {"client_id": CLIENT_ID, "client_secret": SECRET}
    password = client.post(fake.token_path, data={"grant_type": "password", **credentials})
    assert password.status_code == 400
    assert password.json()["error"] == "unsupported_grant_type"
    assert set(password.json()) == {"error", "error_description"}
    missing = client.post(fake.token_path, data=credentials)
    assert (missing.status_code, missing.json()["error"]) == (400, "invalid_request")
    as_json = client.post(fake.token_path, json={"grant_type": "client_credentials"})
    assert (as_json.status_code, as_json.json()["error"]) == (400, "invalid_request")
    refresh = {"grant_type": "refresh_token", "refresh_token": "anything", **credentials}
    refused = client.post(fake.token_path, data=refresh)
    assert (refused.status_code, refused.json()["error"]) == (400, "invalid_grant")


def test_api_requires_a_bearer_token_it_issued(client: httpx.Client) -> None:
    for headers, message in (
        ({"Authorization": ""}, "JWT Token not found"),
        ({"Authorization": f"Basic {base64.b64encode(b'a:b').decode()}"}, "JWT Token not found"),
        (bearer("not-a-token"), "Invalid JWT Token"),
    ):
        response = client.get(ORDERS, headers=headers)
        assert response.status_code == 401
        assert response.json() == {"code": 401, "message": message}
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_token_expires_after_token_ttl_of_the_fake_clock() -> None:
    with small(token_ttl=60) as (fake, client):
        token = grant(client)
        assert client.get(ORDERS, headers=bearer(token)).status_code == 200
        fake.advance(fake.token_ttl + 1)
        expired = client.get(ORDERS, headers=bearer(token))
        assert expired.status_code == 401
        assert expired.json() == {"code": 401, "message": "Expired JWT Token"}
        assert client.get(ORDERS, headers=bearer(grant(client))).status_code == 200


def test_expire_tokens_expires_every_token_issued_so_far() -> None:
    with small() as (fake, client):
        tokens = [grant(client), grant(client)]
        assert fake.token_requests == 2
        assert fake.issued_tokens() == tokens
        fake.expire_tokens()
        for token in tokens:
            response = client.get(CATALOGS, headers=bearer(token))
            assert response.json()["message"] == "Expired JWT Token"
        assert client.get(CATALOGS, headers=bearer(grant(client))).status_code == 200
        assert fake.token_requests == 3


def test_refresh_tokens_only_when_switched_on() -> None:
    with small() as (fake, client):
        fake.refresh_tokens = True
        form = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET}
        answer = client.post(fake.token_path, data=form).json()
        assert answer["refresh_expires_in"] == fake.refresh_ttl
        refresh = {**form, "grant_type": "refresh_token", "refresh_token": answer["refresh_token"]}
        renewed = client.post(fake.token_path, data=refresh)
        assert renewed.status_code == 200
        assert answer["refresh_token"] in fake.issued_tokens()
        assert renewed.json()["access_token"] in fake.issued_tokens()
        assert client.get(ORDERS, headers=bearer(renewed.json()["access_token"])).is_success
        fake.expire_tokens()
        assert client.post(fake.token_path, data=refresh).json()["error"] == "invalid_grant"


# -- collections and paging


def test_collection_shape_and_view_links_keep_the_filters(
    fake: KorusTicketFake, client: httpx.Client
) -> None:
    after = iso(NOW - 30 * 86_400)
    expected = sorted(o["id"] for o in fake.orders.values() if o["createdAt"] >= after)
    response = client.get(ORDERS, params={"createdAt[after]": after, "itemsPerPage": 7, "page": 2})
    assert response.headers["Content-Type"] == "application/ld+json; charset=utf-8"
    page = response.json()
    assert set(page) == {"@context", "@id", "@type", "totalItems", "member", "view", "search"}
    assert page["@context"] == "/v1/contexts/BookingOrder"
    assert (page["@id"], page["@type"]) == (ORDERS, "Collection")
    assert page["totalItems"] == len(expected)
    assert ids(page["member"]) == expected[7:14]
    assert all(set(member) == ORDER_KEYS for member in page["member"])
    query = f"createdAt%5Bafter%5D={quote(after, safe='')}&itemsPerPage=7"
    last = math.ceil(len(expected) / 7)
    assert page["view"] == {
        "@id": f"{ORDERS}?{query}&page=2",
        "@type": "PartialCollectionView",
        "first": f"{ORDERS}?{query}&page=1",
        "last": f"{ORDERS}?{query}&page={last}",
        "previous": f"{ORDERS}?{query}&page=1",
        "next": f"{ORDERS}?{query}&page=3",
    }
    assert "%2B00%3A00" in page["view"]["next"]  # the offset survives as %2B, not a space
    following = client.get(page["view"]["next"]).json()
    assert ids(following["member"]) == expected[14:21]
    variables = {mapping["variable"] for mapping in page["search"]["mapping"]}
    assert {"createdAt[strictly_after]", "order[createdAt]", "external_reference"} <= variables


def test_last_page_has_no_next_and_past_it_is_empty(
    fake: KorusTicketFake, client: httpx.Client
) -> None:
    total = len(fake.orders)
    last = math.ceil(total / 50)
    page = body(client, ORDERS, itemsPerPage=50, page=last)
    assert len(page["member"]) == total - 50 * (last - 1)
    assert "next" not in page["view"]
    assert page["view"]["previous"] == f"{ORDERS}?itemsPerPage=50&page={last - 1}"
    first = body(client, ORDERS, itemsPerPage=50)
    assert "previous" not in first["view"]
    assert first["view"]["@id"] == f"{ORDERS}?itemsPerPage=50&page=1"
    beyond = body(client, ORDERS, itemsPerPage=50, page=last + 5)
    assert beyond["member"] == []
    assert beyond["totalItems"] == total
    assert "next" not in beyond["view"]


def test_view_is_left_out_when_one_page_holds_all_without_a_query(client: httpx.Client) -> None:
    assert "view" not in body(client, CATALOGS)
    assert "view" not in body(client, CATALOGS, page=1)
    assert body(client, CATALOGS, itemsPerPage=5)["view"] == {
        "@id": f"{CATALOGS}?itemsPerPage=5",
        "@type": "PartialCollectionView",
    }


def test_items_per_page_defaults_to_10_and_is_clamped_to_50(
    fake: KorusTicketFake, client: httpx.Client
) -> None:
    assert len(body(client, ORDERS)["member"]) == 10
    page = body(client, ORDERS, itemsPerPage=500)
    assert len(page["member"]) == 50
    assert (
        page["view"]["last"] == f"{ORDERS}?itemsPerPage=500&page={math.ceil(len(fake.orders) / 50)}"
    )
    assert body(client, ORDERS, itemsPerPage=0)["member"] == []


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"page": "0"}, "Page should not be less than 1"),
        ({"page": "-2"}, "Page should not be less than 1"),
        ({"page": "abc"}, None),
        ({"page": "1.5"}, None),
        ({"itemsPerPage": "-1"}, "Limit should not be less than 0"),
        ({"itemsPerPage": "ten"}, None),
    ],
)
def test_bad_paging_parameters_are_400_in_api_platform_error_shape(
    client: httpx.Client, params: dict[str, str], detail: str | None
) -> None:
    error = assert_error(client.get(ORDERS, params=params), 400)
    if detail is not None:
        assert error["detail"] == detail


def test_walking_every_orders_page_returns_each_order_once(
    fake: KorusTicketFake, client: httpx.Client
) -> None:
    members = walk(client, ORDERS, itemsPerPage=50)
    assert ids(members) == sorted(fake.orders)  # ascending id is creation order
    assert [m["createdAt"] for m in members] == sorted(m["createdAt"] for m in members)
    assert members == [fake.orders[member["id"]] for member in members]


def test_created_at_after_includes_a_tie_second_and_strictly_after_excludes_it(
    fake: KorusTicketFake, client: httpx.Client
) -> None:
    tie = tie_second(fake)
    stamps = [second(order["createdAt"]) for order in fake.orders.values()]
    at_tie = sorted(o["id"] for o in fake.orders.values() if second(o["createdAt"]) == tie)
    moment = iso(tie)
    after = walk(client, ORDERS, **{"createdAt[after]": moment, "itemsPerPage": 50})
    strictly = walk(client, ORDERS, **{"createdAt[strictly_after]": moment, "itemsPerPage": 50})
    assert len(after) == sum(stamp >= tie for stamp in stamps)
    assert len(strictly) == sum(stamp > tie for stamp in stamps)
    assert ids(after)[: len(at_tie)] == at_tie
    assert ids(after)[len(at_tie) :] == ids(strictly)
    before = body(client, ORDERS, **{"createdAt[before]": moment})["totalItems"]
    strictly_before = body(client, ORDERS, **{"createdAt[strictly_before]": moment})["totalItems"]
    assert before - strictly_before == len(at_tie)
    assert before + len(strictly) == len(fake.orders)
    # the same instant written with another offset; an unparseable value is ignored
    paris = time.strftime("%Y-%m-%dT%H:%M:%S+02:00", time.gmtime(tie + 7200))
    assert body(client, ORDERS, **{"createdAt[after]": paris})["totalItems"] == len(after)
    assert body(client, ORDERS, **{"createdAt[after]": "soon"})["totalItems"] == len(fake.orders)


def test_order_created_at_desc_walks_newest_first(
    fake: KorusTicketFake, client: httpx.Client
) -> None:
    newest = walk(client, ORDERS, **{"order[createdAt]": "desc", "itemsPerPage": 50})
    assert ids(newest) == sorted(fake.orders, reverse=True)
    window = {"createdAt[after]": iso(tie_second(fake)), "order[createdAt]": "desc"}
    page = body(client, ORDERS, **window, itemsPerPage=3)
    assert page["view"]["next"].startswith(f"{ORDERS}?createdAt%5Bafter%5D=")
    assert "order%5BcreatedAt%5D=desc&itemsPerPage=3&page=2" in page["view"]["next"]
    assert ids(page["member"]) == ids(newest)[:3]


def test_reservations_page_and_filter_like_orders(
    fake: KorusTicketFake, client: httpx.Client
) -> None:
    members = walk(client, RESERVATIONS, itemsPerPage=50)
    assert ids(members) == sorted(fake.reservations)
    assert all(set(member) == RESERVATION_KEYS for member in members)
    middle = members[len(members) // 2]["createdAt"]
    later = body(client, RESERVATIONS, **{"createdAt[strictly_after]": middle})
    assert later["totalItems"] == sum(r["createdAt"] > middle for r in members)
    newest = body(client, RESERVATIONS, **{"order[createdAt]": "desc"})
    assert ids(newest["member"]) == sorted(fake.reservations, reverse=True)[:10]


def test_external_reference_filter_is_an_exact_match(
    fake: KorusTicketFake, client: httpx.Client
) -> None:
    order = next(iter(fake.orders.values()))
    found = body(client, ORDERS, external_reference=order["externalReference"])
    assert ids(found["member"]) == [order["id"]]
    partial = order["externalReference"][:-1]
    assert body(client, ORDERS, external_reference=partial)["totalItems"] == 0


# -- catalog resources, languages, errors


def test_disabled_product_bases_are_listed_only_with_with_disabled(
    fake: KorusTicketFake, client: httpx.Client
) -> None:
    catalog = next(iter(fake.catalogs))
    path = f"{CATALOGS}/{catalog}/product_bases"
    everything = [b for b in fake.product_bases.values() if b["catalog"].endswith(catalog)]
    disabled = [b for b in everything if b["disabled"]]
    assert disabled and len(disabled) < len(everything)
    listed = walk(client, path)
    assert ids(listed) == sorted(b["id"] for b in everything if not b["disabled"])
    assert ids(walk(client, path, withDisabled="true")) == sorted(b["id"] for b in everything)
    assert ids(walk(client, path, withDisabled="false")) == ids(listed)
    assert body(client, f"{path}/{disabled[0]['id']}")["disabled"] is True


def test_accept_language_picks_translated_fields(
    fake: KorusTicketFake, client: httpx.Client
) -> None:
    catalog = next(iter(fake.catalogs.values()))
    path = catalog["@id"]
    french = client.get(path)
    assert french.headers["Content-Language"] == "fr"
    assert french.json()["description"] == catalog["description"]
    english = client.get(path, headers={"Accept-Language": "en"})
    assert english.headers["Content-Language"] == "en"
    assert english.json()["description"] != catalog["description"]
    assert english.json()["name"] == catalog["name"]  # not a translated field
    for header, language in (
        ("en-GB,en;q=0.9", "en"),
        ("de", "fr"),
        ("de, en;q=0.5", "en"),
        ("en;q=0.4, fr;q=0.8", "fr"),
    ):
        response = client.get(path, headers={"Accept-Language": header})
        assert response.headers["Content-Language"] == language
        assert (response.json()["description"] == catalog["description"]) == (language == "fr")
    product = next(p for p in fake.products.values() if p["catalog"] == path)
    listed = client.get(f"{path}/products", params={"itemsPerPage": 50})
    assert {p["id"]: p["name"] for p in listed.json()["member"]}[product["id"]] == product["name"]
    translated = client.get(product["@id"], headers={"Accept-Language": "en-US"}).json()
    assert translated["name"] != product["name"]
    assert translated["category"] == product["category"]


def test_unknown_ids_and_paths_are_404_in_error_shape(
    fake: KorusTicketFake, client: httpx.Client
) -> None:
    first, second_catalog = list(fake.catalogs)[:2]
    product = next(p for p in fake.products.values() if p["catalog"].endswith(first))
    for path in (
        f"{ORDERS}/{MISSING}",
        f"{ORDERS}/not-a-uuid",
        f"{RESERVATIONS}/{MISSING}",
        f"{CATALOGS}/{MISSING}",
        f"{CATALOGS}/{second_catalog}/products/{product['id']}",  # not that catalog's
        "/v1/nothing/here",
    ):
        assert_error(client.get(path), 404)
    assert assert_error(client.get(f"{ORDERS}/{MISSING}"), 404)["detail"] == "Not Found"
    empty = body(client, f"{CATALOGS}/{MISSING}/product_bases")
    assert (empty["totalItems"], empty["member"]) == (0, [])


def test_a_single_get_is_the_member_with_its_context(
    fake: KorusTicketFake, client: httpx.Client
) -> None:
    for records, type_name in (
        (fake.catalogs, "TicketingCatalog"),
        (fake.product_bases, "TicketingProductBase"),
        (fake.products, "TicketingProduct"),
        (fake.offers, "TicketingOffer"),
        (fake.orders, "BookingOrder"),
        (fake.reservations, "BookingReservation"),
        (fake.documents, "BookingOrderDocument"),
    ):
        record = next(iter(records.values()))
        served = body(client, record["@id"])
        assert served.pop("@context") == f"/v1/contexts/{type_name}"
        assert served["@type"] == type_name
        if type_name == "BookingOrderDocument":
            served["temporaryUrl"] = None  # minted per GET
        assert served == record


def test_offer_filters_by_date_and_product_base_and_orders_by_date(
    fake: KorusTicketFake, client: httpx.Client
) -> None:
    catalog = next(iter(fake.catalogs))
    path = f"{CATALOGS}/{catalog}/offers"
    offers = [o for o in fake.offers.values() if o["catalog"].endswith(catalog)]
    today = iso(NOW // 86_400 * 86_400)
    upcoming = walk(client, path, **{"date[after]": today, "itemsPerPage": 50})
    assert sorted(ids(upcoming)) == sorted(o["id"] for o in offers if o["date"] >= today)
    assert any(o["date"] < today for o in offers)
    by_date = walk(client, path, **{"order[date]": "desc", "itemsPerPage": 50})
    assert [o["date"] for o in by_date] == sorted((o["date"] for o in offers), reverse=True)
    base = next(b for b in fake.product_bases.values() if b["catalog"].endswith(catalog))
    products = {p["@id"] for p in fake.products.values() if p["productBase"] == base["@id"]}
    of_base = walk(client, path, productBaseId=base["id"], itemsPerPage=50)
    assert sorted(ids(of_base)) == sorted(o["id"] for o in offers if o["product"] in products)
    per_base = walk(client, f"{base['@id']}/products")
    assert {p["@id"] for p in per_base} == products


# -- seeded data


def test_ids_are_uuid7_in_creation_order_and_the_seed_is_deterministic(
    fake: KorusTicketFake,
) -> None:
    for record in [*fake.orders.values(), *fake.reservations.values()]:
        value = int(record["id"].replace("-", ""), 16)
        assert value >> 76 & 0xF == 7
        assert value >> 62 & 0b11 == 0b10
        assert uuid7_ms(record["id"]) // 1000 == second(record["createdAt"])
    made = []
    for _ in range(2):
        again = KorusTicketFake(now=NOW, seed=5)
        again.seed_data(orders=50, reservations=10)
        made.append((again.catalogs, again.offers, again.orders, again.reservations))
    assert made[0] == made[1]
    other = KorusTicketFake(now=NOW, seed=6)
    other.seed_data(orders=50, reservations=10)
    assert other.orders != made[0][2]


def test_seeded_bookings_hold_the_signals_a_sync_needs(fake: KorusTicketFake) -> None:
    orders = list(fake.orders.values())
    assert tie_second(fake)
    cancelled = [o for o in orders if o["status"] == "cancelled"]
    assert cancelled
    assert all(o["cancelledAt"] >= o["createdAt"] for o in cancelled)
    assert all(o["cancelledAt"] is None for o in orders if o["status"] == "confirmed")
    reserved = [o for o in orders if o["reservation"]]
    assert reserved
    for order in reserved:
        reservation = fake.reservations[order["reservation"].rpartition("/")[2]]
        assert reservation["createdAt"] <= order["createdAt"] <= reservation["expiresAt"]
        assert reservation["catalog"] == order["catalog"]
    holds = Counter(r["expired"] for r in fake.reservations.values())
    assert holds[True] and holds[False]
    for order in orders:
        assert all(set(item) == ITEM_KEYS for item in order["items"])
        total = sum(float(item["totalAmountInclTax"]) for item in order["items"])
        assert float(order["totalAmountInclTax"]) == pytest.approx(total)
    assert any(d["downloadableAt"] > iso(NOW) for d in fake.documents.values())


def test_seeding_ten_thousand_orders_takes_seconds() -> None:
    fake = KorusTicketFake(now=NOW, seed=11)
    started = time.perf_counter()
    fake.seed_data(orders=10_000, reservations=2_000)
    assert time.perf_counter() - started < 5
    assert (len(fake.orders), len(fake.reservations)) == (10_000, 2_000)


# -- mutation helpers, as served


def test_cancel_order_keeps_created_at_and_sets_cancelled_at(
    fake: KorusTicketFake, client: httpx.Client
) -> None:
    order = next(o for o in fake.orders.values() if o["status"] == "confirmed")
    created = order["createdAt"]
    before = iso(fake.now())
    changed = fake.cancel_order(order["id"])
    served = body(client, order["@id"])
    assert served["status"] == "cancelled"
    assert served["createdAt"] == created
    assert served["cancelledAt"] == changed["cancelledAt"]
    assert before <= changed["cancelledAt"] <= iso(fake.now())  # the clock may tick meanwhile
    assert fake.cancel_order(order["id"])["cancelledAt"] == changed["cancelledAt"]


def test_reservations_expire_with_the_clock_or_by_expire_reservation() -> None:
    with small() as (fake, client):
        client.headers["Authorization"] = f"Bearer {grant(client)}"
        kept, ended = fake.add_reservations(2)
        assert body(client, kept["@id"])["expired"] is False
        created = ended["createdAt"]
        before = iso(fake.now())
        fake.expire_reservation(ended["id"])
        served = body(client, ended["@id"])
        assert served["expired"] is True
        assert before <= served["expiresAt"] <= iso(fake.now())
        assert served["createdAt"] == created
        fake.advance(HOLD)
        assert body(client, kept["@id"])["expired"] is True
        assert fake.reservations[kept["id"]]["expired"] is True


def test_add_orders_are_found_by_a_strictly_after_walk(
    fake: KorusTicketFake, client: httpx.Client
) -> None:
    mark = max(order["createdAt"] for order in fake.orders.values())
    late_in_the_same_second = fake.add_orders(2, created_at=second(mark))
    before = iso(fake.now())
    made = fake.add_orders(3)
    assert all(before <= order["createdAt"] <= iso(fake.now()) for order in made)
    assert all(order["items"] and fake._documents_by_order[order["id"]] for order in made)
    newer = walk(client, ORDERS, **{"createdAt[strictly_after]": mark, "itemsPerPage": 50})
    assert ids(newer) == ids(made)  # the same-second ones are missed: the filter's hazard
    inclusive = walk(client, ORDERS, **{"createdAt[after]": mark, "itemsPerPage": 50})
    assert set(ids(late_in_the_same_second)) <= set(ids(inclusive))


def test_add_document_and_temporary_url_is_signed_afresh_on_every_get(
    fake: KorusTicketFake, client: httpx.Client
) -> None:
    order = next(iter(fake.orders.values()))
    document = fake.add_document(order["id"])
    path = f"{order['@id']}/documents"
    listed = walk(client, path)
    assert document["id"] in ids(listed)
    first, again = body(client, document["@id"]), body(client, document["@id"])
    assert first["temporaryUrl"].startswith("https://")
    assert first["temporaryUrl"] != again["temporaryUrl"]
    assert first.pop("@context") == "/v1/contexts/BookingOrderDocument"
    assert {**first, "temporaryUrl": None} == document
    later = next(d for d in fake.documents.values() if d["downloadableAt"] > iso(fake.now()))
    assert body(client, later["@id"])["temporaryUrl"] is None


def test_catalog_changes_are_served_and_bump_last_synced_at(
    fake: KorusTicketFake, client: httpx.Client
) -> None:
    catalog = next(iter(fake.catalogs.values()))
    before = iso(fake.now())
    offer = fake.add_offer(catalog["id"], date=NOW + 10 * 86_400)
    assert offer["date"] == iso((NOW + 10 * 86_400) // 86_400 * 86_400)
    # whole seconds: the clock may tick between the change and the check
    assert before <= body(client, catalog["@id"])["lastSyncedAt"] <= iso(fake.now())
    assert offer["id"] in ids(walk(client, f"{catalog['@id']}/offers", itemsPerPage=50))
    base = next(
        b
        for b in fake.product_bases.values()
        if b["catalog"] == catalog["@id"] and not b["disabled"]
    )
    fake.update_product_base(base["id"], name={"fr": "Visite du soir", "en": "Evening tour"})
    assert body(client, base["@id"])["name"] == "Visite du soir"
    english = client.get(base["@id"], headers={"Accept-Language": "en"}).json()
    assert english["name"] == "Evening tour"
    fake.disable_product_base(base["id"])
    listed = walk(client, f"{catalog['@id']}/product_bases")
    assert base["id"] not in ids(listed)
    with pytest.raises(KeyError):
        fake.update_product_base(base["id"], id="nope")


# -- what FakeServer brings


def test_injected_faults_and_latency_are_served(
    fake: KorusTicketFake, client: httpx.Client
) -> None:
    fake.inject(503, path=ORDERS)
    assert_error(client.get(ORDERS), 503)
    assert client.get(ORDERS).status_code == 200
    fake.latency = 0.2
    try:
        started = time.perf_counter()
        client.get(CATALOGS).raise_for_status()
        assert time.perf_counter() - started >= 0.2
    finally:
        fake.latency = 0.0


def test_the_rate_limit_counts_token_requests_and_sends_retry_after() -> None:
    with small() as (fake, client):
        fake.rate_limit = 2
        token = grant(client)
        ok = client.get(CATALOGS, headers=bearer(token))
        assert ok.status_code == 200
        assert "Retry-After" not in ok.headers
        limited = client.get(CATALOGS, headers=bearer(token))
        assert_error(limited, 429)
        assert int(limited.headers["Retry-After"]) > 0
