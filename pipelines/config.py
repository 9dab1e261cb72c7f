"""What a sync is configured to do: which sources, which destination, and what looks wrong.

Everything is read through dlt's own resolution (environment, `.dlt/secrets.toml`,
`.dlt/config.toml`), so a key works wherever the README says it may be set. Problems found
here raise `ConfigError`, a one-paragraph message naming the key to fix.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import logging
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dlt
from dlt.common.configuration import configspec, resolve_configuration
from dlt.common.configuration.exceptions import ConfigFieldMissingException, InvalidNativeValue
from dlt.common.configuration.providers.toml import SettingsTomlProvider
from dlt.common.configuration.specs import BaseConfiguration
from dlt.common.destination import Destination
from dlt.common.typing import TSecretStrValue
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials
from dlt.destinations.impl.postgres.configuration import (
    PostgresCredentials as DltPostgresCredentials,
)

from sources.client import Secrets

logger = logging.getLogger("ticketing")


class ConfigError(Exception):
    """A configuration problem: one paragraph naming the key to fix."""


@dataclass(frozen=True)
class SourceEntry:
    module: str
    factory: str
    secrets: tuple[str, ...]

    def source_function(self) -> Callable[..., Any]:
        return getattr(importlib.import_module(self.module), self.factory)


SOURCES = {
    "ticket_tailor": SourceEntry("sources.ticket_tailor", "ticket_tailor_source", ("api_key",)),
    "ticketsource": SourceEntry("sources.ticketsource", "ticketsource_source", ("api_key",)),
    "korusticket": SourceEntry(
        "sources.korusticket", "korusticket_source", ("client_id", "client_secret")
    ),
}

# .dlt/secrets.toml.example marks what to fill in with "..." ("skl-...", "...")
PLACEHOLDER = "..."
SECRETS_EXAMPLE = ".dlt/secrets.toml.example"

DEFAULT_DUCKDB_FILE = "ticketing.duckdb"
# DuckDB takes 80% of RAM by default; a scheduled sync shares its machine, so it is held to
# `destination.duckdb.memory_limit` and spills merges to disk beyond it. One thread and no
# insertion order keep merges of 300,000 orders inside 128MB (measured; more threads ran out).
DEFAULT_DUCKDB_MEMORY_LIMIT = "128MB"
DUCKDB_SETTINGS = {"threads": 1, "preserve_insertion_order": False}
DSN_FORMAT = "postgresql://user:password@host:5432/database"


def configured_sources(required: bool = False) -> list[str]:
    """Sources whose credentials are all set to real values; says which hold placeholders.
    With `required`, none is a ConfigError."""
    names = []
    for name in SOURCES:
        values = _secrets(name)
        if not all(values.values()):
            continue
        if placeholders := _placeholder_keys(name, values):
            logger.warning(
                "%s: skipped: %s still holds the placeholder from %s",
                name,
                ", ".join(placeholders),
                SECRETS_EXAMPLE,
            )
            continue
        names.append(name)
    if required and not names:
        keys = ", ".join(
            f"sources.{name}.{key}" for name, entry in SOURCES.items() for key in entry.secrets
        )
        raise ConfigError(
            f"no source is configured with real credentials. Set those of at least one ({keys}) "
            f"in .dlt/secrets.toml (copy {SECRETS_EXAMPLE}) or in the environment "
            "(SOURCES__TICKET_TAILOR__API_KEY, ...), or name a source to see what it needs."
        )
    return names


def check_placeholders(name: str) -> None:
    """A source whose credentials still hold the example's placeholders cannot run."""
    if placeholders := _placeholder_keys(name, _secrets(name)):
        envs = ", ".join(key.upper().replace(".", "__") for key in placeholders)
        raise ConfigError(
            f"{name}: {', '.join(placeholders)} still holds the placeholder copied from "
            f"{SECRETS_EXAMPLE}. Put the real value in .dlt/secrets.toml or set {envs}."
        )


