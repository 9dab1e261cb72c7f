"""The sync CLI as a scheduler sees it: exit codes, one-paragraph errors, stops, logs, config."""

from __future__ import annotations

import os
import re
import signal
import subprocess
from pathlib import Path

import pytest

from pipelines import sync as sync_cli
from tests.conftest import (
    API_KEY,
    ROOT,
    Sync,
    Warehouse,
    quiet_for,
    summary_rows,
    wait_for,
)
from tests.test_ticket_tailor_sync import assert_matches_fake

TIMESTAMPED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARNING|ERROR) ")


def assert_one_paragraph(result: subprocess.CompletedProcess, code: int, *phrases: str) -> str:
    """Exits with `code` and one error line that says `phrases`; no traceback, no secret."""
    output = result.stdout + result.stderr
    assert result.returncode == code, output[-3000:]
    lines = result.stderr.splitlines()
    assert all(TIMESTAMPED.match(line) for line in lines), result.stderr[-3000:]
    errors = [line for line in lines if " ERROR " in line]
    assert len(errors) == 1, result.stderr[-3000:]
    for phrase in phrases:
        assert phrase in errors[0]
    assert "Traceback" not in output
    assert API_KEY not in output
    return errors[0]


def postgres_sync(duckdb_sync: Sync, credentials: str) -> Sync:
    env = {**duckdb_sync.env, "DESTINATION__POSTGRES__CREDENTIALS": credentials}
    return Sync(env, "postgres", Warehouse("postgres", Path(), credentials))


def test_summary_counts_rows_written_by_an_incremental_run(sync: Sync, fake) -> None:
    sync.run()
    fake.add_orders(5)

    result = sync.run()

    rows = summary_rows(result)
    [(latest,)] = sync.warehouse.rows(
        "select max(load_id) from ticket_tailor._dlt_loads where status = 0"
    )
    [(written,)] = sync.warehouse.rows(
        f"select count(*) from ticket_tailor.orders where _dlt_load_id = '{latest}'"
    )
    assert 5 <= rows["orders"] == written < len(fake.orders)
    assert rows["events"] == len(fake.events)  # replaced whole, so written whole


@pytest.mark.parametrize("credentials", ["localhost:5432/x", "postgres:Pw-S3cret@localhost/x"])
def test_postgres_dsn_without_scheme_says_what_a_dsn_looks_like(
    duckdb_sync: Sync, credentials: str
) -> None:
    result = postgres_sync(duckdb_sync, credentials).run(check=False)
    assert_one_paragraph(result, 1, "postgresql://user:password@host:5432/database")
    assert "Pw-S3cret" not in result.stdout + result.stderr


@pytest.mark.postgres
def test_postgres_without_password_uses_trust_auth(duckdb_sync: Sync, fake, postgres_database):
    passwordless = re.sub(r"//([^:@/]+):[^@]*@", r"//\1@", postgres_database)
    assert passwordless != postgres_database
    postgres = postgres_sync(duckdb_sync, passwordless)
    postgres.run()
    assert_matches_fake(postgres.warehouse, fake)


@pytest.mark.postgres
def test_missing_postgres_database_is_named(duckdb_sync: Sync, postgres_server: str) -> None:
    missing = postgres_server.rsplit("/", 1)[0] + "/no_such_database"
    result = postgres_sync(duckdb_sync, missing).run(check=False)
    line = assert_one_paragraph(result, 1, '"no_such_database" does not exist')
    assert "could not reach" not in line


def test_unreachable_postgres_says_so(duckdb_sync: Sync) -> None:
    result = postgres_sync(duckdb_sync, "postgresql://postgres:pw@127.0.0.1:9/test").run(
        check=False
    )
    assert_one_paragraph(result, 1, "could not reach the Postgres server", "127.0.0.1")


def test_missing_postgres_settings_name_the_variable(duckdb_sync: Sync) -> None:
    env = {k: v for k, v in duckdb_sync.env.items() if not k.startswith("DESTINATION__POSTGRES")}
    result = Sync(env, "postgres", duckdb_sync.warehouse).run(check=False)
    assert_one_paragraph(result, 1, "DESTINATION__POSTGRES__CREDENTIALS")


def test_config_value_of_the_wrong_type_names_key_and_type(duckdb_sync: Sync) -> None:
    result = duckdb_sync.run(check=False, SOURCES__TICKET_TAILOR__LOOKBACK_DAYS="three")
    assert_one_paragraph(
        result, 1, "sources.ticket_tailor.lookback_days", "SOURCES__TICKET_TAILOR__LOOKBACK_DAYS"
    )
    assert "'three'" in result.stderr and "a number" in result.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stop_signal_ends_cleanly_and_the_next_run_is_exact(
    sync: Sync, fake, signum: signal.Signals
) -> None:
    fake.add_orders(3000, created_at=fake.now - 3600)
    fake.latency = 0.01
    process = sync.start()
    if signum == signal.SIGTERM:  # how systemd and Airflow stop a task: here while reading
        wait_for(lambda: len(fake.requests) >= 10)
        process.send_signal(signum)
    else:  # Ctrl-C reaches the whole process group: here once reading is done
        wait_for(lambda: quiet_for(fake, 0.3))
        assert process.poll() is None, "the run ended before it could be stopped"
        os.killpg(process.pid, signum)
    stdout, stderr = process.communicate(timeout=60)
    fake.latency = 0

    stopped = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    assert_one_paragraph(stopped, 128 + signum, f"stopped by {signum.name}", "next run resumes")
    fake.add_orders(3)
    sync.run()
    assert_matches_fake(sync.warehouse, fake)


