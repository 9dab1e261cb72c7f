"""Several accounts of one platform: `SOURCE:NAME` targets, each its own pipeline and dataset."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from fakes.ticket_tailor import TicketTailorFake
from tests.conftest import (
    API_KEY,
    Sync,
    Warehouse,
    box_office,
    snapshot,
    summary_rows,
    sync_env,
)
from tests.test_sync_cli import assert_one_paragraph
from tests.test_ticket_tailor_sync import TABLES, assert_matches_fake

PARIS_KEY = "sk_7000_7000_ParisS3cretDoNotLeak"
DATASETS = ("ticket_tailor", "ticket_tailor_london", "ticket_tailor_paris")


@pytest.fixture
def london() -> Iterator[TicketTailorFake]:
    """Takes the default account's key: account london sets only its own base_url."""
    with (fake := box_office(seed=21)).serve():
        yield fake


@pytest.fixture
def paris() -> Iterator[TicketTailorFake]:
    with (fake := box_office(seed=22, api_key=PARIS_KEY)).serve():
        yield fake


def accounts_sync(
    tmp_path: Path, destination: str, dsn: str | None, default, london, paris
) -> Sync:
    """No target named: the default account (the `fake`), london and paris."""
    env = sync_env(tmp_path, default.url)
    env.update(
        SOURCES__TICKET_TAILOR__ACCOUNTS=json.dumps(["london", "paris"]),
        SOURCES__TICKET_TAILOR__LONDON__BASE_URL=london.url,
        SOURCES__TICKET_TAILOR__PARIS__BASE_URL=paris.url,
        SOURCES__TICKET_TAILOR__PARIS__API_KEY=PARIS_KEY,
    )
    if dsn:
        env["DESTINATION__POSTGRES__CREDENTIALS"] = dsn
    return Sync(
        env, destination, Warehouse(destination, tmp_path / "warehouse.duckdb", dsn), source=""
    )


def dataset(sync: Sync, name: str) -> Warehouse:
    return replace(sync.warehouse, dataset=name)


def state_file(sync: Sync, pipeline: str) -> bytes:
    return (Path(sync.env["DLT_DATA_DIR"]) / "pipelines" / pipeline / "state.json").read_bytes()


@pytest.fixture
def accounts(request, fake, london, paris, tmp_path, destination) -> Sync:
    dsn = request.getfixturevalue("postgres_database") if destination == "postgres" else None
    return accounts_sync(tmp_path, destination, dsn, fake, london, paris)


def test_accounts_load_side_by_side_without_touching_each_other(
    accounts: Sync, fake, london, paris
) -> None:
    first = accounts.run()

    for name, box in zip(DATASETS, (fake, london, paris), strict=True):
        assert_matches_fake(dataset(accounts, name), box)
    # the default account keeps the pipeline it had before accounts existed
    pipelines = Path(accounts.env["DLT_DATA_DIR"]) / "pipelines"
    assert {path.name for path in pipelines.iterdir() if path.is_dir()} == set(DATASETS)
    assert summary_rows(first, "ticket_tailor:paris")["orders"] == len(paris.orders)
    assert summary_rows(first, "ticket_tailor")["orders"] == len(fake.orders)

    untouched = {
        name: (snapshot(dataset(accounts, name), TABLES), state_file(accounts, name))
        for name in ("ticket_tailor", "ticket_tailor_paris")
    }
    london.add_orders(5)
    london_state = state_file(accounts, "ticket_tailor_london")
    accounts.source = "ticket_tailor:london"
    accounts.run()

    assert_matches_fake(dataset(accounts, "ticket_tailor_london"), london)
    assert state_file(accounts, "ticket_tailor_london") != london_state
    for name, (tables, state) in untouched.items():
        assert snapshot(dataset(accounts, name), TABLES) == tables
        assert state_file(accounts, name) == state


