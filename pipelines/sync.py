"""Sync ticketing sources into DuckDB or Postgres: `python -m pipelines.sync [TARGET ...]`.

A target is a platform's default account (`ticket_tailor`) or one of its named accounts
(`ticket_tailor:london`). With none named, every configured target runs (`--list` prints
them), one after the other; one failing does not stop the rest. Each is its own dlt pipeline
and dataset (`ticket_tailor`, `ticket_tailor_london`). Once they loaded, the analytics models
in `transform/` are rebuilt (`--no-models` leaves them). Exit status: 0 when every target
loaded; 1 when one failed, or the models did (a one-paragraph error); 2 for a usage or
configuration error found before any target ran; 75 when another run of a pipeline held its
lock; 130 / 143 after Ctrl-C / SIGTERM. A failed or stopped run leaves dlt's state matching the
warehouse, so the next run carries on from the last good one.
"""

from __future__ import annotations

import argparse
import fcntl
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import dlt
from dlt.destinations.exceptions import DatabaseUndefinedRelation

from sources.client import RequestStats, Run, Secrets

from . import config, models, refresh, webhooks
from .config import SOURCES, ConfigError, Target
from .errors import PipelineBusy, Stopped, causes, explain, stop_signal
from .logs import describe_load, log_error, log_level, progress, setup_logging, summary
from .models import ModelsFailed

logger = logging.getLogger("ticketing")

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, os.EX_TEMPFAIL

# Parquet loads merge tables into DuckDB ~20x faster than insert statements; Postgres takes
# CSV through COPY (its parquet path needs the ADBC driver).
LOADER_FILE_FORMATS = {"duckdb": "parquet", "postgres": "csv"}


def main(argv: list[str] | None = None) -> int:
    """Runs the CLI and returns its exit status (for Airflow's PythonOperator, too)."""
    try:
        args = _parse_args(argv)
    except SystemExit as exc:  # argparse: --help, or a usage error it has printed
        return EXIT_USAGE if exc.code else EXIT_OK
    run = Run()
    try:
        level = log_level(os.environ.get("LOG_LEVEL"))
    except ValueError as exc:
        setup_logging("INFO", run.secrets)
        log_error(str(exc), run.secrets)
        return EXIT_USAGE
    setup_logging(level, run.secrets)
    with _sigterm_stops():
        try:
            return _run(args, run)
        except KeyboardInterrupt as exc:  # between two sources
            return _stopped("the sync", stop_signal(exc) or signal.SIGINT, run.secrets)


def _run(args: argparse.Namespace, run: Run) -> int:
    try:
        if args.list:
            print("\n".join(target.label for target in config.configured_targets()))
            return EXIT_OK
        targets = args.targets or config.configured_targets(required=True)
        for target in targets:
            config.warn_unknown_keys(target)
    except ConfigError as exc:
        log_error(str(exc), run.secrets)
        return EXIT_USAGE
    failed: list[str] = []
    busy: list[str] = []
    for target in targets:
        try:
            with run_lock(target):
                sync(target, args.destination, full_refresh=args.full_refresh, run=run)
        except PipelineBusy as exc:
            log_error(str(exc), run.secrets)
            busy.append(target.label)
        except BaseException as exc:
            if (signum := stop_signal(exc)) is not None:
                return _stopped(target.label, signum, run.secrets)
            if not isinstance(exc, Exception):
                raise
            log_error(_message(target.label, exc, run.secrets), run.secrets)
            failed.append(target.label)
    if args.models and len(failed) + len(busy) < len(targets):
        # once the sources loaded, so that the models are never older than the tables
        try:
            models.build(args.destination, models.dbt_environment(args.destination, run.secrets))
        except ModelsFailed as exc:
            log_error(str(exc), run.secrets)
            failed.append(models.LABEL)
        except ConfigError as exc:
            log_error(f"{models.LABEL}: {exc}", run.secrets)
            failed.append(models.LABEL)
    if failed:
        return EXIT_FAILED
    return EXIT_BUSY if busy else EXIT_OK


def sync(
    target: Target, destination: str, full_refresh: bool = False, run: Run | None = None
) -> None:
    """Runs one target's pipeline once, first finishing a load that an earlier run left."""
    run = run or Run()
    started = time.monotonic()
    name = target.label
    config.check_placeholders(target)
    pipeline = dlt.pipeline(
        pipeline_name=target.name,
        destination=config.destination(destination, run.secrets),
        dataset_name=target.name,
        progress=progress(name),
    )
    file_format = LOADER_FILE_FORMATS[destination]
    loads = []
    if pipeline.has_pending_data:
        # an earlier run was stopped after extracting: its package holds data and cursors
        logger.info("%s: loading what an earlier run left pending", name)
        loads.append(pipeline.run(loader_file_format=file_format))
    deliveries = webhooks.pending_deliveries(target)
    source = target.build(run, **deliveries.source_arguments())
    if full_refresh:
        # rebuilt in staging and swapped in at the end: no `refresh=`, which drops up front
        source = refresh.full_refresh(source)
    loads.append(pipeline.run(source, loader_file_format=file_format))
    # only now: a run that failed or was killed before its load committed applies them again
    deliveries.mark_applied()
    load_ids = [load_id for info in loads if info for load_id in info.loads_ids]
    seconds = time.monotonic() - started
    _print_summary(name, pipeline, load_ids, seconds, run.stats.get(name), deliveries)


