"""The shipped DAG (dags/ticketing_elt.py) under real Airflow, from `.venv-airflow`.

Every test runs `.venv-airflow/bin/airflow` (or its python) in subprocesses with its own
AIRFLOW_HOME and SQLite metadata database, against fake vendor APIs on loopback. `make test`
builds `.venv-airflow` first (`make airflow`); without it these tests fail, never skip.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.ticket_tailor import TicketTailorFake
from tests.conftest import ROOT, Warehouse, box_office, quiet_for, wait_for

AIRFLOW_VENV = ROOT / ".venv-airflow"
AIRFLOW = AIRFLOW_VENV / "bin" / "airflow"
DAGS = ROOT / "dags"
DAG_ID = "ticketing_elt"

LONDON_KEY = "sk_london_T3stS3cret_AirflowDoNotLeak"
PARIS_KEY = "sk_paris_T3stS3cret_AirflowDoNotLeak"
WRONG_KEY = "sk_paris_WRONG_K3y_AirflowDoNotLeak"
POSTGRES_DSN = "postgresql://loader:PgS3cret_AirflowDoNotLeak@127.0.0.1:5432/warehouse"


def airflow_bin() -> Path:
    if not AIRFLOW.exists():
        pytest.fail(f"no Airflow at {AIRFLOW}: run `make airflow` (make test builds it too)")
    return AIRFLOW


def run_airflow(env: dict[str, str], *args: str, timeout: float = 300):
    return subprocess.run(
        [str(airflow_bin()), *args],
        env=env,
        cwd=env["AIRFLOW_HOME"],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def base_env(home: Path) -> dict[str, str]:
    """This machine's environment without any sync, dlt or Airflow settings, plus an Airflow
    that is quick and offline: SQLite in `home`, our dags folder, no examples."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SOURCES__", "DESTINATION__", "AIRFLOW", "TICKETING_ELT_"))
        and name not in ("DLT_DATA_DIR", "LOG_LEVEL")
    }
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__LOGGING__COLORED_CONSOLE_LOG="False",
        AIRFLOW__USAGE_DATA_COLLECTION__ENABLED="False",
        RUNTIME__DLTHUB_TELEMETRY="false",
        # a failing sync fails at once: the default retries wait 5 minutes
        TICKETING_ELT_RETRIES="0",
    )
    return env


@pytest.fixture(scope="module")
def migrated_db(tmp_path_factory) -> Path:
    """One migrated metadata database, copied by each test (`airflow db migrate` once)."""
    home = tmp_path_factory.mktemp("airflow-template")
    result = run_airflow(base_env(home), "db", "migrate")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return home / "airflow.db"


@pytest.fixture
def airflow_home(tmp_path, migrated_db) -> Path:
    home = tmp_path / "airflow"
    home.mkdir()
    shutil.copy(migrated_db, home / "airflow.db")
    return home


@pytest.fixture
def london() -> Iterator[TicketTailorFake]:
    fake = box_office(seed=21, api_key=LONDON_KEY)
    with fake.serve():
        yield fake


@pytest.fixture
def paris() -> Iterator[TicketTailorFake]:
    fake = box_office(seed=22, api_key=PARIS_KEY)
    with fake.serve():
        yield fake


def task_states(home: Path) -> dict[str, tuple[str, int]]:
    """`list_targets` and `sync[<target>]` -> (state, tries) of the DAG's only run."""
    with contextlib.closing(sqlite3.connect(home / "airflow.db")) as con:
        rows = con.execute(
            "select task_id, map_index, rendered_map_index, state, try_number "
            "from task_instance where dag_id = ?",
            (DAG_ID,),
        ).fetchall()
    return {
        task if index < 0 else f"{task}[{label or index}]": (state, tries)
        for task, index, label, state, tries in rows
    }


def leaks(secret: str, result: subprocess.CompletedProcess, home: Path) -> list[str]:
    """Where the secret (or its Basic auth header) shows: Airflow's output and every file
    under its logs folder."""
    forms = [secret, base64.b64encode(f"{secret}:".encode()).decode()]
    found = [
        f"airflow's {name}"
        for name, text in (("stdout", result.stdout), ("stderr", result.stderr))
        if any(form in text for form in forms)
    ]
    for path in (home / "logs").rglob("*"):
        if path.is_file() and any(form.encode() in path.read_bytes() for form in forms):
            found.append(str(path))
    return found


def output(result: subprocess.CompletedProcess) -> str:
    return f"exit {result.returncode}\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}"


