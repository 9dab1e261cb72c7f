"""Sync ticketing sources into DuckDB or Postgres: `python -m pipelines.sync [SOURCE ...]`.

With no source named, every source whose credentials are configured runs. Each source is its
own dlt pipeline and dataset (named after the source). A run that fails exits non-zero with a
one-paragraph error; dlt's state then still matches the warehouse, so the next run carries on
from the last good one. Runs of the same pipeline never overlap: a second one exits at once.
"""

from __future__ import annotations

import argparse
import fcntl
import importlib
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dlt
from dlt.common.configuration.exceptions import ConfigFieldMissingException, LookupTraces
from dlt.common.destination import Destination
from dlt.common.pipeline import LoadInfo
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

from sources.client import RUN_STATS, ApiError, install_secret_filter, redact

logger = logging.getLogger("ticketing.sync")


@dataclass(frozen=True)
class SourceEntry:
    module: str
    factory: str
    secrets: tuple[str, ...]


SOURCES = {
    "ticket_tailor": SourceEntry("sources.ticket_tailor", "ticket_tailor_source", ("api_key",)),
    "ticketsource": SourceEntry("sources.ticketsource", "ticketsource_source", ("api_key",)),
    "korusticket": SourceEntry(
        "sources.korusticket", "korusticket_source", ("client_id", "client_secret")
    ),
}

DEFAULT_DUCKDB_FILE = "ticketing.duckdb"
# DuckDB takes 80% of RAM by default; a scheduled sync shares its machine, so it is held to
# `destination.duckdb.memory_limit` and spills merges to disk beyond it. One thread and no
# insertion order keep merges of 300,000 orders inside 128MB (measured; more threads ran out).
DEFAULT_DUCKDB_MEMORY_LIMIT = "128MB"
DUCKDB_SETTINGS = {"threads": 1, "preserve_insertion_order": False}

# Parquet loads merge tables into DuckDB ~20x faster than insert statements; Postgres takes
# CSV through COPY (its parquet path needs the ADBC driver).
LOADER_FILE_FORMATS = {"duckdb": "parquet", "postgres": "csv"}


class SyncError(Exception):
    """An expected failure: printed as one paragraph, without a traceback."""


class PipelineBusy(SyncError):
    pass


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    _setup_logging()
    try:
        names = args.sources or _configured_sources()
    except SyncError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    failed = []
    for name in names:
        try:
            with run_lock(name):
                sync(name, args.destination, full_refresh=args.full_refresh)
        except Exception as exc:
            message = explain(exc)
            if message is None:
                logger.exception("%s: the sync failed unexpectedly", name)
                message = f"{name}: the sync failed unexpectedly: {redact(str(exc))}"
            print(f"error: {message}", file=sys.stderr)
            failed.append(name)
    return 1 if failed else 0


def sync(name: str, destination: str, full_refresh: bool = False) -> LoadInfo | None:
    """Runs one source's pipeline once, first finishing a load that an earlier run left."""
    started = time.monotonic()
    entry = SOURCES[name]
    pipeline = dlt.pipeline(
        pipeline_name=name,
        destination=_destination(destination),
        dataset_name=name,
        progress=_progress(),
    )
    file_format = LOADER_FILE_FORMATS.get(destination)
    if pipeline.has_pending_data:
        # an earlier run was stopped after extracting: its package holds data and cursors
        logger.info("%s: finishing the load an earlier run left pending", name)
        pipeline.run(loader_file_format=file_format)
    source = getattr(importlib.import_module(entry.module), entry.factory)()
    info = pipeline.run(
        source,
        loader_file_format=file_format,
        refresh="drop_sources" if full_refresh else None,
    )
    _print_summary(name, pipeline, time.monotonic() - started)
    return info


def _destination(name: str) -> str | Destination:
    """DuckDB gets its default file and a memory limit; anything else is dlt's to resolve."""
    if name != "duckdb":
        return name
    database = dlt.secrets.get("destination.duckdb.credentials")
    if database is not None and not isinstance(database, str):
        return name  # a credentials table in secrets.toml: dlt knows what to do with it
    memory_limit = dlt.config.get("destination.duckdb.memory_limit") or DEFAULT_DUCKDB_MEMORY_LIMIT
    credentials = DuckDbCredentials(
        database or DEFAULT_DUCKDB_FILE,
        global_config={**DUCKDB_SETTINGS, "memory_limit": memory_limit},
    )
    return dlt.destinations.duckdb(credentials=credentials)


@contextmanager
def run_lock(name: str) -> Iterator[None]:
    """Holds an exclusive lock for one pipeline; the OS drops it if the process dies."""
    # beside the pipelines' state, so that DLT_DATA_DIR separates them
    lock_dir = Path(dlt.current.run_context().get_data_entity("pipelines"))
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / f"{name}.sync.lock", "w") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PipelineBusy(
                f"{name}: another sync of this pipeline is still running (lock "
                f"{lock_file.name}); this run did nothing. Let it finish, or space the "
                "schedule further apart."
            ) from None
        yield


