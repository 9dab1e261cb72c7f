"""One paragraph for each failure a user can fix, naming what to fix; None for anything else.

dlt wraps what went wrong in its own step exceptions, so `explain` walks the chain of causes
to the first failure it knows. Messages never carry secrets (see `sources.client.Secrets`).
"""

from __future__ import annotations

import re
import signal
from collections.abc import Iterator

import duckdb
import psycopg2
from dlt.common.configuration.exceptions import (
    ConfigFieldMissingException,
    ConfigValueCannotBeCoercedException,
)
from dlt.common.exceptions import SignalReceivedException

from sources.client import ApiError, Secrets, config_key, env_name

from .config import ConfigError

# what a user would call the type a config key wants
TYPE_NAMES = {int: "a whole number", float: "a number", bool: "true or false", str: "text"}


class PipelineBusy(Exception):
    """Another run of the same pipeline holds its lock; one paragraph."""


class Stopped(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C's KeyboardInterrupt so that every layer unwinds the same way."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception, then what it wraps, breadth first, each once."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        pending += [getattr(current, "exception", None), current.__cause__, current.__context__]


def stop_signal(exc: BaseException) -> int | None:
    """The signal that stopped the run (Ctrl-C is SIGINT), or None if none did."""
    for current in causes(exc):
        if isinstance(current, Stopped):
            return current.signum
        if isinstance(current, SignalReceivedException):
            return current.signal_code
        if isinstance(current, KeyboardInterrupt):
            return signal.SIGINT
    return None


def explain(exc: BaseException, target: str, secrets: Secrets) -> str | None:
    """The one-paragraph message for an expected failure of `target` (`ticket_tailor`,
    `ticket_tailor:london`), None for anything else."""
    for current in causes(exc):
        if isinstance(current, ApiError | ConfigError):
            return secrets.redact(str(current))
        if isinstance(current, ConfigFieldMissingException):
            return _missing_config(current, target)
        if isinstance(current, ConfigValueCannotBeCoercedException):
            return _wrong_type(current, target, secrets)
        if isinstance(current, psycopg2.OperationalError):
            return _postgres(current, secrets)
        if isinstance(current, duckdb.Error):
            return (
                f"DuckDB failed: {secrets.redact(str(current)).strip()}. Check that "
                "DESTINATION__DUCKDB__CREDENTIALS (default ./ticketing.duckdb) names a file in "
                "a writable directory and that no other program holds it open; nothing was "
                "loaded."
            )
    return None


def _missing_config(exc: ConfigFieldMissingException, target: str) -> str:
    """Names the keys to set (an account's own, which takes precedence); dlt's own message
    lists every place it looked."""
    keys = [config_key(target, field) for field in exc.traces]
    envs = [env_name(target, field) for field in exc.traces]
    return (
        f"missing configuration: {', '.join(keys)}. Put it in .dlt/secrets.toml (see "
        f".dlt/secrets.toml.example) or set {', '.join(envs)} in the environment."
    )


def _wrong_type(exc: ConfigValueCannotBeCoercedException, target: str, secrets: Secrets) -> str:
    key = config_key(target, exc.field_name)
    wanted = TYPE_NAMES.get(exc.hint, f"a value of type {getattr(exc.hint, '__name__', exc.hint)}")
    return (
        f"{target}: the configuration value of {key} ({env_name(target, exc.field_name)}) is "
        f"{secrets.redact(repr(exc.field_value))}, which is not {wanted}. Fix it in "
        ".dlt/config.toml, .dlt/secrets.toml or the environment."
    )


def _postgres(exc: psycopg2.OperationalError, secrets: Secrets) -> str:
    """Says what actually failed: no such database, refused login, or no server."""
    text = secrets.redact(str(exc)).strip()
    fix = "DESTINATION__POSTGRES__CREDENTIALS (or [destination.postgres] in .dlt/secrets.toml)"
    if database := re.search(r'database "([^"]+)" does not exist', text):
        return (
            f'the Postgres database "{database[1]}" does not exist on that server. Create it '
            f"(createdb {database[1]}) or name another in {fix}; nothing was loaded."
        )
    if "authentication failed" in text or "no password supplied" in text:
        return f"Postgres refused the login ({text}). Check the user and password in {fix}."
    if "could not" in text or "Connection refused" in text or "timeout" in text:
        return (
            f"could not reach the Postgres server ({text}). Check the host and port in {fix} "
            "and that the server is up; nothing was loaded."
        )
    return f"Postgres failed: {text}. Check {fix}; nothing was loaded."