def test_a_failing_account_does_not_stop_the_others(accounts: Sync, fake, london, paris) -> None:
    result = accounts.run(check=False, SOURCES__TICKET_TAILOR__PARIS__API_KEY="sk_wrong_paris_key")

    assert_one_paragraph(result, 1, "ticket_tailor:paris:", "`sources.ticket_tailor.paris.api_key`")
    assert "sk_wrong_paris_key" not in result.stdout + result.stderr
    assert_matches_fake(dataset(accounts, "ticket_tailor"), fake)
    assert_matches_fake(dataset(accounts, "ticket_tailor_london"), london)
    assert "ticket_tailor_paris" not in {
        schema
        for (schema,) in accounts.warehouse.rows(
            "select schema_name from information_schema.schemata"
        )
    }


@pytest.mark.parametrize("destination", ["duckdb"])
def test_list_prints_the_default_account_then_the_listed_ones(accounts: Sync) -> None:
    listed = accounts.run("--list")
    assert listed.stdout.split() == ["ticket_tailor", "ticket_tailor:london", "ticket_tailor:paris"]

    # without its own key the default account is no target; its key still serves london
    env = {**accounts.env, "SOURCES__TICKET_TAILOR__LONDON__API_KEY": API_KEY}
    del env["SOURCES__TICKET_TAILOR__API_KEY"]
    listed = subprocess.run(accounts.command("--list"), env=env, capture_output=True, text=True)
    assert listed.stdout.split() == ["ticket_tailor:london", "ticket_tailor:paris"]


@pytest.mark.parametrize("destination", ["duckdb"])
@pytest.mark.parametrize(
    ("accounts_value", "phrase"),
    [
        ('["London"]', "account name 'London'"),
        ("london", "is not a list of names"),
        ('["base_url"]', "is also a setting of ticket_tailor"),
    ],
)
def test_a_bad_accounts_list_is_a_configuration_error(
    accounts: Sync, accounts_value: str, phrase: str
) -> None:
    result = accounts.run(check=False, SOURCES__TICKET_TAILOR__ACCOUNTS=accounts_value)
    assert_one_paragraph(result, 2, "sources.ticket_tailor.accounts", phrase)


@pytest.mark.parametrize("destination", ["duckdb"])
def test_an_account_missing_a_key_everywhere_names_its_own_key(accounts: Sync) -> None:
    env = {k: v for k, v in accounts.env.items() if k != "SOURCES__TICKET_TAILOR__API_KEY"}
    accounts.env = env
    accounts.source = "ticket_tailor:london"
    result = accounts.run(check=False)
    assert_one_paragraph(
        result, 1, "sources.ticket_tailor.london.api_key", "SOURCES__TICKET_TAILOR__LONDON__API_KEY"
    )


@pytest.mark.parametrize("destination", ["duckdb"])
def test_unknown_keys_of_an_account_are_named(accounts: Sync) -> None:
    accounts.source = "ticket_tailor:london"
    result = accounts.run(
        SOURCES__TICKET_TAILOR__LONDON__LOOKBAK_DAYS="2",
        SOURCES__TICKET_TAILOR__BERLIN__API_KEY="x",
    )
    warning = next(line for line in result.stderr.splitlines() if "unknown configuration" in line)
    assert "sources.ticket_tailor.london.lookbak_days (did you mean lookback_days?)" in warning
    assert "sources.ticket_tailor.berlin" in warning


def as_account(env: dict[str, str], source: str, account: str, *shared: str) -> dict[str, str]:
    """A test's environment with the source's keys moved to the account, but the `shared`."""
    prefix = f"SOURCES__{source.upper()}__"
    moved = {}
    for variable, value in env.items():
        key = variable.removeprefix(prefix)
        if variable.startswith(prefix) and key.lower() not in shared:
            variable = f"{prefix}{account.upper()}__{key}"
        moved[variable] = value
    return moved


@pytest.mark.parametrize("destination", ["duckdb"])
def test_every_source_runs_as_an_account(ts_sync: Sync, kt_sync: Sync) -> None:
    for sync, target in [(ts_sync, "ticketsource:box"), (kt_sync, "korusticket:lyon")]:
        source, account = target.split(":")
        sync.env = as_account(sync.env, source, account, "backoff_seconds")
        sync.source = target
        sync.warehouse = dataset(sync, f"{source}_{account}")

        result = sync.run()

        assert summary_rows(result, target) == sync.warehouse.counts()
        assert not Path(sync.env["DLT_DATA_DIR"], "pipelines", source).exists()