def test_dag_imports_with_its_structure_and_knobs(tmp_path):
    """The dags folder imports without errors; the DAG lists targets, then maps one sync task
    over them, one run at a time, with retries; the environment sets schedule, parallelism,
    retries and timeout when the file is parsed."""
    script = textwrap.dedent(
        """
        import json, os, sys
        from airflow.dag_processing.dagbag import DagBag

        def parse(**env):
            for name in [n for n in os.environ if n.startswith("TICKETING_ELT_")]:
                del os.environ[name]
            os.environ.update(env)
            bag = DagBag(dag_folder=sys.argv[1])
            result = {"errors": {k: str(v) for k, v in bag.import_errors.items()}}
            dag = bag.dags.get("ticketing_elt")
            if dag is None:
                return result
            tasks = {
                task_id: {
                    "mapped": task.is_mapped,
                    "upstream": sorted(task.upstream_task_ids),
                    "retries": task.retries,
                    "retry_delay": str(task.retry_delay),
                    "timeout": str(task.execution_timeout),
                    "max_active_tis_per_dagrun": task.max_active_tis_per_dagrun,
                    "pool": task.pool,
                    "queue": task.queue,
                }
                for task_id, task in dag.task_dict.items()
            }
            return {
                **result,
                "dag_ids": sorted(bag.dags),
                "max_active_runs": dag.max_active_runs,
                "catchup": dag.catchup,
                "schedule": str(dag.schedule),
                "tasks": tasks,
            }

        print(json.dumps({
            "default": parse(),
            "tuned": parse(
                TICKETING_ELT_SCHEDULE="*/15 * * * *",
                TICKETING_ELT_DESTINATION="postgres",
                TICKETING_ELT_RETRIES="5",
                TICKETING_ELT_RETRY_DELAY="60",
                TICKETING_ELT_SYNC_TIMEOUT="3600",
                TICKETING_ELT_POOL="ticketing",
                TICKETING_ELT_QUEUE="ticketing",
            ),
            "postgres_capped": parse(
                TICKETING_ELT_DESTINATION="postgres", TICKETING_ELT_MAX_PARALLEL_SYNCS="2"
            ),
            "manual": parse(TICKETING_ELT_SCHEDULE="none"),
            "bad": parse(TICKETING_ELT_MAX_PARALLEL_SYNCS="many"),
        }))
        """
    )
    env = base_env(tmp_path)
    del env["TICKETING_ELT_RETRIES"]
    result = subprocess.run(
        [str(airflow_bin().parent / "python"), "-c", script, str(DAGS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, output(result)
    parsed = json.loads(result.stdout.strip().splitlines()[-1])

    default = parsed["default"]
    assert default["errors"] == {}
    assert default["dag_ids"] == [DAG_ID]
    assert default["max_active_runs"] == 1
    assert default["catchup"] is False
    assert default["schedule"] == "@hourly"
    tasks = default["tasks"]
    assert set(tasks) == {"list_targets", "sync", "models"}
    assert tasks["models"]["upstream"] == ["sync"]
    assert not tasks["list_targets"]["mapped"]
    assert tasks["sync"]["mapped"]
    assert tasks["sync"]["upstream"] == ["list_targets"]
    assert tasks["sync"]["retries"] == 2 and tasks["list_targets"]["retries"] == 2
    assert tasks["sync"]["retry_delay"] == "0:05:00"
    assert tasks["sync"]["timeout"] == "None"
    assert tasks["sync"]["max_active_tis_per_dagrun"] == 1  # DuckDB: one writer
    assert tasks["sync"]["pool"] == "default_pool"
    assert tasks["sync"]["queue"] == "default"

    tuned = parsed["tuned"]
    assert tuned["errors"] == {}
    assert tuned["schedule"] == "*/15 * * * *"
    assert tuned["tasks"]["sync"]["max_active_tis_per_dagrun"] == 4
    assert tuned["tasks"]["sync"]["retries"] == 5
    assert tuned["tasks"]["sync"]["retry_delay"] == "0:01:00"
    assert tuned["tasks"]["sync"]["timeout"] == "1:00:00"
    for task in tuned["tasks"].values():
        assert (task["pool"], task["queue"]) == ("ticketing", "ticketing")
    assert parsed["postgres_capped"]["tasks"]["sync"]["max_active_tis_per_dagrun"] == 2
    assert parsed["manual"]["schedule"] == "None"
    [error] = parsed["bad"]["errors"].values()
    assert "TICKETING_ELT_MAX_PARALLEL_SYNCS must be a whole number" in error


def test_two_accounts_one_failing(airflow_home, tmp_path, london, paris):
    """`airflow dags test` with accounts london and paris of one source, set in the worker's
    environment: london loads into its own dataset, paris (a wrong key) fails its own task
    after its retry, and the wrong key shows nowhere."""
    env = base_env(airflow_home)
    env.update(
        SOURCES__TICKET_TAILOR__ACCOUNTS='["london", "paris"]',
        SOURCES__TICKET_TAILOR__LONDON__API_KEY=LONDON_KEY,
        SOURCES__TICKET_TAILOR__LONDON__BASE_URL=london.url,
        SOURCES__TICKET_TAILOR__PARIS__API_KEY=WRONG_KEY,
        SOURCES__TICKET_TAILOR__PARIS__BASE_URL=paris.url,
        DESTINATION__DUCKDB__CREDENTIALS=str(tmp_path / "warehouse.duckdb"),
        DLT_DATA_DIR=str(tmp_path / "dlt"),
        TICKETING_ELT_RETRIES="1",
        TICKETING_ELT_RETRY_DELAY="1",
    )
    result = run_airflow(env, "dags", "test", DAG_ID)

    states = task_states(airflow_home)
    assert states == {
        "list_targets": ("success", 1),
        "sync[ticket_tailor:london]": ("success", 1),
        "sync[ticket_tailor:paris]": ("failed", 2),
        "models": ("success", 1),
    }, output(result)
    london_rows = Warehouse("duckdb", tmp_path / "warehouse.duckdb", dataset="ticket_tailor_london")
    london_rows.assert_holds_once("orders", london.orders)
    london_rows.assert_holds_once("issued_tickets", london.issued_tickets)
    paris_rows = Warehouse("duckdb", tmp_path / "warehouse.duckdb", dataset="ticket_tailor_paris")
    assert {t for t in paris_rows.tables() if not t.startswith("_dlt")} == set()
    assert paris.requests, "paris's sync never reached its API"
    # the sync's own lines, streamed into the task log: london's summary, paris's paragraph
    assert "ticket_tailor:london: synced in" in result.stdout, output(result)
    assert "ticket_tailor:london:   orders" in result.stdout, output(result)
    assert "ticket_tailor:paris: the API refused our credentials" in result.stdout, output(result)
    assert leaks(WRONG_KEY, result, airflow_home) == []
    assert leaks(LONDON_KEY, result, airflow_home) == []


@pytest.fixture
def api_server(airflow_home) -> Iterator[dict[str, str]]:
    """An Airflow API server (its execution API is how tasks on a real worker talk to
    Airflow) on loopback; yields the settings that point an executor at it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = {
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "2",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__API_AUTH__JWT_SECRET": "test-only-jwt-secret-of-this-airflow",
    }
    env = {**base_env(airflow_home), **settings}
    log = (airflow_home / "api-server.log").open("w")
    server = subprocess.Popen(
        [
            str(airflow_bin()),
            "api-server",
            "--apps",
            "execution",
            "-H",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        env=env,
        cwd=airflow_home,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, (airflow_home / "api-server.log").read_text()[-3000:]
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            assert time.monotonic() < deadline, "the API server did not start in 120 s"
            time.sleep(0.2)
        yield settings
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


def test_connection_and_variable_on_an_executor(airflow_home, tmp_path, london, api_server):
    """A LocalExecutor runs the tasks as a worker does (supervisor, execution API, task log
    files). The account comes from the Variable `ticketing_elt_config`, its key from the
    Connection `ticketing_elt`: the key is used, and every value of the Connection is masked
    even where the command prints it (a python wrapper here leaks them on purpose)."""
    leaky_python = tmp_path / "leaky-python"
    leaky_python.write_text(
        "#!/bin/sh\n"
        'echo "leak: the key is $SOURCES__TICKET_TAILOR__LONDON__API_KEY" >&2\n'
        'echo "leak: the DSN is $DESTINATION__POSTGRES__CREDENTIALS" >&2\n'
        f'exec {ROOT / ".venv" / "bin" / "python"} "$@"\n'
    )
    leaky_python.chmod(0o755)
    env = {**base_env(airflow_home), **api_server}
    env.update(
        AIRFLOW_VAR_TICKETING_ELT_CONFIG=json.dumps(
            {
                "SOURCES__TICKET_TAILOR__ACCOUNTS": ["london"],
                "SOURCES__TICKET_TAILOR__LONDON__BASE_URL": london.url,
            }
        ),
        AIRFLOW_CONN_TICKETING_ELT=json.dumps(
            {
                "conn_type": "generic",
                "extra": {
                    "SOURCES__TICKET_TAILOR__LONDON__API_KEY": LONDON_KEY,
                    # a name Airflow's own rule does not take for a secret's
                    "DESTINATION__POSTGRES__CREDENTIALS": POSTGRES_DSN,
                },
            }
        ),
        DESTINATION__DUCKDB__CREDENTIALS=str(tmp_path / "warehouse.duckdb"),
        DLT_DATA_DIR=str(tmp_path / "dlt"),
        TICKETING_ELT_PYTHON=str(leaky_python),
    )
    result = run_airflow(env, "dags", "test", DAG_ID, "--use-executor")

    assert task_states(airflow_home) == {
        "list_targets": ("success", 1),
        "sync[ticket_tailor:london]": ("success", 1),
        "models": ("success", 1),
    }, output(result) + (airflow_home / "api-server.log").read_text()[-3000:]
    Warehouse(
        "duckdb", tmp_path / "warehouse.duckdb", dataset="ticket_tailor_london"
    ).assert_holds_once("orders", london.orders)
    assert leaks(LONDON_KEY, result, airflow_home) == []
    assert leaks(POSTGRES_DSN, result, airflow_home) == []
    [sync_log] = (airflow_home / "logs").rglob("task_id=sync/**/attempt=1.log")
    lines = [json.loads(line)["event"] for line in sync_log.read_text().splitlines()]
    assert "leak: the key is ***" in lines
    assert "leak: the DSN is ***" in lines
    assert any(line.startswith("ticket_tailor:london: synced in") for line in lines)
    assert any(line.startswith("ticket_tailor:london:   orders") for line in lines)
    assert (
        "secrets from Airflow Connection ticketing_elt: DESTINATION__POSTGRES__CREDENTIALS, "
        "SOURCES__TICKET_TAILOR__LONDON__API_KEY"
    ) in lines


def test_busy_pipeline_skips_its_task(airflow_home, tmp_path, london):
    """Exit 75 (another run holds the pipeline's lock) makes the task skipped, not failed;
    nothing is requested."""
    env = base_env(airflow_home)
    env.update(
        SOURCES__TICKET_TAILOR__ACCOUNTS='["london"]',
        SOURCES__TICKET_TAILOR__LONDON__API_KEY=LONDON_KEY,
        SOURCES__TICKET_TAILOR__LONDON__BASE_URL=london.url,
        DESTINATION__DUCKDB__CREDENTIALS=str(tmp_path / "warehouse.duckdb"),
        DLT_DATA_DIR=str(tmp_path / "dlt"),
    )
    locks = tmp_path / "dlt" / "pipelines"
    locks.mkdir(parents=True)
    with open(locks / "ticket_tailor_london.sync.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = run_airflow(env, "dags", "test", DAG_ID)
    assert task_states(airflow_home) == {
        "list_targets": ("success", 1),
        "sync[ticket_tailor:london]": ("skipped", 1),
        "models": ("success", 1),
    }, output(result)
    assert result.returncode == 0, output(result)
    assert london.requests == []


def test_sigterm_stops_the_sync_cleanly(airflow_home, tmp_path, london):
    """SIGTERM to Airflow while a sync runs reaches the sync, which stops cleanly (exit 143)
    and is waited for: no request after it, the lock free, and the next run loads it all."""
    dlt_dir, warehouse = tmp_path / "dlt", tmp_path / "warehouse.duckdb"
    env = base_env(airflow_home)
    env.update(
        SOURCES__TICKET_TAILOR__ACCOUNTS='["london"]',
        SOURCES__TICKET_TAILOR__LONDON__API_KEY=LONDON_KEY,
        SOURCES__TICKET_TAILOR__LONDON__BASE_URL=london.url,
        DESTINATION__DUCKDB__CREDENTIALS=str(warehouse),
        DLT_DATA_DIR=str(dlt_dir),
    )
    london.latency = 0.05
    airflow = subprocess.Popen(
        [str(airflow_bin()), "dags", "test", DAG_ID],
        env=env,
        cwd=airflow_home,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(lambda: len(london.requests) >= 3 or airflow.poll() is not None, timeout=120)
        airflow.send_signal(signal.SIGTERM)
        stdout, stderr = airflow.communicate(timeout=120)
    finally:
        if airflow.poll() is None:
            airflow.kill()
            airflow.communicate()
    result = subprocess.CompletedProcess(airflow.args, airflow.returncode, stdout, stderr)
    assert "ticket_tailor:london: stopped by SIGTERM before it finished" in stdout, output(result)
    assert "the sync was stopped (exit status 143)" in stdout + stderr, output(result)
    assert task_states(airflow_home)["sync[ticket_tailor:london]"] == ("failed", 1)
    assert quiet_for(london, 0.5), "the sync kept requesting after Airflow was stopped"
    with open(dlt_dir / "pipelines" / "ticket_tailor_london.sync.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free: the sync has exited

    london.latency = 0
    rerun = subprocess.run(
        [sys.executable, "-m", "pipelines.sync", "ticket_tailor:london", "--no-models"],
        cwd=ROOT,
        env={name: value for name, value in env.items() if not name.startswith("AIRFLOW")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    Warehouse("duckdb", warehouse, dataset="ticket_tailor_london").assert_holds_once(
        "orders", london.orders
    )
