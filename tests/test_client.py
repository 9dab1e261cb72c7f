"""The shared HTTP layer: retries, backoff, pacing, link resolution, errors and redaction."""

from __future__ import annotations

import asyncio
import io
import logging

import httpx
import pytest

from fakes.server import FakeServer, Response
from sources.client import (
    ApiClient,
    ApiUnavailable,
    AsyncApiClient,
    ClientCredentials,
    CredentialsError,
    RateLimitPacer,
    RequestRejected,
    RetryPolicy,
    Run,
    SecretFilter,
    Secrets,
    fan_out,
)

SECRET = "sk_client_test_secret_value"


class EchoServer(FakeServer):
    """Answers GET /items with a fixed document, behind Basic auth."""

    def __init__(self) -> None:
        super().__init__()
        self.route("GET", r"/items", lambda request: Response(200, {"data": [1, 2, 3]}))
        self.route(
            "GET", r"/invalid", lambda request: Response(422, {"message": "limit is too big"})
        )

    def authorize(self, request):
        expected = "Basic " + httpx.BasicAuth(SECRET, "")._auth_header.split(" ", 1)[1]
        if request.headers.get("Authorization") != expected:
            return Response(401, {"message": "Unauthorized"})
        return None


@pytest.fixture
def server():
    echo = EchoServer()
    with echo.serve():
        yield echo


def client_for(server: FakeServer, key: str = SECRET, attempts: int = 5) -> tuple[ApiClient, list]:
    waits: list[float] = []
    client = ApiClient(
        "test_source",
        server.url,
        auth=(key, ""),
        credential_keys=("api_key",),
        secrets=(key,),
        retry=RetryPolicy(max_attempts=attempts, backoff_base=0.01),
        sleep=waits.append,
    )
    return client, waits


def test_retries_server_errors_and_broken_bodies_until_success(server) -> None:
    server.inject(500, 502, 503, 504, "truncated", "malformed", "disconnect")
    client, _ = client_for(server, attempts=8)
    assert client.get_json("/items") == {"data": [1, 2, 3]}
    assert client.stats.retries == 7
    assert client.stats.requests == 8


def test_429_waits_for_retry_after(server) -> None:
    server.inject(429)
    client, waits = client_for(server)
    assert client.get_json("/items") == {"data": [1, 2, 3]}
    assert waits == [pytest.approx(1.0, abs=0.05)]  # the fake's Retry-After


def test_gives_up_after_max_attempts_naming_base_url(server) -> None:
    server.inject(*[503] * 3)
    client, _ = client_for(server, attempts=3)
    with pytest.raises(ApiUnavailable, match=r"sources\.test_source\.base_url"):
        client.get_json("/items")


def test_unreachable_host_is_an_api_unavailable_error() -> None:
    client = ApiClient(
        "test_source",
        "http://127.0.0.1:9",
        retry=RetryPolicy(max_attempts=2, backoff_base=0),
        sleep=lambda s: None,
    )
    with pytest.raises(ApiUnavailable, match="ConnectError"):
        client.get_json("/items")


def test_backoff_is_capped_exponential_with_jitter() -> None:
    policy = RetryPolicy(backoff_base=1.0, backoff_max=8.0)
    delays = [policy.delay(attempt, None) for attempt in range(10) for _ in range(50)]
    assert all(0 <= d <= 8.0 for d in delays)
    assert len(set(delays)) > 100  # jittered, not fixed
    assert max(policy.delay(0, None) for _ in range(200)) <= 1.0
    assert policy.delay(3, retry_after=42.0) == 42.0


def test_pacer_spreads_the_last_requests_over_the_window() -> None:
    pacer = RateLimitPacer(reserve=20)
    pacer.observe({"X-Rate-Limit-Remaining": "500", "X-Rate-Limit-Reset": "100"})
    assert pacer.wait_time() == 0
    pacer.observe({"X-Rate-Limit-Remaining": "10", "X-Rate-Limit-Reset": "100"})
    assert 9 < pacer.wait_time() <= 10
    pacer.observe({"X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": "30"})
    assert 29 < pacer.wait_time() <= 30


