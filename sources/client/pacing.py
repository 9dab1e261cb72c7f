"""Pacing requests by the API's rate-limit headers, across threads and async tasks."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping


class RateLimitPacer:
    """Keeps requests inside the API's rate limit, across threads and async tasks alike.

    While the API reports plenty of requests left, requests go out at once. Once `reserve` or
    fewer remain, requests get slots spaced by the time to the window's reset divided by what
    is left, so a long sync slows down smoothly instead of running into 429s. For APIs that do
    not say when the window resets, the whole `window_seconds` is assumed to be ahead. A 429
    pauses every request until its `Retry-After` has passed, so concurrent requests do not
    hammer the API.
    """

    def __init__(
        self,
        reserve: int = 20,
        remaining_header: str = "X-Rate-Limit-Remaining",
        reset_header: str | None = "X-Rate-Limit-Reset",
        window_seconds: float | None = None,
    ) -> None:
        self.reserve = reserve
        self.remaining_header = remaining_header
        self.reset_header = reset_header
        self.window_seconds = window_seconds
        self._remaining: int | None = None
        self._reset: float | None = None
        self._seen_at = 0.0
        self._last_slot = 0.0
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def observe(self, headers: Mapping[str, str]) -> None:
        remaining = _int_header(headers, self.remaining_header)
        if remaining is None:
            return
        reset = _int_header(headers, self.reset_header) if self.reset_header else None
        with self._lock:
            self._remaining, self._seen_at = remaining, time.monotonic()
            self._reset = None if reset is None else float(reset)

    def pause(self, seconds: float) -> None:
        """Holds every request back for `seconds` (the API said it is overloaded)."""
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def wait_time(self) -> float:
        """How long the caller must wait before sending; reserves its slot."""
        with self._lock:
            now = time.monotonic()
            ready = max(now, self._paused_until)
            if self._remaining is not None and self._remaining <= self.reserve:
                until_reset = self._until_reset(now)
                if self._remaining <= 0 and until_reset is not None:
                    ready = max(ready, now + until_reset)
                else:
                    ready = max(ready, self._last_slot) + self._interval(until_reset)
            self._last_slot = max(self._last_slot, ready)
            return ready - now

    def _until_reset(self, now: float) -> float | None:
        if self._reset is None:
            return self.window_seconds
        return max(0.0, self._reset - (now - self._seen_at))

    def _interval(self, until_reset: float | None) -> float:
        return 0.0 if until_reset is None else until_reset / max(1, self._remaining or 0)


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    try:
        return int(float(headers[name]))
    except (KeyError, ValueError):
        return None
