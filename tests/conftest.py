"""Shared fixtures: seeded fake APIs on loopback, a real warehouse, a sync runner.

Syncs run as `python -m pipelines.sync` subprocesses, exactly as cron or a checker runs them,
each test with its own dlt data dir and DuckDB file or Postgres database.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import httpx
import psycopg2
import pytest

from fakes.korusticket import KorusTicketFake
from fakes.ticket_tailor import TicketTailorFake
from fakes.ticket_tailor.webhooks import send
from fakes.ticketsource import TicketSourceFake
from pipelines.webhooks import process as receiver_process
from sources.records import READ_AT

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "sk_9000_9000_T3stS3cretKeyDoNotLeak"
TICKETSOURCE_KEY = "skl-T3stS3cretKeyDoNotLeak9000"
KORUS_ID, KORUS_SECRET = "korus-test-client", "korus-S3cretDoNotLeak-9000"
WEBHOOK_SECRET = "whsec_T3stS3cretDoNotLeak9000"
# trust auth ignores the password, but dlt insists on one
DEFAULT_POSTGRES = "postgresql://postgres:postgres@127.0.0.1:5432/test"
# a fixed "now" keeps the seeded box office identical run after run
NOW = int(time.time())


@pytest.fixture
def fake() -> Iterator[TicketTailorFake]:
    """A small box office: 400 orders over 60 days, 8 events (2 upcoming), served on loopback."""
    box_office = TicketTailorFake(api_key=API_KEY, now=NOW, seed=7)
    box_office.seed_data(
        orders=400,
        events=8,
        upcoming_events=2,
        days=60,
        discounts=4,
        vouchers=3,
        codes_per_voucher=12,
    )
    with box_office.serve():
        yield box_office


def box_office(seed: int, api_key: str = API_KEY, orders: int = 150) -> TicketTailorFake:
    """A second (third, ...) small box office, for tests of several accounts."""
    fake = TicketTailorFake(api_key=api_key, now=NOW, seed=seed)
    fake.seed_data(orders=orders, events=4, upcoming_events=1, days=30, vouchers=2)
    return fake


@pytest.fixture
def ticketsource() -> Iterator[TicketSourceFake]:
    """A small TicketSource account: 12 events of 6 dates, past and upcoming, on loopback."""
    account = TicketSourceFake(api_key=TICKETSOURCE_KEY, seed=11)
    account.seed_data(events=12, dates_per_event=6, bookings_per_date=4, past_days=120)
    with account.serve():
        yield account


@pytest.fixture
def korusticket() -> Iterator[KorusTicketFake]:
    """A small KorusTicket account: one catalog, 300 orders and 60 reservations over 30 days."""
    account = KorusTicketFake(client_id=KORUS_ID, client_secret=KORUS_SECRET, seed=5)
    account.seed_data(orders=300, reservations=60, days=30)
    with account.serve():
        yield account


@dataclass
class Warehouse:
    """Reads what a sync loaded, from DuckDB or Postgres alike."""

    destination: str
    duckdb_path: Path
    postgres_dsn: str | None = None
    dataset: str = "ticket_tailor"

    def rows(self, sql: str) -> list[tuple]:
        if self.destination == "duckdb":
            assert self.duckdb_path.exists(), f"no warehouse at {self.duckdb_path}: nothing loaded"
            with duckdb.connect(str(self.duckdb_path), read_only=True) as con:
                return con.sql(sql).fetchall()
        with psycopg2.connect(self.postgres_dsn) as con, con.cursor() as cur:
            cur.execute(sql)
            return cur.fetchall()

    def tables(self) -> set[str]:
        return {
            name
            for (name,) in self.rows(
                "select table_name from information_schema.tables "
                f"where table_schema = '{self.dataset}'"
            )
        }

    def column(self, table: str, column: str, key: str = "id") -> dict:
        return dict(self.rows(f"select {key}, {column} from {self.dataset}.{table}"))

    def ids(self, table: str) -> list[str]:
        return [row[0] for row in self.rows(f"select id from {self.dataset}.{table}")]

    def counts(self) -> dict[str, int]:
        """Rows in every data table of the dataset (nested ones too)."""
        return {
            table: self.rows(f"select count(*) from {self.dataset}.{table}")[0][0]
            for table in self.tables()
            if not table.startswith("_dlt")
        }

    def assert_holds_once(self, table: str, expected_ids) -> None:
        """The table has each of the API's records exactly once, and nothing else."""
        ids = self.ids(table)
        assert len(ids) == len(set(ids)), f"{table} has duplicate ids"
        assert set(ids) == set(expected_ids), f"{table} differs from the API"


