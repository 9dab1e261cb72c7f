"""HTTP for every source: auth, timeouts, paging, retries, rate-limit pacing and clear errors.

Each source builds one `ApiClient` per run. A request is retried on 429, 5xx, connection
errors and bodies that are not complete JSON, waiting for `Retry-After` when the API sends it
and otherwise for a capped exponential backoff with full jitter. `X-Rate-Limit-Remaining` /
`X-Rate-Limit-Reset` slow the client down before the API starts refusing. Errors that retrying
cannot fix raise `ApiError` subclasses whose message names the config key or request to check.
Secrets never reach an error message; `redact` and `SecretFilter` keep them out of logs too.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

logger = logging.getLogger("ticketing.http")

# every secret a client was given, for redaction
_SECRETS: set[str] = set()

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
Params = dict[str, Any]


class ApiError(Exception):
    """A failure the user has to act on; its message is one paragraph, free of secrets."""


class CredentialsError(ApiError):
    """401/403: the API refused the configured credentials."""


class RequestRejected(ApiError):
    """400/404/422 and other non-retryable answers to one request."""


class ApiUnavailable(ApiError):
    """The API could not be reached or kept failing after every retry."""


@dataclass
class RetryPolicy:
    """How long to keep trying one request."""

    max_attempts: int = 8
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    # a Retry-After longer than this is a sign of a long ban: give up and say so
    retry_after_max: float = 600.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, self.retry_after_max)
        return random.uniform(0, min(self.backoff_max, self.backoff_base * 2**attempt))


@dataclass
class RequestStats:
    """What one source's client did in a run, for the closing summary."""

    requests: int = 0
    retries: int = 0
    waited_seconds: float = 0.0
    # resources read in parallel threads share one client
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, requests: int = 0, retries: int = 0, waited_seconds: float = 0.0) -> None:
        with self._lock:
            self.requests += requests
            self.retries += retries
            self.waited_seconds += waited_seconds


# The stats of the latest client of each source, read by the sync's closing summary.
RUN_STATS: dict[str, RequestStats] = {}


class RateLimitPacer:
    """Spreads the requests left in the window over the time left once few remain.

    Below `reserve` remaining requests each request waits reset / remaining, so a long sync
    slows down smoothly instead of running into 429s at the end of the window.
    """

    def __init__(self, reserve: int = 20) -> None:
        self.reserve = reserve
        self._remaining: int | None = None
        self._reset: float = 0.0
        self._seen_at = 0.0
        self._lock = threading.Lock()

    def observe(self, headers: Mapping[str, str]) -> None:
        remaining = _int_header(headers, "X-Rate-Limit-Remaining")
        reset = _int_header(headers, "X-Rate-Limit-Reset")
        if remaining is None or reset is None:
            return
        with self._lock:
            self._remaining, self._reset, self._seen_at = remaining, float(reset), time.monotonic()

    def wait_time(self) -> float:
        with self._lock:
            if self._remaining is None or self._remaining > self.reserve:
                return 0.0
            left = max(0.0, self._reset - (time.monotonic() - self._seen_at))
            return left if self._remaining <= 0 else left / self._remaining


