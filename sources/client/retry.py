"""When to retry a request, and how long to wait first."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass
class RetryPolicy:
    """How long to keep trying one request."""

    max_attempts: int = 8
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    # a Retry-After longer than this is a sign of a long ban: give up and say so
    retry_after_max: float = 600.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Retry-After when the API sent one, else a capped exponential backoff, full jitter."""
        if retry_after is not None:
            return min(retry_after, self.retry_after_max)
        return random.uniform(0, min(self.backoff_max, self.backoff_base * 2**attempt))


@dataclass
class Failure:
    """Why one attempt failed, for the retry decision and the final message."""

    problem: str
    retry_after: float | None = None
    rate_limited: bool = False


def status_failure(response: httpx.Response) -> Failure:
    status = response.status_code
    return Failure(f"HTTP {status}", retry_after(response.headers), status == 429)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Retry-After in seconds, given as seconds or as an HTTP date."""
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