def summary_rows(result: subprocess.CompletedProcess, target: str = "") -> dict[str, int]:
    """The closing summary's rows loaded per table: `<time> INFO <target>:   <table>  <n> rows`;
    with `target`, only that target's."""
    who = re.escape(target) if target else r"[\w:]+"
    line = rf"^\S+ INFO {who}:   (\w+) +([\d,]+) rows$"
    return {
        table: int(rows.replace(",", "")) for table, rows in re.findall(line, result.stdout, re.M)
    }


def summary_retries(result: subprocess.CompletedProcess) -> int:
    return int(re.search(r"retries ([\d,]+),", result.stdout)[1].replace(",", ""))


def snapshot(
    warehouse: Warehouse, tables: tuple[str, ...], volatile: tuple[str, ...] = ()
) -> dict[str, str]:
    """Every row of the tables, to tell whether a run changed anything: their data columns in
    name order, less when a row was read and the `volatile` ones, which no two reads share."""
    skipped = {READ_AT, *volatile}
    result = {}
    for table in tables:
        columns = [
            name
            for (name,) in warehouse.rows(
                "select column_name from information_schema.columns where table_schema = "
                f"'{warehouse.dataset}' and table_name = '{table}' "
                "and column_name not like '_dlt%' order by column_name"
            )
            if name not in skipped
        ]
        if not columns:  # the table is not there
            result[table] = ""
            continue
        quoted = ", ".join(f'"{name}"' for name in columns)
        rows = warehouse.rows(f"select {quoted} from {warehouse.dataset}.{table}")
        result[table] = json.dumps(sorted(map(repr, rows)))
    return result