def test_log_level_in_any_case(duckdb_sync: Sync) -> None:
    result = duckdb_sync.run(LOG_LEVEL="debug")
    assert " DEBUG " in result.stderr
    assert "did not receive any data" in result.stderr  # dropped only below DEBUG
    wrong = duckdb_sync.run(check=False, LOG_LEVEL="loud")
    assert_one_paragraph(wrong, 2, "LOG_LEVEL='loud'", "DEBUG, INFO")


@pytest.mark.parametrize("placeholder", ["sk_1000_1000_...", "..."])
def test_placeholder_from_the_example_is_not_a_credential(
    duckdb_sync: Sync, placeholder: str
) -> None:
    named = duckdb_sync.run(check=False, SOURCES__TICKET_TAILOR__API_KEY=placeholder)
    assert_one_paragraph(named, 1, "sources.ticket_tailor.api_key", "placeholder")

    env = {**duckdb_sync.env, "SOURCES__TICKET_TAILOR__API_KEY": placeholder}
    unnamed = subprocess.run(
        [*duckdb_sync.command()[:3]], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert unnamed.returncode == 2
    assert "sources.ticket_tailor.api_key still holds the placeholder" in unnamed.stderr


def test_unknown_source_keys_are_warned_about_once(duckdb_sync: Sync) -> None:
    result = duckdb_sync.run(SOURCES__TICKET_TAILOR__LOOKBAK_DAYS="7")
    warnings = [line for line in result.stderr.splitlines() if "lookbak_days" in line]
    assert len(warnings) == 1
    assert " WARNING " in warnings[0] and "did you mean lookback_days" in warnings[0]


def test_no_change_run_writes_a_handful_of_timestamped_lines(duckdb_sync: Sync) -> None:
    duckdb_sync.run()
    result = duckdb_sync.run()
    lines = result.stdout.splitlines() + result.stderr.splitlines()
    assert all(TIMESTAMPED.match(line) for line in lines), "\n".join(lines)
    assert len(result.stderr.splitlines()) <= 4, result.stderr
    assert "did not receive any data" not in result.stderr
    assert "psutil" not in result.stderr


def test_staging_schema_sorts_apart_and_is_left_empty(sync: Sync) -> None:
    sync.run()  # merges and replaces, the first load too, go through staging
    schemas = {
        name
        for (name,) in sync.warehouse.rows("select schema_name from information_schema.schemata")
    }
    assert "_staging_ticket_tailor" in schemas and "ticket_tailor_staging" not in schemas
    staging = Warehouse(
        sync.destination,
        sync.warehouse.duckdb_path,
        sync.warehouse.postgres_dsn,
        "_staging_ticket_tailor",
    )
    counts = staging.counts()
    assert "orders" in counts and set(counts.values()) == {0}


def test_config_toml_names_the_duckdb_file_and_its_typos_are_reported(
    duckdb_sync: Sync, tmp_path
) -> None:
    project = tmp_path / "project"
    (project / ".dlt").mkdir(parents=True)
    (project / ".dlt" / "config.toml").write_text(
        '[destination.duckdb]\ncredentials = "from_config.duckdb"\n\n'
        "[sources.ticket_tailor]\nactive_event_dayz = 5\n"
    )
    env = {k: v for k, v in duckdb_sync.env.items() if k != "DESTINATION__DUCKDB__CREDENTIALS"}
    env["PYTHONPATH"] = str(ROOT)
    warehouse = Warehouse("duckdb", project / "from_config.duckdb")
    result = Sync(env, "duckdb", warehouse, cwd=project).run()
    assert len(warehouse.ids("orders")) == 400
    assert not (project / "ticketing.duckdb").exists()
    assert "sources.ticket_tailor.active_event_dayz (did you mean active_event_days?)" in (
        result.stderr
    )


def test_duckdb_failure_is_reported_as_duckdb(duckdb_sync: Sync, tmp_path) -> None:
    result = duckdb_sync.run(
        check=False, DESTINATION__DUCKDB__CREDENTIALS=str(tmp_path / "missing" / "w.duckdb")
    )
    line = assert_one_paragraph(result, 1, "DuckDB")
    assert "POSTGRES" not in line


def test_main_returns_the_exit_status_instead_of_exiting(capsys) -> None:
    assert sync_cli.main(["no_such_source"]) == 2
    assert sync_cli.main(["--help"]) == 0
    assert "--full-refresh" in capsys.readouterr().out


def test_list_prints_the_configured_sources(duckdb_sync: Sync) -> None:
    env = {k: v for k, v in duckdb_sync.env.items() if not k.startswith("SOURCES__KORUS")}
    env["SOURCES__TICKETSOURCE__API_KEY"] = "skl-a-real-looking-key"
    result = subprocess.run(
        [*duckdb_sync.command()[:3], "--list"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0
    assert result.stdout.split() == ["ticket_tailor", "ticketsource"]