def test_client_slows_down_before_the_api_refuses(server) -> None:
    server.rate_limit, server.rate_window = 25, 60
    client, waits = client_for(server)
    for _ in range(10):
        client.get_json("/items")
    assert waits and all(w > 0 for w in waits)
    assert server.request_count() == 10  # no 429 was needed


def test_wrong_credentials_name_the_config_key(server) -> None:
    client, _ = client_for(server, key="sk_wrong_secret_key")
    with pytest.raises(CredentialsError) as error:
        client.get_json("/items")
    message = str(error.value)
    assert "sources.test_source.api_key" in message
    assert "SOURCES__TEST_SOURCE__API_KEY" in message
    assert "sk_wrong_secret_key" not in message


def test_not_found_and_rejected_requests_name_the_request(server) -> None:
    client, _ = client_for(server)
    with pytest.raises(RequestRejected, match=r"GET /nowhere\?limit=5"):
        client.get_json("/nowhere", {"limit": 5})
    with pytest.raises(RequestRejected, match="limit is too big"):
        client.get_json("/invalid")


def test_links_on_the_vendor_host_resolve_against_base_url() -> None:
    client = ApiClient("test_source", "http://127.0.0.1:8080/proxy/")
    assert (
        client.url_for("https://api.vendor.example/events?page=2")
        == "http://127.0.0.1:8080/proxy/events?page=2"
    )
    assert client.url_for("/v1/orders") == "http://127.0.0.1:8080/proxy/v1/orders"


def test_secrets_are_redacted_from_log_records() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    secrets = Secrets()
    handler.addFilter(SecretFilter(secrets))
    log = logging.getLogger("ticketing.test")
    log.addHandler(handler)
    try:
        ApiClient("test_source", "http://127.0.0.1:9", run=Run(secrets), secrets=(SECRET,))
        log.warning("key was %s", SECRET)
    finally:
        log.removeHandler(handler)
    assert SECRET not in stream.getvalue()
    assert "key was ***" in stream.getvalue()


def test_fan_out_keeps_its_window_and_yields_every_result() -> None:
    in_flight = peak = 0

    async def fetch(n: int) -> int:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.001 * (n % 3))
        in_flight -= 1
        return n

    async def collect() -> list[int]:
        return [n async for n in fan_out(range(50), fetch, window=4)]

    assert sorted(asyncio.run(collect())) == list(range(50))
    assert peak == 4


def test_async_client_caps_the_requests_in_flight(server) -> None:
    server.latency = 0.02
    client, _ = client_for(server)
    api = AsyncApiClient(client, concurrency=3)

    async def many() -> list:
        return await asyncio.gather(*[api.get_json("/items") for _ in range(12)])

    assert asyncio.run(many()) == [{"data": [1, 2, 3]}] * 12
    assert server.peak_in_flight == 3


class ShortTokens(FakeServer):
    """An OAuth2 token endpoint issuing tokens that live 1.5 s, and GET /items behind them."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens_issued = 0
        self.route("POST", r"/token", self.token)
        self.route("GET", r"/items", lambda request: Response(200, {"data": [1]}))

    def token(self, request) -> Response:
        self.tokens_issued += 1
        return Response(200, {"access_token": f"token-{self.tokens_issued:06}", "expires_in": 1.5})

    def authorize(self, request):
        if request.path == "/token" or request.headers.get("Authorization", "").startswith(
            "Bearer token-"
        ):
            return None
        return Response(401, {"message": "Unauthorized"})


def test_short_lived_tokens_cost_one_token_request_per_lifetime() -> None:
    server = ShortTokens()
    with server.serve() as url:
        auth = ClientCredentials("test_source", f"{url}/token", "client", "client-secret-value")
        client = ApiClient("test_source", url, auth=auth)
        server.latency = 0.05
        for _ in range(30):  # about 1.5 s: one lifetime, renewed after two thirds of it
            client.get_json("/items")
    assert server.tokens_issued <= 3
    assert client.stats.token_requests == server.tokens_issued


def test_tokens_are_renewed_a_minute_early_or_after_two_thirds_of_their_life() -> None:
    auth = ClientCredentials("test_source", "http://127.0.0.1:9/token", "client", "secret")
    assert auth.renewal_delay(1800) == 1740
    assert auth.renewal_delay(30) == 20