def explain(exc: BaseException) -> str | None:
    """The one-paragraph message for an expected failure, None for anything else."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ApiError | SyncError):
            return redact(str(current))
        if isinstance(current, ConfigFieldMissingException):
            return _missing_config(current)
        if _is_connection_error(current):
            return (
                f"could not reach the destination database: {redact(str(current)).strip()}. "
                "Check DESTINATION__POSTGRES__CREDENTIALS (or [destination.postgres] in "
                ".dlt/secrets.toml) and that the server is up; nothing was loaded."
            )
        pending += [
            getattr(current, "exception", None),
            current.__cause__,
            current.__context__,
        ]
    return None


def _missing_config(exc: ConfigFieldMissingException) -> str:
    """Names the keys to set; dlt's own message lists every place it looked."""
    if "Client" in exc.spec_name:  # a destination's configuration
        missing = [
            f"{field}.{nested}"
            for field, traces in exc.traces.items()
            for trace in traces
            if isinstance(trace, LookupTraces)
            for nested in trace.traces
        ] or list(exc.fields)
        return (
            f"the destination's configuration is incomplete (missing {', '.join(missing)}). "
            "Set DESTINATION__POSTGRES__CREDENTIALS to a full connection string such as "
            "postgresql://user:password@host:5432/database (or [destination.postgres] "
            "credentials in .dlt/secrets.toml)."
        )
    keys = [_source_key(traces, field) for field, traces in exc.traces.items()]
    envs = [key.upper().replace(".", "__") for key in keys]
    return (
        f"missing configuration: {', '.join(keys)}. Put it in .dlt/secrets.toml (see "
        f".dlt/secrets.toml.example) or set {', '.join(envs)} in the environment."
    )


def _source_key(traces: list, field: str) -> str:
    """`sources.<source>.<field>`, the key our README documents, from dlt's lookups."""
    sections = next(
        (t.sections for t in traces if getattr(t, "sections", None) and len(t.sections) == 2),
        None,
    )
    return ".".join([*(sections or ["sources"]), field])


def _is_connection_error(exc: BaseException) -> bool:
    return type(exc).__name__ in {"OperationalError", "DestinationConnectionError"}


def _configured_sources() -> list[str]:
    names = [
        name
        for name, entry in SOURCES.items()
        if all(dlt.secrets.get(f"sources.{name}.{key}") for key in entry.secrets)
    ]
    if not names:
        keys = ", ".join(
            f"sources.{name}.{key}" for name, entry in SOURCES.items() for key in entry.secrets
        )
        raise SyncError(
            f"no source is configured. Set the credentials of at least one ({keys}) in "
            ".dlt/secrets.toml or the environment, or name a source to see what it needs."
        )
    return names


def _print_summary(name: str, pipeline: dlt.Pipeline, seconds: float) -> None:
    trace = pipeline.last_trace
    normalize = trace.last_normalize_info if trace else None
    counts = {
        table: rows
        for table, rows in (normalize.row_counts if normalize else {}).items()
        if not table.startswith("_dlt")
    }
    stats = RUN_STATS.get(name)
    steps = ", ".join(
        f"{step.step} {(step.finished_at - step.started_at).total_seconds():.1f} s"
        for step in (trace.steps if trace else [])
        if step.step in ("extract", "normalize", "load") and step.finished_at
    )
    lines = [f"{name}: loaded in {seconds:.1f} s" + (f" ({steps})" if steps else "")]
    lines += [f"  {table:<32} {rows:>10,} rows" for table, rows in sorted(counts.items())]
    if stats:
        lines.append(
            f"  requests {stats.requests:,}, retries {stats.retries:,}, "
            f"waited {stats.waited_seconds:.1f} s for rate limits and retries"
        )
    print("\n".join(lines), flush=True)


def _progress() -> dlt.common.runtime.collector.Collector:
    if sys.stderr.isatty():
        return dlt.progress.tqdm(colour="green")
    return dlt.progress.log(log_period=60, logger=logging.getLogger("ticketing.progress"))


def _setup_logging() -> None:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # httpx logs every request at INFO; our client logs what matters
    logging.getLogger("httpx").setLevel(logging.WARNING)
    install_secret_filter()


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m pipelines.sync", description=__doc__)
    parser.add_argument("sources", nargs="*", metavar="SOURCE", help=", ".join(SOURCES))
    parser.add_argument("--destination", choices=sorted(LOADER_FILE_FORMATS), default="duckdb")
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="drop this source's tables and cursors, then load everything again",
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.sources if name not in SOURCES]
    if unknown:
        parser.error(f"unknown source {', '.join(unknown)}; choose from {', '.join(SOURCES)}")
    return args


if __name__ == "__main__":
    sys.exit(main())