def _secrets(name: str) -> dict[str, str | None]:
    return {key: dlt.secrets.get(f"sources.{name}.{key}") for key in SOURCES[name].secrets}


def _placeholder_keys(name: str, values: dict[str, str | None]) -> list[str]:
    return [
        f"sources.{name}.{key}"
        for key, value in values.items()
        if isinstance(value, str) and PLACEHOLDER in value
    ]


def warn_unknown_keys(name: str) -> None:
    """One warning for the keys under `sources.<name>` that the source does not read: a typo
    (`lookbak_days`) would otherwise be ignored in silence."""
    known = set(inspect.signature(SOURCES[name].source_function()).parameters)
    unknown = sorted(_keys_under(name) - known)
    if not unknown:
        return
    hints = []
    for key in unknown:
        close = difflib.get_close_matches(key, known, n=1)
        hints.append(f"sources.{name}.{key}" + (f" (did you mean {close[0]}?)" if close else ""))
    logger.warning(
        "%s: ignoring unknown configuration %s; this source reads %s",
        name,
        ", ".join(hints),
        ", ".join(sorted(known)),
    )


def _keys_under(name: str) -> set[str]:
    """The keys set under `sources.<name>`, in the environment and in the TOML files."""
    prefix = f"SOURCES__{name.upper()}__"
    keys = {
        variable[len(prefix) :].split("__")[0].lower()
        for variable in os.environ
        if variable.upper().startswith(prefix)
    }
    for provider in dlt.config.config_providers:
        if isinstance(provider, SettingsTomlProvider):
            section = tomllib.loads(provider.to_toml()).get("sources", {}).get(name, {})
            keys |= set(section)
    return keys


def destination(kind: str, secrets: Secrets) -> Destination:
    """The destination, its settings checked now rather than halfway through a run; a
    password joins the run's secrets."""
    if kind == "duckdb":
        return _duckdb()
    return dlt.destinations.postgres(credentials=_postgres_credentials(secrets))


def _duckdb() -> Destination:
    """DuckDB with its default file and a memory limit; a credentials table is dlt's to read."""
    database = dlt.config.get("destination.duckdb.credentials")
    if database is not None and not isinstance(database, str):
        return dlt.destinations.duckdb()
    memory_limit = dlt.config.get("destination.duckdb.memory_limit") or DEFAULT_DUCKDB_MEMORY_LIMIT
    credentials = DuckDbCredentials(
        database or DEFAULT_DUCKDB_FILE,
        global_config={**DUCKDB_SETTINGS, "memory_limit": memory_limit},
    )
    return dlt.destinations.duckdb(credentials=credentials)


@configspec(init=False)
class PostgresCredentials(DltPostgresCredentials):
    """dlt's Postgres credentials, but a password is optional (trust and peer auth)."""

    password: TSecretStrValue | None = None


@configspec
class PostgresSettings(BaseConfiguration):
    credentials: PostgresCredentials = None


def _postgres_credentials(secrets: Secrets) -> PostgresCredentials:
    try:
        settings = resolve_configuration(PostgresSettings(), sections=("destination", "postgres"))
    except InvalidNativeValue:
        raise ConfigError(
            "DESTINATION__POSTGRES__CREDENTIALS (or [destination.postgres] credentials in "
            f".dlt/secrets.toml) is not a connection string: it must look like {DSN_FORMAT} "
            "(leave out `:password` for trust or peer auth)."
        ) from None
    except ConfigFieldMissingException as exc:
        missing = sorted(
            {
                f"{field}.{nested}"
                for field, traces in exc.traces.items()
                for trace in traces
                for nested in getattr(trace, "traces", {})
            }
        ) or list(exc.fields)
        raise ConfigError(
            f"the Postgres destination is not configured (missing {', '.join(missing)}). Set "
            f"DESTINATION__POSTGRES__CREDENTIALS to a connection string such as {DSN_FORMAT} "
            "(or [destination.postgres] credentials in .dlt/secrets.toml)."
        ) from None
    credentials = settings.credentials
    if credentials.password:
        secrets.add(str(credentials.password))
    return credentials