@contextmanager
def run_lock(target: Target) -> Iterator[None]:
    """Holds an exclusive lock for one target's pipeline; the OS drops it if the process dies."""
    # beside the pipelines' state, so that DLT_DATA_DIR separates them
    lock_dir = Path(dlt.current.run_context().get_data_entity("pipelines"))
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / f"{target.name}.sync.lock", "w") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PipelineBusy(
                f"{target}: another sync of this pipeline is still running (lock "
                f"{lock_file.name}); this run did nothing. Let it finish, or space the "
                "schedule further apart."
            ) from None
        yield


def loaded_rows(pipeline: dlt.Pipeline, load_ids: list[str]) -> dict[str, int]:
    """Rows each table holds from these loads, counted in the destination: a record read twice
    counts once, a row merged over an older one counts as written. Nested tables have no load
    id of their own, so their rows are counted through their parent's."""
    if not load_ids:
        return {}
    schema = pipeline.default_schema
    # dlt's load ids are unix times ("1796041078.0629003"): safe to inline
    loads = ", ".join(f"'{load_id}'" for load_id in load_ids)
    counts = {}
    with pipeline.sql_client() as client:

        def rows_of(table: str) -> str:
            parent = schema.tables[table].get("parent")
            if parent is None:
                return f"_dlt_load_id in ({loads})"
            return (
                f"_dlt_parent_id in (select _dlt_id from "
                f"{client.make_qualified_table_name(parent)} where {rows_of(parent)})"
            )

        for table in schema.data_table_names(seen_data_only=True):
            sql = f"select count(*) from {client.make_qualified_table_name(table)} "
            try:
                [(count,)] = client.execute_sql(sql + f"where {rows_of(table)}")
            except DatabaseUndefinedRelation:  # dropped outside dlt: the load itself went well
                continue
            if count:
                counts[table] = count
    return counts


def _print_summary(
    name: str,
    pipeline: dlt.Pipeline,
    load_ids: list[str],
    seconds: float,
    stats: RequestStats | None,
    deliveries: webhooks.PendingDeliveries,
) -> None:
    trace = pipeline.last_trace
    steps = ", ".join(
        f"{step.step} {(step.finished_at - step.started_at).total_seconds():.1f} s"
        for step in (trace.steps if trace else [])
        if step.step in ("extract", "normalize", "load") and step.finished_at
    )
    loads = "; ".join(describe_load(load_id) for load_id in load_ids)
    summary.info("%s: synced in %.1f s (%s); load %s", name, seconds, steps, loads or "none")
    counts = loaded_rows(pipeline, load_ids)
    if counts:
        summary.info("%s: rows loaded per table (new or updated):", name)
    else:
        summary.info("%s: no rows loaded", name)
    for table, rows in sorted(counts.items()):
        summary.info("%s:   %-36s %10s rows", name, table, f"{rows:,}")
    if deliveries.deliveries:
        left = f" ({deliveries.left:,} more wait for the next run)" if deliveries.left else ""
        applied = f"{len(deliveries.deliveries):,}"
        summary.info("%s: webhook deliveries applied: %s%s", name, applied, left)
    if stats:
        tokens = f" and {stats.token_requests:,} for tokens" if stats.token_requests else ""
        summary.info(
            "%s: requests %s%s, retries %s, waited %.1f s for rate limits and retries",
            name,
            f"{stats.requests:,}",
            tokens,
            f"{stats.retries:,}",
            stats.waited_seconds,
        )


def _message(name: str, exc: Exception, secrets: Secrets) -> str:
    message = explain(exc, name, secrets)
    if message is None:
        logger.debug("%s: the sync failed unexpectedly", name, exc_info=exc)
        cause = list(causes(exc))[-1]  # dlt's step wrappers only repeat it
        message = (
            f"the sync failed unexpectedly: {type(cause).__name__}: {cause}. Run again with "
            "LOG_LEVEL=DEBUG for the traceback, and please report it."
        )
    return message if message.startswith(f"{name}:") else f"{name}: {message}"


def _stopped(name: str, signum: int, secrets: Secrets) -> int:
    log_error(
        f"{name}: stopped by {signal.Signals(signum).name} before it finished. The next run "
        "resumes from the last good one: it first loads (or, if it cannot, discards) what this "
        "one left pending, then syncs.",
        secrets,
    )
    return 128 + signum


@contextmanager
def _sigterm_stops() -> Iterator[None]:
    """SIGTERM (how systemd and Airflow stop a task) unwinds the run like Ctrl-C does."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise Stopped(signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.sync",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "targets",
        nargs="*",
        metavar="TARGET",
        help=f"a source ({', '.join(SOURCES)}) or one of its accounts (SOURCE:NAME)",
    )
    parser.add_argument("--destination", choices=sorted(LOADER_FILE_FORMATS), default="duckdb")
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="reload everything from scratch (cursors too) and swap it in at the end",
    )
    parser.add_argument(
        "--list", action="store_true", help="print the configured targets, one per line"
    )
    parser.add_argument(
        "--no-models",
        dest="models",
        action="store_false",
        help="do not rebuild the analytics models (transform/) after loading",
    )
    args = parser.parse_args(argv)
    try:
        args.targets = list(dict.fromkeys(config.parse_target(text) for text in args.targets))
    except ValueError as exc:
        parser.error(str(exc))
    return args


if __name__ == "__main__":
    sys.exit(main())
