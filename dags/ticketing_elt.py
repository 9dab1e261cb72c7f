"""Airflow DAG `ticketing_elt`: the project's own sync command, one mapped task per target.

`list_targets` runs `python -m pipelines.sync --list` in the project directory; `sync` is
mapped over what it prints, and each instance runs `python -m pipelines.sync TARGET
--no-models` (plus `--destination` when `TICKETING_ELT_DESTINATION` is set) with the project's
venv python, so locks, error paragraphs, exit statuses and the summary are those of a cron
run. Once every sync has ended, however it ended, `models` rebuilds the analytics models once
(`python -m pipelines.models`), rather than each sync racing the others to. The child's
output is streamed into the task log line by line. Exit status -> task state: 0 success;
75 (another run holds the pipeline's lock, nothing done) skipped; 2 (usage or configuration
error) failed without retries; anything else failed, retried.

The child's environment is the worker's (`SOURCES__...`, `DESTINATION__...`, `DLT_DATA_DIR`,
as for cron), less Airflow's own `AIRFLOW__*`, `AIRFLOW_CONN_*` and `AIRFLOW_VAR_*`; then,
read when a task runs (never at parse time), the JSON object of the Airflow Variable
`ticketing_elt_config` (non-secret settings) and the JSON object in the `extra` of the Airflow
Connection `ticketing_elt` (secrets, each registered with the secret masker), both mapping
environment variable names to values. Either may be missing.

Read from the environment when the DAG file is parsed (scheduler, dag processor, workers):

| variable | default |
| --- | --- |
| `TICKETING_ELT_SCHEDULE` | `@hourly` (a preset, a cron expression, or `none` for manual runs) |
| `TICKETING_ELT_MAX_PARALLEL_SYNCS` | 1 with DuckDB (one writer process), else 4 |
| `TICKETING_ELT_DESTINATION` | `duckdb`; also read at run time, where the Variable may set it |
| `TICKETING_ELT_RETRIES`, `TICKETING_ELT_RETRY_DELAY` | 2 retries, 300 seconds apart |
| `TICKETING_ELT_SYNC_TIMEOUT` | none: seconds after which a sync task is stopped (SIGTERM) |
| `TICKETING_ELT_POOL`, `TICKETING_ELT_QUEUE` | Airflow's defaults: both tasks' pool and queue |

Read when a task runs: `TICKETING_ELT_HOME` (the project; default the parent of this file's
folder), `TICKETING_ELT_PYTHON` (default `<project>/.venv/bin/python`) and `DLT_DATA_DIR`
(default dlt's own for the worker user: `~/.dlt`, or `/var/dlt` as root).
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

import pendulum
from airflow.sdk import (
    Connection,
    Param,
    TriggerRule,
    Variable,
    dag,
    get_current_context,
    task,
)
from airflow.sdk.exceptions import (
    AirflowException,
    AirflowFailException,
    AirflowNotFoundException,
    AirflowSkipException,
)
from airflow.sdk.log import mask_secret

try:  # Airflow's masker: what mask_secret registered is hidden in the command's lines too
    from airflow.sdk._shared.secrets_masker import redact
except ImportError:  # moved in a later Airflow: its log handlers still mask on their own

    def redact(value: str) -> str:
        return value


DAG_ID = "ticketing_elt"
CONFIG_VARIABLE = "ticketing_elt_config"
CONNECTION_ID = "ticketing_elt"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 75
# Airflow's own settings and other connections' secrets: the sync needs none of them
HIDDEN_PREFIXES = ("AIRFLOW__", "AIRFLOW_CONN_", "AIRFLOW_VAR_")
# the sync's log lines, `<UTC time> <LEVEL> <source>: <message>`: the task log adds its own
# time and level
LINE = re.compile(r"^\S+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) (.*)$", re.S)

log = logging.getLogger("ticketing_elt")


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {value!r}") from None


def _schedule() -> str | None:
    schedule = os.environ.get("TICKETING_ELT_SCHEDULE", "").strip() or "@hourly"
    return None if schedule.lower() in ("none", "null") else schedule


def _max_parallel_syncs() -> int:
    destination = os.environ.get("TICKETING_ELT_DESTINATION", "").strip() or "duckdb"
    return _env_int("TICKETING_ELT_MAX_PARALLEL_SYNCS", 1 if destination == "duckdb" else 4)


def _sync_timeout() -> timedelta | None:
    seconds = _env_int("TICKETING_ELT_SYNC_TIMEOUT", 0)
    return timedelta(seconds=seconds) if seconds > 0 else None


def _default_args() -> dict[str, Any]:
    args: dict[str, Any] = {
        "retries": _env_int("TICKETING_ELT_RETRIES", 2),
        "retry_delay": timedelta(seconds=_env_int("TICKETING_ELT_RETRY_DELAY", 300)),
    }
    # a pool caps syncs across runs and DAGs; a queue sends them to the workers that have
    # the project (CeleryExecutor)
    for key in ("pool", "queue"):
        if value := os.environ.get(f"TICKETING_ELT_{key.upper()}", "").strip():
            args[key] = value
    return args


def _project() -> Path:
    return Path(os.environ.get("TICKETING_ELT_HOME") or Path(__file__).resolve().parents[1])


def _python(project: Path) -> str:
    return os.environ.get("TICKETING_ELT_PYTHON") or str(project / ".venv" / "bin" / "python")


def _default_dlt_data_dir() -> str:
    """dlt's own default for this user, as a cron run gets it (never its /tmp fallback)."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return "/var/dlt"
    return os.path.expanduser("~/.dlt")


