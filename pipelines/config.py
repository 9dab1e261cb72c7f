"""What a sync is configured to do: which targets (sources and their accounts), which
destination, and what looks wrong.

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
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dlt
from dlt.common.configuration import configspec, resolve_configuration
from dlt.common.configuration.exceptions import (
    ConfigFieldMissingException,
    ConfigValueCannotBeCoercedException,
    InvalidNativeValue,
)
from dlt.common.configuration.providers.toml import SettingsTomlProvider
from dlt.common.configuration.specs import BaseConfiguration
from dlt.common.destination import Destination
from dlt.common.typing import TSecretStrValue
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials
from dlt.destinations.impl.postgres.configuration import (
    PostgresCredentials as DltPostgresCredentials,
)
from dlt.extract import DltSource

from sources.client import Run, Secrets, config_key, env_name

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
# `sources.SOURCE.accounts` lists the platform's named accounts
ACCOUNTS_KEY = "accounts"
ACCOUNT_NAME = re.compile(r"[a-z0-9_]+")
# keys under `sources.SOURCE` read outside the source: by the analytics models
# (pipelines.models) and by the webhook receiver (pipelines.webhooks)
READ_ELSEWHERE = {"ticketsource": {"currency"}, "ticket_tailor": {"webhook_secret"}}
# source arguments that the sync passes itself, never configured
PASSED_BY_THE_SYNC = {"run", "changes"}
WEBHOOK_SOURCE, WEBHOOK_SECRET = "ticket_tailor", "webhook_secret"
SECRETS_EXAMPLE = ".dlt/secrets.toml.example"

DEFAULT_DUCKDB_FILE = "ticketing.duckdb"
# DuckDB takes 80% of RAM by default; a scheduled sync shares its machine, so it is held to
# `destination.duckdb.memory_limit` and spills merges to disk beyond it. One thread and no
# insertion order keep merges of 300,000 orders inside 128MB (measured; more threads ran out).
DEFAULT_DUCKDB_MEMORY_LIMIT = "128MB"
DUCKDB_SETTINGS = {"threads": 1, "preserve_insertion_order": False}
DSN_FORMAT = "postgresql://user:password@host:5432/database"


@dataclass(frozen=True)
class Target:
    """What one run of the sync loads: a platform's default account, or one of its named
    accounts (`ticket_tailor:london`)."""

    source: str
    account: str | None = None

    @property
    def label(self) -> str:
        """How the target is named on the command line and in messages: `ticket_tailor:london`."""
        return f"{self.source}:{self.account}" if self.account else self.source

    @property
    def name(self) -> str:
        """Its pipeline, dataset and lock: `ticket_tailor_london`; the default account's is
        the platform's own, `ticket_tailor`."""
        return f"{self.source}_{self.account}" if self.account else self.source

    @property
    def entry(self) -> SourceEntry:
        return SOURCES[self.source]

    def build(self, run: Run, **passed: Any) -> DltSource:
        """The dlt source, an account's keys resolved under `sources.SOURCE.NAME` first;
        `passed` are the arguments the sync gives it itself (PASSED_BY_THE_SYNC)."""
        function = self.entry.source_function()
        if not self.account:
            return function(run=run, **passed)
        # dlt looks a source's keys up under its name, then under its section (`SOURCE`)
        source = function.with_args(name=self.account)(run=run, **passed)
        # its schema (and so its state) named like its pipeline and dataset
        source.schema = source.schema.clone(with_name=self.name)
        return source

    def __str__(self) -> str:
        return self.label


def parse_target(text: str) -> Target:
    """`SOURCE` or `SOURCE:NAME`; a ValueError says what is wrong."""
    source, _, account = text.partition(":")
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; choose from {', '.join(SOURCES)}")
    if ":" in text:
        _check_account_name(source, account, f"in {text!r}")
    return Target(source, account or None)


def _check_account_name(source: str, account: object, where: str) -> None:
    if not isinstance(account, str) or not ACCOUNT_NAME.fullmatch(account):
        raise ValueError(
            f"account name {account!r} {where} is not valid: use lower-case letters, digits "
            "and _ (ticket_tailor:london)"
        )
    if account in _parameters(source) or account == ACCOUNTS_KEY:
        raise ValueError(
            f"account name {account!r} {where} is also a setting of {source} "
            f"(sources.{source}.{account}): choose another name"
        )