class ApiClient:
    """A small httpx client for one API, shared by all resources of a source run."""

    def __init__(
        self,
        source: str,
        base_url: str,
        *,
        auth: httpx.Auth | tuple[str, str] | None = None,
        credential_keys: tuple[str, ...] = (),
        secrets: tuple[str, ...] = (),
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        pacer: RateLimitPacer | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.source = source
        self.base_url = base_url.rstrip("/")
        self.credential_keys = credential_keys
        self.retry = retry or RetryPolicy()
        self.pacer = pacer or RateLimitPacer()
        self.stats = RequestStats()
        RUN_STATS[source] = self.stats
        self._sleep = sleep
        SecretFilter.register(*secrets)
        self._http = httpx.Client(
            auth=auth,
            headers={"Accept": "application/json", **(headers or {})},
            timeout=timeout,
            follow_redirects=True,
        )

    def url_for(self, path_or_url: str) -> str:
        """Joins a path, or the path of an absolute link, to the configured base_url.

        APIs return links on their own host; resolving them against base_url keeps a proxy or a
        local fake in the loop.
        """
        parts = urlsplit(path_or_url)
        path = parts.path if parts.path.startswith("/") else "/" + parts.path
        return self.base_url + path + (f"?{parts.query}" if parts.query else "")

    def get_json(self, path: str, params: Params | None = None) -> Any:
        """GET a JSON document, retrying what can be retried and pacing by the rate limit."""
        url = self.url_for(path)
        described = _describe(path, params)
        last_problem = ""
        for attempt in range(self.retry.max_attempts):
            self._wait(self.pacer.wait_time())
            self.stats.add(requests=1)
            retry_after = None
            try:
                response = self._http.get(url, params=params)
            except httpx.TransportError as exc:
                last_problem = f"{type(exc).__name__}: {redact(str(exc)) or 'no response'}"
            else:
                self.pacer.observe(response.headers)
                if response.status_code in RETRY_STATUSES:
                    retry_after = _retry_after(response.headers)
                    last_problem = f"HTTP {response.status_code}"
                elif response.status_code >= 400:
                    raise self._rejected(response, described)
                else:
                    try:
                        return orjson.loads(response.content)
                    except orjson.JSONDecodeError:
                        last_problem = "a response body that is not complete JSON"
            if retry_after is not None and retry_after > self.retry.retry_after_max:
                raise ApiUnavailable(
                    f"{self.source}: the API asked us to wait {retry_after:.0f} s before "
                    f"{described} (rate limit). Run the sync later, or raise the rate limit "
                    "with the vendor."
                )
            if attempt + 1 < self.retry.max_attempts:
                self.stats.add(retries=1)
                delay = self.retry.delay(attempt, retry_after)
                logger.warning(
                    "%s: %s on %s; retry %d/%d in %.1f s",
                    self.source,
                    last_problem,
                    described,
                    attempt + 1,
                    self.retry.max_attempts - 1,
                    delay,
                )
                self._wait(delay)
        raise ApiUnavailable(
            f"{self.source}: gave up on {described} at {self.base_url} after "
            f"{self.retry.max_attempts} attempts; the last one got {last_problem}. Check that "
            f"`sources.{self.source}.base_url` is right and the API is reachable, then run the "
            "sync again."
        )

    def fetch_pages(
        self,
        path: str,
        params: Params,
        next_params: Callable[[Any, Params], Params | None],
        records: Callable[[Any], list[Any]],
    ) -> Iterator[list[Any]]:
        """Yields each page's records; `next_params` turns a page into the next request."""
        while True:
            page = self.get_json(path, params)
            items = records(page)
            if items:
                yield items
            following = next_params(page, params)
            if following is None:
                return
            params = following

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.stats.add(waited_seconds=seconds)
            self._sleep(seconds)

    def _rejected(self, response: httpx.Response, described: str) -> ApiError:
        status = response.status_code
        detail = _error_detail(response)
        if status in (401, 403):
            keys = " and ".join(f"`sources.{self.source}.{key}`" for key in self.credential_keys)
            env = " / ".join(
                f"SOURCES__{self.source.upper()}__{key.upper()}" for key in self.credential_keys
            )
            return CredentialsError(
                f"{self.source}: the API refused our credentials (HTTP {status} on "
                f"{described}{detail}). Check {keys} in .dlt/secrets.toml (or {env}) and that "
                "the key is active for this account."
            )
        if status == 404:
            return RequestRejected(
                f"{self.source}: {described} does not exist at {self.base_url} (HTTP 404"
                f"{detail}). Check `sources.{self.source}.base_url`."
            )
        return RequestRejected(
            f"{self.source}: the API rejected {described} (HTTP {status}{detail}). This is "
            "a request the connector should not make: please report it with this message."
        )


class SecretFilter(logging.Filter):
    """Replaces every registered secret in log records with ***."""

    @staticmethod
    def register(*secrets: str) -> None:
        # very short values would blank out ordinary words
        _SECRETS.update(s for s in secrets if s and len(s) >= 6)

    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRETS:
            record.msg = redact(record.getMessage())
            record.args = None
        return True


def redact(text: str) -> str:
    for secret in _SECRETS:
        text = text.replace(secret, "***")
    return text


def install_secret_filter() -> None:
    """Puts the filter on every handler of the root logger (call after logging is set up)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, SecretFilter) for f in handler.filters):
            handler.addFilter(SecretFilter())


def _describe(path: str, params: Params | None) -> str:
    query = "&".join(f"{k}={v}" for k, v in (params or {}).items())
    return f"GET {path}" + (f"?{query}" if query else "")


def _error_detail(response: httpx.Response) -> str:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    return f": {redact(str(message))}" if message else ""


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    try:
        return int(float(headers[name]))
    except (KeyError, ValueError):
        return None


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
