"""Build the analysts' models: `python -m pipelines.models [--destination duckdb|postgres]`.

Runs `dbt build` (models, then their tests) of the dbt project in `transform/` against the
sync's own warehouse: the DuckDB file or Postgres database comes from the same configuration
the sync reads, handed to dbt through the environment that `transform/profiles.yml` reads.
`--docs` writes the data dictionary instead (`dbt docs generate --static`). The sync runs the
build after loading; a failure is one paragraph and exit status 1, and leaves the loaded data
as it is. dbt's own log is in `transform/logs/dbt.log`.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dlt

from sources.client import Secrets, config_key

from . import config
from .config import ConfigError
from .logs import log_error, log_level, setup_logging, summary

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
PROJECT = Path(__file__).resolve().parent.parent / "transform"
TARGET = PROJECT / "target"
RESULTS = TARGET / "run_results.json"
DOCS = TARGET / "static_index.html"
LOG = PROJECT / "logs" / "dbt.log"
# dbt's statuses of a node that did not build or a test that did not pass
FAILED = ("error", "fail", "runtime error")
LABEL = "models"
# TicketSource's API names no currency: `sources.ticketsource.currency`, else this
DEFAULT_CURRENCY = "GBP"
# what failed, at most this many named in the error paragraph
NAMED_FAILURES = 5


class ModelsFailed(Exception):
    """dbt could not build the models or their tests failed; one paragraph."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.models", description=__doc__)
    parser.add_argument("--destination", choices=("duckdb", "postgres"), default="duckdb")
    parser.add_argument("--docs", action="store_true", help="write the data dictionary only")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code else EXIT_OK
    secrets = Secrets()
    setup_logging(log_level(os.environ.get("LOG_LEVEL")), secrets)
    try:
        environment = dbt_environment(args.destination, secrets)
        if args.docs:
            write_docs(args.destination, environment)
        else:
            build(args.destination, environment)
    except ConfigError as exc:
        log_error(f"{LABEL}: {exc}", secrets)
        return EXIT_USAGE
    except ModelsFailed as exc:
        log_error(str(exc), secrets)
        return EXIT_FAILED
    return EXIT_OK


def dbt_environment(destination: str, secrets: Secrets) -> dict[str, str]:
    """What `transform/profiles.yml` reads, from the sync's own configuration."""
    if destination == "duckdb":
        environment = {
            "TICKETING_DUCKDB_PATH": str(Path(config.duckdb_file()).resolve()),
            "TICKETING_DUCKDB_MEMORY_LIMIT": config.duckdb_memory_limit(),
        }
    else:
        credentials = config.postgres_credentials(secrets)
        environment = {
            "TICKETING_POSTGRES_HOST": credentials.host or "localhost",
            "TICKETING_POSTGRES_PORT": str(credentials.port or 5432),
            "TICKETING_POSTGRES_USER": credentials.username or "",
            "TICKETING_POSTGRES_DATABASE": credentials.database or "",
            # dbt keeps DBT_ENV_SECRET_* values out of its logs
            "DBT_ENV_SECRET_POSTGRES_PASSWORD": str(credentials.password or ""),
        }
    return environment


def dbt_vars() -> str:
    """The project's variables: TicketSource's currency, per account where one sets its own."""
    accounts = {}
    for target in config.accounts("ticketsource"):
        if currency := _currency(config_key(target.label, "currency")):
            accounts[target.account] = currency
    default = _currency(config_key("ticketsource", "currency")) or DEFAULT_CURRENCY
    return json.dumps({"ticketsource_currency": default, "ticketsource_currencies": accounts})


def _currency(key: str) -> str | None:
    value = dlt.config.get(key)
    if value is not None and not re.fullmatch(r"[A-Za-z]{3}", str(value)):
        raise ConfigError(
            f"{key} ({key.upper().replace('.', '__')}) must be a three-letter ISO currency "
            f"code such as GBP, not {value!r}."
        )
    return None if value is None else str(value).upper()


def build(destination: str, environment: dict[str, str]) -> None:
    """`dbt build`: every model, then its tests; raises ModelsFailed naming what failed."""
    started = time.monotonic()
    results = _dbt(["build"], destination, environment)
    kinds = Counter(result["unique_id"].split(".")[0] for result in results)
    warned = sum(result["status"] == "warn" for result in results)
    summary.info(
        "%s: built in %.1f s (%s%s) into schema analytics",
        LABEL,
        time.monotonic() - started,
        ", ".join(f"{count} {kind}s" for kind, count in sorted(kinds.items())) or "nothing",
        f"; {warned} tests warned, see {LOG}" if warned else "",
    )


def write_docs(destination: str, environment: dict[str, str]) -> None:
    """The data dictionary: one self-contained HTML file."""
    _dbt(["docs", "generate", "--static"], destination, environment)
    summary.info("%s: data dictionary written to %s", LABEL, DOCS)


def _dbt(command: list[str], destination: str, environment: dict[str, str]) -> list[dict]:
    """Runs dbt in its own process (it keeps the DuckDB file open for as long as it lives) and
    returns its per-node results; raises ModelsFailed naming what failed."""
    dbt = Path(sys.executable).with_name("dbt")
    arguments = [
        str(dbt),
        *command,
        "--project-dir",
        str(PROJECT),
        "--profiles-dir",
        str(PROJECT),
        "--target",
        destination,
        "--target-path",
        str(TARGET),
        "--vars",
        dbt_vars(),
        "--log-level",
        "error",
        "--log-level-file",
        "info",
        "--log-path",
        str(LOG.parent),
        "--no-version-check",
    ]
    with _models_lock():
        RESULTS.unlink(missing_ok=True)
        process = subprocess.run(
            arguments,
            env={**os.environ, **environment},
            capture_output=True,
            text=True,
        )
        results = json.loads(RESULTS.read_text())["results"] if RESULTS.exists() else []
    failed = [result for result in results if result["status"] in FAILED]
    if process.returncode != 0 or failed:
        raise ModelsFailed(_failure(failed, process.stdout + process.stderr))
    return results


def _failure(failed: list[dict], output: str) -> str:
    if failed:
        named = [
            f"{result['unique_id'].split('.')[0]} {result['unique_id'].split('.')[2]} "
            f"({result['status']}: {' '.join(str(result['message'] or '').split())[:200]})"
            for result in failed[:NAMED_FAILURES]
        ]
        more = f"; and {len(failed) - len(named)} more" if len(failed) > len(named) else ""
        problem = f"{len(failed)} failed: " + "; ".join(named) + more
    else:
        lines = [line.strip() for line in output.splitlines() if line.strip()]
        problem = "dbt could not run: " + " ".join(lines[-3:])[:600]
    return (
        f"{LABEL}: the analytics models were not all built; {problem}. The loaded data is "
        f"unchanged. See {LOG}, and run `make models` once it is fixed."
    )


@contextmanager
def _models_lock() -> Iterator[None]:
    """One dbt run at a time in this checkout: syncs of different targets may end together,
    and dbt's files in `transform/target` are shared."""
    TARGET.mkdir(parents=True, exist_ok=True)
    with open(TARGET / "dbt.lock", "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        yield


if __name__ == "__main__":
    sys.exit(main())