def _json_object(text: str | None, what: str) -> dict[str, str]:
    """Environment variables from a JSON object; values that are not strings become JSON."""
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        # the message quotes no part of the value: it may hold secrets
        raise AirflowFailException(f"{what} is not valid JSON (line {exc.lineno})") from None
    if not isinstance(value, dict):
        raise AirflowFailException(f"{what} must be a JSON object of variable name -> value")
    return {
        str(name): item if isinstance(item, str) else json.dumps(item)
        for name, item in value.items()
        if item is not None
    }


def child_env() -> dict[str, str]:
    """The sync's environment: the worker's, then the Variable's settings, then the
    Connection's secrets; DLT_DATA_DIR always set, to a lasting path."""
    env = {
        name: value for name, value in os.environ.items() if not name.startswith(HIDDEN_PREFIXES)
    }
    # secrets in the worker's own environment: masked by Airflow's rule for names
    # (api_key, secret, password, token, ...) and the Postgres DSN, which holds a password
    for name, value in env.items():
        if name.startswith(("SOURCES__", "DESTINATION__")):
            mask_secret(value, name)
    if postgres := env.get("DESTINATION__POSTGRES__CREDENTIALS"):
        mask_secret(postgres)

    settings = _json_object(
        Variable.get(CONFIG_VARIABLE, default=None), f"Airflow Variable {CONFIG_VARIABLE}"
    )
    mask_secret(settings)  # only names that look secret: the Variable is for the rest
    env.update(settings)

    try:
        connection = Connection.get(CONNECTION_ID)
    except AirflowNotFoundException:
        connection = None
    if connection is not None:
        secrets = _json_object(connection.extra, f"the extra of Airflow Connection {CONNECTION_ID}")
        for value in secrets.values():
            mask_secret(value)
        env.update(secrets)
        log.info(
            "secrets from Airflow Connection %s: %s", CONNECTION_ID, ", ".join(sorted(secrets))
        )
    if settings:
        log.info(
            "settings from Airflow Variable %s: %s", CONFIG_VARIABLE, ", ".join(sorted(settings))
        )

    if not env.get("DLT_DATA_DIR"):
        env["DLT_DATA_DIR"] = _default_dlt_data_dir()
    log.info("DLT_DATA_DIR (dlt state, pending loads, run locks): %s", env["DLT_DATA_DIR"])
    env["PYTHONUNBUFFERED"] = "1"  # lines reach the task log as they are written
    return env


def _log_line(line: str) -> None:
    line = redact(line)
    if match := LINE.match(line):
        log.log(logging.getLevelName(match[1]), "%s", match[2])
    else:
        log.info("%s", line)


def _pump(stream: IO[str], each: Callable[[str], None]) -> None:
    for line in stream:
        each(line.rstrip("\n"))


