"""What a sync writes: one line format for everything, progress as a line per step, no noise.

Every line is `<UTC time> <LEVEL> <message>`: dlt's own records, the HTTP client's retries,
progress, the closing summary (on stdout) and errors (on stderr) alike, so a cron log or an
Airflow task log can be read and parsed line by line.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import dlt
import pendulum
from dlt.common.runtime.collector import Collector, NullCollector

from sources.client import SecretFilter, Secrets, install_secret_filter

logger = logging.getLogger("ticketing")
# the closing summary goes to stdout, everything else to stderr
summary = logging.getLogger("ticketing.summary")

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
STEPS = ("extract", "normalize", "load")


class UtcFormatter(logging.Formatter):
    """`2026-11-30T12:00:00.123Z INFO message`."""

    converter = time.gmtime
    default_time_format = "%Y-%m-%dT%H:%M:%S"
    default_msec_format = "%s.%03dZ"

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(message)s")


class DltRecords(logging.Filter):
    """Puts dlt's records on one line behind `dlt:`, and below DEBUG drops its warnings about
    columns that got no data: API fields that happen to be null in one load carry no news
    (the column appears once a value does)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "did not receive any data" in message and not logger.isEnabledFor(logging.DEBUG):
            return False
        record.msg, record.args = "dlt: " + " ".join(message.split()), None
        return True


def log_level(value: str | None) -> str:
    """LOG_LEVEL in any case; raises ValueError naming the choices."""
    level = (value or "INFO").strip().upper()
    if level not in LEVELS:
        raise ValueError(f"LOG_LEVEL={value!r} is not a log level; use one of {', '.join(LEVELS)}")
    return level


def setup_logging(level: str, secrets: Secrets) -> None:
    """Log lines to stderr and the closing summary to stdout, the run's secrets blanked out."""
    formatter = UtcFormatter()
    to_stderr = logging.StreamHandler(sys.stderr)
    to_stderr.setFormatter(formatter)
    logging.basicConfig(level=level, handlers=[to_stderr], force=True)
    # a library's warnings.warn() becomes a log line like any other
    logging.captureWarnings(True)
    to_stdout = logging.StreamHandler(sys.stdout)
    to_stdout.setFormatter(formatter)
    to_stdout.addFilter(SecretFilter(secrets))
    summary.handlers[:] = [to_stdout]
    summary.propagate = False
    # httpx logs every request at INFO; our client logs what matters
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLevelName(level)))
    _adopt_dlt_logger()
    install_secret_filter(secrets)


def _adopt_dlt_logger() -> None:
    """dlt gives its logger a handler and format of its own when its runtime starts: start it
    now, then send its records through ours."""
    dlt.current.run_context().runtime_config  # noqa: B018 (starts dlt's runtime and logger)
    dlt_logger = logging.getLogger("dlt")
    dlt_logger.handlers.clear()
    dlt_logger.propagate = True
    if not any(isinstance(f, DltRecords) for f in dlt_logger.filters):
        dlt_logger.addFilter(DltRecords())


def log_error(message: str, secrets: Secrets) -> None:
    """An error as one line of the log: a paragraph, never a traceback, never a secret."""
    logger.error("%s", " ".join(secrets.redact(message).split()))


def progress(target: str) -> Collector:
    """Bars on a terminal; in a log, one line as each step ends, named after the target."""
    if sys.stderr.isatty():
        return dlt.progress.tqdm(colour="green")
    return StepLines(target)


class StepLines(NullCollector):
    """Progress for logs: one line when extract, normalize or load ends."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target

    def on_end_trace_step(
        self, trace: Any, step: Any, pipeline: Any, step_info: Any, send_state: bool
    ) -> None:
        if step.step not in STEPS or step.step_exception or step_info is None:
            return
        seconds = (step.finished_at - step.started_at).total_seconds()
        packages = ", ".join(describe_load(load_id) for load_id in step_info.loads_ids)
        logger.info(
            "%s: %s done in %.1f s%s (load %s)",
            self.target,
            step.step,
            seconds,
            _rows(step.step, step_info),
            packages or "none",
        )


def _rows(step: str, info: Any) -> str:
    if step == "extract":
        rows = sum(
            metrics.items_count
            for per_load in info.metrics.values()
            for job in per_load
            for table, metrics in job["table_metrics"].items()
            if not table.startswith("_dlt")
        )
        return f", {rows:,} records read"
    if step == "normalize":
        rows = sum(n for table, n in info.row_counts.items() if not table.startswith("_dlt"))
        return f", {rows:,} rows ready"
    return f", into {info.destination_name} dataset {info.dataset_name}"


def describe_load(load_id: str) -> str:
    """dlt's load id (unix seconds) with its UTC time:
    `1796041078.0629003 of 2026-11-30 12:17:58 UTC`."""
    try:
        moment = pendulum.from_timestamp(float(load_id))
    except ValueError:
        return load_id
    return f"{load_id} of {moment.format('YYYY-MM-DD HH:mm:ss')} UTC"
