"""Keeping secrets out of logs and error messages."""

from __future__ import annotations

import logging
import threading


class Secrets:
    """The secrets of one run (API keys, tokens, passwords), to blank out wherever text leaves."""

    # very short values would blank out ordinary words
    min_length = 6

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def add(self, *values: str) -> None:
        with self._lock:
            self._values.update(v for v in values if v and len(v) >= self.min_length)

    def redact(self, text: str) -> str:
        with self._lock:
            values = sorted(self._values, key=len, reverse=True)
        for value in values:
            text = text.replace(value, "***")
        return text


class SecretFilter(logging.Filter):
    """Replaces every secret of a run in log records with ***."""

    def __init__(self, secrets: Secrets) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.secrets.redact(record.getMessage())
        record.args = None
        return True


def install_secret_filter(secrets: Secrets) -> None:
    """Puts a filter on every handler of the root logger (call after logging is set up)."""
    for handler in logging.getLogger().handlers:
        for old in [f for f in handler.filters if isinstance(f, SecretFilter)]:
            handler.removeFilter(old)
        handler.addFilter(SecretFilter(secrets))