def run_command(
    args: list[str],
    env: dict[str, str],
    collect: list[str] | None = None,
    module: str = "pipelines.sync",
) -> int:
    """Runs the project's command (`python -m MODULE ARGS`), streaming its stderr (and its
    stdout, unless `collect` takes it) into the task log. SIGTERM to this process (Airflow
    stopping the task) or an exception here (a timeout) is passed to the command as SIGTERM,
    and waited for, so that the sync stops cleanly: it is in its own session, so it gets
    exactly one."""
    project = _project()
    python = _python(project)
    if not Path(python).exists():
        raise AirflowFailException(
            f"no project python at {python}: run `make install` in {project}, or set "
            "TICKETING_ELT_PYTHON (and TICKETING_ELT_HOME)"
        )
    command = [python, "-m", module, *args]
    log.info("running %s in %s", " ".join(command), project)
    process = subprocess.Popen(
        command,
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    )

    def stop(signum: int, frame: Any) -> None:
        log.warning(
            "got %s: stopping the sync (SIGTERM) and waiting for it", signal.Signals(signum).name
        )
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        if callable(previous):
            previous(signum, frame)

    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, stop) if in_main_thread else None
    errors = threading.Thread(target=_pump, args=(process.stderr, _log_line), daemon=True)
    errors.start()
    try:
        _pump(process.stdout, collect.append if collect is not None else _log_line)
        errors.join()
        return process.wait()
    finally:
        if process.poll() is None:  # a timeout or another exception cut the wait short
            log.warning("stopping the sync (SIGTERM) and waiting for it")
            process.send_signal(signal.SIGTERM)
            process.wait()
        errors.join(timeout=5)
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)


def _destination(env: dict[str, str]) -> list[str]:
    destination = env.get("TICKETING_ELT_DESTINATION", "").strip()
    return ["--destination", destination] if destination else []


@dag(
    dag_id=DAG_ID,
    description="Incremental ELT of the configured ticketing accounts (python -m pipelines.sync)",
    schedule=_schedule(),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=_default_args(),
    params={
        "full_refresh": Param(
            False, type="boolean", description="run every target with --full-refresh"
        ),
    },
    tags=["ticketing", "dlt"],
    doc_md=__doc__,
)
def ticketing_elt() -> None:
    @task
    def list_targets() -> list[str]:
        """The targets the configuration names: `python -m pipelines.sync --list`."""
        lines: list[str] = []
        status = run_command(["--list"], child_env(), collect=lines)
        if status == EXIT_USAGE:
            raise AirflowFailException("the configuration is not valid (see the log above)")
        if status != EXIT_OK:
            raise AirflowException(f"`pipelines.sync --list` exited {status} (see the log above)")
        targets = [line.strip() for line in lines if line.strip()]
        if not targets:
            raise AirflowFailException(
                "no source or account is configured with credentials: set them in the "
                f"worker's environment, .dlt/secrets.toml or the Airflow Connection {CONNECTION_ID}"
            )
        log.info("targets: %s", ", ".join(targets))
        return targets

    @task(map_index_template="{{ target }}", execution_timeout=_sync_timeout())
    def sync(target: str) -> None:
        """One target: `python -m pipelines.sync TARGET [--destination X]`."""
        context = get_current_context()
        context["target"] = target  # names the mapped instance in the UI
        env = child_env()
        # the models are built once, by `models`, when every sync has ended
        args = [target, *_destination(env), "--no-models"]
        if context["params"].get("full_refresh"):
            args.append("--full-refresh")
        status = run_command(args, env)
        if status == EXIT_OK:
            return
        if status == EXIT_BUSY:
            raise AirflowSkipException(
                f"{target}: another sync of this pipeline holds its lock; this run did nothing"
            )
        if status == EXIT_USAGE:
            raise AirflowFailException(
                f"{target}: usage or configuration error (see the log above)"
            )
        if status in (128 + signal.SIGINT, 128 + signal.SIGTERM):
            raise AirflowException(
                f"{target}: the sync was stopped (exit status {status}); it stopped cleanly and "
                "the next run resumes from the last good one"
            )
        raise AirflowException(
            f"{target}: the sync failed (exit status {status}; see the log above)"
        )

    @task(trigger_rule=TriggerRule.ALL_DONE)
    def models() -> None:
        """The analytics models, rebuilt from what the syncs loaded (`pipelines.models`)."""
        env = child_env()
        status = run_command(_destination(env), env, module="pipelines.models")
        if status == EXIT_USAGE:
            raise AirflowFailException("models: configuration error (see the log above)")
        if status != EXIT_OK:
            raise AirflowException(f"models: dbt build failed (exit status {status}; see above)")

    syncs = sync.override(max_active_tis_per_dagrun=_max_parallel_syncs()).expand(
        target=list_targets()
    )
    syncs >> models()


ticketing_elt()