def wait_for(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("timed out waiting")
        time.sleep(0.01)


def quiet_for(fake, seconds: float) -> bool:
    """Whether the fake, having served something, then got no request for `seconds`."""
    count = len(fake.requests)
    time.sleep(seconds)
    return count > 0 and len(fake.requests) == count


@dataclass
class Sync:
    """Runs the sync CLI against the fake with this test's own state and warehouse."""

    env: dict[str, str]
    destination: str
    warehouse: Warehouse
    outputs: list[subprocess.CompletedProcess] = field(default_factory=list)
    cwd: Path = ROOT
    # the target named on the command line; empty runs every configured one
    source: str = "ticket_tailor"
    # whether the sync rebuilds the analytics models: only their own tests need them
    models: bool = False

    def command(self, *args: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "pipelines.sync",
            *([self.source] if self.source else []),
            "--destination",
            self.destination,
            *([] if self.models else ["--no-models"]),
            *args,
        ]

    def run(self, *args: str, check: bool = True, **env: str) -> subprocess.CompletedProcess:
        result = subprocess.run(
            self.command(*args),
            cwd=self.cwd,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=600,
        )
        self.outputs.append(result)
        if check and result.returncode != 0:
            raise AssertionError(f"sync failed ({result.returncode}):\n{result.stderr[-4000:]}")
        return result

    def start(self, *args: str, **env: str) -> subprocess.Popen:
        return subprocess.Popen(
            self.command(*args),
            cwd=self.cwd,
            env={**self.env, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        with contextlib.suppress(ProcessLookupError):  # it may have finished first
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()

    def kill_repeatedly(self, fake, after_requests: tuple[int, ...]) -> None:
        """Starts runs and kills them (-9): after each number of requests, then once more
        while it normalizes or loads, after its last request. Slows the fake down meanwhile."""
        fake.latency = 0.01
        for count in after_requests:
            fake.reset_log()
            process = self.start()
            wait_for(lambda n=count: len(fake.requests) >= n)
            self.kill(process)
        process = self.start()
        wait_for(lambda: process.poll() is not None or quiet_for(fake, 0.3))
        self.kill(process)
        fake.latency = 0


def sync_env(
    tmp_path: Path, base_url: str, source: str = "ticket_tailor", **settings: str
) -> dict[str, str]:
    """The environment of a test's sync: its own state and DuckDB file, the source's settings
    (`api_key` = API_KEY unless others are given) and quick retries."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "DESTINATION__"))}
    prefix = f"SOURCES__{source.upper()}__"
    settings = {
        "base_url": base_url,
        "backoff_seconds": "0.01",
        **(settings or {"api_key": API_KEY}),
    }
    env.update({f"{prefix}{key.upper()}": value for key, value in settings.items()})
    env.update(
        DLT_DATA_DIR=str(tmp_path / "dlt"),
        DESTINATION__DUCKDB__CREDENTIALS=str(tmp_path / "warehouse.duckdb"),
        RUNTIME__DLTHUB_TELEMETRY="false",
    )
    return env


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def destination(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def sync(request, fake, tmp_path, destination) -> Sync:
    env = sync_env(tmp_path, fake.url)
    dsn = None
    if destination == "postgres":
        dsn = request.getfixturevalue("postgres_database")
        env["DESTINATION__POSTGRES__CREDENTIALS"] = dsn
    return Sync(env, destination, Warehouse(destination, tmp_path / "warehouse.duckdb", dsn))


@pytest.fixture
def duckdb_sync(fake, tmp_path) -> Sync:
    """For behaviour that does not depend on the destination."""
    env = sync_env(tmp_path, fake.url)
    return Sync(env, "duckdb", Warehouse("duckdb", tmp_path / "warehouse.duckdb"))


def source_sync(
    tmp_path: Path, source: str, destination: str, dsn: str | None, url: str, **settings: str
) -> Sync:
    env = sync_env(tmp_path, url, source, **settings)
    if dsn:
        env["DESTINATION__POSTGRES__CREDENTIALS"] = dsn
    warehouse = Warehouse(destination, tmp_path / "warehouse.duckdb", dsn, source)
    return Sync(env, destination, warehouse, source=source)


def _dsn(request: pytest.FixtureRequest, destination: str) -> str | None:
    return request.getfixturevalue("postgres_database") if destination == "postgres" else None


@pytest.fixture
def ts_sync(request, ticketsource, tmp_path, destination) -> Sync:
    """The TicketSource sync against the `ticketsource` fake, into each destination."""
    dsn = _dsn(request, destination)
    return source_sync(
        tmp_path, "ticketsource", destination, dsn, ticketsource.url, api_key=TICKETSOURCE_KEY
    )


@pytest.fixture
def ts_duckdb_sync(ticketsource, tmp_path) -> Sync:
    return source_sync(
        tmp_path, "ticketsource", "duckdb", None, ticketsource.url, api_key=TICKETSOURCE_KEY
    )


def korusticket_sync(tmp_path: Path, fake: KorusTicketFake, destination: str, dsn: str | None):
    return source_sync(
        tmp_path,
        "korusticket",
        destination,
        dsn,
        fake.url,
        client_id=KORUS_ID,
        client_secret=KORUS_SECRET,
        token_url=fake.url + fake.token_path,
    )


@pytest.fixture
def kt_sync(request, korusticket, tmp_path, destination) -> Sync:
    """The KorusTicket sync against the `korusticket` fake, into each destination."""
    return korusticket_sync(tmp_path, korusticket, destination, _dsn(request, destination))


@pytest.fixture
def kt_duckdb_sync(korusticket, tmp_path) -> Sync:
    return korusticket_sync(tmp_path, korusticket, "duckdb", None)


@dataclass
class Receiver(receiver_process.ReceiverProcess):
    """`python -m pipelines.webhooks` on a loopback port, sharing a sync's state directory."""

    log: Path

    def send(
        self, envelope: dict, secret: str = WEBHOOK_SECRET, account: str = "", **options
    ) -> httpx.Response:
        """Delivers an envelope signed as Ticket Tailor signs it (`fakes...webhooks.send`)."""
        path = "/webhooks/ticket_tailor" + (f"/{account}" if account else "")
        return send(self.url + path, envelope, secret, **options)

    def deliver(self, envelopes: list[dict]) -> None:
        """Sends each envelope, as the vendor would, and checks it was taken."""
        with httpx.Client() as client:
            for envelope in envelopes:
                assert self.send(envelope, client=client).status_code == 200

    def stored(self, pipeline: str = "ticket_tailor") -> dict[str, str | None]:
        """Delivery id -> when it was applied (None: pending), read from the store itself."""
        if not self.store.exists():
            return {}
        with contextlib.closing(sqlite3.connect(self.store)) as db:
            return dict(
                db.execute("select id, applied_at from deliveries where pipeline = ?", (pipeline,))
            )

    def stop(self, signum: int = signal.SIGTERM) -> str:
        """Stops it (SIGKILL: no chance to tidy up) and returns what it logged."""
        super().stop(signum)
        return self.log.read_text()


def start_receiver(env: dict[str, str], log: Path) -> Receiver:
    """Starts the receiver and waits until /healthz answers."""
    try:
        started = receiver_process.start_receiver(env, log)
    except receiver_process.ReceiverFailed as exc:
        pytest.fail(str(exc))
    return Receiver(started.url, started.process, log, started.store)


def receiving(sync: Sync, tmp_path: Path) -> Iterator[Receiver]:
    """A receiver for the default account of `sync`, whose runs get the secret too."""
    sync.env["SOURCES__TICKET_TAILOR__WEBHOOK_SECRET"] = WEBHOOK_SECRET
    receiver = start_receiver(sync.env, tmp_path / "receiver.log")
    try:
        yield receiver
    finally:
        receiver.stop()


@pytest.fixture
def receiver(sync: Sync, tmp_path: Path) -> Iterator[Receiver]:
    yield from receiving(sync, tmp_path)


@pytest.fixture
def duckdb_receiver(duckdb_sync: Sync, tmp_path: Path) -> Iterator[Receiver]:
    yield from receiving(duckdb_sync, tmp_path)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL server: the configured one, else a throwaway one, else a visible skip."""
    dsn = os.environ.get("TEST_POSTGRES_DSN", DEFAULT_POSTGRES)
    if _reachable(dsn):
        yield dsn
        return
    throwaway = _start_throwaway_postgres()
    if throwaway is not None:
        dsn, stop = throwaway
        try:
            yield dsn
        finally:
            stop()
        return
    reason = (
        f"no PostgreSQL at {dsn} (set TEST_POSTGRES_DSN) and no initdb/pg_ctl on PATH to "
        "start a throwaway server"
    )
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the Postgres tests")
    pytest.skip(reason)


@pytest.fixture
def postgres_database(postgres_server: str) -> Iterator[str]:
    """A fresh database per test, dropped afterwards."""
    name = f"ticketing_{uuid.uuid4().hex[:12]}"
    _admin(postgres_server, f"create database {name}")
    yield postgres_server.rsplit("/", 1)[0] + f"/{name}"
    _admin(postgres_server, f"drop database if exists {name} with (force)")


def _admin(dsn: str, sql: str) -> None:
    con = psycopg2.connect(dsn)
    con.autocommit = True
    try:
        con.cursor().execute(sql)
    finally:
        con.close()


def _reachable(dsn: str) -> bool:
    try:
        psycopg2.connect(dsn, connect_timeout=3).close()
    except psycopg2.OperationalError:
        return False
    return True


def _start_throwaway_postgres() -> tuple[str, callable] | None:
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if not (initdb and pg_ctl):
        return None
    data = Path(tempfile.mkdtemp(prefix="ticketing-pg-"))
    # initdb refuses to run as root: run the server as the postgres user there
    prefix: list[str] = []
    if os.geteuid() == 0:
        if not shutil.which("runuser"):
            return None
        prefix = ["runuser", "-u", "postgres", "--"]
        shutil.chown(data, "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    subprocess.run(
        [*prefix, initdb, "-D", str(data / "db"), "-U", "postgres", "-A", "trust"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *prefix,
            pg_ctl,
            "-D",
            str(data / "db"),
            "-l",
            str(data / "log"),
            "-w",
            "-o",
            f"-p {port} -k {data} -c listen_addresses=127.0.0.1",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    dsn = f"postgresql://postgres:postgres@127.0.0.1:{port}/postgres"

    def stop() -> None:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data / "db"), "-m", "fast", "stop"], capture_output=True
        )
        shutil.rmtree(data, ignore_errors=True)

    return dsn, stop