def accounts(source: str) -> list[Target]:
    """The named accounts listed in `sources.SOURCE.accounts`."""
    key = f"sources.{source}.{ACCOUNTS_KEY}"
    env = key.upper().replace(".", "__")
    try:
        names = dlt.config.get(key, list) or []
        for name in names:
            _check_account_name(source, name, f"in {key}")
    except (ConfigValueCannotBeCoercedException, ValueError) as exc:
        coerced = isinstance(exc, ConfigValueCannotBeCoercedException)  # a ValueError, too
        problem = "it is not a list of names" if coerced else str(exc)
        raise ConfigError(
            f'{key} ({env}) must list account names, as in accounts = ["london", "paris"] '
            f'in .dlt/config.toml or {env}=\'["london","paris"]\': {problem}.'
        ) from None
    return [Target(source, name) for name in dict.fromkeys(names)]


def configured_targets(required: bool = False) -> list[Target]:
    """Each platform's default account when its own credentials are set to real values (says
    which hold placeholders), then its listed accounts. With `required`, none is a
    ConfigError."""
    targets = []
    for source in SOURCES:
        default = Target(source)
        values = _secrets(default)
        if all(values.values()):
            if placeholders := _placeholder_keys(values):
                logger.warning(
                    "%s: skipped: %s still holds the placeholder from %s",
                    source,
                    ", ".join(placeholders),
                    SECRETS_EXAMPLE,
                )
            else:
                targets.append(default)
        targets += accounts(source)
    if required and not targets:
        keys = ", ".join(
            f"sources.{name}.{key}" for name, entry in SOURCES.items() for key in entry.secrets
        )
        raise ConfigError(
            f"no source is configured with real credentials. Set those of at least one ({keys}) "
            f"in .dlt/secrets.toml (copy {SECRETS_EXAMPLE}) or in the environment "
            "(SOURCES__TICKET_TAILOR__API_KEY, ...), or list accounts in "
            "sources.SOURCE.accounts, or name a source to see what it needs."
        )
    return targets


def check_placeholders(target: Target) -> None:
    """A target whose credentials still hold the example's placeholders cannot run."""
    if placeholders := _placeholder_keys(_secrets(target)):
        envs = ", ".join(key.upper().replace(".", "__") for key in placeholders)
        raise ConfigError(
            f"{target}: {', '.join(placeholders)} still holds the placeholder copied from "
            f"{SECRETS_EXAMPLE}. Put the real value in .dlt/secrets.toml or set {envs}."
        )


def _secrets(target: Target) -> dict[str, str | None]:
    """The target's credentials by the key that holds each: an account's own key, else the
    platform's."""
    values = {}
    for key in target.entry.secrets:
        holder = config_key(target.label, key)
        value = dlt.secrets.get(holder)
        if value is None and target.account:
            holder = config_key(target.source, key)
            value = dlt.secrets.get(holder)
        values[holder] = value
    return values


def _placeholder_keys(values: dict[str, str | None]) -> list[str]:
    return [key for key, value in values.items() if isinstance(value, str) and PLACEHOLDER in value]


def webhook_secrets() -> dict[Target, str]:
    """The Ticket Tailor accounts whose webhooks are received, with the secret that signs
    them: each account's own (`sources.ticket_tailor.NAME.webhook_secret`; one secret per
    subscription, so no fallback to the default account's). ConfigError if none has one, or
    one still holds a placeholder."""
    secrets = {}
    for target in [Target(WEBHOOK_SOURCE), *accounts(WEBHOOK_SOURCE)]:
        key = config_key(target.label, WEBHOOK_SECRET)
        secret = dlt.secrets.get(key)
        if secret is None:
            continue
        if not isinstance(secret, str) or not secret.strip() or PLACEHOLDER in secret:
            raise ConfigError(
                f"{key} ({env_name(target.label, WEBHOOK_SECRET)}) must be the shared secret "
                "shown in Ticket Tailor's webhooks dashboard (Settings > API > Webhooks), not "
                "empty or a placeholder."
            )
        secrets[target] = secret
    if not secrets:
        raise ConfigError(
            "no Ticket Tailor webhook secret is set. Put the shared secret from Ticket Tailor's "
            "webhooks dashboard (Settings > API > Webhooks) in sources.ticket_tailor."
            "webhook_secret (.dlt/secrets.toml or SOURCES__TICKET_TAILOR__WEBHOOK_SECRET), or "
            "an account's in sources.ticket_tailor.NAME.webhook_secret."
        )
    return secrets


