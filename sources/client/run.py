"""What one sync shares with the clients of its sources: secrets and request statistics."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from .redaction import Secrets


@dataclass
class RequestStats:
    """What one source's client did in a run, for the closing summary."""

    requests: int = 0
    retries: int = 0
    waited_seconds: float = 0.0
    token_requests: int = 0
    # resources read in parallel threads share one client
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(
        self,
        requests: int = 0,
        retries: int = 0,
        waited_seconds: float = 0.0,
        token_requests: int = 0,
    ) -> None:
        with self._lock:
            self.requests += requests
            self.retries += retries
            self.waited_seconds += waited_seconds
            self.token_requests += token_requests


@dataclass
class Run:
    """One sync: the secrets every client registers, and each source's request statistics."""

    secrets: Secrets = field(default_factory=Secrets)
    stats: dict[str, RequestStats] = field(default_factory=dict)

    def stats_for(self, source: str) -> RequestStats:
        """A fresh count for a source's client (a source built again starts from zero)."""
        self.stats[source] = RequestStats()
        return self.stats[source]