def warn_unknown_keys(target: Target) -> None:
    """One warning for the keys under `sources.SOURCE` (and the account's section) that the
    source does not read: a typo (`lookbak_days`) would otherwise be ignored in silence."""
    known = _parameters(target.source)
    sections = {account.account for account in accounts(target.source)} | {target.account}
    unknown = _keys_under(target.source) - known - sections - {ACCOUNTS_KEY}
    hints = [_hint(target.source, key, known) for key in sorted(unknown)]
    if target.account:
        own = _keys_under(target.source, target.account) - known
        hints += [_hint(target.label, key, known) for key in sorted(own)]
    if hints:
        logger.warning(
            "%s: ignoring unknown configuration %s; this source reads %s, and the accounts "
            "listed in sources.%s.accounts",
            target,
            ", ".join(hints),
            ", ".join(sorted(known)),
            target.source,
        )


def _hint(label: str, key: str, known: set[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    return config_key(label, key) + (f" (did you mean {close[0]}?)" if close else "")


def _parameters(source: str) -> set[str]:
    """The keys a source reads, and those read elsewhere under it."""
    parameters = set(inspect.signature(SOURCES[source].source_function()).parameters)
    return parameters - PASSED_BY_THE_SYNC | READ_ELSEWHERE.get(source, set())


def _keys_under(*path: str) -> set[str]:
    """The keys set under `sources.<path>`, in the environment and in the TOML files."""
    prefix = "__".join(["SOURCES", *path]).upper() + "__"
    keys = {
        variable[len(prefix) :].split("__")[0].lower()
        for variable in os.environ
        if variable.upper().startswith(prefix)
    }
    for provider in dlt.config.config_providers:
        if isinstance(provider, SettingsTomlProvider):
            section = tomllib.loads(provider.to_toml()).get("sources", {})
            for part in path:
                section = section.get(part, {})
            keys |= set(section)
    return keys


def destination(kind: str, secrets: Secrets) -> Destination:
    """The destination, its settings checked now rather than halfway through a run; a
    password joins the run's secrets."""
    if kind == "duckdb":
        return _duckdb()
    return dlt.destinations.postgres(credentials=postgres_credentials(secrets))


def _duckdb() -> Destination:
    """DuckDB with its default file and a memory limit; a credentials table is dlt's to read."""
    database = dlt.config.get("destination.duckdb.credentials")
    if database is not None and not isinstance(database, str):
        return dlt.destinations.duckdb()
    credentials = DuckDbCredentials(
        duckdb_file(),
        global_config={**DUCKDB_SETTINGS, "memory_limit": duckdb_memory_limit()},
    )
    return dlt.destinations.duckdb(credentials=credentials)


def duckdb_file() -> str:
    """The DuckDB file the sync loads into (relative to where it runs)."""
    database = dlt.config.get("destination.duckdb.credentials")
    if isinstance(database, dict):  # a credentials table
        database = database.get("database")
    return database or DEFAULT_DUCKDB_FILE


def duckdb_memory_limit() -> str:
    return dlt.config.get("destination.duckdb.memory_limit") or DEFAULT_DUCKDB_MEMORY_LIMIT


@configspec(init=False)
class PostgresCredentials(DltPostgresCredentials):
    """dlt's Postgres credentials, but a password is optional (trust and peer auth)."""

    password: TSecretStrValue | None = None


@configspec
class PostgresSettings(BaseConfiguration):
    credentials: PostgresCredentials = None


def postgres_credentials(secrets: Secrets) -> PostgresCredentials:
    """The Postgres destination's credentials, checked; a password joins the secrets."""
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
